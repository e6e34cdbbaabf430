"""``/admin/charts/``: the state of the desk as pictures, server-rendered SVG with its numbers.

Four charts, each drawn here as SVG shapes (no JavaScript, nothing from another host, no
style attributes: the stylesheet colours them) and each followed by its table for screen
readers and for copying:

- tickets opened and closed per day over the last 30 days: the ``ticket_day_counts``
  counters (migration 0011);
- the open backlog by status and open tickets per executor: the ``ticket_counts``
  counters (a few dozen rows whatever the number of tickets);
- the median time to resolution per priority, of the tickets created in the last 30 days
  that are done: a range of ``ix_tickets_done_created_at`` on PostgreSQL (done tickets
  alone, read index-only).
"""

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, literal_column, select

from ..models import (
    CountScope,
    DayKind,
    Priority,
    Ticket,
    TicketCount,
    TicketDayCount,
    TicketStatus,
    User,
)
from ..permissions import Permission
from .i18n import translator
from .models import TICKETS
from .rendering import page
from .routes import CHARTS, list_path

DAYS = 30
OPEN = (TicketStatus.NEW.value, TicketStatus.ASSIGNED.value, TicketStatus.IN_PROGRESS.value)
CLOSED = (TicketStatus.DONE.value, TicketStatus.CANCELLED.value)
#: Drawing sizes, in SVG user units (the SVG scales to its box).
WIDTH, BAR, GAP, LABEL = 640, 22, 6, 150


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    series: str = "a"
    href: str | None = None


def first_day(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=DAYS - 1), time(), tzinfo=UTC)


def per_day(request: Request, today: date) -> list[dict]:
    """``{day, opened, closed}`` for each of the last ``DAYS`` days, today included: the
    ``ticket_day_counts`` counters, a few hundred rows whatever the number of tickets."""
    since = first_day(today).date()
    rows = request.dbsession.execute(
        select(TicketDayCount.kind, TicketDayCount.day, func.sum(TicketDayCount.n))
        .where(TicketDayCount.day >= since)
        .group_by(TicketDayCount.kind, TicketDayCount.day)
    ).all()
    counts = {(kind, day): int(n) for kind, day, n in rows}
    days = [since + timedelta(days=n) for n in range(DAYS)]
    return [
        {
            "day": d.isoformat(),
            "opened": counts.get((DayKind.OPENED, d), 0),
            "closed": counts.get((DayKind.CLOSED, d), 0),
        }
        for d in days
    ]


def backlog(request: Request) -> list[tuple[str, int]]:
    """Open tickets per status, from the counters."""
    rows = request.dbsession.execute(
        select(TicketCount.status, func.sum(TicketCount.n))
        .where(TicketCount.scope == CountScope.ALL, TicketCount.status.in_(OPEN))
        .group_by(TicketCount.status)
    ).all()
    counts = {status: int(n or 0) for status, n in rows}
    return [(status, counts.get(status, 0)) for status in OPEN]


def per_executor(request: Request) -> list[tuple[int, str, int]]:
    """``(id, username, open tickets)`` per executor who has any, most first."""
    total = func.sum(TicketCount.n)
    rows = request.dbsession.execute(
        select(TicketCount.user_id, User.username, total)
        .join(User, User.id == TicketCount.user_id)
        .where(TicketCount.scope == CountScope.EXECUTOR, TicketCount.status.in_(OPEN))
        .group_by(TicketCount.user_id, User.username)
        .having(total > 0)
        .order_by(total.desc(), User.username)
    ).all()
    return [(user_id, username, int(n)) for user_id, username, n in rows]


def median_hours(request: Request, today: date) -> list[tuple[str, float | None, int]]:
    """``(priority, median hours from filing to done, tickets)`` of recent done tickets."""
    dbsession = request.dbsession
    # DONE as a constant in the SQL: the statement matches the partial index's predicate in
    # a generic (prepared) plan too.
    done = literal_column(f"'{TicketStatus.DONE.value}'")
    where = (Ticket.created_at >= first_day(today), Ticket.status == done)
    if dbsession.get_bind().dialect.name == "postgresql":
        # date_part is double precision; extract would be numeric, twice as slow to sort.
        seconds = func.date_part("epoch", Ticket.completed_at - Ticket.created_at)
        median = func.percentile_cont(0.5).within_group(seconds)
        rows = dbsession.execute(
            select(Ticket.priority, median, func.count()).where(*where).group_by(Ticket.priority)
        ).all()
        found = {priority: (float(value) / 3600, n) for priority, value, n in rows}
    else:
        durations: dict[int, list[float]] = {}
        rows = dbsession.execute(
            select(Ticket.priority, Ticket.created_at, Ticket.completed_at).where(*where)
        )
        for priority, created, completed in rows:
            hours = (completed - created).total_seconds() / 3600
            durations.setdefault(priority, []).append(hours)
        found = {p: (statistics.median(v), len(v)) for p, v in durations.items()}
    return [
        (member.name, *found.get(member.value, (None, 0)))
        for member in sorted(Priority, reverse=True)
    ]


def horizontal(items: list[tuple[str, float, str, str | None]]) -> dict:
    """Bars left to right for ``(label, value, text, href)``, scaled to the largest."""
    top = max((value for _, value, _, _ in items), default=0) or 1
    span = WIDTH - LABEL - 60
    bars = [
        Bar(
            label,
            value,
            text,
            x=LABEL,
            y=n * (BAR + GAP),
            width=max(span * value / top, 1 if value else 0),
            height=BAR,
            href=href,
        )
        for n, (label, value, text, href) in enumerate(items)
    ]
    return {"bars": bars, "width": WIDTH, "height": max(len(bars), 1) * (BAR + GAP)}


def columns(days: list[dict]) -> dict:
    """Two columns per day (opened, closed), scaled to the busiest day."""
    height, base = 180, 200
    top = max((max(d["opened"], d["closed"]) for d in days), default=0) or 1
    step = (WIDTH - 40) / len(days)
    bars = []
    for n, d in enumerate(days):
        for offset, series in ((0, "opened"), (1, "closed")):
            value = d[series]
            size = height * value / top
            bars.append(
                Bar(
                    d["day"],
                    value,
                    str(value),
                    x=20 + n * step + offset * step / 2,
                    y=base - size,
                    width=step / 2 - 1,
                    height=size,
                    series=series,
                )
            )
    return {"bars": bars, "width": WIDTH, "height": base + 20, "top": top, "base": base}


@view_config(route_name=CHARTS, request_method="GET", permission=Permission.ADMIN)
def charts(request: Request) -> Response:
    _ = translator(request)
    today = datetime.now(UTC).date()
    days = per_day(request, today)
    statuses = backlog(request)
    executors = per_executor(request)
    medians = median_hours(request, today)

    def hours(value: float | None) -> str:
        return "—" if value is None else _("${hours} h", hours=f"{value:.1f}")

    return page(
        request,
        "charts.jinja2",
        {
            "title": _("Charts"),
            "days": days,
            "days_chart": columns(days),
            "statuses": statuses,
            "statuses_chart": horizontal(
                [(_(s), n, str(n), list_path(request, TICKETS, status=s)) for s, n in statuses]
            ),
            "executors": executors,
            "executors_chart": horizontal(
                [
                    (name, n, str(n), list_path(request, TICKETS, executor_id=str(uid)))
                    for uid, name, n in executors
                ]
            ),
            "medians": [(_(p), hours(value), n) for p, value, n in medians],
            "medians_chart": horizontal(
                [(_(p), value or 0, hours(value), None) for p, value, n in medians]
            ),
        },
    )
