"""Who is calling, and what they may do: a Pyramid 2 security policy over JWT bearer tokens.

Tokens are made and checked with pyramid_jwt's helpers; the caller's principals come from
the database on every request, so a role change or a deactivation counts at once.
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
        return []  # Bearer tokens travel in response bodies, not headers.

    def forget(self, request, **kw) -> list:
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
