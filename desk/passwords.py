"""Password hashing with argon2id, at or above OWASP's minimum parameters by default."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is too weak to accept, or None when it is acceptable."""
    if len(password) < 8:
        return "Must be at least 8 characters."
    if len(password) > 1024:
        return "Must be at most 1024 characters."
    if password.isdigit():
        return "Must not be entirely numeric."
    if username is not None and password.casefold() == username.casefold():
        return "Must not be the same as the username."
    return None


class Passwords:
    """Hashes and verifies passwords; parameters come from the ini's ``desk.password_hash.*``."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against when the username is unknown, so that both failures cost the same.
        self.dummy_hash = self.hasher.hash("desk-timing-equalizer")

    @classmethod
    def from_settings(cls, settings: dict) -> "Passwords":
        return cls(
            time_cost=int(settings["desk.password_hash.time_cost"]),
            memory_cost=int(settings["desk.password_hash.memory_cost"]),
            parallelism=int(settings["desk.password_hash.parallelism"]),
        )

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, spends the same time and says False."""
        try:
            return self.hasher.verify(password_hash or self.dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
