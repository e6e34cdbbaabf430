"""Password hashing runs on a fixed pool per process, whichever request thread asks: a process
holds at most ``HASHING_THREADS`` argon2id blocks (``memory_cost`` KiB) at a time, however many
request threads and cores it has (BENCHMARKS.md, issue 10)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

from desk.passwords import HASHING_THREADS, Passwords


class RecordingHasher(PasswordHasher):
    """A hasher that notes which thread ran each call and how many ran at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.threads: set[str] = set()
        self.running = 0
        self.most_at_once = 0

    def verify(self, password_hash, password):
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return super().verify(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_verifications_from_many_threads_run_on_the_hashing_pool_only():
    passwords = Passwords(time_cost=1, memory_cost=1024)
    good = passwords.hash("correct horse battery")
    passwords.hasher = RecordingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    attempts = ["correct horse battery", "wrong horse battery"] * 8

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="request") as requests:
        answers = list(requests.map(lambda password: passwords.verify(good, password), attempts))

    assert answers == [True, False] * 8
    assert 1 <= passwords.hasher.most_at_once <= HASHING_THREADS
    assert 1 <= len(passwords.hasher.threads) <= HASHING_THREADS
    assert all(name.startswith("desk-argon2") for name in passwords.hasher.threads)
