"""People who use Desk: requesters, operators, executors, and the superuser flag."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from .enums import Role
from .meta import Base, UTCDateTime, utcnow

#: The languages a user's mail can be written in.
LANGUAGES = ("en", "ru")


def username_key(username: str) -> str:
    """The form usernames are compared in: unique and looked up case-insensitively."""
    return username.casefold()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {tuple(r.value for r in Role)}", name="role"),
        CheckConstraint(f"language IN {LANGUAGES}", name="language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    # casefold() is applied in Python, not by the database, so SQLite and PostgreSQL agree
    # on which Unicode usernames collide whatever their collation.
    username_key: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.REQUESTER.value, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    date_joined: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on a password change: every token carrying an older epoch is refused.
    token_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # E-mail notifications (desk.mail): whether to send any, and in which language; None is
    # the deployment's default (desk.mail.default_language).
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    language: Mapped[str | None] = mapped_column(String(8))

    def __init__(self, *, username: str, **fields):
        super().__init__(username=username, username_key=username_key(username), **fields)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r} {self.role}>"
