"""Failures the domain reports, independent of HTTP; ``errors`` turns each into a response.

A failure carries its message, not its text: ``detail`` (and a field's ``description``) may
be a TranslationString, its English text the message id with ``${name}`` values in its
``mapping``; the response writes it in the request's language (``desk.i18n``).
"""

from .i18n import _, english


class DeskError(Exception):
    """A request Desk understood and refuses, with a reason a client can act on."""

    status = 400
    slug = "bad-request"
    title = _("Bad Request")

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(english(detail))
        self.detail = detail
        self.errors = errors


class InvalidInput(DeskError):
    """One named field is wrong; the problem lists it like a validation error."""

    slug = "validation-error"
    title = _("Invalid input")

    def __init__(self, name: str, description: str, location: str = "body"):
        super().__init__(
            description, [{"location": location, "name": name, "description": description}]
        )


class MalformedBody(DeskError):
    slug = "malformed-body"
    title = _("Malformed request body")


class UnsupportedMediaType(DeskError):
    status = 415
    slug = "unsupported-media-type"
    title = _("Unsupported Media Type")


class BodyTooLarge(DeskError):
    status = 413
    slug = "body-too-large"
    title = _("Content Too Large")


class AuthenticationFailed(DeskError):
    status = 401
    slug = "not-authenticated"
    title = _("Unauthorized")


class Conflict(DeskError):
    status = 409
    slug = "conflict"
    title = _("Conflict")


class TransitionNotAllowed(Conflict):
    slug = "transition-not-allowed"
    title = _("Transition not allowed")


class PreconditionFailed(DeskError):
    status = 412
    slug = "precondition-failed"
    title = _("Precondition Failed")


class IdempotencyKeyReused(DeskError):
    status = 422
    slug = "idempotency-key-reused"
    title = _("Idempotency key reused with another request")


class TooManyRequests(DeskError):
    status = 429
    slug = "too-many-requests"
    title = _("Too Many Requests")

    def __init__(self, detail: str, retry_after: int, policy: str):
        super().__init__(detail)
        self.retry_after = retry_after
        #: An IETF RateLimit-Policy item, e.g. ``"login";q=5;w=900``.
        self.policy = policy
