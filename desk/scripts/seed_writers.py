"""How the seed's rows reach the database: binary COPY on PostgreSQL, batches on SQLite.

Both writers work inside the seed's one transaction, so a seed is all or nothing.
"""

import json
import sys
import time

import psycopg
from sqlalchemy import Boolean, Integer, SmallInteger, func, select, text
from sqlalchemy.orm import Session

from ..models import Comment, Ticket, TicketEvent
from ..models.counts import ADD_COUNTS_SQL, ADD_DAY_COUNTS_SQL, COUNT_TRIGGER, DAY_COUNT_TRIGGERS
from ..models.meta import UTCDateTime
from . import describe
from .seed_layout import COMMENT_COLUMNS, EVENT_COLUMNS, PROG, TICKET_COLUMNS, Batch, Layout

TABLES = (
    (Ticket.__table__, TICKET_COLUMNS, "tickets"),
    (Comment.__table__, COMMENT_COLUMNS, "comments"),
    (TicketEvent.__table__, EVENT_COLUMNS, "events"),
)


def copy_type(column) -> str:
    """The client-side type that binary COPY sends for ``column``.

    Binary COPY carries no type names, only each value in the column type's binary form:
    varchar and json columns take text's, so they are sent as ``text``.
    """
    if isinstance(column.type, UTCDateTime):
        return "timestamptz"
    if isinstance(column.type, SmallInteger):
        return "int2"
    if isinstance(column.type, Integer):
        return "int4"
    if isinstance(column.type, Boolean):
        return "bool"
    return "text"


# Secondary indexes of the seeded tables, as (drop, create) statements. Primary keys and
# indexes behind a constraint stay.
INDEXES_SQL = """
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index AS i
WHERE i.indrelid = ANY (CAST(:tables AS regclass[]))
  AND NOT i.indisprimary AND NOT i.indisunique AND i.indisvalid
  AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
ORDER BY i.indexrelid
"""
# Foreign keys from the seeded tables, as (drop, add) statements.
FOREIGN_KEYS_SQL = """
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s',
              c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint AS c
WHERE c.contype = 'f' AND c.conrelid = ANY (CAST(:tables AS regclass[]))
ORDER BY c.oid
"""


