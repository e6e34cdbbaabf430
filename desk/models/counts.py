"""Exact ticket counts per list, kept by the database in the same transaction as each change.

``COUNT(*)`` over a list costs a scan of every matching row: a few milliseconds at 10,000
tickets, a hundred at 1,000,000. The lists' ``count`` must stay exact, so instead of
estimating it, triggers on ``tickets`` (created by the migration, on PostgreSQL and SQLite)
keep one row per (list, status, priority): every INSERT, DELETE or UPDATE of a ticket's
status, priority, requester or executor adds its +1/-1 to the matching rows, inside the
writing transaction. A list's count is then the sum of at most a few dozen rows, whatever
the number of tickets, and it is exactly what a ``COUNT(*)`` in the same snapshot would say.

Rows per list (``scope``): every ticket (``ALL``, user 0), a requester's tickets
(``REQUESTER``, the requester's id) and an executor's (``EXECUTOR``, the executor's id).

Contention: on PostgreSQL the triggers are deferred to the commit, so a counter row is locked
only while its transaction commits, and each cell is spread over ``SLOTS`` rows (the
transaction id modulo ``SLOTS``): concurrent writers, even one requester filing tickets from
eight threads, seldom wait for one another.
"""

from datetime import date
from enum import IntEnum

from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base

#: Rows per cell (PostgreSQL; SQLite has one writer at a time and uses slot 0).
SLOTS = 8


class CountScope(IntEnum):
    ALL = 0
    REQUESTER = 1
    EXECUTOR = 2


class CountCell:
    """The columns of a counter row: a list's cell (scope, user, status, priority), one of its
    ``SLOTS``, and its share of the cell's tickets."""

    scope: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    #: The requester's or executor's id; 0 for ``ALL``.
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    #: Tickets in this cell; a slot's share may be negative, the sum over slots never is.
    n: Mapped[int] = mapped_column(BigInteger)


class TicketCount(CountCell, Base):
    __tablename__ = "ticket_counts"


class DayKind(IntEnum):
    #: Tickets filed that (UTC) day.
    OPENED = 0
    #: Closing events (to DONE or CANCELLED) of that day.
    CLOSED = 1


class TicketDayCount(Base):
    """Tickets filed and closed per UTC day, kept by triggers on ``tickets`` and
    ``ticket_events`` as ``ticket_counts`` is (migration 0011): the admin's charts read a
    month as a few hundred rows, not its tickets and events."""

    __tablename__ = "ticket_day_counts"

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    #: A slot's share of the day's count; the sum over slots is the count.
    n: Mapped[int] = mapped_column(BigInteger)


#: The row trigger on ``tickets`` for INSERT and DELETE (the migration creates it); a bulk
#: load may switch it off for its transaction and add its tickets with ``ADD_COUNTS_SQL``.
COUNT_TRIGGER = "ticket_counts_insert_delete"
#: The row triggers of ``ticket_day_counts`` for INSERT and DELETE, by table (PostgreSQL).
DAY_COUNT_TRIGGERS = {
    "tickets": "ticket_day_counts_opened",
    "ticket_events": "ticket_day_counts_closed",
}

#: Adds the counts of tickets with ``id > :after`` (a bulk load that bypassed the triggers).
ADD_COUNTS_SQL = """
INSERT INTO ticket_counts AS c (scope, user_id, status, priority, slot, n)
SELECT scope, user_id, status, priority, 0, count(*) FROM (
    SELECT 0 AS scope, 0 AS user_id, status, priority FROM tickets WHERE id > :after
    UNION ALL
    SELECT 1, requester_id, status, priority FROM tickets WHERE id > :after
    UNION ALL
    SELECT 2, executor_id, status, priority FROM tickets
    WHERE id > :after AND executor_id IS NOT NULL
) AS t
GROUP BY scope, user_id, status, priority
ON CONFLICT (scope, user_id, status, priority, slot) DO UPDATE SET n = c.n + excluded.n
"""

#: Adds the day counts of tickets with ``id > :tickets_after`` and closing events with
#: ``id > :events_after`` (a bulk load that bypassed the triggers; PostgreSQL).
ADD_DAY_COUNTS_SQL = """
INSERT INTO ticket_day_counts AS c (kind, day, slot, n)
SELECT 0, (created_at AT TIME ZONE 'UTC')::date, 0, count(*) FROM tickets
WHERE id > :tickets_after GROUP BY 2
UNION ALL
SELECT 1, (created_at AT TIME ZONE 'UTC')::date, 0, count(*) FROM ticket_events
WHERE id > :events_after AND to_status IN ('DONE', 'CANCELLED') GROUP BY 2
ON CONFLICT (kind, day, slot) DO UPDATE SET n = c.n + excluded.n
"""
