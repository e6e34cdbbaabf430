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
  ``i % 20 == 9``, else by the executor) after its last step, with its ``commented`` event;
- service levels as ``desk.workflow`` would store them: the due times, first response and
  warning times that ``desk.sla.levels.service_levels`` gives for that history under the
  ini's ``desk.sla.*`` targets (a first response is the start of work or the executor's
  comment, so ``NEW`` and ``ASSIGNED`` tickets have none), and every ``sla_warning`` and
  ``sla_breached`` event the breach job would have recorded by the run, dated when it
  happened, with its bit in ``sla_recorded`` (``desk.sla.breaches.passed_watches``). With
  the shipped targets, open tickets older than their target are overdue, ``DONE`` ones
  met both targets and ``IN_PROGRESS`` ones met the response target.

Speed: a million tickets (with 5.1 million events, half of them service-level warnings and
breaches, and 100,000 comments) load into PostgreSQL in a few minutes on two cores (see
BENCHMARKS.md), so rows are never ORM objects; the service levels are computed per ticket. Ids
are assigned here, counting up from the tables' current maximum, which lets events name their
ticket without a round trip. On PostgreSQL the rows go through psycopg's binary ``COPY`` on the
session's own connection, in batches, with the three tables locked against other writers; when
the seed at least doubles the tickets, secondary indexes and foreign keys are dropped first and
rebuilt at the end (see ``PostgresWriter``), and the sequences are moved past the new ids. The
triggers that keep ``ticket_counts`` and ``ticket_day_counts`` exact are switched off for the
load and the new rows' counts are added in one pass each before the commit. On SQLite the
rows are Core ``executemany`` inserts in chunks (its triggers count them as they go).
Everything happens in the one transaction of ``request.tm``, so a seed is all or nothing;
``VACUUM (ANALYZE)`` follows the commit.

This module is the command and its users; ``seed_layout`` computes the rows and
``seed_writers`` writes them (``PostgresWriter``, ``SQLiteWriter``).
"""

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.sqlalchemy import mark_changed

from ..models import Comment, Ticket, TicketEvent, User, utcnow
from ..models import username_key as key_of
from ..passwords import Passwords, password_problem
from ..sla import sla_policy
from . import bootstrapped, check_ini, describe, fail
from .seed_layout import (
    EXECUTORS,
    MINUTE,
    OPERATORS,
    PROG,
    REQUESTERS,
    SEED_USERS,
    Layout,
    SeedUsers,
)
from .seed_writers import PostgresWriter, SQLiteWriter

DEFAULT_PASSWORD = "desk-demo-password"
DEFAULT_BATCH_SIZE = 50_000


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
            policy=sla_policy(dbsession),
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
    writer.vacuum_analyze(request.registry["db_engine"])
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
