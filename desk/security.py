"""Who is calling, and what they may do: a Pyramid 2 security policy over JWT bearer tokens.

Tokens are made and checked with pyramid_jwt's helpers; the caller's principals come from
the database on every request, so a role change or a deactivation counts at once.

A server-rendered UI (the admin) may ask for its paths to authenticate with a session cookie
instead: there, and only there, the session names the user; the API never reads a cookie,
so it cannot be driven by a cross-site request.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache
from pyramid_jwt.policy import JWTAuthenticationPolicy

from .models import User
from .permissions import SUPERUSERS, role_principal, user_principal

log = logging.getLogger(__name__)

ACCESS_TOKEN_TYPE = "access"

#: Session keys: who logged in, and their token epoch then (a password change ends it).
SESSION_USER_ID = "desk.user_id"
SESSION_EPOCH = "desk.token_epoch"


@dataclass
class Identity:
    """The authenticated caller and the principals the ACLs match against."""

    user: User
    principals: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, user: User) -> "Identity":
        principals = [Authenticated, user_principal(user.id), role_principal(user.role)]
        if user.is_superuser:
            principals.append(SUPERUSERS)
        return cls(user=user, principals=principals)


class DeskSecurityPolicy:
    """Bearer JWT authentication, ACL authorization."""

    def __init__(self, secret: str, access_ttl: int, algorithm: str = "HS256"):
        self.access_ttl = access_ttl
        self.jwt = JWTAuthenticationPolicy(
            private_key=secret,
            algorithm=algorithm,
            expiration=timedelta(seconds=access_ttl),
            auth_type="Bearer",
        )
        self.acl = ACLHelper()
        self.identity_cache = RequestLocalCache(self.load_identity)
        #: Path prefixes whose identity comes from the session cookie, never a bearer token.
        self.session_prefixes: tuple[str, ...] = ()

    def use_sessions_under(self, prefix: str) -> None:
        """Let requests under ``prefix`` authenticate with the session cookie, and only so."""
        self.session_prefixes = (*self.session_prefixes, prefix)

    def uses_session(self, request) -> bool:
        return bool(self.session_prefixes) and request.path_info.startswith(self.session_prefixes)

    @staticmethod
    def may_hold_session(user: User) -> bool:
        """Sessions exist for the admin alone: only an active superuser may hold one."""
        return user.is_active and user.is_superuser

    def session_identity(self, request) -> Identity | None:
        """The session's user, re-read now: still an active superuser, same password."""
        user_id = request.session.get(SESSION_USER_ID)
        if not isinstance(user_id, int):
            return None
        user = request.dbsession.get(User, user_id)
        if user is None or request.session.get(SESSION_EPOCH) != user.token_epoch:
            return None
        return Identity.of(user) if self.may_hold_session(user) else None

    def create_access_token(self, user: User) -> str:
        # PyJWT refuses a non-string ``sub``; the epoch ties the token to the password.
        return self.jwt.create_token(str(user.id), typ=ACCESS_TOKEN_TYPE, epoch=user.token_epoch)

    def bearer_token(self, request) -> str | None:
        """The token of an ``Authorization: Bearer`` header (any letter case), if any."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def load_identity(self, request) -> Identity | None:
        if self.uses_session(request):
            return self.session_identity(request)
        token = self.bearer_token(request)
        if token is None:
            return None
        claims = self.jwt.jwt_decode(request, token)
        request.environ["desk.auth.token_rejected"] = True
        if claims.get("typ") != ACCESS_TOKEN_TYPE or not str(claims.get("sub", "")).isdigit():
            return None
        user = request.dbsession.get(User, int(claims["sub"]))
        if user is None or not user.is_active or claims.get("epoch") != user.token_epoch:
            return None
        request.environ["desk.auth.token_rejected"] = False
        return Identity.of(user)

    def identity(self, request) -> Identity | None:
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request) -> int | None:
        identity = self.identity(request)
        return identity.user.id if identity else None

    def permits(self, request, context, permission):
        identity = self.identity(request)
        principals = [Everyone, *(identity.principals if identity else ())]
        return self.acl.permits(context, principals, permission)

    def remember(self, request, userid, **kw) -> list:
        """On session paths, log ``userid`` in; the session sets its own cookie."""
        if self.uses_session(request):
            user = request.dbsession.get(User, userid)
            # A fresh session and CSRF token at every login: nothing carried over from before.
            request.session.invalidate()
            request.session.update({SESSION_USER_ID: user.id, SESSION_EPOCH: user.token_epoch})
            request.session.new_csrf_token()
        return []  # Bearer tokens travel in response bodies, not headers.

    def forget(self, request, **kw) -> list:
        if self.uses_session(request):
            request.session.invalidate()
        return []


def includeme(config) -> None:
    settings = config.get_settings()
    policy = DeskSecurityPolicy(
        secret=settings["desk.jwt.secret"], access_ttl=int(settings["desk.jwt.access_ttl"])
    )
    config.set_security_policy(policy)
    config.registry["security_policy"] = policy
    config.add_request_method(current_user, "user", reify=True)


def current_user(request) -> User | None:
    """``request.user``: the authenticated caller's row, or None."""
    identity = request.identity
    return identity.user if identity else None
