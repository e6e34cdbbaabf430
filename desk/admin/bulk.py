"""Bulk actions on a list page: the rows chosen, a confirmation form, a result per row.

The list's form sends the chosen rows (checked ones, the whole page, or every row that
matches the filter, at most ``BULK_MAX_ITEMS``) and the action; the confirmation page asks
for the action's values and sends the ids again; the result page tells, row by row, what
was done and what was refused and why. Each row goes through the model's own ``run``.
"""

from collections.abc import Iterable
from urllib.parse import parse_qsl

import colander
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from webob.multidict import MultiDict

from ..resources import parse_id
from ..schemas import BULK_MAX_ITEMS
from . import forms, listing
from .i18n import translator
from .registry import BulkAction, ModelAdmin
from .rendering import flash, page
from .routes import list_path, route_name

SCOPES = ("selected", "page", "matching")


def row_ids(values: Iterable[str]) -> list[int]:
    """The ids among ``values``, each once, in the order given; anything else is dropped."""
    ids = []
    for value in values:
        try:
            ids.append(parse_id(value))
        except KeyError:
            continue
    return list(dict.fromkeys(ids))[:BULK_MAX_ITEMS]


def list_params(request: Request) -> MultiDict:
    """The list page's query string, which the bulk form carries along."""
    return MultiDict(parse_qsl(request.POST.get("query", ""), keep_blank_values=True))


def chosen_ids(request: Request, admin: ModelAdmin) -> tuple[list[int], int]:
    """The ids the form chose, and how many rows that choice stands for."""
    scope = request.POST.get("scope", "selected")
    if scope == "matching":
        return listing.matching_ids(request, admin, list_params(request), BULK_MAX_ITEMS)
    ids = row_ids(request.POST.getall("page_ids" if scope == "page" else "ids"))
    return ids, len(ids)


def back_to_list(request: Request, admin: ModelAdmin, message: str) -> HTTPSeeOther:
    flash(request, message, "error")
    return HTTPSeeOther(location=list_path(request, admin, **list_params(request).mixed()))


def confirmation(
    request: Request,
    admin: ModelAdmin,
    action: BulkAction,
    ids: list[int],
    total: int,
    values: dict,
    errors: dict | None = None,
    status: int = 200,
) -> Response:
    _ = translator(request)
    schema = action.schema()
    return page(
        request,
        "bulk_form.jinja2",
        {
            "title": f"{_(action.label)}: {_(admin.label).lower()}",
            "admin": admin,
            "action": action,
            "ids": ids,
            "total": total,
            "capped": total > len(ids),
            "limit": BULK_MAX_ITEMS,
            "fields": forms.fields(request, schema, values, errors or {}, _),
            "message": _("Please correct the errors below.") if errors else None,
            "query": request.POST.get("query", ""),
            "back": list_path(request, admin, **list_params(request).mixed()),
        },
        status=status,
    )


def bulk_view(request: Request, admin: ModelAdmin) -> Response:
    """POST from the list: the confirmation; POST with ``confirm``: the action, then results."""
    _ = translator(request)
    action = admin.bulk_action(request.POST.get("bulk_action", ""))
    if action is None:
        return back_to_list(request, admin, _("Choose an action to apply."))
    ids, total = chosen_ids(request, admin)
    if not ids:
        return back_to_list(request, admin, _("Select at least one row."))
    schema = action.schema()
    if "confirm" not in request.POST:
        defaults = {n.name: n.default for n in schema.children if n.default is not colander.null}
        return confirmation(request, admin, action, ids, total, defaults)
    try:
        values = forms.validate(schema, request.POST)
    except colander.Invalid as exc:
        submitted = forms.submitted(schema, request.POST)
        errors = forms.invalid_errors(exc, _)
        return confirmation(request, admin, action, ids, total, submitted, errors, 400)
    outcomes = action.run(request, ids, values)
    return page(
        request,
        "bulk_results.jinja2",
        {
            "title": f"{_(action.label)}: {_('results')}",
            "admin": admin,
            "outcomes": outcomes,
            "done": sum(outcome.ok for outcome in outcomes),
            "refused": sum(not outcome.ok for outcome in outcomes),
            "back": list_path(request, admin, **list_params(request).mixed()),
        },
    )


def add_bulk_views(config: Configurator, admins: Iterable[ModelAdmin]) -> None:
    """The bulk page of each model that declares bulk actions, under its permission."""
    for admin in admins:
        if not admin.bulk_actions:
            continue

        def view(context, request, admin=admin):
            return bulk_view(request, admin)

        config.add_view(
            view,
            route_name=route_name(admin, "bulk"),
            request_method="POST",
            permission=admin.permission,
        )
