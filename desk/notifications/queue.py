"""The delivery queue on Desk's own tables: enqueue, claim with a lease, record, retry.

A claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers
each take different deliveries; the claim sets ``locked_until`` (the lease) and commits, and
the message is sent outside any transaction. A worker that dies mid-attempt leaves the lease
to run out; the delivery is then taken again (at least once, never lost). SQLite has no row
locks: it serves one development worker.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..exceptions import Conflict
from ..i18n import _
from ..models import Delivery, DeliveryAttempt
from .config import WorkerConfig
from .webhooks import Outcome


def enqueue(
    dbsession: Session, config: WorkerConfig, now: datetime, channel: str, **fields
) -> Delivery:
    """A pending delivery, due now, given up on after the retry window."""
    delivery = Delivery(
        channel=channel,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        give_up_at=now + timedelta(seconds=config.retry_window),
        created_at=now,
        last_error="",
        **fields,
    )
    dbsession.add(delivery)
    return delivery


def claim(dbsession: Session, config: WorkerConfig, now: datetime) -> Delivery | None:
    """The next due delivery, leased to the caller (commit to make the lease visible)."""
    delivery = dbsession.scalars(
        select(Delivery)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            or_(Delivery.locked_until.is_(None), Delivery.locked_until <= now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if delivery is not None:
        delivery.locked_until = now + timedelta(seconds=config.lease)
        delivery.attempts += 1
    return delivery


def backoff(config: WorkerConfig, attempts: int) -> float:
    """Seconds before the next attempt: doubling from ``backoff_base``, capped, jittered.

    The jitter (between half and all of the delay) keeps deliveries that failed together,
    when a receiver went down, from all coming back in the same second.
    """
    delay = min(config.backoff_base * 2 ** max(attempts - 1, 0), config.backoff_max)
    return delay * random.uniform(0.5, 1.0)


def record(
    dbsession: Session,
    config: WorkerConfig,
    delivery_id: int,
    outcome: Outcome,
    started_at: datetime,
    duration_ms: int,
    now: datetime,
) -> Delivery | None:
    """Log the attempt and move the delivery on: succeeded, retried later, or failed."""
    delivery = dbsession.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:  # its webhook was deleted meanwhile
        return None
    dbsession.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            started_at=started_at,
            duration_ms=duration_ms,
            http_status=outcome.http_status,
            error=outcome.error,
            response_body=outcome.response_body,
            succeeded=outcome.succeeded,
        )
    )
    delivery.locked_until = None
    delivery.last_error = outcome.error
    if outcome.succeeded:
        delivery.status, delivery.completed_at = "succeeded", now
    elif now >= delivery.give_up_at:
        delivery.status, delivery.completed_at = "failed", now
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff(config, delivery.attempts))
    return delivery


def redeliver(delivery: Delivery, config: WorkerConfig, now: datetime) -> Delivery:
    """Send a delivery again now (the same message id), with a fresh retry window.

    One being attempted right now (its lease running) is a 409: a second concurrent
    attempt is what the lease exists to prevent.
    """
    if delivery.status == "pending" and delivery.locked_until and delivery.locked_until > now:
        raise Conflict(_("This delivery is being attempted right now; try again in a moment."))
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.give_up_at = now + timedelta(seconds=config.retry_window)
    delivery.completed_at = None
    return delivery
