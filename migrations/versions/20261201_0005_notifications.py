"""notifications: the outbox mark on events, webhooks, the delivery queue, mail preferences

``ticket_events.dispatched_at`` makes the history the outbox; events already there are marked
dispatched, so that a first worker does not mail the whole past.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNDISPATCHED = sa.text("dispatched_at IS NULL")
PENDING = sa.text("status = 'pending'")


def _drop_column(table: str, column: str) -> None:
    """Drop a column in place: SQLite (3.35+) can, and a batch copy of ``users`` would trip
    the foreign keys that point at it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    op.add_column("ticket_events", sa.Column("dispatched_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE ticket_events SET dispatched_at = created_at")
    op.create_index(
        "ix_ticket_events_undispatched",
        "ticket_events",
        ["id"],
        postgresql_where=UNDISPATCHED,
        sqlite_where=UNDISPATCHED,
    )
    op.add_column(
        "users", sa.Column("notify_email", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        # SQLite cannot add a constraint in place; the application validates the value too.
        op.create_check_constraint("language", "users", "language IN ('en', 'ru')")

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("event_kinds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("include_internal", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("give_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name=op.f("ck_deliveries_status")
        ),
        sa.CheckConstraint("channel IN ('webhook', 'email')", name=op.f("ck_deliveries_channel")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["ticket_events.id"],
            name=op.f("fk_deliveries_event_id_ticket_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_deliveries_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_deliveries_webhook_id_id", "deliveries", ["webhook_id", "id"])
    op.create_index("ix_deliveries_event_id", "deliveries", ["event_id"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        "ix_delivery_attempts_delivery_id_id", "delivery_attempts", ["delivery_id", "id"]
    )
    op.create_table(
        "periodic_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_runs")),
    )


def downgrade() -> None:
    op.drop_table("periodic_runs")
    op.drop_index("ix_delivery_attempts_delivery_id_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_event_id", table_name="deliveries")
    op.drop_index("ix_deliveries_webhook_id_id", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("webhooks")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("language", "users", type_="check")
    _drop_column("users", "language")
    _drop_column("users", "notify_email")
    op.drop_index("ix_ticket_events_undispatched", table_name="ticket_events")
    _drop_column("ticket_events", "dispatched_at")
