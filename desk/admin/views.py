"""Generic pages of every registered model: list, detail, edit, create and row actions.

Each view reads its model's ``ModelAdmin`` declaration; none knows users or tickets.
Every change runs inside a savepoint through the declaration's domain functions, so a
rule that refuses it (a DeskError, a 403 from a workflow guard) undoes whatever it had
begun and comes back to the form as a message, never as a half-applied change.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import colander
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from ..exceptions import DeskError, InvalidInput
from ..models import utcnow
from ..resources import parse_id
from . import export, forms, listing
from .i18n import Translator, translator
from .registry import Column, ModelAdmin
from .rendering import Moment, flash, format_value, moment, page
from .routes import (
    action_path,
    bulk_path,
    detail_path,
    edit_path,
    list_path,
    new_path,
    route_name,
)


@dataclass
class Outcome:
    """What became of a submitted form: its result, or the values and errors to show again."""

    ok: bool
    result: Any = None
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    message: str | None = None
    status: int = 200


def attempt(request: Request, schema: colander.SchemaNode, apply: Callable[[dict], Any]) -> Outcome:
    """Validate the POSTed form against ``schema`` and ``apply`` it, all or nothing."""
    values = forms.submitted(schema, request.POST)
    try:
        data = forms.validate(schema, request.POST)
        with request.dbsession.begin_nested():
            return Outcome(True, result=apply(data))
    except (colander.Invalid, DeskError, HTTPForbidden) as exc:
        return refused(exc, schema, values, translator(request))


def refused(exc: Exception, schema: colander.SchemaNode, values: dict, _: Translator) -> Outcome:
    """The form again, saying why it was refused: by field where it can, else in a message."""
    if isinstance(exc, HTTPForbidden):  # a workflow guard: the permission is missing
        message = _("You do not have permission to perform this action.")
        return Outcome(False, values=values, message=message, status=403)
    if isinstance(exc, colander.Invalid):
        errors, status = forms.invalid_errors(exc, _), 400
    elif isinstance(exc, InvalidInput):
        errors, status = forms.domain_errors(exc, _), exc.status
    else:  # any other DeskError: a conflict, a transition the status does not allow
        return Outcome(False, values=values, message=_(exc.detail), status=exc.status)
    names = {node.name for node in schema.children}
    stray = " ".join(text for name, text in errors.items() if name not in names)
    message = stray or _("Please correct the errors below.")
    return Outcome(False, values=values, errors=errors, message=message, status=status)


def load_or_404(request: Request, admin: ModelAdmin) -> Any:
    """The row that the URL's ``{id}`` names, or a 404."""
    try:
        row = admin.load(request, parse_id(request.matchdict["id"]))
    except KeyError:
        row = None
    if row is None:
        raise HTTPNotFound()
    return row


def cell_value(request: Request, column: Column, row: Any) -> Any:
    return column.display(request, row) if column.display else getattr(row, column.name)


def cell(request: Request, column: Column, row: Any) -> str:
    """The text of one column for one row."""
    return format_value(cell_value(request, column, row), translator(request))


def list_cell(
    request: Request, column: Column, row: Any, now: datetime, _: Translator
) -> str | Moment:
    """One cell of a list: a time relative to ``now`` (the exact one on hover), else text."""
    value = cell_value(request, column, row)
    if isinstance(value, datetime):
        return moment(value, _.locale, now)
    return format_value(value, _)


def row_actions(request: Request, admin: ModelAdmin, row: Any, _: Translator) -> list:
    return [
        (_(action.label), action.name) for action in admin.actions if action.available(request, row)
    ]


def row_view(request: Request, admin: ModelAdmin, row: Any, known: dict | None = None) -> dict:
    """A row as the list template shows it: its cells, link and available actions.

    ``known`` caches the actions per ``admin.action_key`` across the rows of one page."""
    _ = translator(request)
    now = utcnow()
    known = {} if known is None else known
    if admin.action_key is None:
        actions = row_actions(request, admin, row, _)
    else:
        key = admin.action_key(row)
        if key not in known:
            known[key] = row_actions(request, admin, row, _)
        actions = known[key]
    return {
        "id": row.id,
        "cells": [(column, list_cell(request, column, row, now, _)) for column in admin.columns],
        "url": detail_path(request, admin, row.id),
        "actions": [(label, action_path(request, admin, row.id, name)) for label, name in actions],
    }


