"""Login throttling: too many failures for one username or one address answer 429.

Failures live in the database, so the limit holds across every process of a deployment.
While throttled, even the right password is refused; a success clears the username's count.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .exceptions import TooManyRequests
from .i18n import _
from .models import LoginFailure, username_key, utcnow
from .security import log_security_event


@dataclass(frozen=True)
class LoginThrottle:
    max_failures: int
    max_failures_per_address: int
    window: int

    @classmethod
    def from_settings(cls, settings: dict) -> "LoginThrottle":
        return cls(
            max_failures=int(settings["desk.login.max_failures"]),
            max_failures_per_address=int(settings["desk.login.max_failures_per_address"]),
            window=int(settings["desk.login.window"]),
        )

    def _retry_after(self, dbsession: Session, column, value: str, limit: int) -> int | None:
        since = utcnow() - timedelta(seconds=self.window)
        count, oldest = dbsession.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                column == value, LoginFailure.failed_at > since
            )
        ).one()
        if count < limit:
            return None
        return max(1, int((oldest - since).total_seconds()) + 1)

    def check(self, dbsession: Session, username: str, address: str) -> None:
        """Raise TooManyRequests while the username or the address is throttled."""
        for column, value, limit, name in (
            (LoginFailure.username_key, username_key(username), self.max_failures, "username"),
            (LoginFailure.address, address, self.max_failures_per_address, "address"),
        ):
            retry_after = self._retry_after(dbsession, column, value, limit)
            if retry_after is not None:
                log_security_event("login_throttled", user=username, address=address, by=name)
                raise TooManyRequests(
                    _("Too many failed logins; try again later."),
                    retry_after=retry_after,
                    policy=f'"login";q={limit};w={self.window}',
                )

    def failed(self, dbsession: Session, username: str, address: str) -> None:
        log_security_event("login_failed", user=username, address=address)
        dbsession.add(
            LoginFailure(username_key=username_key(username), address=address, failed_at=utcnow())
        )

    def succeeded(self, dbsession: Session, username: str) -> None:
        dbsession.execute(
            delete(LoginFailure).where(LoginFailure.username_key == username_key(username))
        )
