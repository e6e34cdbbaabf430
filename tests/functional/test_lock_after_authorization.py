"""A write on a ticket takes the ticket's row lock only once the ACL let it through.

Traversal reads the ticket without a lock, so a refused or anonymous POST neither waits for
a writer that holds the row nor makes the ticket's writers wait for it.
"""

import contextlib

import pytest
from sqlalchemy import create_engine, event, text

from desk.models import Role

pytestmark = pytest.mark.postgresql_only

ROW_LOCK = "FOR UPDATE"


@contextlib.contextmanager
def row_lock_refused(engine):
    """Record the app's statements; a row-locking one fails the request at once (instead of
    waiting behind the test's lock, which would hang the test)."""
    statements = []

    def check(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        if ROW_LOCK in statement:
            raise AssertionError("a refused write asked for the ticket's row lock")

    event.listen(engine, "before_cursor_execute", check)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", check)


@contextlib.contextmanager
def row_held(database_url: str, ticket_id: int):
    """Another transaction holding the ticket's row lock, as a slow writer would."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(
                text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket_id}
            )
            yield connection
    finally:
        engine.dispose()


def waiting_locks(connection) -> int:
    return connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one()


@pytest.mark.parametrize(
    ("who", "suffix", "body", "status"),
    [
        # Someone who may not see the ticket is told it does not exist.
        ("stranger", "cancel/", {}, 404),
        ("stranger", "", {"title": "mine now"}, 404),
        ("stranger", "comments/", {"body": "hello"}, 404),
        ("requester", "assign/", {"executor_id": 1}, 403),
        ("executor", "execute/", {"status": "DONE"}, 404),
        ("anonymous", "cancel/", {}, 401),
    ],
)
def test_a_refused_write_neither_waits_for_nor_holds_the_row_lock(
    testapp, registry, make, database_url, who, suffix, body, status
):
    requester = make.user(Role.REQUESTER)
    people = {
        "requester": requester,
        "stranger": make.user(Role.REQUESTER),
        "executor": make.user(Role.EXECUTOR),
    }
    ticket = make.ticket(requester)
    method = testapp.patch_json if suffix == "" else testapp.post_json
    headers = make.headers(people[who]) if who in people else {}

    with row_held(database_url, ticket["id"]) as holder:
        with row_lock_refused(registry["db_engine"]) as statements:
            method(f"/api/tickets/{ticket['id']}/{suffix}", body, headers=headers, status=status)
        assert waiting_locks(holder) == 0
    assert statements  # the request did read the ticket and the caller
    assert not any(ROW_LOCK in statement for statement in statements)


def test_an_authorized_write_locks_the_row_after_the_plain_read(testapp, registry, make):
    requester = make.user(Role.REQUESTER)
    ticket = make.ticket(requester)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(registry["db_engine"], "before_cursor_execute", record)
    try:
        testapp.post_json(
            f"/api/tickets/{ticket['id']}/cancel/", {}, headers=make.headers(requester)
        )
    finally:
        event.remove(registry["db_engine"], "before_cursor_execute", record)
    locking = [i for i, statement in enumerate(statements) if ROW_LOCK in statement]
    plain = [i for i, s in enumerate(statements) if "FROM tickets" in s and ROW_LOCK not in s]
    assert len(locking) == 1
    assert plain
    assert plain[0] < locking[0]
