"""Password hashing with argon2id, at or above OWASP's minimum parameters by default.

Every hash and verification runs on one small pool of threads (``HASHING_THREADS``, one per
core), whichever request thread asks. argon2id fills ``memory_cost`` KiB (19 MiB by default)
per call, and glibc keeps that block in the malloc arena of the thread that used it: spread
over every waitress thread, logins would leave 19 MiB behind in each. On the pool, only a
core's worth of threads ever holds it, so a server may run as many request threads as its
database round trips call for. More than one argon2 per core at a time would not be faster.
"""

import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .i18n import _

HASHING_THREADS = os.cpu_count() or 1
_hashing = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="desk-argon2")


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is too weak to accept, or None when it is acceptable."""
    if len(password) < 8:
        return _("Must be at least 8 characters.")
    if len(password) > 1024:
        return _("Must be at most 1024 characters.")
    if password.isdigit():
        return _("Must not be entirely numeric.")
    if username is not None and password.casefold() == username.casefold():
        return _("Must not be the same as the username.")
    return None


class Passwords:
    """Hashes and verifies passwords; parameters come from the ini's ``desk.password_hash.*``."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against when the username is unknown, so that both failures cost the same.
        self.dummy_hash = self.hash("desk-timing-equalizer")

    @classmethod
    def from_settings(cls, settings: dict) -> "Passwords":
        return cls(
            time_cost=int(settings["desk.password_hash.time_cost"]),
            memory_cost=int(settings["desk.password_hash.memory_cost"]),
            parallelism=int(settings["desk.password_hash.parallelism"]),
        )

    def hash(self, password: str) -> str:
        return _hashing.submit(self.hasher.hash, password).result()

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, spends the same time and says False."""
        return _hashing.submit(self._verify, password_hash, password).result()

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash or self.dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
