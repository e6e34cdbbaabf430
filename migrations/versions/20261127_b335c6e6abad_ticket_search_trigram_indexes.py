"""ticket search trigram indexes

PostgreSQL only: ``search`` is ``ILIKE '%term%'``, which a GIN trigram index answers without
scanning the table. SQLite keeps the plain scan.

Revision ID: b335c6e6abad
Revises: 02f525a8070f
Create Date: 2026-11-27 21:22:32
"""

from alembic import op

revision = "b335c6e6abad"
down_revision = "02f525a8070f"
branch_labels = None
depends_on = None

COLUMNS = ("title", "description")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension: the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_tickets_{column}_trgm",
            "tickets",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(f"ix_tickets_{column}_trgm", table_name="tickets")
