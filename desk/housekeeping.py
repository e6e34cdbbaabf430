"""Housekeeping: remove the rows that only grow and that nothing reads any more.

- refresh tokens past their ``expires_at`` (revoked or not: an expired token is refused
  either way, and reuse detection needs only the live members of a family);
- login failures older than the throttle's window (``desk.login.window``), for unknown
  usernames and addresses too;
- idempotency keys older than their lifetime (a day, ``desk.idempotency.LIFETIME``).

Rows go in small batches, each its own transaction, so that no batch holds its locks for
long and writers never wait behind a big DELETE. ``desk-prune INI`` runs it once; a periodic
job calls ``prune(session, settings, utcnow())``.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .idempotency import LIFETIME as IDEMPOTENCY_LIFETIME
from .models import IdempotencyKey, LoginFailure, RefreshToken

#: Rows deleted per transaction.
BATCH_SIZE = 500


def cutoffs(settings: dict, now: datetime) -> dict:
    """``{name: (model, column, rows older than this go)}`` for each table pruned."""
    window = timedelta(seconds=int(settings.get("desk.login.window", 900)))
    return {
        "refresh_tokens": (RefreshToken, RefreshToken.expires_at, now),
        "login_failures": (LoginFailure, LoginFailure.failed_at, now - window),
        "idempotency_keys": (IdempotencyKey, IdempotencyKey.created_at, now - IDEMPOTENCY_LIFETIME),
    }


def prune_table(dbsession: Session, model, column, before: datetime, batch_size: int) -> int:
    """Delete ``model``'s rows whose ``column`` is before ``before``, a batch per commit."""
    removed = 0
    while True:
        batch = select(model.id).where(column < before).limit(batch_size)
        deleted = dbsession.execute(delete(model).where(model.id.in_(batch))).rowcount
        dbsession.commit()
        removed += deleted
        if deleted < batch_size:
            return removed


def prune(
    dbsession: Session, settings: dict, now: datetime, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Remove expired refresh tokens, old login failures and expired idempotency keys;
    ``{table: rows removed}``.

    ``dbsession`` is a plain session (not joined to a request's transaction manager): each
    batch commits on it.
    """
    return {
        name: prune_table(dbsession, model, column, before, batch_size)
        for name, (model, column, before) in cutoffs(settings, now).items()
    }


def prune_periodically(dbsession: Session, settings: dict, now: datetime) -> None:
    """The workers' periodic job: ``prune`` in a session of its own, since each batch
    commits and ``dbsession`` holds the job's schedule row until the job is done."""
    with Session(bind=dbsession.get_bind(), expire_on_commit=False) as own:
        prune(own, settings, now)
