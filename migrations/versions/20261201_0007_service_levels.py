"""service levels: due times on tickets, the WAITING status

Adds the service-level columns that ``desk.workflow`` keeps (``desk.sla``), their indexes,
and ``WAITING`` to the status check. Existing tickets get their due times at their next
change. SQLite rebuilds the table to change the check, which drops its triggers: the
counters' triggers of 0002 are created again.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01 22:00:00.000000
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'DONE', 'CANCELLED')"
NEW_STATUSES = "status IN ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING', 'DONE', 'CANCELLED')"
TIMES = (
    "response_due_at",
    "resolution_due_at",
    "first_response_at",
    "response_warning_at",
    "resolution_warning_at",
)


def _counter_triggers() -> tuple[str, ...]:
    """0002's SQLite triggers (a migration module is not importable by name)."""
    path = Path(__file__).with_name("20261128_0002_ticket_counts.py")
    spec = importlib.util.spec_from_file_location("desk_migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SQLITE_TRIGGERS


def _set_status_check(batch, old: str, new: str) -> None:
    batch.drop_constraint(op.f("ck_tickets_status"), type_="check")
    batch.create_check_constraint(op.f("ck_tickets_status"), new)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("tickets", recreate="always" if sqlite else "never") as batch:
        for name in TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("sla_recorded", sa.SmallInteger(), server_default="0", nullable=False)
        )
        _set_status_check(batch, OLD_STATUSES, NEW_STATUSES)
    op.create_index("ix_tickets_response_due_at_id", "tickets", ["response_due_at", "id"])
    op.create_index("ix_tickets_resolution_due_at_id", "tickets", ["resolution_due_at", "id"])
    if sqlite:
        for statement in _counter_triggers():
            op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("UPDATE tickets SET status = 'ASSIGNED' WHERE status = 'WAITING'")
    op.drop_index("ix_tickets_resolution_due_at_id", "tickets")
    op.drop_index("ix_tickets_response_due_at_id", "tickets")
    with op.batch_alter_table("tickets", recreate="always" if sqlite else "never") as batch:
        _set_status_check(batch, NEW_STATUSES, OLD_STATUSES)
        batch.drop_column("sla_recorded")
        for name in reversed(TIMES):
            batch.drop_column(name)
    if sqlite:
        for statement in _counter_triggers():
            op.execute(statement)
