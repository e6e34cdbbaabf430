"""Pages of any list: ``{count, next, previous, results}`` with keyset cursors in the links.

``page=N`` gives random access; the ``next``/``previous`` links carry an opaque cursor
(the sort key of the row at the page's edge), so walking a long list costs the same per
page at page 5,000 as at page 1.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import Select, bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from .exceptions import InvalidInput

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
        raise InvalidInput("cursor", "Not a cursor from this list.", "querystring") from exc
    if not valid:
        raise InvalidInput("cursor", "Not a cursor for this ordering.", "querystring")
    return key, backward


def _link(request, params: dict, **changes) -> str:
    query = {k: v for k, v in params.items() if k not in ("page", "cursor")}
    query.update(changes)
    return request.current_route_url(_query=query)


def paginate(request, dbsession: Session, query: Select, ordering: Ordering, serialize) -> dict:
    """One page of ``query`` in ``ordering``, serialized by ``serialize(rows)``."""
    params = request.validated.get("querystring", {})
    size = params.get("page_size", DEFAULT_PAGE_SIZE)
    raw_params = request.GET.mixed()
    count = dbsession.scalar(select(func.count()).select_from(query.order_by(None).subquery()))

    cursor = params.get("cursor")
    if cursor:
        key, backward = decode_cursor(ordering, cursor)
        window = query.where(ordering.after(key, reverse=backward))
        rows = (
            dbsession.scalars(window.order_by(*ordering.order_by(reverse=backward)).limit(size + 1))
            .unique()
            .all()
        )
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        has_next, has_previous = (True, more) if backward else (more, True)
    else:
        page = params.get("page", 1)
        rows = (
            dbsession.scalars(
                query.order_by(*ordering.order_by()).offset((page - 1) * size).limit(size)
            )
            .unique()
            .all()
        )
        if page > 1 and not rows:
            raise HTTPNotFound("Invalid page: past the last one.")
        has_next, has_previous = (page - 1) * size + len(rows) < count, page > 1

    next_url = previous_url = None
    if rows and has_next:
        next_url = _link(
            request, raw_params, cursor=encode_cursor(ordering, ordering.key_of(rows[-1]), False)
        )
    if rows and has_previous:
        previous_url = _link(
            request, raw_params, cursor=encode_cursor(ordering, ordering.key_of(rows[0]), True)
        )
    return {"count": count, "next": next_url, "previous": previous_url, "results": serialize(rows)}
