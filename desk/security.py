"""Who is calling, and what they may do: a Pyramid 2 security policy over JWT bearer tokens.

Tokens are made and checked with pyramid_jwt's helpers; the caller's principals come from
the database on every request, so a role change or a deactivation counts at once. That read
is one Core row of ``users`` (a statement built once, its compiled form in SQLAlchemy's
cache), not an ORM load: a read needs the caller's fields, not a mapped object. A view that
changes data gets the ORM ``User`` as ``request.user``, made from that row without a query.

Signing keys rotate: every token names its key in a ``kid`` header, new tokens are signed with
the current key only, and retired keys (``desk.jwt.previous_secrets``) still verify the tokens
they signed until those expire. A token naming no known key is refused.

A server-rendered UI (the admin) may ask for its paths to authenticate with a session cookie
instead: there, and only there, the session names the user; the API never reads a cookie,
so it cannot be driven by a cross-site request.

Security events (failed logins, throttling, token reuse, refused tokens, denied permissions)
go to the ``desk.security`` logger with the user and the client address, never a secret.
"""

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import jwt
from cachetools import LRUCache
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache
from pyramid_jwt.policy import JWTAuthenticationPolicy
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .models import User
from .permissions import SUPERUSERS, role_principal, user_principal

#: Where security events go; operators may route this logger to its own file.
security_log = logging.getLogger("desk.security")

ACCESS_TOKEN_TYPE = "access"
#: Claims an access token must carry; PyJWT refuses one without them.
REQUIRED_CLAIMS = ["sub", "iat", "exp", "typ", "epoch"]

#: Tokens whose signature and claims each process remembers having verified (about 600 bytes
#: each): a client's token is checked in full once, then only for its expiry.
VERIFIED_TOKENS_CACHED = 4096

#: Session keys: who logged in, and their token epoch then (a password change ends it).
SESSION_USER_ID = "desk.user_id"
SESSION_EPOCH = "desk.token_epoch"


def log_security_event(
    event: str, *, user: object, address: str | None, level: int = logging.WARNING, **details
) -> None:
    """One line on ``desk.security``: the event, who, from where, and details.

    Values are written with ``repr`` so that whatever a client typed cannot forge a log line.
    Callers pass no password or token, ever: only names, ids and reasons.
    """
    extra = "".join(f" {name}={value!r}" for name, value in details.items())
    security_log.log(level, "%s user=%r address=%s%s", event, user, address or "unknown", extra)


def log_request_event(event: str, request, level: int = logging.WARNING, **details) -> None:
    """``log_security_event`` for ``request``: its user, address, method and path."""
    log_security_event(
        event,
        user=request.authenticated_userid,
        # REMOTE_ADDR, never WebOb's client_addr (which believes any X-Forwarded-For):
        # waitress sets it from the header of a trusted proxy only (production.ini).
        address=request.remote_addr,
        level=level,
        method=request.method,
        path=request.path,
        **details,
    )


def key_id(secret: str) -> str:
    """A key's public name for the ``kid`` header: the start of its SHA-256 fingerprint.

    Sixteen hex digits name a key among a handful without saying anything usable about it.
    """
    return hashlib.sha256(b"desk.jwt.kid:" + secret.encode()).hexdigest()[:16]


class InvalidToken(Exception):
    """A bearer token that does not verify; the message says why (never the token).

    ``user`` is the id the token names once its signature holds (a revoked token), else None.
    """

    def __init__(self, reason: str, user: int | None = None):
        super().__init__(reason)
        self.user = user


