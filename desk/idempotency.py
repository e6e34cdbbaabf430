"""``Idempotency-Key``: a retried create returns the first response and creates nothing.

The key's row is inserted before the work is done, in the same transaction: a parallel
retry waits on the unique index until the first commits, then replays its response.
"""

import hashlib
import json
from datetime import timedelta

from pyramid.renderers import render
from pyramid.response import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

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
    record = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, created_at=utcnow())
    try:
        with dbsession.begin_nested():
            dbsession.add(record)
    except IntegrityError:
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
    request.environ["desk.idempotency"] = record
    return None


def finish(request, status: int, body: dict) -> None:
    """Store the response of a request that ``begin`` let through (if it had a key)."""
    record = request.environ.get("desk.idempotency")
    if record is None:
        return
    record.status = status
    rendered = render("json", body, request=request)
    # The JSON renderer's orjson writes bytes; the column keeps text.
    record.body = rendered.decode() if isinstance(rendered, bytes) else rendered
    record.location = request.response.location
    record.etag = request.response.etag
