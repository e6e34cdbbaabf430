"""admin sort indexes: the admin's ticket orderings and delivery filter on an index

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 01:30:00.000000

Without them, a ticket list sorted by priority, last change or title, or the deliveries
filtered by status, sorts or scans the whole table (a million tickets: hundreds of ms).
Status, executor, requester and the due times sort on the lists' existing indexes.
"""

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_tickets_priority_id", "tickets", ["priority", "id"]),
    ("ix_tickets_updated_at_id", "tickets", ["updated_at", "id"]),
    ("ix_tickets_title_id", "tickets", ["title", "id"]),
    ("ix_deliveries_status_id", "deliveries", ["status", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