class RotatingJWTPolicy(JWTAuthenticationPolicy):
    """pyramid_jwt's token helper with key rotation.

    From pyramid_jwt Desk uses what it does: the token settings (algorithm, expiry, leeway,
    audience, default claims, JSON encoder) and their ini-free constructor. Two parts cannot
    serve key rotation by ``kid``, so they are overridden here:

    - ``create_token``: pyramid_jwt's cannot add a JWT header, so it cannot name the key
      (``kid``); it also stamps ``iat``/``exp`` with the naive ``datetime.utcnow``. Here it
      signs with the current key, names it in ``kid``, and stamps an aware UTC time.
    - ``jwt_decode``/``get_claims``: pyramid_jwt verifies against one fixed key, cannot
      require claims, and returns ``{}`` without saying why. ``verify`` picks the key by
      ``kid`` among the current and the previous ones, requires ``REQUIRED_CLAIMS``, and
      raises ``InvalidToken`` with the reason the security log records.
    """

    def __init__(self, secret: str, previous_secrets: Iterable[str] = (), **kw):
        super().__init__(private_key=secret, **kw)
        self.kid = key_id(secret)
        # Previous keys first, so that the current key wins if one were listed twice.
        self.keys = {key_id(key): key for key in (*previous_secrets, secret)}
        #: token -> (its expiry as a POSIX timestamp, its claims)
        self.verified: LRUCache[str, tuple[float, Mapping]] = LRUCache(VERIFIED_TOKENS_CACHED)
        self.verified_lock = threading.Lock()

    def create_token(self, principal, expiration=None, audience=None, **claims) -> str:
        now = datetime.now(UTC)
        payload = {**self.default_claims, **claims, "sub": principal, "iat": now}
        expiration = expiration or self.expiration
        if expiration:
            payload["exp"] = now + expiration
        if audience or self.audience:
            payload["aud"] = audience or self.audience
        return jwt.encode(
            payload,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.kid},
            json_encoder=self.json_encoder,
        )

    def verify(self, token: str) -> Mapping:
        """The token's claims (read-only), or InvalidToken: unknown key, bad signature, expired...

        A client sends the same token with every request until it expires. PyJWT parses and
        checks it in about a tenth of a small request's time, so the claims of tokens that
        verified are remembered (``VERIFIED_TOKENS_CACHED``, least recently used first out);
        a remembered token is then checked for its expiry alone, which is the one thing about
        it that changes. Keys are fixed for a process's life, so nothing else can. Whether
        the user may still use it (active, same password) is read from the database on every
        request either way.
        """
        with self.verified_lock:
            expiry, claims = self.verified.get(token, (0.0, None))
        # PyJWT's test: expired once ``exp <= now - leeway``.
        if claims is not None and expiry > time.time() - self.leeway_seconds:
            return claims
        claims = MappingProxyType(self.decode(token))
        with self.verified_lock:
            self.verified[token] = (float(claims["exp"]), claims)
        return claims

    @property
    def leeway_seconds(self) -> float:
        leeway = self.leeway
        return leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway)

    def decode(self, token: str) -> dict:
        """Verify ``token`` in full with PyJWT: its key, signature and claims."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise InvalidToken("unknown signing key")
            # One algorithm only: "none" and any other are refused before the signature.
            return jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],
                leeway=self.leeway,
                audience=self.audience,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(type(exc).__name__) from exc

    def jwt_decode(self, request, token) -> dict:
        try:
            return dict(self.verify(token))
        except InvalidToken:
            return {}


#: The caller's columns: every one of ``users`` but the password hash, which no read needs.
CALLER_COLUMNS = tuple(column for column in User.__table__.c if column.key != "password_hash")
#: The caller by id, built once: each request runs it with its own id, and SQLAlchemy
#: compiles it once per process (its compiled-statement cache).
CALLER_BY_ID = select(*CALLER_COLUMNS).where(User.__table__.c.id == bindparam("id"))


def caller_row(dbsession: Session, user_id: int) -> Row | None:
    """The user ``user_id``'s row (``CALLER_COLUMNS``, as attributes), or None."""
    return dbsession.execute(CALLER_BY_ID, {"id": user_id}).first()


