"""The service-level report: per priority, how many tickets had targets, met and missed them,
and how long the first response and the resolution took (median and 90th percentile)."""

import statistics
from datetime import datetime

from sqlalchemy import Float, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from ..models import Priority, Ticket, TicketStatus
from .policy import SlaPolicy


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile by linear interpolation between ranks (None for no values)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _counted(condition):
    return func.count().filter(condition)


def _states(due, met_at, now: datetime, paused=None) -> tuple:
    """Counts of one target met, breached and pending: ``levels.target_state`` in SQL."""
    pending = and_(due.is_not(None), met_at.is_(None), due > now)
    if paused is not None:  # a waiting ticket's resolution clock is stopped, its due time unset
        pending = or_(pending, and_(due.is_(None), paused))
    return (
        _counted(and_(due.is_not(None), met_at <= due)),
        _counted(and_(due.is_not(None), or_(met_at > due, and_(met_at.is_(None), due <= now)))),
        _counted(pending),
    )


#: Wall-clock seconds from filing to each target's moment.
TAKEN = {
    "response": (Ticket.first_response_at, Ticket.created_at),
    "resolution": (Ticket.completed_at, Ticket.created_at),
}
SHARES = {"median_seconds": 0.5, "p90_seconds": 0.9}


def _percentile_columns() -> list:
    """PostgreSQL's ``percentile_cont`` (linear interpolation, as ``percentile``), NULLs ignored."""
    return [
        func.percentile_cont(share)
        .within_group(cast(func.extract("epoch", later - earlier), Float))
        .label(f"{target}_{name}")
        for target, (later, earlier) in TAKEN.items()
        for name, share in SHARES.items()
    ]


def _percentiles_in_python(dbsession: Session, period: list) -> dict:
    """The same figures where the database has no ``percentile_cont`` (SQLite)."""
    taken: dict = {}
    for target, (later, earlier) in TAKEN.items():
        rows = dbsession.execute(
            select(Ticket.priority, later, earlier).where(later.is_not(None), *period)
        )
        for priority, at, filed in rows:
            taken.setdefault((priority, target), []).append((at - filed).total_seconds())
    return {
        (priority, f"{target}_{name}"): percentile(values, share)
        for (priority, target), values in taken.items()
        for name, share in SHARES.items()
    }


def sla_report(
    dbsession: Session,
    policy: SlaPolicy,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """Tickets filed in ``[since, until)``, per priority from URGENT to LOW, as of ``now``.

    Times are wall-clock seconds from filing to the first response or to DONE. One grouped
    query on PostgreSQL, counts and percentiles alike; a priority without a target in
    ``policy`` counts its tickets and times but no states.
    """
    period = []
    if since is not None:
        period.append(Ticket.created_at >= since)
    if until is not None:
        period.append(Ticket.created_at < until)
    on_postgresql = dbsession.get_bind().dialect.name == "postgresql"
    columns = [
        Ticket.priority,
        func.count().label("tickets"),
        *_labelled("response", _states(Ticket.response_due_at, Ticket.first_response_at, now)),
        *_labelled(
            "resolution",
            _states(
                Ticket.resolution_due_at,
                Ticket.completed_at,
                now,
                # as the ticket's own ``sla`` says (desk.representations)
                paused=and_(
                    Ticket.status == TicketStatus.WAITING, Ticket.response_due_at.is_not(None)
                ),
            ),
        ),
        *(_percentile_columns() if on_postgresql else ()),
    ]
    query = select(*columns).where(*period).group_by(Ticket.priority)
    rows = {row.priority: row._asdict() for row in dbsession.execute(query)}
    if not on_postgresql:
        for (priority, name), value in _percentiles_in_python(dbsession, period).items():
            rows[priority][name] = value
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "priorities": [
            _priority_figures(priority, rows.get(priority.value, {}), policy)
            for priority in sorted(Priority, reverse=True)
        ],
    }


def _labelled(target: str, states: tuple) -> list:
    return [
        column.label(f"{target}_{state}")
        for column, state in zip(states, ("met", "breached", "pending"), strict=True)
    ]


def _priority_figures(priority: Priority, row: dict, policy: SlaPolicy) -> dict:
    targeted = policy.target(priority.name) is not None
    figures = {
        "priority": priority.name,
        "tickets": row.get("tickets", 0),
        "with_target": row.get("tickets", 0) if targeted else 0,
    }
    for target in TAKEN:
        figures[target] = {
            **{
                state: row.get(f"{target}_{state}", 0) if targeted else 0
                for state in ("met", "breached", "pending")
            },
            **{name: row.get(f"{target}_{name}") for name in SHARES},
        }
    return figures


def target_counts(dbsession: Session, now: datetime, since: datetime | None = None) -> list[dict]:
    """Per priority (URGENT first): tickets with targets, and each target met and breached,
    counted by the database (the admin dashboard's chart); only tickets filed from
    ``since`` on when given, a range of the ``(created_at, id)`` index."""
    response_met, response_breached, _ = _states(
        Ticket.response_due_at, Ticket.first_response_at, now
    )
    resolution_met, resolution_breached, _ = _states(
        Ticket.resolution_due_at, Ticket.completed_at, now
    )
    query = select(
        Ticket.priority,
        func.count(Ticket.response_due_at),
        response_met,
        response_breached,
        resolution_met,
        resolution_breached,
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
