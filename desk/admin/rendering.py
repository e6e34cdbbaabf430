"""Rendering an admin page: the template, the values every page needs, and its headers."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from babel.dates import format_timedelta
from pyramid.csrf import get_csrf_token
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from .i18n import Translator, translator
from .registry import REGISTRY
from .routes import home_path, list_path

TEMPLATES = "desk.admin:templates/"
FLASH_QUEUES = ("success", "error")

#: Headers of every admin page: personal data is never cached, and same-origin form posts
#: carry their Origin (the API's ``no-referrer`` would make it ``null`` and fail the CSRF
#: origin check over HTTPS).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def flash(request: Request, message: str, queue: str = "success") -> None:
    """Show ``message`` on the next page this browser gets."""
    request.session.flash(message, queue=queue)


def format_value(value: Any, _: Translator) -> str:
    """A model value as a page shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, Enum):
        return _(value.name)  # its label
    return str(value)


@dataclass(frozen=True)
class Moment:
    """A time in a list cell: ``relative`` to now in the page's language ("3 minutes ago",
    "in 2 hours"), ``exact`` to the second, ``iso`` for the ``<time datetime>`` attribute."""

    iso: str
    exact: str
    relative: str


def moment(value: datetime, locale: str, now: datetime | None = None) -> Moment:
    """``value`` as a list cell shows it, relative to ``now`` (default: the present)."""
    now = now or datetime.now(value.tzinfo)
    return Moment(
        iso=value.isoformat(),
        exact=value.strftime("%Y-%m-%d %H:%M:%S UTC"),
        relative=format_timedelta(value - now, add_direction=True, locale=locale),
    )


def page(
    request: Request,
    template: str,
    values: dict | None = None,
    status: int = 200,
    *,
    with_user: bool = True,
) -> Response:
    """``template`` rendered with ``values`` and the frame's: code labels, CSRF token, flashes.

    Templates translate with pyramid_jinja2's i18n extension (``_()``, ``{% trans %}``), in
    the request's locale; ``label(code)`` shows a status, priority or role code.
    Error pages pass ``with_user=False`` so that rendering them never needs the database.
    """
    _ = translator(request)
    frame = {
        "label": _,
        "locale": _.locale,
        "csrf_token": get_csrf_token(request),
        "flashes": [
            (queue, message)
            for queue in FLASH_QUEUES
            for message in request.session.pop_flash(queue)
        ],
        "user": request.user if with_user else None,
        "nav": navigation(request) if with_user and request.user else [],
    }
    response = render_to_response(TEMPLATES + template, {**frame, **(values or {})}, request)
    response.status = status
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    response.vary = ("Accept-Language", "Cookie")
    return response


def navigation(request: Request) -> list[tuple[str, str, bool]]:
    """``(label, path, current)`` for the dashboard and each model the caller may manage."""
    _ = translator(request)
    items = [
        (_("Dashboard"), home_path(request)),
        (_("Charts"), request.route_path("admin_charts")),
    ]
    items += [
        (_(admin.label), list_path(request, admin))
        for admin in REGISTRY
        if request.has_permission(admin.permission)
    ]
    here = request.path
    current = max((path for _label, path in items if here.startswith(path)), key=len, default="")
    return [(label, path, path == current) for label, path in items]
