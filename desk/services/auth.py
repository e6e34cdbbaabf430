"""``/api/auth/``: register, login, refresh, logout and the caller's profile."""

from pyramid.httpexceptions import HTTPNoContent
from pyramid.security import NO_PERMISSION_REQUIRED

from .. import accounts, schemas
from ..api import Service, responses
from ..errors import desk_error
from ..exceptions import AuthenticationFailed
from ..permissions import Permission
from ..representations import user_json
from ..security import log_security_event

TAGS = ["auth"]

register = Service(
    name="auth_register", path="/api/auth/register/", description="Create an account"
)
login = Service(name="auth_login", path="/api/auth/login/", description="Get tokens")
refresh = Service(
    name="auth_refresh", path="/api/auth/refresh/", description="Rotate a refresh token"
)
logout = Service(name="auth_logout", path="/api/auth/logout/", description="Revoke a refresh token")
profile = Service(
    name="auth_profile", path="/api/auth/profile/", description="The caller's own account"
)

SERVICES = (register, login, refresh, logout, profile)


def token_pair(request, user, refresh_token: str) -> dict:
    policy = request.registry["security_policy"]
    return {
        "access": policy.create_access_token(user),
        "refresh": refresh_token,
        "token_type": "Bearer",
        "expires_in": policy.access_ttl,
    }


def refresh_ttl(request) -> int:
    return int(request.registry.settings["desk.jwt.refresh_ttl"])


@register.post(
    schema=schemas.request_schema(schemas.RegisterBody),
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({201: schemas.UserOut()}, 409),
)
def register_user(request):
    """Register; the role must be one the deployment's ini allows (default REQUESTER)."""
    user = accounts.register(
        request.dbsession,
        request.registry["passwords"],
        request.validated["body"],
        request.registry.settings["desk.registration.roles"],
    )
    request.dbsession.flush()
    request.response.status = 201
    return user_json(user)


@login.post(
    schema=schemas.request_schema(schemas.LoginBody),
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({200: schemas.TokenPairOut()}, 401, 429),
)
def login_user(request):
    """Exchange a username (any letter case) and password for an access and a refresh token.

    Repeated failures for one username or one address are throttled (429, Retry-After).
    """
    body = request.validated["body"]
    throttle, address = request.registry["login_throttle"], request.remote_addr or "unknown"
    throttle.check(request.dbsession, body["username"], address)
    try:
        user = accounts.authenticate(
            request.dbsession, request.registry["passwords"], body["username"], body["password"]
        )
    except AuthenticationFailed as exc:
        throttle.failed(request.dbsession, body["username"], address)
        # Returned, not raised: the failure must be committed to count.
        return desk_error(exc, request)
    throttle.succeeded(request.dbsession, body["username"])
    return token_pair(
        request, user, accounts.issue_refresh_token(request.dbsession, user, refresh_ttl(request))
    )


@refresh.post(
    schema=schemas.request_schema(schemas.RefreshBody),
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({200: schemas.TokenPairOut()}, 401),
)
def refresh_tokens(request):
    """A new token pair; the refresh token given is spent. Reusing a spent one ends its family."""
    try:
        user, new_refresh = accounts.rotate_refresh_token(
            request.dbsession, request.validated["body"]["refresh"], refresh_ttl(request)
        )
    except accounts.RefreshTokenReused as exc:
        # A spent token came back: stolen, or a client that retried; either way, worth a look.
        log_security_event(
            "refresh_token_reused",
            user=exc.user_id,
            address=request.remote_addr,
            family=exc.family_id,
        )
        # Returned, not raised: the family's revocation must be committed.
        return desk_error(exc, request)
    return token_pair(request, user, new_refresh)


@logout.post(
    schema=schemas.request_schema(schemas.RefreshBody),
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({204: None}),
)
def logout_user(request):
    """Revoke the refresh token (and its family); 204 also when it was unknown or spent."""
    accounts.revoke_refresh_token(request.dbsession, request.validated["body"]["refresh"])
    return HTTPNoContent()


@profile.get(
    permission=Permission.PROFILE, tags=TAGS, response_schemas=responses({200: schemas.UserOut()})
)
def get_profile(request):
    """The caller's own user object."""
    return user_json(request.caller)


@profile.patch(
    schema=schemas.request_schema(schemas.ProfilePatchBody),
    permission=Permission.PROFILE,
    tags=TAGS,
    response_schemas=responses({200: schemas.UserOut()}),
)
def patch_profile(request):
    """Change names or email; a new password needs current_password and ends every session."""
    user = accounts.update_profile(
        request.dbsession,
        request.registry["passwords"],
        request.user,
        dict(request.validated["body"]),
    )
    return user_json(user)
