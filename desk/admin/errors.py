"""Errors under ``/admin/`` answer HTML pages; the API keeps its problem+json (desk.errors).

Each view here is registered for the same exception as its counterpart in desk.errors,
with a ``path_info`` predicate: Pyramid tries the view with more predicates first, so
admin paths get these and every other path falls through to the API's.
An anonymous visitor is sent to the login page, whatever the error: a 404 for a row
that does not exist would otherwise tell them which rows do.
"""

import logging

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config
from sqlalchemy.exc import DBAPIError

from ..errors import database_unavailable
from ..exceptions import DeskError
from ..i18n import N_
from ..security import log_request_event
from .i18n import translator
from .rendering import page
from .routes import LOGIN, PREFIX

log = logging.getLogger(__name__)

ADMIN_PATHS = rf"^{PREFIX}"


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    _ = translator(request)
    return page(
        request,
        "error.jinja2",
        {"title": _(title), "detail": _(detail)},
        status=status,
        with_user=False,
    )


def to_login(request: Request) -> Response:
    """A redirect to the login page, coming back here afterwards when this was a GET."""
    query = {"next": request.path_qs} if request.method == "GET" else {}
    return HTTPSeeOther(location=request.route_path(LOGIN, _query=query))


@exception_view_config(HTTPForbidden, path_info=ADMIN_PATHS)
def forbidden(exc: HTTPForbidden, request: Request) -> Response:
    if request.authenticated_userid is None:
        return to_login(request)
    log_request_event("permission_denied", request, level=logging.INFO, answered=403)
    return error_page(
        request,
        403,
        N_("Permission denied"),
        N_("You do not have permission to perform this action."),
    )


@exception_view_config(HTTPNotFound, path_info=ADMIN_PATHS)
def not_found(exc: HTTPNotFound, request: Request) -> Response:
    if request.authenticated_userid is None:
        return to_login(request)
    return error_page(request, 404, N_("Not found"), N_("There is no such page or record."))


@exception_view_config(BadCSRFToken, path_info=ADMIN_PATHS)
@exception_view_config(BadCSRFOrigin, path_info=ADMIN_PATHS)
def bad_csrf(exc: HTTPException, request: Request) -> Response:
    log_request_event("csrf_failed", request, reason=exc.detail)
    return error_page(
        request,
        400,
        N_("The form has expired"),
        N_(
            "The form was sent without a valid security token, or from another site. "
            "Go back, reload the page and try again."
        ),
    )


@exception_view_config(HTTPException, path_info=ADMIN_PATHS)
def http_error(exc: HTTPException, request: Request) -> Response:
    if exc.code < 400:
        return exc
    return error_page(request, exc.code, exc.title, exc.title)


@exception_view_config(DeskError, path_info=ADMIN_PATHS)
def desk_error(exc: DeskError, request: Request) -> Response:
    # The views turn domain errors into messages on their forms; this is the safety net.
    return error_page(request, exc.status, N_("Request refused"), exc.detail)


@exception_view_config(DBAPIError, path_info=ADMIN_PATHS)
def database_error(exc: DBAPIError, request: Request) -> Response:
    if not database_unavailable(exc):
        return server_error(exc, request)
    log.error("database unavailable: %s", exc.orig)
    response = error_page(
        request,
        503,
        N_("Service unavailable"),
        N_("The database is unavailable; try again shortly."),
    )
    response.headers["Retry-After"] = "5"
    return response


@exception_view_config(Exception, path_info=ADMIN_PATHS)
def server_error(exc: Exception, request: Request) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(
        request,
        500,
        "Server error",
        "The server failed to answer this request; it has been logged.",
    )
