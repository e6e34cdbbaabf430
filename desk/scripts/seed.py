"""``desk-seed INI --tickets N [--password P]``: demo data with a fixed, documented layout.

Users ``requester1..5``, ``operator1..2`` and ``executor1..5`` (emails ``<name>@example.com``)
share the password P, by default ``desk-demo-password``. Users that already exist (in any
letter case) are reused as they are, password and role included, so running the seed again
only adds N more tickets.

Ticket ``i`` (0-based, in the order of creation) is laid out so that benchmark figures compare
across servers and runs:

- requester ``requester{i % 5 + 1}``; status ``NEW``/``ASSIGNED``/``IN_PROGRESS``/``DONE`` by
  ``i % 4``; executor ``executor{i % 5 + 1}`` unless ``NEW``, assigned by
  ``operator{i % 2 + 1}``;
- created ``N - i`` minutes before the run; each later step (assigned, started, done) follows
  the previous one by ``min(2 + i % 5 minutes, a quarter of the time left until now)``, so
  that nothing lies in the future; ``updated_at`` is the last step, ``assigned_at`` and
  ``completed_at`` are set when the status implies them, and ``version`` counts the changes
  (1 for ``NEW`` ... 4 for ``DONE``) as the API would;
- priority by ``i % 7`` through ``PRIORITY_CYCLE`` (3/7 NORMAL, 2/7 HIGH, 1/7 LOW, 1/7 URGENT);
  title and description from small fixed vocabularies (143 titles, 315 descriptions);
- the history the status implies, as ``desk.workflow`` writes it: ``created`` by the
  requester, ``assigned`` by the operator, ``status_changed`` to ``IN_PROGRESS`` and then to
  ``DONE`` by the executor;
- every ticket with ``i % 10 == 9`` has one public comment (by the requester when
  ``i % 20 == 9``, else by the executor) after its last step, with its ``commented`` event.

Speed: a million tickets (with 2.6 million events and 100,000 comments) load into PostgreSQL
in well under a minute on two cores, so rows are never ORM objects. Ids are assigned here,
counting up from the tables' current maximum, which lets events name their ticket without a
round trip. On PostgreSQL the rows go through psycopg's binary ``COPY`` on the session's own
connection, in batches, with the three tables locked against other writers; when the seed at
least doubles the tickets, secondary indexes and foreign keys are dropped first and rebuilt
at the end (see ``PostgresWriter``), and the sequences are moved past the new ids. The trigger
that keeps ``ticket_counts`` exact is switched off for the load and the new tickets' counts
are added in one pass before the commit; registered search terms are forgotten, and their
trigger switched off too (``PostgresWriter.forget_search_terms``). On SQLite the rows are
Core ``executemany`` inserts in chunks (its triggers count them as they go). Everything
happens in the one transaction of ``request.tm``, so a seed is all or nothing; ``ANALYZE``
follows the commit.
"""

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import Boolean, Integer, SmallInteger, func, select, text
from sqlalchemy.orm import Session
from zope.sqlalchemy import mark_changed

from ..models import Comment, Priority, Role, Ticket, TicketEvent, TicketStatus, User, utcnow
from ..models import username_key as key_of
from ..models.counts import ADD_COUNTS_SQL, COUNT_TRIGGER
from ..models.meta import UTCDateTime
from ..models.search_counts import SEARCH_COUNT_TRIGGER
from ..passwords import Passwords, password_problem
from . import bootstrapped, check_ini, describe, fail

PROG = "desk-seed"
DEFAULT_PASSWORD = "desk-demo-password"
DEFAULT_BATCH_SIZE = 50_000

REQUESTERS = tuple(f"requester{k}" for k in range(1, 6))
OPERATORS = tuple(f"operator{k}" for k in range(1, 3))
EXECUTORS = tuple(f"executor{k}" for k in range(1, 6))
SEED_USERS = (
    *((name, Role.REQUESTER) for name in REQUESTERS),
    *((name, Role.OPERATOR) for name in OPERATORS),
    *((name, Role.EXECUTOR) for name in EXECUTORS),
)