def sort_links(request: Request, admin: ModelAdmin, current: str | None) -> dict:
    """Per sortable column: the URL that sorts by it (reversing it when already so) and
    its ``aria-sort`` state."""
    links = {}
    for column in admin.columns:
        if not column.sort:
            continue
        ascending = current == column.sort
        state = "ascending" if ascending else "descending" if current == f"-{column.sort}" else None
        query = {
            **request.GET.mixed(),
            listing.ORDER: f"-{column.sort}" if ascending else column.sort,
        }
        query.pop(listing.PAGE, None)
        links[column.name] = (list_path(request, admin, **query), state)
    return links


def page_links(request: Request, admin: ModelAdmin, result: listing.ListPage) -> dict:
    """The previous and next pages' URLs (None at either end), filters and order kept."""

    def to(number: int) -> str:
        return list_path(request, admin, **{**request.GET.mixed(), listing.PAGE: str(number)})

    return {
        "previous": to(result.page - 1) if result.page > 1 else None,
        "next": to(result.page + 1) if result.page < result.pages else None,
        # The jump form's hidden fields: the filters and order, every page but its own.
        "kept": [(name, value) for name, value in request.GET.items() if name != listing.PAGE],
    }


def export_links(request: Request, admin: ModelAdmin) -> list[tuple[str, str]]:
    """The list as it is filtered and sorted now, as CSV and as JSON lines."""
    query = {key: value for key, value in request.GET.mixed().items() if key != listing.PAGE}
    return [
        (label, list_path(request, admin, **{**query, "format": name}))
        for name, label in (("csv", "CSV"), ("jsonl", "JSON lines"))
    ]


def bulk_form(request: Request, admin: ModelAdmin) -> dict | None:
    """What the list's bulk form needs: its target, the actions, the list's query string."""
    if not admin.bulk_actions:
        return None
    _ = translator(request)
    return {
        "path": bulk_path(request, admin),
        "actions": [(action.name, _(action.label)) for action in admin.bulk_actions],
        "query": request.query_string,
    }


def list_view(request: Request, admin: ModelAdmin) -> Response:
    """The list: search, filters, sortable columns, one page of rows, row actions; or, with
    ``?format=csv`` or ``jsonl``, every row of it as a download."""
    kind = request.GET.get("format")
    if kind in export.FORMATS:
        return export.export_response(request, admin, kind)
    _ = translator(request)
    result = listing.list_page(request, admin)
    known: dict = {}
    return page(
        request,
        "list.jinja2",
        {
            "admin": admin,
            "title": _(admin.label),
            "result": result,
            "rows": [row_view(request, admin, row, known) for row in result.rows],
            "sort_links": sort_links(request, admin, result.ordering),
            "page_links": page_links(request, admin, result),
            "filters": [
                (item, result.choices.get(item.name), result.chosen.get(item.name, ""))
                for item in admin.filters
            ],
            "date_filters": [
                (item, *result.dates.get(item.name, ("", ""))) for item in admin.date_filters
            ],
            "exports": export_links(request, admin),
            "list_path": list_path(request, admin),
            "new_path": new_path(request, admin) if admin.create else None,
            "search_param": listing.SEARCH,
            "order_param": listing.ORDER,
            "bulk": bulk_form(request, admin),
        },
    )


def action_forms(request: Request, admin: ModelAdmin, row: Any) -> list[dict]:
    """The actions the rules allow on ``row`` now, each with its form, for the detail page."""
    _ = translator(request)
    return [
        {
            "action": action,
            "path": action_path(request, admin, row.id, action.name),
            "fields": forms.fields(request, action.schema(), action.initial(row), {}, _),
        }
        for action in admin.actions
        if action.available(request, row)
    ]


def detail_columns(admin: ModelAdmin) -> list[Column]:
    """What the detail page shows: the read-only fields, then the editable ones (each shown
    as its list column when there is one, so that codes read as labels)."""
    columns = {column.name: column for column in admin.columns}
    editable = admin.edit_schema().children if admin.edit_schema else []
    return [
        *admin.readonly_fields,
        *(columns.get(node.name) or Column(node.name, node.title) for node in editable),
    ]


def detail_view(request: Request, admin: ModelAdmin) -> Response:
    """One row: its fields, the forms of the actions allowed now, and the panels."""
    _ = translator(request)
    row = load_or_404(request, admin)
    fields = [(_(column.label), cell(request, column, row)) for column in detail_columns(admin)]
    return page(
        request,
        "detail.jinja2",
        {
            "admin": admin,
            "title": f"{_(admin.label_singular)}: {admin.title(row)}",
            "row": row,
            "fields": fields,
            "edit_path": edit_path(request, admin, row.id) if admin.save else None,
            "list_path": list_path(request, admin),
            "actions": action_forms(request, admin, row),
            "panels": [
                {
                    "title": _(panel.title),
                    "template": panel.template,
                    "data": panel.load(request, row),
                }
                for panel in admin.panels
            ],
        },
    )


