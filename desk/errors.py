"""One error path: every failure answers RFC 9457 problem+json, never HTML or a traceback.

The ``title`` and ``detail`` are written in the request's language (``desk.i18n``: the
user's, else Accept-Language); ``type``, ``status`` and the fields' names never change.
"""

import logging

from pyramid.httpexceptions import HTTPException, HTTPNotFound
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from sqlalchemy.exc import DBAPIError, OperationalError

from .exceptions import DeskError, TooManyRequests
from .i18n import _, translate
from .permissions import Permission
from .resources import AttachmentResource, Container, TicketResource
from .security import log_request_event

log = logging.getLogger(__name__)

PROBLEM_BASE = "urn:desk:problem:"
PROBLEM_JSON = "application/problem+json"

#: problem ``type`` slugs for plain HTTP statuses.
STATUS_SLUGS = {
    400: "bad-request",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    500: "internal-error",
    503: "service-unavailable",
}

#: problem ``title``s for plain HTTP statuses (their reason phrases), to be translated.
STATUS_TITLES = {
    400: _("Bad Request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not Found"),
    405: _("Method Not Allowed"),
    406: _("Not Acceptable"),
    409: _("Conflict"),
    411: _("Length Required"),
    412: _("Precondition Failed"),
    413: _("Request Entity Too Large"),
    415: _("Unsupported Media Type"),
    500: _("Internal Server Error"),
    503: _("Service Unavailable"),
}


def problem(
    request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    """A problem+json response; ``errors`` lists invalid fields as location/name/description.

    ``title``, ``detail`` and the descriptions are messages, written in the request's language.
    """
    from webob.util import status_reasons

    title = title or STATUS_TITLES.get(status) or status_reasons.get(status, "Error")
    body = {
        "type": PROBLEM_BASE + (slug or STATUS_SLUGS.get(status, "error")),
        "title": translate(request, title),
        "status": status,
        "detail": translate(request, detail),
    }
    if errors:
        body["errors"] = [
            {**error, "description": translate(request, error["description"])} for error in errors
        ]
    response = Response(status=status, json_body=body, content_type=PROBLEM_JSON, charset="utf-8")
    if headers:
        response.headers.update(headers)
    return response


def cornice_errors(request) -> Response:
    """Cornice's ``error_handler``: its collected validation errors as one problem."""
    errors = [
        {
            "location": error["location"],
            "name": error["name"],
            # Cornice has translated colander's messages already (request.localizer).
            "description": translate(request, error["description"]),
        }
        for error in request.errors
    ]
    status = request.errors.status
    if status == 400:
        names = ", ".join(e["name"] or e["location"] for e in errors)
        detail = _("Invalid input: ${names}.", mapping={"names": names})
        return problem(
            request, 400, detail, title=_("Invalid input"), slug="validation-error", errors=errors
        )
    return problem(request, status, "; ".join(e["description"] for e in errors), errors=errors)


def unauthenticated(request, detail: str | None = None) -> Response:
    token_rejected = request.environ.get("desk.auth.token_rejected", False)
    challenge = 'Bearer realm="desk"'
    if token_rejected:
        challenge += ', error="invalid_token"'
    detail = detail or (
        _("The access token is invalid or expired.")
        if token_rejected
        else _("Authentication credentials were not provided.")
    )
    return problem(request, 401, detail, headers={"WWW-Authenticate": challenge})


@forbidden_view_config()
def forbidden(exc, request) -> Response:
    if request.authenticated_userid is None:
        return unauthenticated(request)
    context = request.context
    hidden = (
        isinstance(context, TicketResource)
        and not request.has_permission(Permission.TICKET_VIEW, context)
    ) or (
        isinstance(context, AttachmentResource)
        and not request.has_permission(Permission.ATTACHMENT_VIEW, context)
    )
    # Logged also when answered 404: probing other people's tickets is what to look for.
    log_request_event(
        "permission_denied", request, level=logging.INFO, answered=404 if hidden else 403
    )
    if hidden:
        # A ticket the caller may not see does not exist for them.
        return not_found(HTTPNotFound(), request)
    # A denial by the security policy carries its ACL result; one raised by a view, a reason.
    detail = exc.detail if getattr(exc, "result", None) is None and exc.detail else None
    return problem(request, 403, detail or _("You do not have permission to perform this action."))


@notfound_view_config()
def not_found(exc, request) -> Response:
    # An anonymous caller learns nothing about which rows exist behind a protected route.
    if isinstance(getattr(request, "context", None), Container) and (
        request.authenticated_userid is None
    ):
        return unauthenticated(request)
    return problem(request, 404, _("Not found."))


@exception_view_config(DeskError)
def desk_error(exc: DeskError, request) -> Response:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="desk"'
    if isinstance(exc, TooManyRequests):
        name = exc.policy.split(";", 1)[0]
        headers["Retry-After"] = str(exc.retry_after)
        headers["RateLimit-Policy"] = exc.policy
        headers["RateLimit"] = f"{name};r=0;t={exc.retry_after}"
    return problem(
        request,
        exc.status,
        exc.detail,
        title=exc.title,
        slug=exc.slug,
        errors=exc.errors,
        headers=headers,
    )


@exception_view_config(HTTPException)
def http_exception(exc: HTTPException, request) -> Response:
    if exc.code < 400:
        return exc
    headers = {}
    if exc.code == 405 and exc.allow:
        headers["Allow"] = ", ".join(exc.allow)
    detail = exc.detail or exc.explanation or exc.title
    if exc.code == 405:
        detail = _("Method ${method} is not allowed here.", mapping={"method": request.method})
    title = STATUS_TITLES.get(exc.code, exc.title)
    return problem(request, exc.code, detail, title=title, headers=headers)


def database_unavailable(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or bool(getattr(exc, "connection_invalidated", False))


@exception_view_config(DBAPIError)
def database_error(exc: DBAPIError, request) -> Response:
    if database_unavailable(exc):
        log.error("database unavailable: %s", exc.orig)
        return problem(
            request,
            503,
            _("The database is unavailable; try again shortly."),
            headers={"Retry-After": "5"},
        )
    return server_error(exc, request)


@exception_view_config(Exception)
def server_error(exc: Exception, request) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(request, 500, _("The server failed to answer this request; it has been logged."))


def includeme(config) -> None:
    config.scan(__name__)
