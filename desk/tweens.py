"""Desk's tween around every request: security headers, URL encoding, body size limit,
trailing slashes; its answers are problem+json, before routing, authentication or the
database. Also pyramid_retry's activate hook: which requests may be replayed."""

from urllib.parse import parse_qsl, unquote_to_bytes

from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.settings import asbool
from pyramid.tweens import INGRESS

from .errors import problem
from .models import SAFE_METHODS

#: Sent with every response when ``desk.security_headers`` is on (production).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    # Swagger UI and the admin are served from this origin; Swagger UI needs inline styles
    # and data: images.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


def undecodable_url_part(environ: dict) -> tuple[str, str] | None:
    """Where the URL is not UTF-8 once percent-decoded: ``("path", "")`` or
    ``("querystring", name)``; None when it all decodes."""
    try:
        # WSGI hands the path over as latin-1 text of the raw bytes.
        environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return "path", ""
    for name, value in parse_qsl(
        environ.get("QUERY_STRING", ""), keep_blank_values=True, encoding="latin-1"
    ):
        for part in (name, value):
            try:
                part.encode("latin-1").decode("utf-8")
            except UnicodeError:
                return "querystring", unquote_to_bytes(name).decode("utf-8", "replace")
    return None


def url_encoding_problem(request):
    """400 for a path or query string that is not UTF-8 (else None): WebOb would raise while
    decoding it, deep inside routing or validation, and that would be a 500."""
    where = undecodable_url_part(request.environ)
    if where is None:
        return None
    location, name = where
    description = "Not valid UTF-8 once percent-decoded."
    return problem(
        request,
        400,
        f"Invalid input: {name or location}.",
        title="Invalid input",
        slug="validation-error",
        errors=[{"location": location, "name": name, "description": description}],
    )


def streamed_body_limit(request) -> int | None:
    """The limit of a body that its view reads as a stream (an upload), or None.

    Features register their predicates in ``registry["desk.streamed_bodies"]``.
    """
    for limit_of in request.registry.get("desk.streamed_bodies", ()):
        limit = limit_of(request)
        if limit is not None:
            return limit
    return None


def body_limit_problem(request, limit: int):
    """413 for a body over ``limit`` (``desk.max_body_bytes``), before authentication reads
    anything; else None. A chunked body is read, at most one byte past the limit."""
    length = request.content_length
    streamed = streamed_body_limit(request)
    if streamed is not None:
        # The view reads this body as a stream and enforces its own limits as it goes.
        if length is not None and length > streamed:
            return problem(request, 413, f"The body is over the limit of {streamed} bytes.")
        return None
    if length is not None and length > limit:
        return problem(request, 413, f"The body is over the limit of {limit} bytes.")
    if length is None and request.method in ("POST", "PUT", "PATCH"):
        # A chunked body: read at most one byte past the limit, never the whole stream.
        body = request.body_file.read(limit + 1)
        if len(body) > limit:
            return problem(request, 413, f"The body is over the limit of {limit} bytes.")
        request.body = body
    return None


def retry_attempts(request) -> int | None:
    """pyramid_retry's activate hook (``retry.activate_hook``): how many attempts a request
    gets; more than one makes pyramid_retry copy its body first, to replay it.

    One attempt, so no copy, for a read (GET, HEAD, OPTIONS): it has no body to replay and
    nothing to retry, running outside any transaction (``desk.models.reading_engine``), where
    neither a deadlock nor a serialization failure can happen. One as well for a body that is
    streamed, over the limit or of unknown length: the body limit check then answers 413
    unread. Everything else gets ``retry.attempts`` (None).
    """
    if request.method in SAFE_METHODS:
        return 1
    if streamed_body_limit(request) is not None:
        return 1  # a streamed body is read once, never copied
    limit = int(request.registry.settings["desk.max_body_bytes"])
    length = request.content_length
    if request.method in ("POST", "PUT", "PATCH") and (length is None or length > limit):
        return 1
    return None


def slash_routes(registry) -> list:
    """The routes whose pattern ends with a slash."""
    mapper = registry.queryUtility(IRoutesMapper)
    return [route for route in mapper.get_routes() if route.pattern.endswith("/")]


def add_trailing_slash(request) -> None:
    """Serve ``/api/tickets`` exactly like ``/api/tickets/``: no redirect, POST included."""
    path = request.path_info
    if path.endswith("/"):
        return
    registry = request.registry
    routes = registry.get("desk.slash_routes")
    if routes is None:
        routes = registry["desk.slash_routes"] = slash_routes(registry)
    if any(route.match(path + "/") is not None for route in routes):
        request.path_info = path + "/"


def desk_tween_factory(handler, registry):
    """Desk's one tween, above routing, authentication and the database, in this order:
    the URL must be UTF-8 (400), the body within its limit (413), a missing trailing slash
    is added; and with ``desk.security_headers`` every answer, the 400 and 413 included,
    gets ``SECURITY_HEADERS``.

    One tween rather than one per concern: each tween is a layer of calls on every request,
    and these four cost more as layers than as checks (BENCHMARKS.md).
    """
    limit = int(registry.settings["desk.max_body_bytes"])
    headers = SECURITY_HEADERS if asbool(registry.settings.get("desk.security_headers")) else {}

    def desk_tween(request):
        response = url_encoding_problem(request) or body_limit_problem(request, limit)
        if response is None:
            add_trailing_slash(request)
            response = handler(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return desk_tween


def includeme(config) -> None:
    # Bodies within the limit stay in memory: WebOb would otherwise spool anything over
    # 10 KB to a temporary file when pyramid_retry makes the body re-readable.
    limit = int(config.get_settings()["desk.max_body_bytes"])
    config.set_request_factory(
        type("DeskRequest", (Request,), {"request_body_tempfile_limit": limit})
    )
    # Under the ingress (pyramid_retry's execution policy is above all tweens), above
    # pyramid_tm and the exception views: its 400 and 413 need no database.
    config.add_tween("desk.tweens.desk_tween_factory", under=INGRESS)
