"""One page of a model's list: its filters, search and ordering read from the query string.

The admin's lists are for people, not clients: a value that does not fit (an unknown
status, a page past the last) is ignored or clamped, never an error page. The one
exception is the ordering (``o``): an unknown sort key is a 400 page, since a list in
another order than the one asked for would mislead.

Every ordering ends with the primary key, so that pages never overlap; NULLs sort as the
largest value on both databases (PostgreSQL's default, which its indexes serve).

Counts: the ticket list's counters when its filters allow (``desk.lists``), else a count
of at most ``desk.search.exact_count_limit`` + 1 rows (``SEARCH_COUNT_LIMIT`` + 1 when
searched: each row is a substring test), so that a page costs the same at a million rows
as at ten thousand; beyond the limit the page says "more than". A page in the far half
of an exactly counted list is read from the other end, so the last page costs what the
first does.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pyramid.request import Request
from sqlalchemy import Select, func, literal_column, or_, select, union

from ..exceptions import InvalidInput
from ..i18n import _
from ..lists import TicketList
from ..models import Priority, Ticket
from ..pagination import Ordering, count_query
from ..queries import contains
from ..schemas import CONTROL_CHARACTERS
from .registry import ModelAdmin

#: A searched list counts at most this many matches (a substring test per row: 1,000 of
#: them take some milliseconds, the API's 10,000 too long for a page).
SEARCH_COUNT_LIMIT = 1000

SEARCH = "q"
ORDER = "o"
PAGE = "page"


@dataclass(frozen=True)
class ListPage:
    """The rows of one page and what the page shows about the list."""

    rows: list[Any]
    count: int
    page: int
    pages: int
    search: str
    ordering: str | None
    chosen: dict[str, str]
    choices: dict[str, list[tuple[str, str]]]
    dates: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: False when ``count`` is the limit and more rows match.
    count_exact: bool = True


def chosen_filters(
    request: Request, admin: ModelAdmin, choices: dict, params=None
) -> dict[str, str]:
    """The filters set in the query string to one of their choices; others are ignored."""
    params = request.GET if params is None else params
    chosen = {}
    for item in admin.filters:
        value = params.get(item.name, "").strip()
        if not value:
            continue
        if item.choices is None:
            if converts(item.convert, value):
                chosen[item.name] = value
        elif value in {choice for choice, _ in choices[item.name]}:
            chosen[item.name] = value
    return chosen


def converts(convert, value: str) -> bool:
    try:
        convert(value)
    except (ValueError, KeyError, OverflowError):
        return False
    return True


def filter_choices(request: Request, admin: ModelAdmin) -> dict[str, list[tuple[str, str]]]:
    return {item.name: item.choices(request) for item in admin.filters if item.choices}


def moment(raw: str, end: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time as an aware time; a date's end is the next midnight."""
    raw = CONTROL_CHARACTERS.sub("", raw).strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if len(raw) == 10 and end:
            value += timedelta(days=1)
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        # The database compares in UTC: a time that UTC cannot express is no filter.
        value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return value


def chosen_dates(admin: ModelAdmin, params) -> dict[str, tuple[str, str]]:
    """Each date filter's ``(from, to)`` as given, dropping values that are not times."""
    dates = {}
    for item in admin.date_filters:
        start = params.get(f"{item.name}_from", "")
        end = params.get(f"{item.name}_to", "")
        start = start if moment(start) else ""
        end = end if moment(end, end=True) else ""
        if start or end:
            dates[item.name] = (start, end)
    return dates


def dated(query: Select, admin: ModelAdmin, dates: dict[str, tuple[str, str]]) -> Select:
    for item in admin.date_filters:
        start, end = dates.get(item.name, ("", ""))
        if start:
            query = query.where(item.column >= moment(start))
        if end:
            query = query.where(item.column < moment(end, end=True))
    return query


