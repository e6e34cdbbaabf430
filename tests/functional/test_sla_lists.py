"""Service-level filters and orderings on every ticket list: overdue, due_before, due times."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import update

from desk.models import Ticket

LISTS = [
    ("requester", "my-tickets"),
    ("operator", "all-tickets"),
    ("executor", "assigned-to-me"),
]


def ids(testapp, make, user, path: str) -> list[int]:
    page = testapp.get(f"/api/tickets/{path}", headers=make.headers(user)).json
    assert page["count"] == len(page["results"])
    return [ticket["id"] for ticket in page["results"]]


def backdate(registry, ticket: dict, hours: int) -> None:
    """As if the ticket had been filed ``hours`` ago (its due times move back with it)."""
    session = registry["dbsession_factory"]()
    shift = timedelta(hours=hours)
    row = session.get(Ticket, ticket["id"])
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket["id"])
        .values(
            response_due_at=row.response_due_at - shift,
            resolution_due_at=row.resolution_due_at - shift,
        )
    )
    session.commit()
    session.close()


@pytest.mark.parametrize(("who", "path"), LISTS)
def test_overdue_due_before_and_ordering_by_due_time(
    testapp, registry, make, requester, operator, executor, who, path
):
    user = {"requester": requester, "operator": operator, "executor": executor}[who]
    urgent = make.assign(make.ticket(requester, priority="URGENT"), operator, executor)
    low = make.assign(make.ticket(requester, priority="LOW"), operator, executor)
    late = make.assign(make.ticket(requester, priority="HIGH"), operator, executor)
    backdate(registry, late, hours=30)  # its resolution was due 1 day after filing
    done = make.ticket_in("DONE", requester, operator, executor)
    backdate(registry, done, hours=24 * 10)  # met before it was due: never overdue

    assert ids(testapp, make, user, f"{path}/?overdue=true") == [late["id"]]
    assert set(ids(testapp, make, user, f"{path}/?overdue=false")) == {
        urgent["id"],
        low["id"],
        done["id"],
    }
    soon = quote((datetime.fromisoformat(urgent["created_at"]) + timedelta(hours=2)).isoformat())
    assert set(ids(testapp, make, user, f"{path}/?due_before={soon}")) == {urgent["id"], late["id"]}
    assert ids(testapp, make, user, f"{path}/?ordering=resolution_due_at") == [
        done["id"],
        late["id"],
        urgent["id"],
        low["id"],
    ]
    assert ids(testapp, make, user, f"{path}/?ordering=-response_due_at")[0] == low["id"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("overdue=maybe", "overdue"),
        ("due_before=tomorrow", "due_before"),
        ("ordering=due_at", "ordering"),
    ],
)
def test_bad_values_are_a_400_naming_the_parameter(testapp, make, operator, query, name):
    problem = testapp.get(
        f"/api/tickets/all-tickets/?{query}", headers=make.headers(operator), status=400
    ).json
    assert [error["name"] for error in problem["errors"]] == [name]


def test_a_cursor_walks_a_list_ordered_by_due_time(testapp, make, requester, operator):
    made = [make.ticket(requester, priority=p)["id"] for p in ("LOW", "URGENT", "HIGH", "NORMAL")]
    page = testapp.get(
        "/api/tickets/all-tickets/?ordering=response_due_at&page_size=2",
        headers=make.headers(operator),
    ).json
    seen = [t["id"] for t in page["results"]]
    page = testapp.get(page["next"], headers=make.headers(operator)).json
    seen += [t["id"] for t in page["results"]]
    assert seen == [made[1], made[2], made[3], made[0]]


def shift_due_times(registry, ticket: dict, hours: int) -> None:
    """``backdate`` for any ticket: the due times it has move ``hours`` back."""
    with registry["dbsession_factory"]() as session:
        row = session.get(Ticket, ticket["id"])
        for column in ("response_due_at", "resolution_due_at"):
            if getattr(row, column) is not None:
                setattr(row, column, getattr(row, column) - timedelta(hours=hours))
        session.commit()


def soon(hours: int) -> str:
    return quote((datetime.now(UTC) + timedelta(hours=hours)).isoformat())


# (query, the tickets of the list); the lists count these from the counters less the tickets
# they leave out, which must come to what their rows say.
COUNTED = [
    ("overdue=true", {"response_late", "both_late", "resolution_late"}),
    ("overdue=true&status=ASSIGNED", {"response_late", "both_late"}),
    ("overdue=true&status=DONE&status=CANCELLED", set()),
    ("overdue=true&priority=URGENT", {"response_late"}),
    ("overdue=true&ordering=resolution_due_at", {"response_late", "both_late", "resolution_late"}),
    ("overdue=true&ordering=-response_due_at", {"response_late", "both_late", "resolution_late"}),
    (
        "ordering=resolution_due_at",
        {"fresh", "response_late", "both_late", "resolution_late", "done"},
    ),
    (
        "ordering=-response_due_at",
        {"fresh", "response_late", "both_late", "resolution_late", "waiting", "done"},
    ),
    ("ordering=response_due_at&status=WAITING", {"waiting"}),
    (f"due_before={soon(2)}", {"fresh", "response_late", "both_late", "resolution_late"}),
    (f"due_before={soon(2)}&overdue=true", {"response_late", "both_late", "resolution_late"}),
    (f"due_before={soon(-24)}", {"both_late", "resolution_late"}),
    ("overdue=false", {"fresh", "waiting", "cancelled", "done"}),
]


@pytest.mark.parametrize(("who", "path"), LISTS)
def test_counts_of_overdue_and_due_ordered_lists_match_their_rows(
    testapp, registry, make, requester, operator, executor, who, path
):
    user = {"requester": requester, "operator": operator, "executor": executor}[who]
    made = {
        "fresh": make.assign(make.ticket(requester, priority="URGENT"), operator, executor),
        "response_late": make.assign(make.ticket(requester, priority="URGENT"), operator, executor),
        "both_late": make.assign(make.ticket(requester, priority="HIGH"), operator, executor),
        "resolution_late": make.ticket_in("IN_PROGRESS", requester, operator, executor),
        "waiting": make.ticket_in("WAITING", requester, operator, executor),
        "cancelled": make.ticket_in("CANCELLED", requester, operator, executor),
        "done": make.ticket_in("DONE", requester, operator, executor),
    }
    for name, hours in [
        ("response_late", 2),  # urgent: response due 1 h after filing, resolution 4 h
        ("both_late", 30),  # high: 4 h and 1 d
        ("resolution_late", 24 * 5),  # normal, started: resolution due 3 d after filing
        ("waiting", 24 * 5),  # the resolution clock stands still: no resolution due time
        ("done", 24 * 10),
    ]:
        shift_due_times(registry, made[name], hours)
    names = {ticket["id"]: name for name, ticket in made.items()}

    for query, expected in COUNTED:
        page = testapp.get(
            f"/api/tickets/{path}/?{query}&page_size=100", headers=make.headers(user)
        ).json
        assert {names[ticket["id"]] for ticket in page["results"]} == expected, query
        assert (page["count"], page["count_exact"]) == (len(expected), True), query