class PostgresWriter:
    """Binary COPY on the session's connection, inside the session's transaction.

    When the seed at least doubles the tickets (a fresh database, typically), it loads them
    the way PostgreSQL's "Populating a Database" advises: secondary indexes and foreign keys
    are dropped first and rebuilt at the end, in bulk, which is several times faster than
    maintaining them row by row (the trigram GIN indexes alone would take longer than the
    whole load). PostgreSQL's DDL is transactional: a failed seed leaves the schema as it
    was. It needs the tables' owner (the role that runs the migrations); another role keeps
    the row-by-row path.
    """

    TABLE_NAMES = ("tickets", "comments", "ticket_events")
    #: Room for the index builds' sorts; set for this transaction only.
    BUILD_MEMORY = "256MB"

    def __init__(self, dbsession: Session, out=sys.stdout):
        self.connection = dbsession.connection()
        # psycopg's own connection, under the session's transaction: COPY and DDL go there.
        self.driver = self.connection.connection.driver_connection
        self.out = out
        self.rebuild: list[str] = []
        #: Tickets with ids above this were loaded with the count trigger off (see start).
        self.recount_after: int | None = None
        #: Events with ids above this were loaded with the day-count trigger off.
        self.events_after = 0
        #: ``(table, trigger)`` of the triggers switched off for the load.
        self.paused: list[tuple[str, str]] = []
        # Ids are counted up from the current maximum, so no other writer may insert until
        # this transaction ends. Readers go on, unless ``start`` drops indexes: that locks
        # the tables entirely until the commit.
        self.connection.execute(text(f"LOCK TABLE {', '.join(self.TABLE_NAMES)} IN EXCLUSIVE MODE"))

    def last_id(self, table) -> int:
        """The highest id in use or handed out by the table's sequence."""
        return self.connection.execute(
            text(
                f"SELECT greatest(nextval(pg_get_serial_sequence('{table.name}', 'id')) - 1,"
                f" (SELECT coalesce(max(id), 0) FROM {table.name}))"
            )
        ).scalar_one()

    def start(self, layout: Layout) -> None:
        """Pause the count trigger; drop secondary indexes and foreign keys when rebuilding
        them is the faster way."""
        if layout.count == 0:
            return
        self.pause_counting(layout)
        if layout.count < layout.ticket_id:
            return
        tables = {"tables": list(self.TABLE_NAMES)}
        statements = [
            *self.connection.execute(text(INDEXES_SQL), tables).all(),
            *self.connection.execute(text(FOREIGN_KEYS_SQL), tables).all(),
        ]
        try:
            # A savepoint inside the session's transaction: a refusal undoes only this.
            with self.driver.transaction(savepoint_name="desk_seed_drop"):
                for drop, _ in statements:
                    self.execute(drop)
        except psycopg.Error as exc:
            print(
                f"{PROG}: note: keeping indexes and foreign keys ({describe(exc)});"
                " the load will be slower",
                file=self.out,
            )
            return
        self.rebuild = [create for _, create in statements]

    def pause_counting(self, layout: Layout) -> None:
        """Switch off the triggers that keep ``ticket_counts`` and ``ticket_day_counts``
        exact, for this transaction.

        Row by row, every ticket of the load would update the same few counter rows in one
        transaction, each update a new version of a row that none can prune yet: the load
        would slow down quadratically. ``finish`` adds the new tickets' and events' counts in
        one GROUP BY each instead, before the commit, under the same lock. Without the
        tables' ownership the triggers stay on (correct, slower).
        """
        wanted = [("tickets", COUNT_TRIGGER), *DAY_COUNT_TRIGGERS.items()]
        found = self.connection.execute(
            text(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid IN (CAST('tickets' AS regclass), CAST('ticket_events' AS regclass))"
            )
        ).scalars()
        present = set(found)
        triggers = [(table, name) for table, name in wanted if name in present]
        if not triggers:
            return
        try:
            with self.driver.transaction(savepoint_name="desk_seed_counts"):
                for table, name in triggers:
                    self.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        except psycopg.Error as exc:
            print(
                f"{PROG}: note: counting tickets row by row ({describe(exc)});"
                " the load will be slower",
                file=self.out,
            )
            return
        self.paused = triggers
        self.recount_after = layout.ticket_id
        self.events_after = layout.event_id

    def execute(self, statement: str) -> None:
        """Run ``statement`` as it is: no parameters, so a ``%`` in it stays literal."""
        with self.driver.cursor() as cursor:
            cursor.execute(statement)

    def write(self, batch: Batch) -> None:
        # Tickets first: the comments and events reference them.
        with self.driver.cursor() as cursor:
            for table, columns, attribute in TABLES:
                rows = getattr(batch, attribute)
                if not rows:
                    continue
                statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                with cursor.copy(statement) as copy:
                    copy.set_types([copy_type(table.c[name]) for name in columns])
                    for row in rows:
                        copy.write_row(row)

    def finish(self, layout: Layout) -> None:
        """Move each sequence past the new ids; rebuild what ``start`` dropped."""
        for table, last in (
            (Ticket.__table__, layout.ticket_id + layout.count),
            (Comment.__table__, layout.comment_id),
            (TicketEvent.__table__, layout.event_id),
        ):
            if last == 0:  # An empty table: the sequence has nothing to skip.
                continue
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :last)"),
                {"last": last},
            )
        if self.recount_after is not None:
            names = {name for _, name in self.paused}
            if COUNT_TRIGGER in names:
                self.connection.execute(text(ADD_COUNTS_SQL), {"after": self.recount_after})
            if names & set(DAY_COUNT_TRIGGERS.values()):
                self.connection.execute(
                    text(ADD_DAY_COUNTS_SQL),
                    {"tickets_after": self.recount_after, "events_after": self.events_after},
                )
            for table, name in self.paused:
                self.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        if self.rebuild:
            started = time.monotonic()
            print(f"  rebuilding {len(self.rebuild)} indexes and foreign keys", file=self.out)
            self.execute(f"SET LOCAL maintenance_work_mem = '{self.BUILD_MEMORY}'")
            for statement in self.rebuild:
                self.execute(statement)
            print(f"  rebuilt in {time.monotonic() - started:.1f} s", file=self.out, flush=True)

    def vacuum_analyze(self, engine) -> None:
        """Fresh planner statistics and visibility maps, so that the first benchmark after
        the seed is fair: without the vacuum, counts over an index (the events of one actor)
        read the heap for every row until autovacuum comes by."""
        # VACUUM runs outside a transaction block.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM (ANALYZE) {', '.join(self.TABLE_NAMES)}"))


class SQLiteWriter:
    """Core ``executemany`` inserts in chunks; SQLite has no COPY and no sequences."""

    CHUNK = 5_000

    def __init__(self, dbsession: Session, out=sys.stdout):
        self.connection = dbsession.connection()

    def last_id(self, table) -> int:
        """The highest id in use: SQLite gives the next rowid as the maximum plus one.

        Unlike PostgreSQL's path nothing is locked here: SQLite serves development, with
        one writer at a time.
        """
        return self.connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()

    def write(self, batch: Batch) -> None:
        for table, columns, attribute in TABLES:
            rows = getattr(batch, attribute)
            for start in range(0, len(rows), self.CHUNK):
                params = [
                    dict(zip(columns, row, strict=True)) for row in rows[start : start + self.CHUNK]
                ]
                if table is TicketEvent.__table__:
                    # The JSON column type encodes on the way in: give it the object.
                    for values in params:
                        values["data"] = json.loads(values["data"])
                self.connection.execute(table.insert(), params)

    def start(self, layout: Layout) -> None:
        """Nothing to prepare: SQLite's loads are for development-sized data."""

    def finish(self, layout: Layout) -> None:
        """Nothing to do: SQLite's next rowid is always the maximum plus one."""

    def vacuum_analyze(self, engine) -> None:
        """Nothing to do: SQLite's planner works without statistics or visibility maps."""