def ordering_of(admin: ModelAdmin, name: str | None) -> Ordering | None:
    """The declared ordering called ``name`` (``-`` for descending), else the default.

    Raises InvalidInput (a 400 page) for a name the model does not declare."""
    name = name or admin.default_ordering
    if not name:
        return None
    if name.removeprefix("-") not in admin.orderings:
        raise InvalidInput(ORDER, _("Unknown sort order."), "querystring")
    keys = admin.orderings[name.removeprefix("-")]
    return Ordering(name, keys, descending=name.startswith("-"))


def order_by(ordering: Ordering) -> list:
    """The ORDER BY of ``ordering``, NULLs last ascending and first descending on both
    databases (PostgreSQL's default, so its indexes serve it)."""
    if ordering.descending:
        return [column.desc().nulls_first() for column in ordering.columns]
    return [column.asc().nulls_last() for column in ordering.columns]


def filtered_query(admin: ModelAdmin, chosen: dict[str, str], search: str) -> Select:
    query = select(admin.model)
    for item in admin.filters:
        if item.name in chosen:
            value = item.convert(chosen[item.name])
            query = query.where(item.where(value) if item.where else item.column == value)
    if search and admin.search_fields:
        query = query.where(or_(*(contains(column, search) for column in admin.search_fields)))
    return query


def ticket_list(chosen: dict[str, str], search: str) -> TicketList:
    """The ticket admin's filters as a ``TicketList``, so that its counters count them.

    An executor or requester filter is that person's list (``assigned``, ``own``), which
    the counters hold per person."""
    executor = int(chosen["executor_id"]) if "executor_id" in chosen else None
    requester = int(chosen["requester_id"]) if "requester_id" in chosen else None
    scope, user = "all", 0
    if executor is not None:
        scope, user, executor = "assigned", executor, None
    elif requester is not None:
        scope, user, requester = "own", requester, None
    return TicketList(
        scope=scope,
        user=user,
        statuses=(chosen["status"],) if "status" in chosen else None,
        priorities=(Priority[chosen["priority"]].value,) if "priority" in chosen else None,
        search=search or None,
        executor_id=executor,
        requester_id=requester,
        overdue=(chosen["overdue"] == "true") if "overdue" in chosen else None,
    )


def capped_count(query: Select, limit: int) -> Select:
    """The number of rows of ``query``, counting at most ``limit + 1`` of them."""
    rows = query.with_only_columns(literal_column("1"), maintain_column_froms=True).order_by(None)
    # The limit is written into the SQL: one statement (and one plan) per limit.
    rows = rows.limit(literal_column(str(int(limit) + 1)))
    return select(func.count()).select_from(rows.subquery())


def searched_count(admin: ModelAdmin, unsearched: Select, search: str, limit: int) -> Select:
    """The number of rows of ``unsearched`` that match ``search`` in any search field,
    counting at most ``limit + 1``: the union of each field's first ``limit + 1`` matches.

    The same answer as ``capped_count`` of the OR (a field with more than ``limit`` matches
    makes the union more than ``limit`` too), but each field is tested on its own, on its
    own plan: a frequent term in the titles costs one substring test per row read, not
    also a test of the (longer) description, and a field where the term is rare is a
    trigram index's answer."""
    cap = literal_column(str(int(limit) + 1))
    parts = [
        select(
            unsearched.where(contains(column, search))
            .with_only_columns(admin.model.id)
            .order_by(None)
            .limit(cap)
            .subquery()
        )
        for column in admin.search_fields
    ]
    ids = union(*parts).subquery()
    return select(func.count()).select_from(select(ids).limit(cap).subquery())


def count_statement(
    admin: ModelAdmin,
    query: Select,
    chosen: dict,
    search: str,
    dates: dict,
    limit: int,
    unsearched: Select | None = None,
) -> tuple[Select, bool]:
    """The SELECT of the list's count, and whether it is exact: the ticket counters when
    they can say, else a count capped at ``limit + 1`` rows (exact up to ``limit``).
    ``unsearched`` is ``query`` without its search, when it has one."""
    if admin.model is Ticket and not dates:
        tickets = ticket_list(chosen, search)
        if tickets.counted_by_counters:
            return tickets.count(), True
    if unsearched is not None and search and len(admin.search_fields) > 1:
        return searched_count(admin, unsearched, search, limit), False
    return capped_count(query, limit), False


