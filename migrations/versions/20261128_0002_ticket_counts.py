"""ticket counts kept by triggers

Exact per-list ticket counts (``desk.models.counts``): the ``ticket_counts`` table, the
triggers on ``tickets`` that keep it in step in the writing transaction (PL/pgSQL on
PostgreSQL, plain triggers on SQLite), and its initial content from the tickets already
there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Must match ``desk.models.counts.SLOTS`` (a migration does not import the app).
SLOTS = 8

COUNTED_COLUMNS = "status, priority, requester_id, executor_id"

INITIAL_COUNTS = """
INSERT INTO ticket_counts (scope, user_id, status, priority, slot, n)
SELECT 0, 0, status, priority, 0, count(*) FROM tickets GROUP BY status, priority
UNION ALL
SELECT 1, requester_id, status, priority, 0, count(*) FROM tickets
GROUP BY requester_id, status, priority
UNION ALL
SELECT 2, executor_id, status, priority, 0, count(*) FROM tickets
WHERE executor_id IS NOT NULL GROUP BY executor_id, status, priority
"""

# One statement per change: the old row's -1 and the new row's +1 for each list, netted per
# cell and applied in key order, so that two transactions never lock two cells in opposite
# orders (no deadlock between, say, a start and a reassignment). The cells' slot is the
# transaction id modulo SLOTS: concurrent writers, consecutive ids, different rows.
POSTGRES_FUNCTION = f"""
CREATE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cell_slot smallint := (txid_current() % {SLOTS})::smallint;
BEGIN
    INSERT INTO ticket_counts AS c (scope, user_id, status, priority, slot, n)
    SELECT d.scope, d.user_id, d.status, d.priority, cell_slot, sum(d.n)
    FROM (
        SELECT 0, 0, OLD.status, OLD.priority, -1 WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT 1, OLD.requester_id, OLD.status, OLD.priority, -1 WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT 2, OLD.executor_id, OLD.status, OLD.priority, -1
        WHERE TG_OP <> 'INSERT' AND OLD.executor_id IS NOT NULL
        UNION ALL
        SELECT 0, 0, NEW.status, NEW.priority, 1 WHERE TG_OP <> 'DELETE'
        UNION ALL
        SELECT 1, NEW.requester_id, NEW.status, NEW.priority, 1 WHERE TG_OP <> 'DELETE'
        UNION ALL
        SELECT 2, NEW.executor_id, NEW.status, NEW.priority, 1
        WHERE TG_OP <> 'DELETE' AND NEW.executor_id IS NOT NULL
    ) AS d (scope, user_id, status, priority, n)
    GROUP BY d.scope, d.user_id, d.status, d.priority
    HAVING sum(d.n) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (scope, user_id, status, priority, slot) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$
"""
POSTGRES_TRUNCATE_FUNCTION = """
CREATE FUNCTION ticket_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    RETURN NULL;
END
$$
"""
# Deferred to the commit (still inside the writing transaction): the counter rows are locked
# for the commit alone, not from the INSERT through the rest of the request.
POSTGRES_TRIGGERS = (
    "CREATE CONSTRAINT TRIGGER ticket_counts_insert_delete AFTER INSERT OR DELETE ON tickets"
    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ticket_counts_apply()",
    f"CREATE CONSTRAINT TRIGGER ticket_counts_update AFTER UPDATE OF {COUNTED_COLUMNS}"
    " ON tickets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    " WHEN (OLD.status IS DISTINCT FROM NEW.status"
    " OR OLD.priority IS DISTINCT FROM NEW.priority"
    " OR OLD.requester_id IS DISTINCT FROM NEW.requester_id"
    " OR OLD.executor_id IS DISTINCT FROM NEW.executor_id)"
    " EXECUTE FUNCTION ticket_counts_apply()",
    "CREATE TRIGGER ticket_counts_truncate AFTER TRUNCATE ON tickets"
    " FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_truncate()",
)


def _sqlite_change(row: str, delta: int) -> str:
    """SQLite trigger statements adding ``delta`` for ``row`` (OLD or NEW) to its cells."""
    upsert = (
        "ON CONFLICT (scope, user_id, status, priority, slot) DO UPDATE SET n = n + excluded.n;"
    )
    columns = "INSERT INTO ticket_counts (scope, user_id, status, priority, slot, n)"
    return f"""
    {columns} SELECT 0, 0, {row}.status, {row}.priority, 0, {delta} WHERE true {upsert}
    {columns} SELECT 1, {row}.requester_id, {row}.status, {row}.priority, 0, {delta}
        WHERE true {upsert}
    {columns} SELECT 2, {row}.executor_id, {row}.status, {row}.priority, 0, {delta}
        WHERE {row}.executor_id IS NOT NULL {upsert}"""


SQLITE_TRIGGERS = (
    f"CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN"
    f" {_sqlite_change('NEW', 1)} END",
    f"CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN"
    f" {_sqlite_change('OLD', -1)} END",
    f"CREATE TRIGGER ticket_counts_update AFTER UPDATE OF {COUNTED_COLUMNS} ON tickets"
    " WHEN OLD.status IS NOT NEW.status OR OLD.priority IS NOT NEW.priority"
    " OR OLD.requester_id IS NOT NEW.requester_id OR OLD.executor_id IS NOT NEW.executor_id"
    f" BEGIN {_sqlite_change('OLD', -1)} {_sqlite_change('NEW', 1)} END",
)


def upgrade() -> None:
    op.create_table(
        "ticket_counts",
        sa.Column("scope", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "scope", "user_id", "status", "priority", "slot", name=op.f("pk_ticket_counts")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Nobody may write tickets between the initial count and the triggers.
        op.execute("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRUNCATE_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.execute(INITIAL_COUNTS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ticket_counts_truncate ON tickets")
        op.execute("DROP TRIGGER ticket_counts_update ON tickets")
        op.execute("DROP TRIGGER ticket_counts_insert_delete ON tickets")
        op.execute("DROP FUNCTION ticket_counts_truncate()")
        op.execute("DROP FUNCTION ticket_counts_apply()")
    else:
        for name in ("ticket_counts_update", "ticket_counts_delete", "ticket_counts_insert"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("ticket_counts")
