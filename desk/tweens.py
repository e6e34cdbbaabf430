"""Tweens around every request: security headers, URL encoding, body size limit, trailing
slashes; each answers problem+json itself, before routing, authentication or the database."""

from urllib.parse import parse_qsl, unquote_to_bytes

from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.settings import asbool
from pyramid.tweens import INGRESS

from .errors import problem

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


def url_encoding_tween_factory(handler, registry):
    """400 for a path or query string that is not UTF-8: WebOb would raise while decoding it,
    deep inside routing or validation, and that would be a 500."""

    def url_encoding_tween(request):
        where = undecodable_url_part(request.environ)
        if where is None:
            return handler(request)
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

    return url_encoding_tween


def streamed_body_limit(request) -> int | None:
    """The limit of a body that its view reads as a stream (an upload), or None.

    Features register their predicates in ``registry["desk.streamed_bodies"]``.
    """
    for limit_of in request.registry.get("desk.streamed_bodies", ()):
        limit = limit_of(request)
        if limit is not None:
            return limit
    return None


def body_limit_tween_factory(handler, registry):
    """413 for a body over ``desk.max_body_bytes``, before authentication reads anything."""
    limit = int(registry.settings["desk.max_body_bytes"])

    def body_limit_tween(request):
        length = request.content_length
        streamed = streamed_body_limit(request)
        if streamed is not None:
            # The view reads this body as a stream and enforces its own limits as it goes.
            if length is not None and length > streamed:
                return problem(request, 413, f"The body is over the limit of {streamed} bytes.")
            return handler(request)
        if length is not None and length > limit:
            return problem(request, 413, f"The body is over the limit of {limit} bytes.")
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            # A chunked body: read at most one byte past the limit, never the whole stream.
            body = request.body_file.read(limit + 1)
            if len(body) > limit:
                return problem(request, 413, f"The body is over the limit of {limit} bytes.")
            request.body = body
        return handler(request)

    return body_limit_tween


def retry_attempts(request) -> int | None:
    """pyramid_retry's activate hook: no retries (so no copy of the body) for a body that is
    over the limit or of unknown length; the body limit tween then answers 413 unread."""
    if streamed_body_limit(request) is not None:
        return 1  # a streamed body is read once, never copied
    limit = int(request.registry.settings["desk.max_body_bytes"])
    length = request.content_length
    if request.method in ("POST", "PUT", "PATCH") and (length is None or length > limit):
        return 1
    return None


def trailing_slash_tween_factory(handler, registry):
    """Serve ``/api/tickets`` exactly like ``/api/tickets/``: no redirect, POST included."""

    def slash_routes() -> list:
        mapper = registry.queryUtility(IRoutesMapper)
        return [route for route in mapper.get_routes() if route.pattern.endswith("/")]

    def trailing_slash_tween(request):
        path = request.path_info
        if not path.endswith("/"):
            routes = registry.get("desk.slash_routes")
            if routes is None:
                routes = registry["desk.slash_routes"] = slash_routes()
            if any(route.match(path + "/") is not None for route in routes):
                request.path_info = path + "/"
        return handler(request)

    return trailing_slash_tween


def security_headers_tween_factory(handler, registry):
    if not asbool(registry.settings.get("desk.security_headers")):
        return handler

    def security_headers_tween(request):
        response = handler(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return security_headers_tween


def includeme(config) -> None:
    # Bodies within the limit stay in memory: WebOb would otherwise spool anything over
    # 10 KB to a temporary file when pyramid_retry makes the body re-readable.
    limit = int(config.get_settings()["desk.max_body_bytes"])
    config.set_request_factory(
        type("DeskRequest", (Request,), {"request_body_tempfile_limit": limit})
    )
    # Outermost first, each explicitly under the one before: the headers wrap every answer,
    # the tweens' own 400 and 413 included; the URL and size checks precede routing.
    # (Implicit ordering would put the last added outermost.)
    above = INGRESS
    for name in (
        "security_headers_tween_factory",
        "url_encoding_tween_factory",
        "body_limit_tween_factory",
        "trailing_slash_tween_factory",
    ):
        config.add_tween(f"desk.tweens.{name}", under=above)
        above = f"desk.tweens.{name}"
