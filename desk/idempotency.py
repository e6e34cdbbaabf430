"""``Idempotency-Key``: a retried create returns the first response and creates nothing.

The key's row is inserted before the work is done, in the same transaction: a parallel
retry waits on the unique index until the first commits, then replays its response.
"""

import hashlib
import json
from datetime import timedelta

from pyramid.renderers import render
from pyramid.response import Response
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .exceptions import IdempotencyKeyReused
from .i18n import _
from .models import IdempotencyKey, utcnow

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)


def _fingerprint(request) -> str:
    body = json.dumps(json.loads(request.body or b"{}"), sort_keys=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    response = Response(
        status=record.status,
        body=record.body.encode(),
        content_type="application/json",
        charset="utf-8",
    )
    if record.location:
        response.location = record.location
    if record.etag:
        response.etag = (record.etag, True)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _reserve(dbsession: Session, values: dict) -> int | None:
    """Insert the key's row; its id, or None when the caller's key is taken already.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL and SQLite alike), not a
    savepoint around a plain INSERT: a parallel request with the same key still waits on
    the unique index until the first one ends, then finds the key taken (or free, if the
    first rolled back).
    """
    dialect = dbsession.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyKey)
        .values(values)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.id)
    )
    return dbsession.scalar(statement)


def begin(request) -> Response | None:
    """The stored response of an earlier request with this key, or None to go ahead.

    The key's syntax is checked by the view's header schema (``IdempotencyHeader``).

    Going ahead reserves the key for this request; ``finish`` stores its response.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return None
    dbsession, user_id = request.dbsession, request.caller.id
    fingerprint = _fingerprint(request)
    dbsession.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.created_at < utcnow() - LIFETIME
        )
    )
    reserved = _reserve(
        dbsession,
        {"user_id": user_id, "key": key, "fingerprint": fingerprint, "created_at": utcnow()},
    )
    if reserved is None:
        record = dbsession.scalars(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        ).one()
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                _("This Idempotency-Key was used with another request.")
            ) from None
        return _replay(record)
    request.environ["desk.idempotency"] = reserved
    return None


def finish(request, status: int, body: dict) -> None:
    """Store the response of a request that ``begin`` let through (if it had a key)."""
    reserved = request.environ.get("desk.idempotency")
    if reserved is None:
        return
    rendered = render("json", body, request=request)
    request.dbsession.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == reserved)
        .values(
            status=status,
            # The JSON renderer's orjson writes bytes; the column keeps text.
            body=rendered.decode() if isinstance(rendered, bytes) else rendered,
            location=request.response.location,
            etag=request.response.etag,
        ),
        # No ORM object of the row is in the session to update.
        execution_options={"synchronize_session": False},
    )
