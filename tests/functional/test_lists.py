"""Lists: the page envelope, page sizes, cursor links, who sees what, filters and orderings."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from desk.models import Role, Ticket
from tests.conftest import USER_FIELDS

TICKETS = "/api/tickets/"
LISTS = {
    "my-tickets": Role.REQUESTER,
    "all-tickets": Role.OPERATOR,
    "assigned-to-me": Role.EXECUTOR,
}
RANK = {"LOW": 1, "NORMAL": 2, "HIGH": 3, "URGENT": 4}


def ids(page: dict) -> list[int]:
    return [item["id"] for item in page["results"]]


def set_created_at(make, ticket: dict, when: datetime) -> None:
    """Backdate a ticket (the API has no way to file one in the past)."""
    session = make.registry["dbsession_factory"]()
    session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(created_at=when))
    session.commit()
    session.close()


def query_errors(problem: dict) -> set:
    return {e["name"] for e in problem.get("errors", []) if e["location"] == "querystring"}


def walk(testapp, headers: dict, url: str, direction: str = "next") -> list[dict]:
    """Every page from ``url`` on, following the links in ``direction``."""
    pages = []
    while url is not None:
        page = testapp.get(url, headers=headers).json
        pages.append(page)
        url = page[direction]
        assert len(pages) < 100, "the links never end"
    return pages


# --- the envelope and page sizes -------------------------------------------------------------


def test_envelope_of_an_empty_list(testapp, make, requester):
    page = testapp.get(f"{TICKETS}my-tickets/", headers=make.headers(requester)).json
    assert page == {
        "count": 0,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_default_page_size_is_20(testapp, make, requester):
    for number in range(21):
        make.ticket(requester, title=f"Ticket {number}")
    headers = make.headers(requester)
    first = testapp.get(f"{TICKETS}my-tickets/", headers=headers).json
    assert set(first) == {"count", "count_exact", "next", "previous", "results"}
    assert first["count"] == 21
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].startswith("http://desk.test/api/tickets/my-tickets/?")
    second = testapp.get(first["next"], headers=headers).json
    assert second["count"] == 21
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None
    assert set(ids(first)).isdisjoint(ids(second))

    by_page = testapp.get(f"{TICKETS}my-tickets/?page=2", headers=headers).json
    assert ids(by_page) == ids(second)


def test_page_size_up_to_100(testapp, make, requester):
    for number in range(3):
        make.ticket(requester, title=f"Ticket {number}")
    headers = make.headers(requester)
    page = testapp.get(f"{TICKETS}my-tickets/?page_size=100", headers=headers).json
    assert len(page["results"]) == 3
    assert page["next"] is None
    page = testapp.get(f"{TICKETS}my-tickets/?page_size=1", headers=headers).json
    assert len(page["results"]) == 1
    assert page["count"] == 3


@pytest.mark.parametrize("value", ["0", "101", "x", "-1", "1.5", ""])
def test_bad_page_size_is_400(testapp, make, requester, value):
    problem = testapp.get(
        f"{TICKETS}my-tickets/?page_size={value}", headers=make.headers(requester), status=400
    ).json
    assert query_errors(problem) == {"page_size"}
    assert problem["status"] == 400


@pytest.mark.parametrize("value", ["0", "x", "-2"])
def test_bad_page_is_400(testapp, make, requester, value):
    problem = testapp.get(
        f"{TICKETS}my-tickets/?page={value}", headers=make.headers(requester), status=400
    ).json
    assert query_errors(problem) == {"page"}


def test_page_past_the_last_is_404(testapp, make, requester):
    for number in range(3):
        make.ticket(requester, title=f"Ticket {number}")
    headers = make.headers(requester)
    last = testapp.get(f"{TICKETS}my-tickets/?page_size=2&page=2", headers=headers).json
    assert len(last["results"]) == 1
    assert last["next"] is None
    response = testapp.get(f"{TICKETS}my-tickets/?page_size=2&page=3", headers=headers, status=404)
    assert response.content_type == "application/problem+json"
    testapp.get(f"{TICKETS}my-tickets/?page=2", headers=headers, status=404)


def test_page_two_of_an_empty_list_is_404(testapp, make, requester):
    testapp.get(f"{TICKETS}my-tickets/?page=2", headers=make.headers(requester), status=404)


# --- cursor links ------------------------------------------------------------------------------

ORDERINGS = [
    None,
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "priority",
    "-priority",
    "id",
    "-id",
]


def expected_order(tickets: list[dict], ordering: str | None) -> list[int]:
    ordering = ordering or "-created_at"
    field = ordering.removeprefix("-")
    key = {
        "id": lambda t: (t["id"],),
        "created_at": lambda t: (datetime.fromisoformat(t["created_at"]), t["id"]),
        "updated_at": lambda t: (datetime.fromisoformat(t["updated_at"]), t["id"]),
        "priority": lambda t: (RANK[t["priority"]], t["id"]),
    }[field]
    return [t["id"] for t in sorted(tickets, key=key, reverse=ordering.startswith("-"))]


@pytest.mark.parametrize("ordering", ORDERINGS, ids=[o or "default" for o in ORDERINGS])
def test_links_walk_every_item_once_in_both_directions(
    testapp, make, requester, operator, ordering
):
    priorities = ["LOW", "URGENT", "NORMAL", "HIGH", "NORMAL", "LOW", "NORMAL"]
    created = [
        make.ticket(requester, title=f"T{n}", priority=priorities[n % len(priorities)])
        for n in range(11)
    ]
    # Edit a few so that updated_at differs from the creation order.
    for ticket in (created[4], created[0], created[7]):
        testapp.patch_json(
            f"{TICKETS}{ticket['id']}/", {"description": "more"}, headers=make.headers(requester)
        )
    headers = make.headers(operator)
    everything = testapp.get(f"{TICKETS}all-tickets/?page_size=100", headers=headers).json
    expected = expected_order(everything["results"], ordering)
    assert len(expected) == 11

    start = f"{TICKETS}all-tickets/?page_size=3" + (f"&ordering={ordering}" if ordering else "")
    forward = walk(testapp, headers, start)
    assert [len(p["results"]) for p in forward] == [3, 3, 3, 2]
    assert [i for p in forward for i in ids(p)] == expected
    assert all(p["count"] == 11 for p in forward)
    assert forward[0]["previous"] is None
    for page in forward[1:]:
        assert page["previous"].startswith("http://desk.test/api/tickets/all-tickets/?")

    # From the last page back to the first.
    backward = walk(testapp, headers, forward[-1]["previous"], "previous")
    assert [i for p in reversed(backward) for i in ids(p)] == expected[: 11 - 2]
    assert backward[-1]["previous"] is None
    assert ids(backward[-1]) == ids(forward[0])
    # Each page reached backwards links forward to the page after it.
    assert ids(testapp.get(backward[-1]["next"], headers=headers).json) == ids(forward[1])

    # Random access by page number agrees with the cursors.
    for number, page in enumerate(forward, start=1):
        by_number = testapp.get(f"{start}&page={number}", headers=headers).json
        assert ids(by_number) == ids(page)


def test_previous_link_of_a_numbered_page(testapp, make, requester):
    for number in range(5):
        make.ticket(requester, title=f"Ticket {number}")
    headers = make.headers(requester)
    first = testapp.get(f"{TICKETS}my-tickets/?page_size=2&page=1", headers=headers).json
    third = testapp.get(f"{TICKETS}my-tickets/?page_size=2&page=3", headers=headers).json
    second = testapp.get(third["previous"], headers=headers).json
    assert ids(testapp.get(second["previous"], headers=headers).json) == ids(first)
    assert len(ids(second)) == 2
    assert set(ids(second)).isdisjoint(ids(first) + ids(third))


def test_links_keep_the_filters_and_page_size(testapp, make, requester, operator, executor):
    for number in range(7):
        ticket = make.ticket(requester, title=f"Ticket {number}", priority="HIGH")
        if number % 2:
            make.assign(ticket, operator, executor)
    headers = make.headers(operator)
    pages = walk(testapp, headers, f"{TICKETS}all-tickets/?status=new&page_size=2&search=ticket")
    assert [len(p["results"]) for p in pages] == [2, 2]
    assert all(t["status"] == "NEW" for p in pages for t in p["results"])
    assert all(p["count"] == 4 for p in pages)
    assert "page_size=2" in pages[0]["next"]


def test_a_cursor_that_is_not_from_this_list_is_400(testapp, make, requester):
    problem = testapp.get(
        f"{TICKETS}my-tickets/?cursor=not-a-cursor", headers=make.headers(requester), status=400
    ).json
    assert query_errors(problem) == {"cursor"}


# --- who sees what -----------------------------------------------------------------------------


class Data:
    """Two requesters, two executors and five tickets in every status."""

    def __init__(self, make):
        testapp = make.testapp
        self.a = make.user(Role.REQUESTER)
        self.b = make.user(Role.REQUESTER)
        self.operator = make.user(Role.OPERATOR)
        self.e1 = make.user(Role.EXECUTOR)
        self.e2 = make.user(Role.EXECUTOR)
        make.user(Role.EXECUTOR)  # an executor with nothing assigned
        self.tickets = {}
        self.tickets["printer"] = make.ticket(
            self.a, title="Printer jammed", description="Paper stuck in tray 2", priority="LOW"
        )
        self.tickets["vpn"] = make.assign(
            make.ticket(self.a, title="VPN drops", description="Every hour", priority="HIGH"),
            self.operator,
            self.e1,
        )
        self.tickets["mailbox"] = make.execute(
            make.assign(
                make.ticket(self.b, title="Mailbox 100% full", priority="URGENT"),
                self.operator,
                self.e2,
            ),
            self.e2,
            "IN_PROGRESS",
        )
        self.tickets["field"] = make.execute(
            make.assign(
                make.ticket(self.b, title="Rename the file_name field", priority="normal"),
                self.operator,
                self.e1,
            ),
            self.e1,
            "DONE",
        )
        cancelled = make.ticket(
            self.a, title="Rename filexname", description="See the PRINTER in the hall"
        )
        testapp.post_json(
            f"{TICKETS}{cancelled['id']}/cancel/", {}, headers=make.headers(self.a), status=200
        )
        self.tickets["cancelled"] = cancelled

    def id(self, name: str) -> int:
        return self.tickets[name]["id"]

    def user(self, name: str):
        return getattr(self, name)

    def params(self, raw: list) -> list:
        """Query parameters with ``{a}``-style user placeholders filled in."""
        users = {n: self.user(n).id for n in ("a", "b", "e1", "e2")}
        return [(key, value.format(**users)) for key, value in raw]


ALL = {"printer", "vpn", "mailbox", "field", "cancelled"}

FILTER_CASES = [
    # (list, as whom, query parameters, the tickets expected)
    ("all-tickets", "operator", [], ALL),
    ("all-tickets", "operator", [("status", "NEW")], {"printer"}),
    ("all-tickets", "operator", [("status", "new,assigned")], {"printer", "vpn"}),
    ("all-tickets", "operator", [("status", "NEW"), ("status", "done")], {"printer", "field"}),
    ("all-tickets", "operator", [("status", "In_Progress")], {"mailbox"}),
    ("all-tickets", "operator", [("status", "CANCELLED")], {"cancelled"}),
    ("all-tickets", "operator", [("priority", "high,URGENT")], {"vpn", "mailbox"}),
    (
        "all-tickets",
        "operator",
        [("priority", "low"), ("priority", "Normal")],
        {"printer", "field", "cancelled"},
    ),
    ("all-tickets", "operator", [("executor_id", "{e1}")], {"vpn", "field"}),
    ("all-tickets", "operator", [("requester_id", "{b}")], {"mailbox", "field"}),
    ("all-tickets", "operator", [("search", "printer")], {"printer", "cancelled"}),
    ("all-tickets", "operator", [("search", "STUCK in")], {"printer"}),
    ("all-tickets", "operator", [("search", "vPn")], {"vpn"}),
    ("all-tickets", "operator", [("search", "%")], {"mailbox"}),
    ("all-tickets", "operator", [("search", "e_n")], {"field"}),
    ("all-tickets", "operator", [("search", "nothing like this")], set()),
    (
        "all-tickets",
        "operator",
        [("status", "NEW,ASSIGNED"), ("requester_id", "{a}")],
        {"printer", "vpn"},
    ),
    ("all-tickets", "operator", [("search", "printer"), ("status", "cancelled")], {"cancelled"}),
    ("all-tickets", "operator", [("colour", "blue"), ("format", "xml")], ALL),
    ("my-tickets", "a", [], {"printer", "vpn", "cancelled"}),
    ("my-tickets", "b", [], {"mailbox", "field"}),
    ("my-tickets", "a", [("status", "NEW")], {"printer"}),
    ("my-tickets", "a", [("requester_id", "{b}")], set()),
    ("my-tickets", "a", [("search", "printer")], {"printer", "cancelled"}),
    ("my-tickets", "b", [("priority", "urgent")], {"mailbox"}),
    ("my-tickets", "a", [("executor_id", "{e1}")], {"vpn"}),
    ("assigned-to-me", "e1", [], {"vpn", "field"}),
    ("assigned-to-me", "e2", [], {"mailbox"}),
    ("assigned-to-me", "e1", [("status", "DONE")], {"field"}),
    ("assigned-to-me", "e1", [("executor_id", "{e2}")], set()),
    ("assigned-to-me", "e1", [("requester_id", "{a}")], {"vpn"}),
]


def filter_id(case) -> str:
    path, who, params, _ = case
    query = "&".join(f"{k}={v}" for k, v in params) or "no filter"
    return f"{path} as {who}: {query}"


@pytest.mark.parametrize("list_name", list(LISTS))
def test_each_list_shows_what_the_caller_may_see_narrowed_by_filters(testapp, make, list_name):
    """One data set per list, every row of FILTER_CASES for that list checked against it."""
    data = Data(make)
    wrong = []
    for case in [c for c in FILTER_CASES if c[0] == list_name]:
        path, who, params, expected = case
        page = testapp.get(
            f"{TICKETS}{path}/",
            params=data.params(params),
            headers=make.headers(data.user(who)),
        ).json
        want = {data.id(name) for name in expected}
        got = ids(page)
        if set(got) != want or page["count"] != len(want) or len(got) != len(set(got)):
            wrong.append(f"{filter_id(case)}: got {sorted(got)} (count {page['count']})")
    assert wrong == []


def test_superuser_sees_every_ticket(testapp, make, superuser):
    data = Data(make)
    page = testapp.get(f"{TICKETS}all-tickets/", headers=make.headers(superuser)).json
    assert set(ids(page)) == {data.id(name) for name in ALL}


def test_search_is_case_insensitive_beyond_ascii(testapp, make, requester, operator):
    wanted = make.ticket(requester, title="Не работает ПРИНТЕР", description="Ошибка E-13")
    make.ticket(requester, title="Сломался стул")
    headers = make.headers(operator)
    for term in ("принтер", "Принтер", "ошибка e-13"):
        page = testapp.get(f"{TICKETS}all-tickets/", params={"search": term}, headers=headers)
        assert ids(page.json) == [wanted["id"]], term


# --- ordering ------------------------------------------------------------------------------------

ORDER_CASES = {
    None: ["p6", "p5", "p4", "p3", "p2", "p1"],
    "id": ["p1", "p2", "p3", "p4", "p5", "p6"],
    "-id": ["p6", "p5", "p4", "p3", "p2", "p1"],
    "created_at": ["p1", "p2", "p3", "p4", "p5", "p6"],
    "-created_at": ["p6", "p5", "p4", "p3", "p2", "p1"],
    "updated_at": ["p2", "p4", "p5", "p6", "p3", "p1"],
    "-updated_at": ["p1", "p3", "p6", "p5", "p4", "p2"],
    "priority": ["p2", "p6", "p1", "p5", "p4", "p3"],
    "-priority": ["p3", "p4", "p5", "p1", "p6", "p2"],
}


def test_ordering(testapp, make, requester, operator):
    priorities = ["NORMAL", "LOW", "URGENT", "HIGH", "NORMAL", "LOW"]
    tickets = {
        f"p{n}": make.ticket(requester, title=f"Ticket p{n}", priority=priority)
        for n, priority in enumerate(priorities, start=1)
    }
    for name in ("p3", "p1"):
        testapp.patch_json(
            f"{TICKETS}{tickets[name]['id']}/",
            {"title": f"Edited {name}"},
            headers=make.headers(requester),
        )
    names = {ticket["id"]: name for name, ticket in tickets.items()}
    wrong = {}
    for ordering, expected in ORDER_CASES.items():
        params = {"ordering": ordering} if ordering else {}
        page = testapp.get(f"{TICKETS}all-tickets/", params=params, headers=make.headers(operator))
        got = [names[i] for i in ids(page.json)]
        if got != expected:
            wrong[ordering or "default"] = got
    assert wrong == {}


# --- creation dates ------------------------------------------------------------------------------

DATE_CASES = [
    ([("created_after", "2024-01-02")], {"t2", "t3"}),
    ([("created_before", "2024-01-02")], {"t1"}),
    ([("created_after", "2024-01-02"), ("created_before", "2024-01-03")], {"t2"}),
    ([("created_after", "2024-01-02T00:00:00Z")], {"t2", "t3"}),
    ([("created_after", "2024-01-02T00:00:00.000001+00:00")], {"t3"}),
    ([("created_before", "2024-01-02T01:00:00+01:00")], {"t1"}),
    ([("created_after", "2024-01-01T23:00:00-01:00")], {"t2", "t3"}),
    ([("created_before", "2024-01-03T08:00:00.000001+00:00")], {"t1", "t2", "t3"}),
    ([("created_after", "2025-01-01")], set()),
]


@pytest.mark.parametrize(
    ("params", "expected"),
    DATE_CASES,
    ids=["&".join(f"{k}={v}" for k, v in params) for params, _ in DATE_CASES],
)
def test_created_after_and_before(testapp, make, requester, operator, params, expected):
    moments = {
        "t1": datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
        "t2": datetime(2024, 1, 2, 0, 0, tzinfo=UTC),
        "t3": datetime(2024, 1, 3, 8, 0, tzinfo=UTC),
    }
    tickets = {}
    for name, moment in moments.items():
        tickets[name] = make.ticket(requester, title=name)
        set_created_at(make, tickets[name], moment)
    for path, user in (("all-tickets", operator), ("my-tickets", requester)):
        page = testapp.get(f"{TICKETS}{path}/", params=params, headers=make.headers(user)).json
        assert set(ids(page)) == {tickets[name]["id"] for name in expected}, path


# --- bad values -----------------------------------------------------------------------------------

BAD_VALUES = [
    ("status", "OPEN"),
    ("status", "NEW,OPEN"),
    ("priority", "HIGHEST"),
    ("ordering", "title"),
    ("ordering", "-status"),
    ("ordering", "priority,id"),
    ("executor_id", "abc"),
    ("executor_id", "-1"),
    ("requester_id", "1.5"),
    ("created_after", "yesterday"),
    ("created_before", "2024-13-01"),
    ("created_after", "01/02/2024"),
    ("search", "a\x00b"),
    ("status", "NEW\x00"),
    ("ordering", "id\x00"),
    ("created_after", "2024-01-01\x00"),
    ("executor_id", "1\x00"),
    ("page", "1\x00"),
]


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v!r}" for n, v in BAD_VALUES])
def test_bad_values_are_400_naming_the_parameter(testapp, make, path, name, value):
    user = make.user(LISTS[path])
    response = testapp.get(
        f"{TICKETS}{path}/", params=[(name, value)], headers=make.headers(user), status=400
    )
    assert response.content_type == "application/problem+json"
    problem = response.json
    assert problem["status"] == 400
    assert name in query_errors(problem)


# --- users ----------------------------------------------------------------------------------------


@pytest.fixture
def people(make):
    return {
        "anna.exec": make.user(Role.EXECUTOR, username="anna.exec"),
        "boris.exec": make.user(Role.EXECUTOR, username="boris.exec"),
        "clara.exec": make.user(Role.EXECUTOR, username="clara.exec", active=False),
        "anna.req": make.user(Role.REQUESTER, username="anna.req"),
        "olga.op": make.user(Role.OPERATOR, username="olga.op"),
    }


USER_CASES = [
    ([("role", "EXECUTOR")], ["anna.exec", "boris.exec", "clara.exec"]),
    ([("role", "executor")], ["anna.exec", "boris.exec", "clara.exec"]),
    ([("role", "EXECUTOR"), ("search", "ANNA")], ["anna.exec"]),
    ([("role", "EXECUTOR"), ("is_active", "true")], ["anna.exec", "boris.exec"]),
    ([("role", "EXECUTOR"), ("is_active", "false")], ["clara.exec"]),
    ([("search", "anna")], ["anna.exec", "anna.req"]),
    ([("search", "boris.exec@example")], ["boris.exec"]),
    ([("role", "REQUESTER,operator")], ["anna.req", "olga.op"]),
    (
        [("role", "EXECUTOR"), ("ordering", "-username")],
        ["clara.exec", "boris.exec", "anna.exec"],
    ),
]


@pytest.mark.parametrize(
    ("params", "expected"),
    USER_CASES,
    ids=["&".join(f"{k}={v}" for k, v in params) for params, _ in USER_CASES],
)
def test_operators_list_users(testapp, make, people, params, expected):
    page = testapp.get("/api/users/", params=params, headers=make.headers(people["olga.op"])).json
    assert [user["username"] for user in page["results"]] == expected
    assert page["count"] == len(expected)
    assert set(page["results"][0]) == USER_FIELDS
    assert "password" not in str(page)


def test_users_list_orders_by_username_by_default(testapp, make, people):
    page = testapp.get("/api/users/", headers=make.headers(people["olga.op"])).json
    names = [user["username"] for user in page["results"]]
    assert names == sorted(people)


@pytest.mark.parametrize(
    ("name", "value"),
    [("role", "JANITOR"), ("is_active", "maybe"), ("ordering", "email"), ("page_size", "0")],
)
def test_users_list_bad_values_are_400(testapp, make, people, name, value):
    problem = testapp.get(
        "/api/users/",
        params=[(name, value)],
        headers=make.headers(people["olga.op"]),
        status=400,
    ).json
    assert name in query_errors(problem)


# --- counts of searched lists ------------------------------------------------------------


@pytest.mark.parametrize(
    ("matches", "count", "exact"),
    [(2, 2, True), (3, 3, True), (5, 3, False)],
)
def test_a_searched_count_is_exact_up_to_the_limit(
    testapp, make, requester, registry, monkeypatch, matches, count, exact
):
    monkeypatch.setitem(registry.settings, "desk.search.exact_count_limit", 3)
    for number in range(matches):
        make.ticket(requester, title=f"Printer {number}")
    make.ticket(requester, title="Something else")
    headers = make.headers(requester)
    page = testapp.get(f"{TICKETS}my-tickets/?search=printer&page_size=2", headers=headers).json
    assert (page["count"], page["count_exact"]) == (count, exact)
    plain = testapp.get(f"{TICKETS}my-tickets/", headers=headers).json
    assert (plain["count"], plain["count_exact"]) == (matches + 1, True)
