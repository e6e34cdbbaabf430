"""Password hashing with argon2id, at OWASP's recommended strength by default.

Every hash and verification runs on a pool of ``HASHING_THREADS`` threads, whichever request
thread asks. argon2id fills ``memory_cost`` KiB per call, and glibc keeps that block in the
malloc arena of the thread that used it (its mmap threshold rises to the size of the first one
freed), ready for the next call: spread over every waitress thread, logins would leave a block
behind in each. A fixed pool bounds a process's argon2 memory to ``HASHING_THREADS`` blocks
whatever the number of cores or request threads. The default parameters are OWASP's
m=9 MiB, t=4, p=1, which it lists as strong as m=19 MiB, t=2 at about the same CPU: two
9 MiB blocks hold what one 19 MiB block did, so two logins hash at once on two cores and a
process stays under its 150 MB (BENCHMARKS.md, issue 10). More logins per second are more
processes, one per core, each with its own pool.
"""

from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .i18n import _

HASHING_THREADS = 2
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

    def __init__(self, time_cost: int = 4, memory_cost: int = 9216, parallelism: int = 1):
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
