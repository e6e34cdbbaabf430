"""The service-level report: per priority, how many tickets had targets, met and missed them,
and how long the first response and the resolution took (median and 90th percentile)."""

import statistics
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..models import Priority, Ticket, TicketStatus
from .levels import target_state
from .policy import SlaPolicy

COLUMNS = (
    Ticket.priority,
    Ticket.status,
    Ticket.created_at,
    Ticket.response_due_at,
    Ticket.first_response_at,
    Ticket.resolution_due_at,
    Ticket.completed_at,
)


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile by linear interpolation between ranks (None for no values)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _summary(states: list[str | None], seconds: list[float]) -> dict:
    return {
        "met": states.count("met"),
        "breached": states.count("breached"),
        "pending": states.count("pending"),
        "median_seconds": statistics.median(seconds) if seconds else None,
        "p90_seconds": percentile(seconds, 0.9),
    }


def sla_report(
    dbsession: Session,
    policy: SlaPolicy,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """Tickets filed in ``[since, until)``, per priority from URGENT to LOW, as of ``now``.

    Times are wall-clock seconds from filing to the first response or to DONE.
    """
    query = select(*COLUMNS)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    if until is not None:
        query = query.where(Ticket.created_at < until)
    rows = dbsession.execute(query).all()
    priorities = []
    for priority in sorted(Priority, reverse=True):
        mine = [row for row in rows if row.priority == priority.value]
        targeted = mine if policy.target(priority.name) else []
        response_states = [
            target_state(row.response_due_at, row.first_response_at, now) for row in targeted
        ]
        resolution_states = [
            target_state(
                row.resolution_due_at,
                row.completed_at,
                now,
                paused=row.status == TicketStatus.WAITING,
            )
            for row in targeted
        ]
        priorities.append(
            {
                "priority": priority.name,
                "tickets": len(mine),
                "with_target": len(targeted),
                "response": _summary(
                    response_states,
                    [
                        (row.first_response_at - row.created_at).total_seconds()
                        for row in mine
                        if row.first_response_at is not None
                    ],
                ),
                "resolution": _summary(
                    resolution_states,
                    [
                        (row.completed_at - row.created_at).total_seconds()
                        for row in mine
                        if row.completed_at is not None
                    ],
                ),
            }
        )
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "priorities": priorities,
    }


def _counted(condition):
    return func.count().filter(condition)


def target_counts(dbsession: Session, now: datetime, since: datetime | None = None) -> list[dict]:
    """Per priority (URGENT first): tickets with targets, and each target met and breached,
    counted by the database (the admin dashboard's chart); only tickets filed from
    ``since`` on when given, a range of the ``(created_at, id)`` index."""
    response_met = Ticket.first_response_at <= Ticket.response_due_at
    response_breached = or_(
        Ticket.first_response_at > Ticket.response_due_at,
        and_(Ticket.first_response_at.is_(None), Ticket.response_due_at <= now),
    )
    resolution_met = Ticket.completed_at <= Ticket.resolution_due_at
    resolution_breached = or_(
        Ticket.completed_at > Ticket.resolution_due_at,
        and_(Ticket.completed_at.is_(None), Ticket.resolution_due_at <= now),
    )
    query = select(
        Ticket.priority,
        func.count(Ticket.response_due_at),
        _counted(response_met),
        _counted(response_breached),
        _counted(resolution_met),
        _counted(resolution_breached),
    ).group_by(Ticket.priority)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    rows = dbsession.execute(query).all()
    by_priority = {row[0]: row[1:] for row in rows}
    answer = []
    for priority in sorted(Priority, reverse=True):
        total, r_met, r_breached, s_met, s_breached = by_priority.get(priority.value, (0,) * 5)
        answer.append(
            {
                "priority": priority.name,
                "with_target": total,
                "response": {"met": r_met, "breached": r_breached},
                "resolution": {"met": s_met, "breached": s_breached},
            }
        )
    return answer
