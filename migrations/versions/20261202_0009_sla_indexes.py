"""service-level indexes: partial indexes behind overdue lists, their counts and breach scans

PostgreSQL only (SQLite serves development-sized data with the full indexes of 0007):

- ``ix_tickets_open_resolution_due``: the resolution due times of open tickets, which
  ``overdue=`` and ``due_before=`` lists in that order read, and where their counts find
  the few open tickets that are *not* due yet (``desk.lists``: the count is the counters'
  less those); the same per requester and per executor, for ``my-tickets`` and
  ``assigned-to-me``. (Pages in the default order walk ``created_at``'s index, and the
  response side of a count filters the few rows found here: no partial response index.)
- one index per breach-job watch (``desk.sla.breaches.WATCHES``) holding only the tickets
  whose event is neither recorded nor made moot by the target being met, so the job's scan
  costs the same however many tickets were recorded before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00.000000
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN = "status IN ('ASSIGNED', 'IN_PROGRESS', 'NEW', 'WAITING')"
# (name, moment column, met column, desk.sla.breaches.Recorded bit)
WATCHES = (
    ("response_breach", "response_due_at", "first_response_at", 1),
    ("resolution_breach", "resolution_due_at", "completed_at", 2),
    ("response_warning", "response_warning_at", "first_response_at", 4),
    ("resolution_warning", "resolution_warning_at", "completed_at", 8),
)
INDEXES = (
    ("ix_tickets_open_resolution_due", "resolution_due_at, id", OPEN),
    # A requester's and an executor's lists: without these, PostgreSQL ANDs the whole
    # requester_id (or executor_id) index with the one above, a read of all their tickets.
    ("ix_tickets_open_requester_resolution_due", "requester_id, resolution_due_at, id", OPEN),
    ("ix_tickets_open_executor_resolution_due", "executor_id, resolution_due_at, id", OPEN),
    *(
        (
            f"ix_tickets_unrecorded_{name}",
            f"{when}, id",
            f"{when} IS NOT NULL AND ({met} IS NULL OR {met} > {when})"
            f" AND (sla_recorded & {flag}) = 0",
        )
        for name, when, met, flag in WATCHES
    ),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns, where in INDEXES:
        op.execute(f"CREATE INDEX {name} ON tickets ({columns}) WHERE {where}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _, _ in reversed(INDEXES):
        op.execute(f"DROP INDEX {name}")
