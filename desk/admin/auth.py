"""Logging in to and out of the admin: a form, the login throttle, a session cookie.

Credentials are checked exactly as ``POST /api/auth/login/`` checks them (same throttle,
same one answer for every kind of failure); what differs is the outcome: the security
policy remembers the user in the admin's session instead of issuing tokens, and only for
an active superuser.
"""

import colander
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember
from pyramid.view import view_config

from .. import accounts
from ..exceptions import AuthenticationFailed, TooManyRequests
from ..schemas import LoginBody
from ..security import log_security_event
from . import forms
from .i18n import translator
from .rendering import flash, page
from .routes import LOGIN, LOGOUT, home_path, safe_next

#: The API's LoginBody, with the form's labels.
LoginForm = forms.derived(
    LoginBody,
    username={"title": "Username", "autocomplete": "username"},
    password={"title": "Password", "widget": "password", "autocomplete": "current-password"},
)


def login_page(
    request: Request, errors: dict | None = None, message: str | None = None, status: int = 200
) -> Response:
    """The login form, with the username typed so far and what went wrong."""
    _ = translator(request)
    values = {"username": request.POST.get("username", "")}
    return page(
        request,
        "login.jinja2",
        {
            "title": _("Log in to the admin"),
            "fields": forms.fields(request, LoginForm(), values, errors or {}, _),
            "message": message,
            "cookie_notice": cookie_notice(request, _),
            "next": safe_next(request.params.get("next")) or "",
        },
        status=status,
        with_user=False,
    )


def cookie_notice(request: Request, _) -> str | None:
    """Over plain HTTP with a Secure cookie, why logging in cannot work, and what to do."""
    if request.scheme == "https" or not request.registry.settings["desk.admin.secure_cookie"]:
        return None
    return _(
        "This page was opened over plain HTTP, but the admin's session cookie is Secure: "
        "the browser will not keep it, and logging in will bring you back here. Open the "
        "admin over HTTPS, or set desk.admin.secure_cookie = false "
        "(DESK_ADMIN_SECURE_COOKIE=false) on a trusted network."
    )


def next_page(request: Request) -> str:
    """Where a login goes on to: the admin page asked for, else the dashboard."""
    return safe_next(request.params.get("next")) or home_path(request)


@view_config(route_name=LOGIN, request_method="GET", permission=NO_PERMISSION_REQUIRED)
def show_login(request: Request) -> Response:
    """The login form; someone already logged in goes on to the admin."""
    if request.authenticated_userid is not None:
        return HTTPSeeOther(location=next_page(request))
    return login_page(request)


@view_config(route_name=LOGIN, request_method="POST", permission=NO_PERMISSION_REQUIRED)
def log_in(request: Request) -> Response:
    """Check the credentials (throttled like the API's login) and start a session."""
    _ = translator(request)
    try:
        data = forms.validate(LoginForm(), request.POST)
    except colander.Invalid as exc:
        return login_page(request, forms.invalid_errors(exc, _), status=400)
    throttle, address = request.registry["login_throttle"], request.remote_addr or "unknown"
    try:
        throttle.check(request.dbsession, data["username"], address)
    except TooManyRequests as exc:
        message = _(
            "Too many failed logins; try again in ${seconds} seconds.", seconds=exc.retry_after
        )
        response = login_page(request, message=message, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        user = accounts.authenticate(
            request.dbsession, request.registry["passwords"], data["username"], data["password"]
        )
    except AuthenticationFailed:
        # Answered, not raised: the failure must be committed to count.
        throttle.failed(request.dbsession, data["username"], address)
        message = _("Please enter a correct username and password.")
        return login_page(request, message=message, status=400)
    throttle.succeeded(request.dbsession, data["username"])
    if not request.registry["security_policy"].may_hold_session(user):
        log_security_event("admin_login_refused", user=user.id, address=address)
        return page(
            request,
            "error.jinja2",
            {
                "title": _("Permission denied"),
                "detail": _("Only superusers may use the admin."),
            },
            status=403,
            with_user=False,
        )
    remember(request, user.id)
    return HTTPSeeOther(location=next_page(request))


@view_config(route_name=LOGOUT, request_method="POST", permission=NO_PERMISSION_REQUIRED)
def log_out(request: Request) -> Response:
    """End the session (a POST with the CSRF token, so that no other site can log you out)."""
    forget(request)
    flash(request, translator(request)("You have been logged out."))
    return HTTPSeeOther(location=request.route_path(LOGIN))
