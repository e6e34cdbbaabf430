"""One page of a model's list: its filters, search and ordering read from the query string.

The admin's lists are for people, not clients: a value that does not fit (an unknown
status, a page past the last) is ignored or clamped, never an error page.
"""

import math
from dataclasses import dataclass
from typing import Any

from pyramid.request import Request
from sqlalchemy import Select, or_, select

from ..lists import TicketList
from ..models import Priority, Ticket
from ..pagination import Ordering, count_query
from ..queries import contains
from ..schemas import CONTROL_CHARACTERS
from .registry import ModelAdmin

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


def chosen_filters(request: Request, admin: ModelAdmin, choices: dict) -> dict[str, str]:
    """The filters set in the query string to one of their choices; others are ignored."""
    chosen = {}
    for item in admin.filters:
        value = request.GET.get(item.name, "")
        if value and value in {choice for choice, _ in choices[item.name]}:
            chosen[item.name] = value
    return chosen


def ordering_of(admin: ModelAdmin, name: str | None) -> Ordering | None:
    """The declared ordering called ``name`` (``-`` for descending), else the default."""
    for candidate in (name, admin.default_ordering):
        if candidate and candidate.removeprefix("-") in admin.orderings:
            keys = admin.orderings[candidate.removeprefix("-")]
            return Ordering(candidate, keys, descending=candidate.startswith("-"))
    return None


def filtered_query(admin: ModelAdmin, chosen: dict[str, str], search: str) -> Select:
    query = select(admin.model)
    for item in admin.filters:
        if item.name in chosen:
            query = query.where(item.column == item.convert(chosen[item.name]))
    if search and admin.search_fields:
        query = query.where(or_(*(contains(column, search) for column in admin.search_fields)))
    return query


def ticket_list(chosen: dict[str, str], search: str) -> TicketList:
    """The ticket admin's list as a ``TicketList``: all tickets, its filters, exact counts."""
    return TicketList(
        scope="all",
        statuses=(chosen["status"],) if "status" in chosen else None,
        priorities=(Priority[chosen["priority"]].value,) if "priority" in chosen else None,
        search=search or None,
        executor_id=int(chosen["executor_id"]) if "executor_id" in chosen else None,
        requester_id=int(chosen["requester_id"]) if "requester_id" in chosen else None,
        exact_count_limit=None,
    )


def count_statement(admin: ModelAdmin, query: Select, chosen: dict, search: str) -> Select:
    """The SELECT of the list's count: the ticket list's own (counters when they can say)."""
    if admin.model is Ticket:
        return ticket_list(chosen, search).count()
    return count_query(query)


def page_number(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def list_page(request: Request, admin: ModelAdmin) -> ListPage:
    """The page of ``admin``'s list that the request's query string asks for."""
    choices = {item.name: item.choices(request) for item in admin.filters}
    chosen = chosen_filters(request, admin, choices)
    # NUL and other control characters can match nothing, and PostgreSQL refuses NUL.
    search = CONTROL_CHARACTERS.sub("", request.GET.get(SEARCH, "")).strip()[:200]
    ordering = ordering_of(admin, request.GET.get(ORDER))
    query = filtered_query(admin, chosen, search)
    dbsession = request.dbsession
    count = int(dbsession.scalar(count_statement(admin, query, chosen, search)) or 0)
    pages = max(1, math.ceil(count / admin.page_size))
    page = min(page_number(request.GET.get(PAGE, "1")), pages)
    if ordering is not None:
        query = query.order_by(*ordering.order_by())
    rows = (
        dbsession.scalars(query.offset((page - 1) * admin.page_size).limit(admin.page_size))
        .unique()
        .all()
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
    )
