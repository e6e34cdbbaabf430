"""A list as it is filtered and sorted, exported as CSV or JSON lines, streamed.

The rows are read through a server-side cursor (``yield_per``) on a connection of the
export's own, in one REPEATABLE READ snapshot, and written as they come: a million rows
take the memory of a few hundred. The request's own transaction has ended by the time the
body is sent, which is why the export does not use ``request.dbsession``.

CSV is UTF-8 with a byte order mark, so that spreadsheet programs read Cyrillic names
right, and a cell that a spreadsheet would run as a formula (it begins with ``= + - @``,
a tab or a carriage return) is prefixed with an apostrophe (OWASP's CSV injection advice).
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import Select
from sqlalchemy.orm import Session

from . import listing
from .registry import Column, ModelAdmin

FORMATS = {
    "csv": "text/csv",
    "jsonl": "application/jsonl",
}
#: Rows fetched per round trip from the server-side cursor.
BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_value(column: Column, row: Any) -> Any:
    """A column's value as the export holds it: a code, a number, an ISO 8601 time."""
    value = column.export(row) if column.export else getattr(row, column.name)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def neutralised(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def stream_rows(request: Request, query: Select) -> Iterator[Any]:
    """The rows of ``query``, a batch at a time, in one snapshot of their own."""
    engine = request.registry["db_engine"]
    options = {"stream_results": True, "yield_per": BATCH}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with (
        engine.connect().execution_options(**options) as connection,
        connection.begin(),
        Session(bind=connection) as session,
    ):
        yield from session.scalars(query.execution_options(yield_per=BATCH))


def csv_lines(columns: list[Column], rows: Iterator[Any]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue().encode("utf-8")

    yield "\ufeff".encode() + line([column.name for column in columns])
    for row in rows:
        yield line([neutralised(export_value(column, row)) for column in columns])


def json_lines(columns: list[Column], rows: Iterator[Any]) -> Iterator[bytes]:
    for row in rows:
        record = {column.name: export_value(column, row) for column in columns}
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def export_response(request: Request, admin: ModelAdmin, kind: str) -> Response:
    """The whole filtered list, in the list's order, as a download."""
    columns = [Column("id", "ID"), *(c for c in admin.columns if c.name != "id")]
    rows = stream_rows(request, listing.selection(request, admin, request.GET))
    body = csv_lines(columns, rows) if kind == "csv" else json_lines(columns, rows)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(
        app_iter=body, content_type=FORMATS[kind], charset="utf-8", conditional_response=False
    )
    response.content_disposition = f'attachment; filename="{admin.name}-{stamp}.{kind}"'
    response.cache_control = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