def orm_user(dbsession: Session, caller: Row) -> User:
    """The session's ``User`` for the caller's row, made without a query when not loaded.

    One already in the session (e.g. a ticket's requester that traversal loaded) is the
    one returned. Else the row becomes a persistent ``User`` as if just loaded
    (``make_transient_to_detached``, then ``add``); its password hash loads on first use.
    """
    loaded = dbsession.identity_map.get(dbsession.identity_key(User, caller.id))
    if loaded is not None:
        return loaded
    fields = caller._asdict()  # Row's documented named-tuple API
    user = User(username=fields.pop("username"))
    for name, value in fields.items():
        setattr(user, name, value)
    make_transient_to_detached(user)
    dbsession.add(user)
    return user


@dataclass
class Identity:
    """The authenticated caller (its ``users`` row) and the principals the ACLs match."""

    caller: Row
    principals: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, caller: Row) -> "Identity":
        principals = [Authenticated, user_principal(caller.id), role_principal(caller.role)]
        if caller.is_superuser:
            principals.append(SUPERUSERS)
        return cls(caller=caller, principals=principals)


class DeskSecurityPolicy:
    """Bearer JWT authentication, ACL authorization."""

    def __init__(
        self,
        secret: str,
        access_ttl: int,
        algorithm: str = "HS256",
        previous_secrets: Iterable[str] = (),
    ):
        self.access_ttl = access_ttl
        self.jwt = RotatingJWTPolicy(
            secret,
            previous_secrets,
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
    def may_hold_session(user: User | Row) -> bool:
        """Sessions exist for the admin alone: only an active superuser may hold one."""
        return user.is_active and user.is_superuser

    def session_identity(self, request) -> Identity | None:
        """The session's user, re-read now: still an active superuser, same password."""
        user_id = request.session.get(SESSION_USER_ID)
        if not isinstance(user_id, int):
            return None
        caller = caller_row(request.dbsession, user_id)
        if caller is None or request.session.get(SESSION_EPOCH) != caller.token_epoch:
            return None
        return Identity.of(caller) if self.may_hold_session(caller) else None

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
        request.environ["desk.auth.token_rejected"] = True
        try:
            caller = self.token_caller(request, token)
        except InvalidToken as exc:
            log_security_event(
                "invalid_token",
                user=exc.user,
                address=request.remote_addr,
                level=logging.INFO,
                reason=str(exc),
            )
            return None
        request.environ["desk.auth.token_rejected"] = False
        return Identity.of(caller)

    def token_caller(self, request, token: str) -> Row:
        """The row of the active user an access token names, or InvalidToken saying why not."""
        claims = self.jwt.verify(token)
        subject = claims["sub"]
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise InvalidToken("not an access token")
        if not isinstance(subject, str) or not subject.isascii() or not subject.isdigit():
            raise InvalidToken("malformed subject")
        caller = caller_row(request.dbsession, int(subject))
        if caller is None or not caller.is_active:
            raise InvalidToken("no such active user", user=int(subject))
        if claims["epoch"] != caller.token_epoch:
            # Issued before a password change or a deactivation.
            raise InvalidToken("revoked by a password change or deactivation", user=caller.id)
        return caller

    def identity(self, request) -> Identity | None:
        return self.identity_cache.get_or_create(request)

    def known_identity(self, request) -> Identity | None:
        """The identity if this request has already been authenticated; never a query."""
        return self.identity_cache.get(request, None)

    def authenticated_userid(self, request) -> int | None:
        identity = self.identity(request)
        return identity.caller.id if identity else None

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
        secret=settings["desk.jwt.secret"],
        access_ttl=int(settings["desk.jwt.access_ttl"]),
        previous_secrets=settings.get("desk.jwt.previous_secrets") or (),
    )
    config.set_security_policy(policy)
    config.registry["security_policy"] = policy
    config.add_request_method(current_caller, "caller", reify=True)
    config.add_request_method(current_user, "user", reify=True)


def current_caller(request) -> Row | None:
    """``request.caller``: the authenticated caller's ``users`` row (``CALLER_COLUMNS``)."""
    identity = request.identity
    return identity.caller if identity else None


def current_user(request) -> User | None:
    """``request.user``: the authenticated caller as the session's ORM ``User``, or None."""
    caller = request.caller
    return orm_user(request.dbsession, caller) if caller is not None else None