STATUS_CYCLE = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.DONE,
)
PRIORITY_CYCLE = tuple(
    Priority[name].value for name in ("NORMAL", "LOW", "HIGH", "NORMAL", "URGENT", "NORMAL", "HIGH")
)

# Vocabularies of coprime lengths: every combination occurs, in a fixed order.
THINGS = (
    "Printer",
    "Laptop",
    "VPN connection",
    "Email client",
    "Wi-Fi",
    "Second monitor",
    "Desk phone",
    "Projector",
    "Badge reader",
    "Shared drive",
    "Keyboard",
    "Accounting software",
    "Air conditioning",
)
PROBLEMS = (
    "does not work",
    "is very slow",
    "stopped working after the update",
    "keeps showing an error",
    "works only now and then",
    "needs setting up for a new colleague",
    "has to be replaced",
    "is not available",
    "disconnects several times a day",
    "makes a strange noise",
    "asks for a password it never needed",
)
# Descriptions stay short, as typed into a form: their trigram index is the costliest part
# of a large seed.
PLACES = (
    "Finance office",
    "Meeting room 2.14",
    "Front desk",
    "Warehouse",
    "Open space, floor 3",
    "Training room",
    "At my desk",
)
SINCE = (
    "since this morning",
    "since yesterday",
    "since the weekend",
    "since the last update",
    "for about a week",
)
IMPACTS = (
    "Restarting did not help.",
    "The whole team is affected.",
    "It slows us down a lot.",
    "A client meeting depends on it.",
    "I cannot work until it is fixed.",
    "A colleague has the same problem.",
    "There is a workaround, but it is slow.",
    "Not urgent, but annoying.",
    "I tried the usual fixes.",
)
TITLES = tuple(
    f"{THINGS[k % len(THINGS)]} {PROBLEMS[k % len(PROBLEMS)]}"
    for k in range(len(THINGS) * len(PROBLEMS))
)
DESCRIPTIONS = tuple(
    f"{PLACES[k % len(PLACES)]}, {SINCE[k % len(SINCE)]}. {IMPACTS[k % len(IMPACTS)]}"
    for k in range(len(PLACES) * len(SINCE) * len(IMPACTS))
)
REQUESTER_COMMENTS = (
    "Any news on this? It happened again just now.",
    "Thanks! It works again on my side.",
    "I will be out tomorrow, so anyone from the team can show you.",
)
EXECUTOR_COMMENTS = (
    "Replaced the faulty part; please check on your side.",
    "Waiting for a spare part, it should arrive this week.",
    "Found the cause: a setting changed by the last update. Fixed.",
)

TICKET_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "requester_id",
    "executor_id",
    "created_at",
    "updated_at",
    "assigned_at",
    "completed_at",
    "version",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "kind",
    "from_status",
    "to_status",
    "data",
    "internal",
    "created_at",
)
COMMENT_COLUMNS = ("id", "ticket_id", "author_id", "body", "internal", "created_at")

MINUTE = timedelta(minutes=1)
QUARTER_MINUTE = MINUTE / 4
#: The time between a ticket's steps is ``STEPS[i % 5]``, unless that would reach the future.
STEPS = tuple(timedelta(minutes=2 + k) for k in range(5))
EMPTY_DATA = "{}"


@dataclass
class SeedUsers:
    """The ids of the seed's users by role, and how many of them this run created."""

    requesters: tuple[int, ...]
    operators: tuple[int, ...]
    executors: tuple[int, ...]
    created: int = 0


@dataclass
class Batch:
    """Rows for a run of consecutive tickets, as tuples in the ``*_COLUMNS`` order."""

    tickets: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    comments: list[tuple] = field(default_factory=list)


