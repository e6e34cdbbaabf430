"""The list endpoints' pages: a cursor that a client sends back is checked before any query.

A cursor is opaque to clients but not tamper-proof: its sort key is decoded here and must
match the ordering's column types, so that a forged one is a 400, never a database error.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Select
from sqlalchemy.types import TypeDecorator

from ..exceptions import InvalidInput
from ..i18n import _
from ..pagination import Ordering, Shaped, decode_cursor, paginate

#: Integers that fit the database's BIGINT (ids and ranks are smaller still).
INT_RANGE = range(-(2**63), 2**63)


def in_utc_range(value: datetime) -> bool:
    """An aware time that UTC can express (``0001-01-01T00:00+05:00`` cannot)."""
    if value.tzinfo is None:
        return False
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _fits(value: object, python_type: type) -> bool:
    """Whether one decoded sort-key value can be bound where ``python_type`` belongs."""
    if python_type is int:
        return isinstance(value, int) and not isinstance(value, bool) and value in INT_RANGE
    if python_type is datetime:
        return isinstance(value, datetime) and in_utc_range(value)
    if python_type is str:
        return isinstance(value, str) and value.isprintable()
    return False


def python_type(column) -> type:
    """The Python type a column binds (a decorated type's underlying one)."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type.python_type


def check_cursor(ordering: Ordering, cursor: str) -> None:
    """InvalidInput (400, naming ``cursor``) unless the cursor fits ``ordering``."""
    key = decode_cursor(ordering, cursor)[0]
    types = [python_type(column) for column in ordering.columns]
    if not all(map(_fits, key, types)):
        raise InvalidInput("cursor", _("Not a cursor from this list."), "querystring")


def page(
    request,
    query: Select | Shaped,
    ordering: Ordering,
    serialize: Callable,
    counting: Select | None = None,
    count_limit: int | None = None,
    entities: bool = True,
) -> dict:
    """One page of ``query`` (see ``desk.pagination.paginate``), its cursor checked first."""
    cursor = request.validated.get("querystring", {}).get("cursor")
    if cursor:
        check_cursor(ordering, cursor)
    return paginate(
        request, request.dbsession, query, ordering, serialize, counting, count_limit, entities
    )
