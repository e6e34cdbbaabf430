"""One page of a model's list: its filters, search and ordering read from the query string.

The admin's lists are for people, not clients: a value that does not fit (an unknown
status, a page past the last) is ignored or clamped, never an error page.
"""

import math
from dataclasses import dataclass
from typing import Any

from pyramid.request import Request
from sqlalchemy import Select, func, or_, select

from ..pagination import Ordering
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


def chosen_filters(
    request: Request, admin: ModelAdmin, choices: dict, params=None
) -> dict[str, str]:
    """The filters set in the query string to one of their choices; others are ignored."""
    params = request.GET if params is None else params
    chosen = {}
    for item in admin.filters:
        value = params.get(item.name, "")
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


def page_number(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def search_text(params) -> str:
    # NUL and other control characters can match nothing, and PostgreSQL refuses NUL.
    return CONTROL_CHARACTERS.sub("", params.get(SEARCH, "")).strip()[:200]


def matching_ids(request: Request, admin: ModelAdmin, params, limit: int) -> tuple[list[int], int]:
    """The ids of the first ``limit`` rows of the list that ``params`` (a list page's query
    string) shows, in its order, and how many rows match in all."""
    choices = {item.name: item.choices(request) for item in admin.filters}
    query = filtered_query(
        admin, chosen_filters(request, admin, choices, params), search_text(params)
    )
    ordering = ordering_of(admin, params.get(ORDER))
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    ids_query = query.with_only_columns(admin.model.id)
    if ordering is not None:
        ids_query = ids_query.order_by(*ordering.order_by())
    return list(request.dbsession.scalars(ids_query.limit(limit))), total


def list_page(request: Request, admin: ModelAdmin) -> ListPage:
    """The page of ``admin``'s list that the request's query string asks for."""
    choices = {item.name: item.choices(request) for item in admin.filters}
    chosen = chosen_filters(request, admin, choices)
    # NUL and other control characters can match nothing, and PostgreSQL refuses NUL.
    search = CONTROL_CHARACTERS.sub("", request.GET.get(SEARCH, "")).strip()[:200]
    ordering = ordering_of(admin, request.GET.get(ORDER))
    query = filtered_query(admin, chosen, search)
    dbsession = request.dbsession
    count = dbsession.scalar(select(func.count()).select_from(query.subquery()))
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