def form_page(
    request: Request,
    *,
    title: str,
    schema: colander.SchemaNode,
    values: dict,
    back: str,
    outcome: Outcome | None = None,
    intro: str | None = None,
    readonly: list[tuple[str, str]] | None = None,
    submit: str | None = None,
) -> Response:
    """A page with one form: ``values`` shown, or those of a refused ``outcome`` with errors."""
    _ = translator(request)
    outcome = outcome or Outcome(True, values=values)
    return page(
        request,
        "form.jinja2",
        {
            "title": title,
            "intro": intro,
            "readonly": readonly or [],
            "fields": forms.fields(request, schema, outcome.values or values, outcome.errors, _),
            "message": outcome.message,
            "back": back,
            "submit": submit or _("Save"),
        },
        status=outcome.status,
    )


def edit_view(request: Request, admin: ModelAdmin) -> Response:
    """The edit form (GET), or its submission through the declaration's ``save`` (POST)."""
    _ = translator(request)
    row = load_or_404(request, admin)
    schema = admin.edit_schema()
    back = detail_path(request, admin, row.id)
    outcome = None
    if request.method == "POST":
        outcome = attempt(request, schema, lambda data: admin.save(request, row, data))
        if outcome.ok:
            flash(request, outcome.result or _("Saved."))
            return HTTPSeeOther(location=back)
    return form_page(
        request,
        title=f"{_('Edit')}: {admin.title(row)}",
        schema=schema,
        values={node.name: getattr(row, node.name) for node in schema.children},
        back=back,
        outcome=outcome,
        readonly=[
            (_(column.label), cell(request, column, row)) for column in admin.readonly_fields
        ],
    )


def create_view(request: Request, admin: ModelAdmin) -> Response:
    """The create form (GET), or its submission through the declaration's ``create``."""
    _ = translator(request)
    schema = admin.create_schema()
    outcome = None
    if request.method == "POST":
        outcome = attempt(request, schema, lambda data: admin.create(request, data))
        if outcome.ok:
            row = outcome.result
            flash(request, _("Saved."))
            return HTTPSeeOther(location=detail_path(request, admin, row.id))
    defaults = {
        node.name: node.default for node in schema.children if node.default is not colander.null
    }
    return form_page(
        request,
        title=_("Add ${model}", model=_(admin.label_singular).lower()),
        schema=schema,
        values=defaults,
        back=list_path(request, admin),
        outcome=outcome,
    )


def action_view(request: Request, admin: ModelAdmin) -> Response:
    """One row action's form (GET), or the action itself (POST)."""
    _ = translator(request)
    row = load_or_404(request, admin)
    action = admin.action(request.matchdict["action"])
    schema = action.schema()
    back = detail_path(request, admin, row.id)
    outcome = None
    if request.method == "POST":
        outcome = attempt(request, schema, lambda data: action.run(request, row, data))
        if outcome.ok:
            flash(request, outcome.result or _(action.done))
            return HTTPSeeOther(location=back)
    return form_page(
        request,
        title=f"{_(action.label)}: {admin.title(row)}",
        schema=schema,
        values=action.initial(row),
        back=back,
        outcome=outcome,
        intro=_(action.intro) if action.intro else None,
        submit=_(action.label),
    )


def bind(view: Callable[[Request, ModelAdmin], Response], admin: ModelAdmin) -> Callable:
    """``view`` as a Pyramid view of ``admin``'s pages."""

    def model_view(context, request):
        return view(request, admin)

    model_view.__doc__ = f"{view.__name__} of {admin.name}"
    return model_view


def add_views(config: Configurator, admins: Iterable[ModelAdmin]) -> None:
    """Each model's pages, each guarded by the model's permission."""
    for admin in admins:
        pages = [("list", list_view, "GET"), ("detail", detail_view, "GET")]
        if admin.save is not None:
            pages.append(("edit", edit_view, ("GET", "POST")))
        if admin.create is not None:
            pages.append(("new", create_view, ("GET", "POST")))
        if admin.actions:
            pages.append(("action", action_view, ("GET", "POST")))
        for name, view, methods in pages:
            config.add_view(
                bind(view, admin),
                route_name=route_name(admin, name),
                request_method=methods,
                permission=admin.permission,
            )
