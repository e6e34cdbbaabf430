"""Pages of any list: ``{count, next, previous, results}`` with keyset cursors in the links.

``page=N`` gives random access; the ``next``/``previous`` links carry an opaque cursor
(the sort key of the row at the page's edge), so walking a long list costs the same per
page at page 5,000 as at page 1.

``count`` is the exact number of rows, ``SELECT count(*) FROM ... WHERE ...`` unless the
caller hands in a cheaper statement of it (ticket lists: ``desk.lists``), with
``count_exact: true``. A caller may cap the count (a searched ticket list): beyond the cap,
``count`` is the cap and ``count_exact`` is false.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import Select, bindparam, func, literal_column, tuple_
from sqlalchemy.orm import Session

from .exceptions import InvalidInput
from .i18n import _

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Ordering:
    """Sort keys, all in one direction, the last one unique (the primary key)."""

    name: str
    columns: tuple
    descending: bool

    def order_by(self, reverse: bool = False) -> list:
        descending = self.descending != reverse
        return [column.desc() if descending else column.asc() for column in self.columns]

    def after(self, values: list, reverse: bool = False):
        """Rows strictly past ``values`` in this order (before them when ``reverse``)."""
        keys = tuple_(*self.columns)
        bound = tuple_(
            *(
                bindparam(None, value, type_=column.type)
                for column, value in zip(self.columns, values, strict=True)
            )
        )
        return keys < bound if self.descending != reverse else keys > bound

    def key_of(self, row) -> list:
        return [getattr(row, column.key) for column in self.columns]


def _encode_value(value):
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode_value(value):
    return datetime.fromisoformat(value["t"]) if isinstance(value, dict) else value


def encode_cursor(ordering: Ordering, key: list, backward: bool) -> str:
    payload = {"o": ordering.name, "k": [_encode_value(v) for v in key], "b": backward}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[list, bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        key = [_decode_value(v) for v in payload["k"]]
        backward = bool(payload["b"])
        valid = payload["o"] == ordering.name and len(key) == len(ordering.columns)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("cursor", _("Not a cursor from this list."), "querystring") from exc
    if not valid:
        raise InvalidInput("cursor", _("Not a cursor for this ordering."), "querystring")
    return key, backward


def count_query(query: Select) -> Select:
    """A SELECT of the exact number of rows of ``query``, a list narrowed by WHERE alone."""
    return query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def _link(request, params: dict, **changes) -> str:
    query = {k: v for k, v in params.items() if k not in ("page", "cursor")}
    query.update(changes)
    return request.current_route_url(_query=query)


def _literal(number: int):
    """LIMIT and OFFSET written into the SQL rather than bound.

    PostgreSQL plans a prepared statement afresh at every execution ("custom plans") as long
    as its generic plan looks costlier, and a LIMIT it cannot see always does: planning the
    page's three-table join then cost more than running it. With the numbers in the text,
    each page size and offset is its own statement, which gets its generic plan after five
    runs and is never planned again.
    """
    return literal_column(str(int(number)))


def _page_and_count(
    dbsession: Session, statement: Select, count: Select, entities: bool
) -> tuple[list, int]:
    """The rows of ``statement`` and the list's count, in one statement and one snapshot.

    The count rides along as an uncorrelated scalar subquery, which PostgreSQL and SQLite
    evaluate once; it is None when there is no row to carry it. With ``entities``, each row
    is the ORM object it selects; else the row itself (with the count as ``desk_list_count``).
    """
    total = count.scalar_subquery().correlate(None).label("desk_list_count")
    result = dbsession.execute(statement.add_columns(total))
    rows = result.unique().all() if entities else result.all()
    if not rows:
        return [], None
    return [row[0] for row in rows] if entities else rows, int(rows[0][-1] or 0)


def paginate(
    request,
    dbsession: Session,
    query: Select,
    ordering: Ordering,
    serialize,
    counting: Select | None = None,
    count_limit: int | None = None,
    entities: bool = True,
) -> dict:
    """One page of ``query`` in ``ordering``, serialized by ``serialize(rows)``.

    ``counting`` is the SELECT of the list's count (default ``count_query(query)``); with
    ``count_limit``, it counts at most ``count_limit + 1`` rows and the page says whether
    the count is exact. ``entities``: ``query`` selects one ORM entity, and ``serialize``
    gets those objects; else it gets the Core rows of ``query``'s columns.
    """
    params = request.validated.get("querystring", {})
    size = params.get("page_size", DEFAULT_PAGE_SIZE)
    raw_params = request.GET.mixed()
    if counting is None:
        counting = count_query(query)

    cursor = params.get("cursor")
    if cursor:
        key, backward = decode_cursor(ordering, cursor)
        window = query.where(ordering.after(key, reverse=backward))
        window = window.order_by(*ordering.order_by(reverse=backward)).limit(_literal(size + 1))
        rows, count = _page_and_count(dbsession, window, counting, entities)
        if count is None:  # nothing past the cursor: the count alone
            count = int(dbsession.scalar(counting) or 0)
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        has_next, has_previous = (True, more) if backward else (more, True)
    else:
        page = params.get("page", 1)
        window = query.order_by(*ordering.order_by()).limit(_literal(size))
        if page > 1:
            window = window.offset(_literal((page - 1) * size))
        rows, count = _page_and_count(dbsession, window, counting, entities)
        if page > 1 and not rows:
            raise HTTPNotFound(_("Invalid page: past the last one."))
        if count is None:  # the first page is empty, in the same snapshot: so is the list
            count = 0
        has_next, has_previous = (page - 1) * size + len(rows) < count, page > 1

    exact = count_limit is None or count <= count_limit
    if not exact:
        count = count_limit

    next_url = previous_url = None
    if rows and has_next:
        next_url = _link(
            request, raw_params, cursor=encode_cursor(ordering, ordering.key_of(rows[-1]), False)
        )
    if rows and has_previous:
        previous_url = _link(
            request, raw_params, cursor=encode_cursor(ordering, ordering.key_of(rows[0]), True)
        )
    return {
        "count": count,
        "count_exact": exact,
        "next": next_url,
        "previous": previous_url,
        "results": serialize(rows),
    }
