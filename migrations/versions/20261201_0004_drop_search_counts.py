"""drop the per-term search counters

Searched lists now count their matches up to ``desk.search.exact_count_limit`` (``desk.lists``)
instead of reading per-term counters that a request registered under a table lock. This drops
migration 0003's tables and, on PostgreSQL, its triggers and functions; the downgrade runs
0003's upgrade again (the tables start empty, as they did then).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00.000000
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_counts_truncate ON tickets")
        op.execute("DROP TRIGGER IF EXISTS search_counts_update ON tickets")
        op.execute("DROP TRIGGER IF EXISTS search_counts_insert_delete ON tickets")
        op.execute("DROP FUNCTION IF EXISTS search_counts_truncate()")
        op.execute("DROP FUNCTION IF EXISTS search_counts_apply()")
    op.drop_table("search_counts")
    op.drop_table("search_terms")


def downgrade() -> None:
    path = Path(__file__).with_name("20261128_0003_search_counts.py")
    spec = importlib.util.spec_from_file_location("desk_migration_0003", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.upgrade()
