"""The declarative model admin: one ``ModelAdmin`` per model, read by the generic views.

A declaration says what the pages show and which domain functions change the rows; the
views in ``desk.admin.views`` render the list, detail, edit, create and action pages from
it, so a new model is a declaration, not a new set of pages (see ``desk.admin.models``).

Labels are English message ids, marked with ``N_`` and translated when a page is rendered.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import colander
from pyramid.request import Request

from ..permissions import Permission

#: ``(value, label)`` pairs for a select, computed per request (labels already translated).
Choices = Callable[[Request], list[tuple[str, str]]]


@dataclass(frozen=True)
class Column:
    """A value shown in the list or on the detail page.

    ``display(request, row)`` gives the text (default: the attribute ``name``, formatted);
    ``sort`` names the ordering that clicking the header applies; ``link`` makes the cell a
    link to the row's detail page; ``export(row)`` is the value in CSV and JSON lines
    exports (default: the attribute ``name``), a code rather than a translated label.
    A time shows in a list relative to now ("3 minutes ago"), the exact time as its title;
    ``exact_time`` turns that round, where the order within a minute matters.
    """

    name: str
    label: str
    display: Callable[[Request, Any], Any] | None = None
    sort: str | None = None
    link: bool = False
    export: Callable[[Any], Any] | None = None
    exact_time: bool = False


@dataclass(frozen=True)
class Filter:
    """A select above the list: rows whose ``column`` equals the chosen value.

    ``convert`` turns the query-string value into the column's; a value not among
    ``choices`` is ignored, so a hand-edited URL shows the whole list rather than an error.
    Without ``choices`` the filter is a text field (an id, with the type-ahead of
    ``lookup``, the JSON endpoint that suggests values); a value ``convert`` refuses is
    ignored. ``where(value)``, when given, is the filter's condition instead of
    ``column == value``.
    """

    name: str
    label: str
    column: Any
    choices: Choices | None
    convert: Callable[[str], Any] = str
    lookup: str | None = None
    where: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class DateFilter:
    """A date range above the list: ``<name>_from`` and ``<name>_to`` (both days included).

    Each takes an ISO 8601 date or date-time; a value that is neither is ignored.
    """

    name: str
    label: str
    column: Any


@dataclass(frozen=True)
class Panel:
    """A section of the detail page: ``template`` rendered with ``load(request, row)``."""

    title: str
    template: str
    load: Callable[[Request, Any], dict]


@dataclass(frozen=True)
class RowAction:
    """An operation on one row, with its own small form.

    ``run(request, row, values)`` does it through the domain's functions (which enforce
    the same rules as the API) and may return a message to show instead of ``done``;
    ``available(request, row)`` hides the button when the rules would refuse it anyway.
    """

    name: str
    label: str
    schema: type[colander.Schema]
    run: Callable[[Request, Any, dict], str | None]
    done: str
    available: Callable[[Request, Any], bool] = lambda request, row: True
    initial: Callable[[Any], dict] = lambda row: {}
    intro: str | None = None


@dataclass(frozen=True)
class BulkOutcome:
    """What one bulk action did to one row: done, or refused and why."""

    id: int
    label: str
    ok: bool
    message: str


@dataclass(frozen=True)
class BulkAction:
    """An operation on many rows at once, chosen by checkboxes or a filter.

    ``run(request, ids, values)`` does it row by row through the same domain functions as
    the single actions, each row in a savepoint of its own, and tells per row what became
    of it; ``schema`` is the small form of its values (an executor, a priority, a role).
    """

    name: str
    label: str
    schema: type[colander.Schema]
    run: Callable[[Request, list[int], dict], list[BulkOutcome]]


@dataclass(frozen=True)
class ModelAdmin:
    """Everything the admin knows about one model.

    ``name`` is the URL segment (``/admin/<name>/``); ``permission`` guards every page of
    the model (the root ACL grants it). ``orderings`` maps ordering names to sort keys
    (the last one unique); ``-name`` sorts descending. ``get(request, id)`` loads one row
    (default: by primary key). ``save``/``create`` apply an edit or create form's values;
    without them the model has no edit or create page.
    """

    name: str
    model: type
    label: str
    label_singular: str
    permission: Permission
    columns: Sequence[Column]
    title: Callable[[Any], str] = str
    filters: Sequence[Filter] = ()
    date_filters: Sequence[DateFilter] = ()
    search_fields: Sequence[Any] = ()
    orderings: dict[str, tuple] = field(default_factory=dict)
    default_ordering: str | None = None
    readonly_fields: Sequence[Column] = ()
    edit_schema: type[colander.Schema] | None = None
    save: Callable[[Request, Any, dict], None] | None = None
    create_schema: type[colander.Schema] | None = None
    create: Callable[[Request, dict], Any] | None = None
    actions: Sequence[RowAction] = ()
    bulk_actions: Sequence[BulkAction] = ()
    panels: Sequence[Panel] = ()
    get: Callable[[Request, int], Any] | None = None
    page_size: int = 25
    #: Rows with equal keys allow the same actions (tickets: status, requester, executor),
    #: so that a list works out each key's actions once rather than once per row.
    action_key: Callable[[Any], Any] | None = None

    def action(self, name: str) -> RowAction:
        return next(action for action in self.actions if action.name == name)

    def bulk_action(self, name: str) -> BulkAction | None:
        return next((action for action in self.bulk_actions if action.name == name), None)

    def load(self, request: Request, row_id: int) -> Any:
        """The row with ``row_id``, or None."""
        if self.get is not None:
            return self.get(request, row_id)
        return request.dbsession.get(self.model, row_id)


class AdminRegistry:
    """The registered model admins, in the order the navigation shows them."""

    def __init__(self):
        self._admins: dict[str, ModelAdmin] = {}

    def register(self, admin: ModelAdmin) -> ModelAdmin:
        if admin.name in self._admins:
            raise ValueError(f"A model admin named {admin.name!r} is already registered.")
        self._admins[admin.name] = admin
        return admin

    def __iter__(self):
        return iter(self._admins.values())

    def __getitem__(self, name: str) -> ModelAdmin:
        return self._admins[name]


#: The admin's models; ``desk.admin.models`` registers them.
REGISTRY = AdminRegistry()