@dataclass
class Layout:
    """Lays out tickets ``0..count-1`` after the existing rows; ids count up from ``*_id``."""

    count: int
    users: SeedUsers
    now: datetime
    ticket_id: int
    event_id: int
    comment_id: int

    def batches(self, size: int) -> Iterator[Batch]:
        """The tickets in batches of ``size``; ids keep counting across batches."""
        for start in range(0, self.count, size):
            yield self.batch(start, min(start + size, self.count))

    def batch(self, start: int, stop: int) -> Batch:
        """Tickets ``start..stop-1`` with their events and comments."""
        users, count = self.users, self.count
        requesters, operators, executors = users.requesters, users.operators, users.executors
        new, assigned, in_progress, done = (status.value for status in STATUS_CYCLE)
        batch = Batch()
        tickets, events, comments = batch.tickets, batch.events, batch.comments
        first_event_id, comment_id = self.event_id, self.comment_id
        first_created = self.now - count * MINUTE

        def event(ticket_id, actor, kind, from_status, to_status, data, at) -> None:
            # Ids follow the order of appending: a ticket's history is in id order, as the
            # API lists it.
            event_id = first_event_id + len(events) + 1
            events.append(
                (event_id, ticket_id, actor, kind, from_status, to_status, data, False, at)
            )

        for i in range(start, stop):
            ticket_id = self.ticket_id + i + 1
            stage = i % 4
            requester = requesters[i % 5]
            executor = executors[i % 5] if stage else None
            created = updated = first_created + i * MINUTE
            # Later steps a few minutes apart, squeezed for the last tickets so that none
            # lies in the future (ticket count-1 was created one minute ago).
            step = min(STEPS[i % 5], (count - i) * QUARTER_MINUTE)
            assigned_at = completed_at = None
            event(ticket_id, requester, "created", None, new, EMPTY_DATA, created)
            if stage >= 1:
                updated = assigned_at = created + step
                data = f'{{"from_executor_id": null, "to_executor_id": {executor}}}'
                event(ticket_id, operators[i % 2], "assigned", new, assigned, data, updated)
            if stage >= 2:
                updated = created + 2 * step
                event(
                    ticket_id,
                    executor,
                    "status_changed",
                    assigned,
                    in_progress,
                    EMPTY_DATA,
                    updated,
                )
            if stage == 3:
                updated = completed_at = created + 3 * step
                event(ticket_id, executor, "status_changed", in_progress, done, EMPTY_DATA, updated)
            tickets.append(
                (
                    ticket_id,
                    TITLES[i % len(TITLES)],
                    DESCRIPTIONS[i % len(DESCRIPTIONS)],
                    STATUS_CYCLE[stage].value,
                    PRIORITY_CYCLE[i % 7],
                    requester,
                    executor,
                    created,
                    updated,
                    assigned_at,
                    completed_at,
                    1 + stage,
                )
            )
            if i % 10 == 9:
                by_requester = i % 20 == 9
                author = requester if by_requester else executor
                body = (REQUESTER_COMMENTS if by_requester else EXECUTOR_COMMENTS)[i // 20 % 3]
                at = updated + step / 2
                comment_id += 1
                comments.append((comment_id, ticket_id, author, body, False, at))
                data = f'{{"comment_id": {comment_id}, "internal": false}}'
                event(ticket_id, author, "commented", None, None, data, at)
        self.event_id, self.comment_id = first_event_id + len(events), comment_id
        return batch


# --- users ---------------------------------------------------------------------------------


def seed_users(
    dbsession: Session, passwords: Passwords, password: str, joined: datetime
) -> SeedUsers:
    """The seed's users, created where missing with one shared hash of ``password``."""
    keys = [key_of(name) for name, _ in SEED_USERS]
    existing = {
        user.username_key: user
        for user in dbsession.scalars(select(User).where(User.username_key.in_(keys)))
    }
    password_hash = None
    created = 0
    users = {}
    for name, role in SEED_USERS:
        user = existing.get(key_of(name))
        if user is None:
            # Hashing costs tens of milliseconds by design: once for all twelve users.
            password_hash = password_hash or passwords.hash(password)
            user = User(
                username=name,
                email=f"{name}@example.com",
                role=role.value,
                password_hash=password_hash,
                date_joined=joined,
            )
            dbsession.add(user)
            created += 1
        elif user.role != role:
            print(
                f"{PROG}: warning: reusing {user.username!r}, whose role is {user.role}",
                file=sys.stderr,
            )
        users[name] = user
    dbsession.flush()
    return SeedUsers(
        requesters=tuple(users[name].id for name in REQUESTERS),
        operators=tuple(users[name].id for name in OPERATORS),
        executors=tuple(users[name].id for name in EXECUTORS),
        created=created,
    )


# --- writers -------------------------------------------------------------------------------

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
        #: Whether the search counts' trigger is off for this transaction (no term is left).
        self.search_trigger_paused = False
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
        self.forget_search_terms()
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
        """Switch off the trigger that keeps ``ticket_counts`` exact, for this transaction.

        Row by row, every ticket of the load would update the same few counter rows in one
        transaction, each update a new version of a row that none can prune yet: the load
        would slow down quadratically. ``finish`` adds the new tickets' counts in one GROUP
        BY instead, before the commit, under the same lock. Without the tables' ownership the
        trigger stays on (correct, slower).
        """
        found = self.connection.execute(
            text(
                "SELECT EXISTS (SELECT FROM pg_trigger"
                " WHERE tgrelid = CAST('tickets' AS regclass) AND tgname = :name)"
            ),
            {"name": COUNT_TRIGGER},
        ).scalar_one()
        if not found:
            return
        try:
            with self.driver.transaction(savepoint_name="desk_seed_counts"):
                self.execute(f"ALTER TABLE tickets DISABLE TRIGGER {COUNT_TRIGGER}")
        except psycopg.Error as exc:
            print(
                f"{PROG}: note: counting tickets row by row ({describe(exc)});"
                " the load will be slower",
                file=self.out,
            )
            return
        self.recount_after = layout.ticket_id

    def forget_search_terms(self) -> None:
        """Unregister every search term (``desk.search_counts``) and pause their trigger.

        Counting a load's tickets for every registered term would cost a substring match per
        ticket and term; forgetting the terms keeps their lists exact (they count rows again),
        and the frequent ones are registered anew by the next searches that count them. The
        table lock of ``__init__`` keeps registrations out until the commit.
        """
        exists = self.connection.execute(
            text("SELECT to_regclass('search_terms') IS NOT NULL")
        ).scalar_one()
        if not exists:  # a database before migration 0003
            return
        self.connection.execute(text("DELETE FROM search_counts"))
        self.connection.execute(text("DELETE FROM search_terms"))
        self.search_trigger_paused = self.pause_trigger(SEARCH_COUNT_TRIGGER)

    def pause_trigger(self, name: str) -> bool:
        """Disable trigger ``name`` on tickets for this transaction, if it exists and the
        seed owns the table; whether it did."""
        found = self.connection.execute(
            text(
                "SELECT EXISTS (SELECT FROM pg_trigger"
                " WHERE tgrelid = CAST('tickets' AS regclass) AND tgname = :name)"
            ),
            {"name": name},
        ).scalar_one()
        if not found:
            return False
        try:
            with self.driver.transaction(savepoint_name=f"desk_seed_{name}"):
                self.execute(f"ALTER TABLE tickets DISABLE TRIGGER {name}")
        except psycopg.Error as exc:
            print(f"{PROG}: note: trigger {name} stays on ({describe(exc)})", file=self.out)
            return False
        return True

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
            self.connection.execute(text(ADD_COUNTS_SQL), {"after": self.recount_after})
            self.execute(f"ALTER TABLE tickets ENABLE TRIGGER {COUNT_TRIGGER}")
        if self.search_trigger_paused:
            self.execute(f"ALTER TABLE tickets ENABLE TRIGGER {SEARCH_COUNT_TRIGGER}")
        if self.rebuild:
            started = time.monotonic()
            print(f"  rebuilding {len(self.rebuild)} indexes and foreign keys", file=self.out)
            self.execute(f"SET LOCAL maintenance_work_mem = '{self.BUILD_MEMORY}'")
            for statement in self.rebuild:
                self.execute(statement)
            print(f"  rebuilt in {time.monotonic() - started:.1f} s", file=self.out, flush=True)

    def analyze(self, engine) -> None:
        """Fresh planner statistics, so that the first benchmark after the seed is fair."""
        with engine.connect() as connection:
            connection.execute(text(f"ANALYZE {', '.join(self.TABLE_NAMES)}"))
            connection.commit()


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

    def analyze(self, engine) -> None:
        """Nothing to do: SQLite's planner works without statistics."""


# --- command line --------------------------------------------------------------------------


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (``1_000_000`` is fine)."""

    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


def parser() -> argparse.ArgumentParser:
    """The command line of ``desk-seed``."""
    result = argparse.ArgumentParser(
        prog=PROG,
        description="Add demo users and N tickets with a fixed layout (see the module docs).",
    )
    result.add_argument("config_uri", metavar="INI", help="the ini file, e.g. development.ini")
    result.add_argument(
        "--tickets", type=whole_number(0), required=True, metavar="N", help="tickets to add"
    )
    result.add_argument(
        "--password",
        default=DEFAULT_PASSWORD,
        metavar="P",
        help=f"password of the users it creates (default: {DEFAULT_PASSWORD})",
    )
    result.add_argument(
        "--batch-size",
        type=whole_number(1),
        default=DEFAULT_BATCH_SIZE,
        metavar="B",
        help=f"tickets per COPY or insert batch (default: {DEFAULT_BATCH_SIZE:,})",
    )
    return result


def seed(request, count: int, password: str, batch_size: int, out=sys.stdout) -> dict:
    """Seed in the request's transaction; what was added, for the summary."""
    started = time.monotonic()
    now = utcnow().replace(microsecond=0)
    with request.tm:
        dbsession = request.dbsession
        users = seed_users(
            dbsession,
            request.registry["passwords"],
            password,
            joined=now - count * MINUTE - timedelta(days=1),
        )
        postgresql = dbsession.connection().dialect.name == "postgresql"
        writer = (PostgresWriter if postgresql else SQLiteWriter)(dbsession, out)
        layout = Layout(
            count=count,
            users=users,
            now=now,
            ticket_id=writer.last_id(Ticket.__table__),
            event_id=writer.last_id(TicketEvent.__table__),
            comment_id=writer.last_id(Comment.__table__),
        )
        first_event, first_comment = layout.event_id, layout.comment_id
        writer.start(layout)
        done = 0
        for batch in layout.batches(batch_size):
            writer.write(batch)
            done += len(batch.tickets)
            elapsed = time.monotonic() - started
            print(
                f"  {done:>{len(f'{count:,}')},}/{count:,} tickets  {done / elapsed:,.0f}/s",
                file=out,
                flush=True,
            )
        writer.finish(layout)
        # The COPY and Core statements bypass the ORM, so tell the transaction there is
        # work to commit; otherwise zope.sqlalchemy would treat the session as read-only.
        mark_changed(dbsession, transaction_manager=request.tm)
    writer.analyze(request.registry["db_engine"])
    return {
        "tickets": count,
        "events": layout.event_id - first_event,
        "comments": layout.comment_id - first_comment,
        "users_created": users.created,
        "seconds": time.monotonic() - started,
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``desk-seed``; returns the exit status."""
    cli = parser()
    try:
        args = cli.parse_args(argv)
        check_ini(cli, args.config_uri)
        for name in REQUESTERS + OPERATORS + EXECUTORS:
            problem = password_problem(args.password, name)
            if problem:
                cli.error(f"--password: {problem}")
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        with bootstrapped(args.config_uri) as env:
            result = seed(env["request"], args.tickets, args.password, args.batch_size)
    except KeyboardInterrupt:
        return fail(PROG, "interrupted, nothing was added")
    except Exception as exc:
        return fail(PROG, describe(exc))
    seconds = result["seconds"]
    print(
        f"Seeded {result['tickets']:,} tickets, {result['events']:,} events and"
        f" {result['comments']:,} comments in {seconds:.1f} s"
        f" ({result['tickets'] / seconds if seconds else 0:,.0f} tickets/s);"
        f" {result['users_created']} of {len(SEED_USERS)} users created."
    )
    if result["users_created"]:
        given = "the one given with --password"
        print(f"Their password: {DEFAULT_PASSWORD if args.password == DEFAULT_PASSWORD else given}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
