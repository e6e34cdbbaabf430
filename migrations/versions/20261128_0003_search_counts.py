"""search counts kept by triggers

Exact counts of searched lists for the terms people search often (``desk.models.search_counts``):
the ``search_terms`` and ``search_counts`` tables and, on PostgreSQL, the triggers on
``tickets`` that keep every registered term's counts in step in the writing transaction. The
tables start empty: terms are registered by the application (``desk.search_counts``). SQLite
gets the tables only, and keeps counting searched lists row by row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Must match ``desk.models.counts.SLOTS`` (a migration does not import the app).
SLOTS = 8

#: What a change must touch to change a ticket's cells for some term.
WATCHED_COLUMNS = ("status", "priority", "requester_id", "executor_id", "title", "description")


def _matches(row: str) -> str:
    """Whether ``row`` (OLD or NEW) matches ``term``: exactly the list query's predicate,
    ``title ILIKE p ESCAPE '\\' OR description ILIKE p ESCAPE '\\'``, NULL counting as no."""
    return (
        f"coalesce({row}.title ILIKE term.pattern ESCAPE '\\'"
        f" OR {row}.description ILIKE term.pattern ESCAPE '\\', false)"
    )


# Each registered term is tested with two ILIKE expressions, old row and new row (plain
# PL/pgSQL expressions, no query to plan; once when an update leaves the text alone). For the
# terms either matches, one statement as in 0002: the old row's -1 where it matched, the new
# row's +1 where it matches, netted per cell and applied in key order (no deadlock between
# two writers), in the slot of the transaction id. While no term is registered, or none
# matches, the loop is all there is.
POSTGRES_FUNCTION = f"""
CREATE FUNCTION search_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    term record;
    old_matches boolean := false;
    new_matches boolean := false;
    same_text boolean;
    old_terms integer[] := '{{}}';
    new_terms integer[] := '{{}}';
BEGIN
    -- A status, priority or people change matches as the row did: test it once.
    same_text := TG_OP = 'UPDATE' AND OLD.title IS NOT DISTINCT FROM NEW.title
        AND OLD.description IS NOT DISTINCT FROM NEW.description;
    FOR term IN SELECT id, pattern FROM search_terms LOOP
        IF TG_OP <> 'INSERT' THEN
            old_matches := {_matches("OLD")};
        END IF;
        IF same_text THEN
            new_matches := old_matches;
        ELSIF TG_OP <> 'DELETE' THEN
            new_matches := {_matches("NEW")};
        END IF;
        IF old_matches THEN
            old_terms := old_terms || term.id;
        END IF;
        IF new_matches THEN
            new_terms := new_terms || term.id;
        END IF;
    END LOOP;
    IF cardinality(old_terms) = 0 AND cardinality(new_terms) = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_counts AS c (term_id, scope, user_id, status, priority, slot, n)
    SELECT d.term_id, d.scope, d.user_id, d.status, d.priority,
           (txid_current() % {SLOTS})::smallint, sum(d.n)
    FROM (
        SELECT t, 0, 0, OLD.status, OLD.priority, -1 FROM unnest(old_terms) AS t
        UNION ALL
        SELECT t, 1, OLD.requester_id, OLD.status, OLD.priority, -1 FROM unnest(old_terms) AS t
        UNION ALL
        SELECT t, 2, OLD.executor_id, OLD.status, OLD.priority, -1 FROM unnest(old_terms) AS t
        WHERE OLD.executor_id IS NOT NULL
        UNION ALL
        SELECT t, 0, 0, NEW.status, NEW.priority, 1 FROM unnest(new_terms) AS t
        UNION ALL
        SELECT t, 1, NEW.requester_id, NEW.status, NEW.priority, 1 FROM unnest(new_terms) AS t
        UNION ALL
        SELECT t, 2, NEW.executor_id, NEW.status, NEW.priority, 1 FROM unnest(new_terms) AS t
        WHERE NEW.executor_id IS NOT NULL
    ) AS d (term_id, scope, user_id, status, priority, n)
    GROUP BY d.term_id, d.scope, d.user_id, d.status, d.priority
    HAVING sum(d.n) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (term_id, scope, user_id, status, priority, slot)
    DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$
"""
POSTGRES_TRUNCATE_FUNCTION = """
CREATE FUNCTION search_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_counts;
    RETURN NULL;
END
$$
"""
# Deferred to the commit, like ticket_counts' triggers.
POSTGRES_TRIGGERS = (
    "CREATE CONSTRAINT TRIGGER search_counts_insert_delete AFTER INSERT OR DELETE ON tickets"
    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION search_counts_apply()",
    f"CREATE CONSTRAINT TRIGGER search_counts_update AFTER UPDATE OF {', '.join(WATCHED_COLUMNS)}"
    " ON tickets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ("
    + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED_COLUMNS)
    + ") EXECUTE FUNCTION search_counts_apply()",
    "CREATE TRIGGER search_counts_truncate AFTER TRUNCATE ON tickets"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_counts_truncate()",
)


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
        sa.UniqueConstraint("pattern", name=op.f("uq_search_terms_pattern")),
    )
    op.create_table(
        "search_counts",
        sa.Column("term_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scope", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "term_id",
            "scope",
            "user_id",
            "status",
            "priority",
            "slot",
            name=op.f("pk_search_counts"),
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRUNCATE_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_counts_truncate ON tickets")
        op.execute("DROP TRIGGER search_counts_update ON tickets")
        op.execute("DROP TRIGGER search_counts_insert_delete ON tickets")
        op.execute("DROP FUNCTION search_counts_truncate()")
        op.execute("DROP FUNCTION search_counts_apply()")
    op.drop_table("search_counts")
    op.drop_table("search_terms")
