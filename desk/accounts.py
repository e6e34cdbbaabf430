"""Accounts: registration, login, refresh-token rotation, logout and profile changes."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .exceptions import AuthenticationFailed, Conflict, InvalidInput
from .i18n import _
from .models import RefreshToken, Role, User, username_key, utcnow
from .passwords import Passwords, password_problem

WRONG_CREDENTIALS = _("No active account found with the given credentials.")


class RefreshTokenReused(AuthenticationFailed):
    """A revoked refresh token came back: its family is revoked, and that must be committed."""

    def __init__(self, detail: str, user_id: int, family_id: str):
        super().__init__(detail)
        self.user_id = user_id
        self.family_id = family_id


def find_user(dbsession: Session, username: str) -> User | None:
    return dbsession.scalars(
        select(User).where(User.username_key == username_key(username))
    ).one_or_none()


def create_user(
    dbsession: Session, passwords: Passwords, *, username: str, password: str, **fields
) -> User:
    """A new user; a username taken in any letter case is a 409, even under a race."""
    if find_user(dbsession, username) is not None:
        raise Conflict(_("A user with that username already exists."))
    user = User(username=username, password_hash=passwords.hash(password), **fields)
    try:
        with dbsession.begin_nested():
            dbsession.add(user)
    except IntegrityError as exc:
        raise Conflict(_("A user with that username already exists.")) from exc
    return user


def register(
    dbsession: Session, passwords: Passwords, data: dict, allowed_roles: list[str]
) -> User:
    role = data.pop("role", Role.REQUESTER.value)
    if role not in allowed_roles:
        allowed = ", ".join(allowed_roles)
        raise InvalidInput(
            "role", _("Registration allows only: ${roles}.", mapping={"roles": allowed})
        )
    return create_user(dbsession, passwords, role=role, **data)


def authenticate(dbsession: Session, passwords: Passwords, username: str, password: str) -> User:
    """The active user with these credentials; one answer for every kind of failure."""
    user = find_user(dbsession, username)
    valid = passwords.verify(user.password_hash if user else None, password)
    if not valid or not user.is_active:
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return user


# --- refresh tokens ----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_refresh_token(
    dbsession: Session, user: User, ttl: int, family_id: str | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    dbsession.add(
        RefreshToken(
            token_hash=_digest(token),
            family_id=family_id or secrets.token_hex(16),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return token


def _revoke_family(dbsession: Session, family_id: str) -> None:
    dbsession.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _locked_token(dbsession: Session, token: str) -> RefreshToken | None:
    # The row lock makes two refreshes of one token queue up: the second sees it revoked.
    return dbsession.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(token)).with_for_update()
    ).one_or_none()


def rotate_refresh_token(dbsession: Session, token: str, ttl: int) -> tuple[User, str]:
    """Swap a live refresh token for a new one of its family; reuse revokes the family."""
    record = _locked_token(dbsession, token)
    if record is None:
        raise AuthenticationFailed(_("The refresh token is invalid or expired."))
    if record.revoked_at is not None:
        _revoke_family(dbsession, record.family_id)
        raise RefreshTokenReused(
            _("The refresh token is invalid or expired."), record.user_id, record.family_id
        )
    user = dbsession.get(User, record.user_id)
    if record.expires_at <= utcnow() or user is None or not user.is_active:
        raise AuthenticationFailed(_("The refresh token is invalid or expired."))
    record.revoked_at = utcnow()
    return user, issue_refresh_token(dbsession, user, ttl, family_id=record.family_id)


def revoke_refresh_token(dbsession: Session, token: str) -> None:
    """Log out: the token's family stops working. Unknown tokens are quietly accepted."""
    record = _locked_token(dbsession, token)
    if record is not None:
        _revoke_family(dbsession, record.family_id)


def revoke_all_sessions(dbsession: Session, user: User) -> None:
    """Every token issued to ``user`` so far stops working (password change, deactivation)."""
    user.token_epoch += 1
    dbsession.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- profile -----------------------------------------------------------------------------


def update_profile(dbsession: Session, passwords: Passwords, user: User, changes: dict) -> User:
    """Names and email; a new password needs the current one and ends every session."""
    new_password = changes.pop("password", None)
    current_password = changes.pop("current_password", None)
    if new_password is not None:
        if current_password is None or not passwords.verify(user.password_hash, current_password):
            raise InvalidInput("current_password", _("The current password is wrong or missing."))
        problem = password_problem(new_password, user.username)
        if problem:
            raise InvalidInput("password", problem)
        user.password_hash = passwords.hash(new_password)
        revoke_all_sessions(dbsession, user)
    for field, value in changes.items():
        setattr(user, field, value)
    return user


def administer(dbsession: Session, user: User, changes: dict) -> User:
    """A superuser's change to an account; deactivating it ends its sessions."""
    if changes.get("is_active") is False and user.is_active:
        revoke_all_sessions(dbsession, user)
    for field, value in changes.items():
        setattr(user, field, value)
    return user
