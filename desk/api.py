"""Desk's Cornice ``Service``: every view declares a permission, a schema and its responses."""

import json
import re

import colander
import cornice
from cornice.validators import colander_validator
from pyramid.exceptions import ConfigurationError
from pyramid.security import NO_PERMISSION_REQUIRED

from .errors import cornice_errors
from .exceptions import MalformedBody, UnsupportedMediaType
from .i18n import _
from .schemas import ProblemOut

#: The spec's security requirement of a route that needs a bearer token.
BEARER = [{"Bearer": []}]

ERROR_DESCRIPTIONS = {
    400: "Invalid input: the problem lists each invalid field",
    401: "No token, or a bad or expired one (WWW-Authenticate: Bearer)",
    403: "The caller's role may not use this route",
    404: "No such item, or one the caller may not see",
    405: "Method not allowed (see Allow)",
    409: "Conflict with the current state",
    411: "A streamed upload without Content-Length (or chunked encoding)",
    412: "If-Match does not match the current ETag",
    413: "Body over the configured limit",
    415: "The body is not JSON",
    416: "The Range is malformed or past the end (see Content-Range)",
    422: "Idempotency-Key reused with another body",
    429: "Too many failed attempts (see Retry-After)",
    503: "The database is unavailable",
}

PAGE_NOT_FOUND = "No such item, one the caller may not see, or a page past the last one"

#: What any route can answer (400: a path or query string that is not UTF-8).
COMMON_ERRORS = (400, 405, 503)
#: What a route that reads a body can answer too.
BODY_ERRORS = (400, 413, 415)


def response(description: str, body: colander.SchemaNode | None = None) -> colander.SchemaNode:
    """A response declaration as cornice_swagger reads it: a mapping with a ``body`` child."""
    node = colander.MappingSchema(description=description)
    if body is not None:
        child = body.clone()
        child.name = "body"
        node.add(child)
    return node


def responses(success: dict, *errors: int) -> dict:
    """``response_schemas`` for a view: its successes, then problem+json for each error."""
    declared = {
        str(status): response(getattr(body, "description", None) or "Success", body)
        for status, body in success.items()
    }
    for status in (*errors, *COMMON_ERRORS):
        declared.setdefault(str(status), response(ERROR_DESCRIPTIONS[status], ProblemOut()))
    return declared


class ResponseSchemas(dict):
    """A view's ``response_schemas``, which only the spec reads. Cornice deep-copies every
    view argument it hands to Pyramid, at each app build: for these colander trees that
    copy was half of the build (0.12 of 0.25 s), so their copy is the value itself."""

    def __deepcopy__(self, memo: dict) -> "ResponseSchemas":
        return self


JSON_CONTENT_TYPE = re.compile(r"^application/([\w.+-]+\+)?json$")


def _query_params(request) -> dict:
    """The query string, a list for a repeated name and a string otherwise."""
    return request.GET.mixed()


def read_request(request) -> dict:
    """Cornice's deserializer: the JSON body (an object, or ``{}`` when empty), query and path.

    A body that is not JSON answers 415 and malformed JSON 400, before any validation.
    """
    body = {}
    if request.body:
        if not JSON_CONTENT_TYPE.match(request.content_type or ""):
            raise UnsupportedMediaType(
                _("Send the body as JSON with Content-Type: application/json.")
            )
        if (request.charset or "utf-8").lower().replace("-", "") != "utf8":
            # JSON between systems is UTF-8 (RFC 8259); an unknown charset must not be a 500.
            raise UnsupportedMediaType(_("Send JSON in UTF-8 (charset=utf-8, or no charset)."))
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(
                _("The body is not valid JSON: ${error}", mapping={"error": str(exc)})
            ) from exc
        except RecursionError as exc:
            # "[[[[..." a million deep: the parser gives up; so do we, politely.
            raise MalformedBody(_("The body is nested too deeply.")) from exc
        if not isinstance(body, dict):
            raise MalformedBody(_("The body must be a JSON object."))
    return {
        "body": body,
        "querystring": _query_params(request),
        "path": request.matchdict or {},
        "header": dict(request.headers),
    }


class Service(cornice.Service):
    """A Cornice service that refuses a view without an explicit permission or responses.

    Public views say ``permission=NO_PERMISSION_REQUIRED``; the spec needs
    ``response_schemas`` and ``tags`` on every view to be complete.
    """

    default_validators = [colander_validator]
    renderer = "json"

    def __init__(self, **kw):
        kw.setdefault("error_handler", cornice_errors)
        kw.setdefault("depth", 2)
        super().__init__(**kw)

    def add_view(self, method, view, **kwargs):
        for required in ("permission", "response_schemas", "tags"):
            if required not in kwargs:
                raise ConfigurationError(f"{self.name} {method}: declare {required}=")
        kwargs.setdefault("deserializer", read_request)
        schemas = kwargs["response_schemas"]
        if "schema" in kwargs and "body" in kwargs["schema"]:
            for status in BODY_ERRORS:
                schemas.setdefault(str(status), response(ERROR_DESCRIPTIONS[status], ProblemOut()))
        if kwargs["permission"] == NO_PERMISSION_REQUIRED:
            kwargs.setdefault("api_security", [])
        else:
            kwargs.setdefault("api_security", BEARER)
            for status in (401, 403):
                schemas.setdefault(str(status), response(ERROR_DESCRIPTIONS[status], ProblemOut()))
        if "schema" in kwargs and "querystring" in kwargs["schema"]:
            schemas.setdefault("400", response(ERROR_DESCRIPTIONS[400], ProblemOut()))
            if "page" in kwargs["schema"]["querystring"]:
                # A page past the last one is a 404.
                schemas.setdefault("404", response(PAGE_NOT_FOUND, ProblemOut()))
        kwargs["response_schemas"] = ResponseSchemas(schemas)
        return super().add_view(method, view, **kwargs)