def count_limit(request: Request) -> int:
    return request.registry.settings["desk.search.exact_count_limit"]


def page_number(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def search_text(params) -> str:
    # NUL and other control characters can match nothing, and PostgreSQL refuses NUL.
    return CONTROL_CHARACTERS.sub("", params.get(SEARCH, "")).strip()[:200]


def matching_ids(request: Request, admin: ModelAdmin, params, limit: int) -> tuple[list[int], int]:
    """The ids of the first ``limit`` rows of the list that ``params`` (a list page's query
    string) shows, in its order, and how many rows match in all."""
    query = selection(request, admin, params)
    total = request.dbsession.scalar(count_query(query))
    ids_query = query.with_only_columns(admin.model.id).limit(limit)
    return list(request.dbsession.scalars(ids_query)), total


def selection(request: Request, admin: ModelAdmin, params) -> Select:
    """Every row of the list that ``params`` (a list page's query string) shows, in order."""
    choices = filter_choices(request, admin)
    query = filtered_query(
        admin, chosen_filters(request, admin, choices, params), search_text(params)
    )
    query = dated(query, admin, chosen_dates(admin, params))
    ordering = ordering_of(admin, params.get(ORDER))
    return query.order_by(*order_by(ordering)) if ordering is not None else query


def page_rows(
    dbsession, query: Select, ordering: Ordering | None, page: int, size: int, count: int | None
) -> list:
    """The rows of page ``page``; of a list of exactly ``count`` rows, a page in its far
    half is read in the reverse order from the end (its OFFSET then counts from there)."""
    offset = (page - 1) * size
    if ordering is None or count is None or offset <= count // 2:
        if ordering is not None:
            query = query.order_by(*order_by(ordering))
        return dbsession.scalars(query.offset(offset).limit(size)).unique().all()
    reverse = Ordering(ordering.name, ordering.columns, descending=not ordering.descending)
    shown = min(size, count - offset)
    query = query.order_by(*order_by(reverse)).offset(max(0, count - offset - size))
    return list(reversed(dbsession.scalars(query.limit(shown)).unique().all()))


def list_page(request: Request, admin: ModelAdmin) -> ListPage:
    """The page of ``admin``'s list that the request's query string asks for."""
    choices = filter_choices(request, admin)
    chosen = chosen_filters(request, admin, choices)
    dates = chosen_dates(admin, request.GET)
    # NUL and other control characters can match nothing, and PostgreSQL refuses NUL.
    search = CONTROL_CHARACTERS.sub("", request.GET.get(SEARCH, "")).strip()[:200]
    ordering = ordering_of(admin, request.GET.get(ORDER))
    query = dated(filtered_query(admin, chosen, search), admin, dates)
    dbsession = request.dbsession
    limit = count_limit(request)
    limit = min(limit, SEARCH_COUNT_LIMIT) if search and admin.search_fields else limit
    unsearched = dated(filtered_query(admin, chosen, ""), admin, dates) if search else None
    statement, exact = count_statement(admin, query, chosen, search, dates, limit, unsearched)
    count = int(dbsession.scalar(statement) or 0)
    count_exact = exact or count <= limit
    count = count if count_exact else limit
    pages = max(1, math.ceil(count / admin.page_size))
    page = min(page_number(request.GET.get(PAGE, "1")), pages)
    rows = page_rows(
        dbsession, query, ordering, page, admin.page_size, count if count_exact else None
    )
    return ListPage(
        rows=rows,
        count=count,
        page=page,
        pages=pages,
        search=search,
        ordering=ordering.name if ordering else None,
        chosen=chosen,
        choices=choices,
        dates=dates,
        count_exact=count_exact,
    )
