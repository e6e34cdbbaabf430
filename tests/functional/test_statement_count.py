"""SQL statements per request are a constant of the route, whatever the page size (no N+1)."""

import contextlib

import pytest
from sqlalchemy import event

from desk import workflow
from desk.models import Role


@contextlib.contextmanager
def counting(engine):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(testapp, registry, path, headers) -> int:
    with counting(registry["db_engine"]) as statements:
        testapp.get(path, headers=headers)
    return len(statements)


@pytest.fixture
def busy_desk(make, registry):
    """A requester with 100 tickets, all assigned to one executor, one commented on."""
    people = {role: make.user(role) for role in (Role.REQUESTER, Role.OPERATOR, Role.EXECUTOR)}
    session = registry["dbsession_factory"]()
    requester, operator, executor = (session.merge(person) for person in people.values())
    tickets = [workflow.create_ticket(session, requester, f"Ticket {i}") for i in range(100)]
    for ticket in tickets:
        workflow.assign(session, ticket, operator, executor)
    workflow.add_comment(session, tickets[0], requester, "hello")
    session.commit()
    session.close()
    return {
        "requester": people[Role.REQUESTER],
        "operator": people[Role.OPERATOR],
        "executor": people[Role.EXECUTOR],
        "ticket": {"id": tickets[0].id},
    }


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("requester", "/api/tickets/my-tickets/"),
        ("requester", "/api/tickets/my-tickets/?status=ASSIGNED&priority=NORMAL"),
        ("requester", "/api/tickets/my-tickets/?search=ticket"),
        ("operator", "/api/tickets/all-tickets/"),
        ("operator", "/api/tickets/all-tickets/?status=ASSIGNED&search=ticket"),
        ("operator", "/api/tickets/all-tickets/?search=ticket&ordering=-priority"),
        ("operator", "/api/tickets/all-tickets/?created_after=2000-01-01T00:00:00Z"),
        ("operator", "/api/tickets/all-tickets/?requester_id=1&executor_id=2"),
        ("executor", "/api/tickets/assigned-to-me/"),
        ("executor", "/api/tickets/assigned-to-me/?status=ASSIGNED,IN_PROGRESS&search=ticket"),
        ("operator", "/api/events/"),
        ("operator", "/api/users/"),
    ],
)
def test_a_page_of_100_costs_what_a_page_of_1_costs(testapp, registry, make, busy_desk, who, path):
    headers = make.headers(busy_desk[who])
    separator = "&" if "?" in path else "?"
    one = statements_for(testapp, registry, f"{path}{separator}page_size=1", headers)
    hundred = statements_for(testapp, registry, f"{path}{separator}page_size=100", headers)
    assert one == hundred
    assert hundred <= 3  # the caller, the count, the page


def test_following_a_cursor_costs_the_same(testapp, registry, make, busy_desk):
    headers = make.headers(busy_desk["operator"])
    first = testapp.get("/api/tickets/all-tickets/?page_size=10", headers=headers).json
    with counting(registry["db_engine"]) as statements:
        testapp.get(first["next"], headers=headers)
    assert len(statements) <= 3


@pytest.mark.parametrize(
    ("who", "suffix", "most"),
    [
        ("operator", "", 2),
        ("operator", "history/?page_size=100", 4),
        ("requester", "comments/?page_size=100", 4),
    ],
)
def test_one_ticket_costs_a_constant(testapp, registry, make, busy_desk, who, suffix, most):
    path = f"/api/tickets/{busy_desk['ticket']['id']}/{suffix}"
    assert statements_for(testapp, registry, path, make.headers(busy_desk[who])) <= most


#: Statements per create, by dialect: the caller, then on PostgreSQL the ticket and its
#: event in one statement (SQLite: two INSERTs, it has no INSERT in WITH).
CREATE = {"postgresql": 2, "sqlite": 3}
#: And with an Idempotency-Key: expired keys deleted, the key's INSERT ... ON CONFLICT DO
#: NOTHING, and the stored answer's UPDATE.
KEY = 3


@pytest.mark.parametrize("key", [None, "key"])
def test_filing_a_ticket_costs_a_constant(testapp, registry, make, busy_desk, key):
    requester = busy_desk["requester"]
    counts = []
    for number in range(3):
        headers = make.headers(requester)
        if key is not None:
            headers["Idempotency-Key"] = f"{key}-{number}"
        with counting(registry["db_engine"]) as statements:
            testapp.post_json("/api/tickets/", {"title": f"New {number}"}, headers=headers)
        counts.append(len(statements))
    assert len(set(counts)) == 1
    expected = CREATE[registry["db_engine"].dialect.name] + (KEY if key is not None else 0)
    assert counts[0] == expected
