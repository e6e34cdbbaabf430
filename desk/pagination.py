"""Pages of any list: ``{count, next, previous, results}`` with keyset cursors in the links.

``page=N`` gives random access; the ``next``/``previous`` links carry an opaque cursor
(the sort key of the row at the page's edge), so walking a long list costs the same per
page at page 5,000 as at page 1.

``count`` is the exact number of rows, ``SELECT count(*) FROM ... WHERE ...`` unless the
caller hands in a cheaper statement of it (ticket lists: ``desk.lists``), with
``count_exact: true``. A caller may cap the count (a searched ticket list): beyond the cap,
``count`` is the cap and ``count_exact`` is false.

A list of Core rows may come as a ``Shaped`` list: its page statements are then built once
per shape and page window, with its values bound, and run on the session's connection (the
ORM has nothing to add to them). Building and compiling a statement cost more than a page's
rows: SQLAlchemy's cache key of a statement is remembered by the statement object, and only
by it.
"""

import base64
import json
from collections.abc import Callable, Hashable
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
        """Rows strictly past ``values`` in this order (before them when ``reverse``); the
        values are the bound parameters ``cursor_parameters(values)`` names."""
        keys = tuple_(*self.columns)
        bound = tuple_(
            *(
                bindparam(name, value, type_=column.type)
                for (name, value), column in zip(
                    cursor_parameters(values).items(), self.columns, strict=True
                )
            )
        )
        return keys < bound if self.descending != reverse else keys > bound

    def key_of(self, row) -> list:
        return [getattr(row, column.key) for column in self.columns]


@dataclass(frozen=True)
class Shaped:
    """A list whose statements depend on ``key`` alone: ``build()`` returns its rows'
    SELECT and its count's, each value in them a bound parameter, and ``parameters`` are
    this request's values of those."""

    key: Hashable
    build: Callable[[], tuple[Select, Select]]
    parameters: dict


#: Page statements per (list shape, window); past this many, the cache starts afresh, so
#: that a crawl through many ``page=`` offsets cannot grow it without bound.
MAX_CACHED_STATEMENTS = 2048
_statements: dict[tuple, tuple[Select, Select]] = {}


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


def cursor_parameters(values: list) -> dict:
    """A cursor's sort key as the values of ``Ordering.after``'s bound parameters."""
    return {f"desk_cursor_{index}": value for index, value in enumerate(values)}


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


def _window(
    query: Select, ordering: Ordering, size: int, offset: int, cursor: tuple | None
) -> Select:
    """The rows of one page: ``size`` rows from ``offset``, or ``size + 1`` past the
    ``cursor`` (its key, and whether it points backward)."""
    if cursor is None:
        window = query.order_by(*ordering.order_by()).limit(_literal(size))
        return window.offset(_literal(offset)) if offset else window
    key, backward = cursor
    window = query.where(ordering.after(key, reverse=backward))
    return window.order_by(*ordering.order_by(reverse=backward)).limit(_literal(size + 1))


def _with_count(window: Select, count: Select) -> Select:
    """``window`` with the list's count riding along as ``desk_list_count``.

    The count is an uncorrelated scalar subquery, which PostgreSQL and SQLite evaluate
    once: the page and its count are one statement and one snapshot.
    """
    return window.add_columns(count.scalar_subquery().correlate(None).label("desk_list_count"))


class _Statements:
    """How one page runs: its statements (cached per shape for a ``Shaped`` list) and
    where (the ORM session for entities, else its connection)."""

    def __init__(self, dbsession: Session, query, ordering: Ordering, counting, entities: bool):
        self.query, self.ordering, self.counting = query, ordering, counting
        self.shaped = isinstance(query, Shaped)
        self.parameters = dict(query.parameters) if self.shaped else {}
        self.entities = entities
        self.executor = dbsession if entities else dbsession.connection()

    def _built(self, size: int, offset: int, cursor: tuple | None) -> tuple[Select, Select]:
        if not self.shaped:
            query, counting = self.query, self.counting
            if counting is None:
                counting = count_query(query)
            window = _window(query, self.ordering, size, offset, cursor)
            return _with_count(window, counting), counting
        # The cursor's values are bound: one statement per direction, whatever the key.
        key = (self.query.key, size, offset, None if cursor is None else cursor[1])
        built = _statements.get(key)
        if built is None:
            query, counting = self.query.build()
            window = _window(query, self.ordering, size, offset, cursor)
            built = _with_count(window, counting), counting
            if len(_statements) >= MAX_CACHED_STATEMENTS:
                _statements.clear()
            _statements[key] = built
        return built

    def page_and_count(self, size: int, offset: int, cursor: tuple | None) -> tuple[list, int]:
        """The rows of the page and the list's count (None when there is no row to carry
        it). With ``entities``, each row is the ORM object it selects; else the row itself
        (with the count as ``desk_list_count``)."""
        statement, self._count = self._built(size, offset, cursor)
        parameters = self.parameters
        if cursor is not None:
            parameters = {**parameters, **cursor_parameters(cursor[0])}
        result = self.executor.execute(statement, parameters)
        rows = result.unique().all() if self.entities else result.all()
        if not rows:
            return [], None
        return [row[0] for row in rows] if self.entities else rows, int(rows[0][-1] or 0)

    def count(self) -> int:
        """The list's count alone (after ``page_and_count``)."""
        return int(self.executor.scalar(self._count, self.parameters) or 0)


def paginate(
    request,
    dbsession: Session,
    query: Select | Shaped,
    ordering: Ordering,
    serialize,
    counting: Select | None = None,
    count_limit: int | None = None,
    entities: bool = True,
) -> dict:
    """One page of ``query`` in ``ordering``, serialized by ``serialize(rows)``.

    ``counting`` is the SELECT of the list's count (default ``count_query(query)``; a
    ``Shaped`` list builds its own); with ``count_limit``, it counts at most
    ``count_limit + 1`` rows and the page says whether the count is exact. ``entities``:
    ``query`` selects one ORM entity, and ``serialize`` gets those objects; else it gets the
    Core rows of ``query``'s columns.
    """
    params = request.validated.get("querystring", {})
    size = params.get("page_size", DEFAULT_PAGE_SIZE)
    raw_params = request.GET.mixed()
    statements = _Statements(dbsession, query, ordering, counting, entities)

    cursor = params.get("cursor")
    if cursor:
        key, backward = decode_cursor(ordering, cursor)
        rows, count = statements.page_and_count(size, 0, (key, backward))
        if count is None:  # nothing past the cursor: the count alone
            count = statements.count()
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        has_next, has_previous = (True, more) if backward else (more, True)
    else:
        page = params.get("page", 1)
        rows, count = statements.page_and_count(size, (page - 1) * size, None)
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
