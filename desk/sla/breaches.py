"""The periodic job that records missed targets: ``sla_breached`` and ``sla_warning`` events.

``record_breaches`` looks for every target whose due time (or warning time) has passed
without the target being met, records one event per ticket and target, dated when it
really happened (the due time, not the time of the run), and marks it as recorded on the
ticket (``tickets.sla_recorded``). Nothing is lost while no worker runs: the next run
catches up on everything it missed; running again records nothing new. Concurrent runs on
PostgreSQL skip each other's locked tickets, so nothing is recorded twice.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntFlag

from sqlalchemy import literal_column, or_, select, update
from sqlalchemy.orm import Session

from .. import workflow
from ..models import Ticket
from .policy import policy_from_settings


class Recorded(IntFlag):
    """Bits of ``tickets.sla_recorded``: which events a ticket already has."""

    RESPONSE_BREACHED = 1
    RESOLUTION_BREACHED = 2
    RESPONSE_WARNING = 4
    RESOLUTION_WARNING = 8


@dataclass(frozen=True)
class Watch:
    """One kind of event about one target: when it falls due, and what meets the target."""

    flag: Recorded
    kind: str
    target: str
    when: object  # the ticket column of the moment it happens
    due: object  # the ticket column of the target's due time
    met: object  # the ticket column of the moment the target was met


WATCHES = (
    Watch(
        Recorded.RESPONSE_BREACHED,
        "sla_breached",
        "response",
        Ticket.response_due_at,
        Ticket.response_due_at,
        Ticket.first_response_at,
    ),
    Watch(
        Recorded.RESOLUTION_BREACHED,
        "sla_breached",
        "resolution",
        Ticket.resolution_due_at,
        Ticket.resolution_due_at,
        Ticket.completed_at,
    ),
    Watch(
        Recorded.RESPONSE_WARNING,
        "sla_warning",
        "response",
        Ticket.response_warning_at,
        Ticket.response_due_at,
        Ticket.first_response_at,
    ),
    Watch(
        Recorded.RESOLUTION_WARNING,
        "sla_warning",
        "resolution",
        Ticket.resolution_warning_at,
        Ticket.resolution_due_at,
        Ticket.completed_at,
    ),
)


def passed_watches(values: Mapping[str, datetime | None], now: datetime) -> list[Watch]:
    """The watches ``record_breaches`` finds passed by ``now`` for a ticket whose columns
    are ``values`` (by column name), recorded or not: what a bulk load (``desk-seed``)
    records itself, without a query."""
    passed = []
    for watch in WATCHES:
        when, met = values[watch.when.key], values[watch.met.key]
        if when is not None and when <= now and (met is None or met > when):
            passed.append(watch)
    return passed


def _due_rows(dbsession: Session, watch: Watch, now: datetime, limit: int):
    query = (
        select(Ticket.id, watch.when, watch.due)
        .where(
            watch.when.is_not(None),
            watch.when <= now,
            or_(watch.met.is_(None), watch.met > watch.when),
            # Constants in the SQL, not parameters: the statement then matches the predicate
            # of the watch's partial index (migration 0009) in any plan, generic ones too.
            Ticket.sla_recorded.op("&")(literal_column(str(int(watch.flag))))
            == literal_column("0"),
        )
        .order_by(watch.when, Ticket.id)
        .limit(limit)
    )
    if dbsession.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Ticket, skip_locked=True)
    return dbsession.execute(query).all()


def record_breaches(dbsession: Session, settings: dict, now: datetime, limit: int = 1000) -> int:
    """Record every breach and warning due by ``now`` that is not recorded yet; the number.

    At most ``limit`` of each kind per call (the next call takes the rest). The caller
    commits. Warnings only when ``desk.sla.warning`` is set.
    """
    warnings = policy_from_settings(settings).warning is not None
    found = []
    for watch in WATCHES:
        if watch.kind == "sla_warning" and not warnings:
            continue
        found += [
            (when, ticket_id, due, watch)
            for ticket_id, when, due in _due_rows(dbsession, watch, now, limit)
        ]
    # Oldest first, so that the events' ids follow the time they happened.
    found.sort(key=lambda item: (item[0], item[1], item[3].flag))
    for when, ticket_id, due, watch in found:
        workflow.record_sla_event(dbsession, ticket_id, watch.kind, watch.target, when, due)
        dbsession.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(sla_recorded=Ticket.sla_recorded.op("|")(int(watch.flag)))
            .execution_options(synchronize_session=False)
        )
    dbsession.flush()
    return len(found)
