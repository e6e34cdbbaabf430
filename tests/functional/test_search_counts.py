"""Searched lists keep an exact ``count`` once their term is registered (``desk.search_counts``).

Every count is checked against a ``COUNT(*)`` written here with SQLAlchemy's own escaping
(``icontains(autoescape=True)``), not the application's.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import func, select, update

from desk import workflow
from desk.models import Priority, Role, SearchCount, SearchTerm, Ticket, User
from desk.queries import search_pattern
from desk.search_counts import SearchCounts
from tests.functional.test_statement_count import counting
from tests.support.live import LiveServer

pytestmark = pytest.mark.postgresql_only

ALL, MINE, ASSIGNED = (
    "/api/tickets/all-tickets/",
    "/api/tickets/my-tickets/",
    "/api/tickets/assigned-to-me/",
)
MIN_MATCHES = 3
MAX_TERMS = 3


@pytest.fixture
def search_counts(registry, monkeypatch) -> SearchCounts:
    """Registration after 3 matches, at most 3 terms, and nothing remembered from other tests."""
    fresh = SearchCounts(registry["db_engine"], min_matches=MIN_MATCHES, max_terms=MAX_TERMS)
    monkeypatch.setitem(registry, "search_counts", fresh)
    return fresh


@pytest.fixture
def desk(make):
    """Two requesters, an operator, two executors."""
    return {
        "a": make.user(Role.REQUESTER),
        "b": make.user(Role.REQUESTER),
        "operator": make.user(Role.OPERATOR),
        "x": make.user(Role.EXECUTOR),
        "y": make.user(Role.EXECUTOR),
    }


def registered(registry) -> list[str]:
    with registry["dbsession_factory"]() as session:
        return session.scalars(select(SearchTerm.pattern).order_by(SearchTerm.id)).all()


def sql_count(registry, term: str, **filters) -> int:
    """COUNT(*) of the tickets matching ``term`` and ``filters`` (column -> allowed values)."""
    query = select(func.count()).select_from(Ticket)
    query = query.where(
        Ticket.title.icontains(term, autoescape=True)
        | Ticket.description.icontains(term, autoescape=True)
    )
    for column, values in filters.items():
        query = query.where(getattr(Ticket, column).in_(values))
    with registry["dbsession_factory"]() as session:
        return session.scalar(query)


def lists(desk) -> list[tuple]:
    """(caller, path, query, filters of the same list in SQL) for every list and filter."""
    a, x = desk["a"], desk["x"]
    return [
        ("operator", ALL, {}, {}),
        ("operator", ALL, {"status": "NEW"}, {"status": ["NEW"]}),
        (
            "operator",
            ALL,
            {"status": "ASSIGNED,IN_PROGRESS"},
            {"status": ["ASSIGNED", "IN_PROGRESS"]},
        ),
        ("operator", ALL, {"priority": "HIGH"}, {"priority": [Priority.HIGH]}),
        (
            "operator",
            ALL,
            {"status": "DONE,CANCELLED", "priority": "NORMAL,HIGH"},
            {"status": ["DONE", "CANCELLED"], "priority": [Priority.NORMAL, Priority.HIGH]},
        ),
        ("operator", ALL, {"requester_id": a.id}, {"requester_id": [a.id]}),
        ("operator", ALL, {"executor_id": x.id}, {"executor_id": [x.id]}),
        ("a", MINE, {}, {"requester_id": [a.id]}),
        ("a", MINE, {"status": "NEW"}, {"requester_id": [a.id], "status": ["NEW"]}),
        ("b", MINE, {}, {"requester_id": [desk["b"].id]}),
        ("x", ASSIGNED, {}, {"executor_id": [x.id]}),
        (
            "x",
            ASSIGNED,
            {"status": "IN_PROGRESS"},
            {"executor_id": [x.id], "status": ["IN_PROGRESS"]},
        ),
        (
            "y",
            ASSIGNED,
            {"priority": "LOW,NORMAL"},
            {"executor_id": [desk["y"].id], "priority": [1, 2]},
        ),
    ]


def list_counts(testapp, make, desk, term: str) -> list[int]:
    return [
        testapp.get(path, {**params, "search": term}, headers=make.headers(desk[who])).json["count"]
        for who, path, params, _ in lists(desk)
    ]


def check_counts(testapp, make, registry, desk, term: str) -> list[int]:
    """Every list's count, each equal to its COUNT(*) in SQL."""
    counts = list_counts(testapp, make, desk, term)
    expected = [sql_count(registry, term, **filters) for *_, filters in lists(desk)]
    assert counts == expected
    return counts


def some_tickets(make, desk) -> list[dict]:
    """Tickets in every status; some match "printer" by title, some by description."""
    a, b, operator, x, y = (desk[k] for k in ("a", "b", "operator", "x", "y"))
    made = [
        make.ticket(a, title="Printer jammed", priority="HIGH"),
        make.ticket(a, title="Mouse", description="the PRINTER cable too"),
        make.ticket(b, title="VPN down"),
        make.ticket(b, title="printer toner", priority="LOW"),
        make.ticket(a, title="Keyboard"),
    ]
    for status, requester, executor in (
        ("ASSIGNED", a, x),
        ("IN_PROGRESS", b, x),
        ("DONE", a, y),
        ("CANCELLED", b, y),
    ):
        ticket = make.ticket_in(status, requester, operator, executor)
        made.append(ticket)  # titled "Printer on floor 3 is jammed"
    return made


def test_counts_stay_exact_through_every_change_after_registration(
    testapp, make, registry, desk, search_counts
):
    tickets = some_tickets(make, desk)
    before = check_counts(testapp, make, registry, desk, "printer")
    assert registered(registry) == [search_pattern("printer")]  # the first list registered it
    assert check_counts(testapp, make, registry, desk, "printer") == before

    a, b, operator, x, y = (desk[k] for k in ("a", "b", "operator", "x", "y"))
    headers = make.headers
    steps = [
        lambda: make.ticket(a, title="Another printer", priority="URGENT"),
        lambda: make.ticket(b, title="Nothing to see"),
        # Stops matching, then starts matching through the description.
        lambda: testapp.patch_json(
            f"/api/tickets/{tickets[0]['id']}/", {"title": "Scanner"}, headers=headers(a)
        ),
        lambda: testapp.patch_json(
            f"/api/tickets/{tickets[4]['id']}/",
            {"description": "near the printer", "priority": "HIGH"},
            headers=headers(a),
        ),
        lambda: make.assign(tickets[1], operator, x),
        lambda: make.assign(tickets[1], operator, y),  # reassigned
        lambda: make.execute(tickets[1], y, "IN_PROGRESS"),
        lambda: make.execute(tickets[1], y, "DONE"),
        lambda: testapp.post_json(
            f"/api/tickets/{tickets[3]['id']}/cancel/", {}, headers=headers(b)
        ),
        lambda: make.assign(tickets[2], operator, x),  # does not match: no change
    ]
    for step in steps:
        step()
        check_counts(testapp, make, registry, desk, "printer")
    assert registered(registry) == [search_pattern("printer")]


def test_a_registered_count_comes_from_the_counters(testapp, make, registry, desk, search_counts):
    for _ in range(MIN_MATCHES):
        make.ticket(desk["a"])
    headers = make.headers(desk["operator"])
    assert testapp.get(ALL, {"search": "printer"}, headers=headers).json["count"] == 3
    assert registered(registry) == [search_pattern("printer")]
    # Add 100 to one counter row behind the triggers' back: the list's count follows it.
    with registry["dbsession_factory"]() as session:
        session.execute(
            update(SearchCount).where(SearchCount.scope == 0).values(n=SearchCount.n + 100)
        )
        session.commit()
    assert testapp.get(ALL, {"search": "printer"}, headers=headers).json["count"] == 103
    # A list the counters cannot answer (a date range) still counts rows.
    dated = {"search": "printer", "created_after": "2000-01-01T00:00:00Z"}
    assert testapp.get(ALL, dated, headers=headers).json["count"] == 3


def test_below_the_threshold_nothing_is_registered(testapp, make, registry, desk, search_counts):
    for _ in range(MIN_MATCHES - 1):
        make.ticket(desk["a"])
    headers = make.headers(desk["operator"])
    assert testapp.get(ALL, {"search": "printer"}, headers=headers).json["count"] == 2
    assert registered(registry) == []


@pytest.mark.parametrize(
    ("term", "matching", "not_matching"),
    [
        ("50%_off", ["Sale: 50%_off today", "50%_OFF"], ["50%xoff", "50x_off", "5%_off"]),
        ("back\\slash", ["a back\\slash", "BACK\\SLASH"], ["backslash", "back\\\\slash"]),
        ("100%", ["100% sure", "it is 100%"], ["1000", "100 %"]),
    ],
)
def test_terms_with_like_wildcards_count_exactly(
    testapp, make, registry, desk, search_counts, term, matching, not_matching
):
    for title in [*matching, *not_matching, matching[0]]:
        make.ticket(desk["a"], title=title)
    search_counts.min_matches = 1
    headers = make.headers(desk["operator"])
    assert testapp.get(ALL, {"search": term}, headers=headers).json["count"] == len(matching) + 1
    assert registered(registry) == [search_pattern(term)]
    make.ticket(desk["b"], title=f"x{matching[1]}x")
    make.ticket(desk["b"], title=not_matching[0], description=matching[0])
    make.ticket(desk["b"], title=not_matching[1])
    counts = check_counts(testapp, make, registry, desk, term)
    assert counts[0] == len(matching) + 3


def test_the_oldest_terms_are_evicted_beyond_the_maximum(
    testapp, make, registry, desk, search_counts
):
    words = ["alpha", "bravo", "charlie", "delta"]
    for word in words:
        for _ in range(MIN_MATCHES):
            make.ticket(desk["a"], title=f"{word} printer")
    headers = make.headers(desk["operator"])
    for word in words:
        testapp.get(ALL, {"search": word}, headers=headers)
    assert registered(registry) == [search_pattern(w) for w in words[1:]]
    with registry["dbsession_factory"]() as session:
        term_ids = set(session.scalars(select(SearchCount.term_id).distinct()))
        assert term_ids == set(session.scalars(select(SearchTerm.id)))
    for word in words:
        check_counts(testapp, make, registry, desk, word)
    # Searched again, the evicted term comes back and evicts the oldest of the others.
    testapp.get(ALL, {"search": "alpha"}, headers=headers)
    assert registered(registry) == [search_pattern(w) for w in ["charlie", "delta", "alpha"]]
    make.ticket(desk["b"], title="alpha and bravo")
    for word in words:
        check_counts(testapp, make, registry, desk, word)


def test_a_writer_in_flight_is_counted_once(testapp, make, registry, desk, search_counts):
    for _ in range(MIN_MATCHES):
        make.ticket(desk["a"])
    # A transaction that has filed a matching ticket and not yet committed.
    session = registry["dbsession_factory"]()
    requester = session.get(User, desk["a"].id)
    workflow.create_ticket(session, requester, "printer in flight")
    session.flush()
    outcome = {}
    registering = threading.Thread(
        target=lambda: outcome.update(r=search_counts.register(search_pattern("printer")))
    )
    registering.start()
    time.sleep(0.05)  # the registration now waits for the writer's lock
    session.commit()
    session.close()
    registering.join()
    assert outcome["r"].registered
    assert outcome["r"].matches == MIN_MATCHES + 1
    counts = check_counts(testapp, make, registry, desk, "printer")
    assert counts[0] == MIN_MATCHES + 1


def test_a_registration_that_cannot_lock_gives_up_without_failing_the_request(
    testapp, make, registry, desk, search_counts, caplog
):
    for _ in range(MIN_MATCHES):
        make.ticket(desk["a"])
    session = registry["dbsession_factory"]()
    workflow.create_ticket(session, session.get(User, desk["a"].id), "printer, held")
    session.flush()  # holds the table against the registration's lock
    headers = make.headers(desk["operator"])
    try:
        with caplog.at_level(logging.INFO, logger="desk.search_counts"):
            started = time.monotonic()
            page = testapp.get(ALL, {"search": "printer"}, headers=headers).json
            elapsed = time.monotonic() - started
    finally:
        session.commit()
        session.close()
    assert page["count"] == MIN_MATCHES
    assert elapsed < 2
    assert registered(registry) == []
    assert "writers held the lock" in caplog.text
    # The process waits before trying again; the counts stay exact meanwhile.
    testapp.get(ALL, {"search": "printer"}, headers=headers)
    assert registered(registry) == []
    check_counts(testapp, make, registry, desk, "printer")


def test_registration_under_concurrent_writers_misses_and_doubles_nothing(
    app, testapp, make, registry, desk, search_counts
):
    requesters = [desk["a"], desk["b"]]
    with LiveServer(app, threads=8) as live:
        for _ in range(MIN_MATCHES):
            make.ticket(desk["a"])
        stop = threading.Event()

        def write(k: int) -> int:
            made = 0
            headers = make.headers(requesters[k % 2])
            while not stop.is_set() or made < 5:
                title = "printer again" if made % 2 else "something else"
                status, _ = live.request("POST", "/api/tickets/", {"title": title}, headers)
                assert status == 201
                made += 1
            return made

        with ThreadPoolExecutor(max_workers=6) as pool:
            writers = [pool.submit(write, k) for k in range(6)]
            time.sleep(0.3)
            outcome = None
            for _ in range(50):  # under constant writes a lock timeout is possible: try again
                try:
                    outcome = search_counts.register(search_pattern("printer"))
                    break
                except psycopg.errors.LockNotAvailable:
                    time.sleep(0.05)
            time.sleep(0.3)
            stop.set()
            made = sum(writer.result() for writer in writers)
    assert outcome is not None
    assert outcome.registered
    assert made >= 30
    counts = check_counts(testapp, make, registry, desk, "printer")
    # Written both before the registration (in its initial count) and after (by the triggers).
    assert MIN_MATCHES < outcome.matches < counts[0]


def test_a_searched_list_stays_a_constant_number_of_statements(
    testapp, make, registry, desk, search_counts
):
    for _ in range(5):
        make.ticket(desk["a"])
    headers = make.headers(desk["operator"])
    testapp.get(ALL, {"search": "printer"}, headers=headers)  # registers it
    assert registered(registry) == [search_pattern("printer")]
    sizes = []
    for size in (1, 100):
        with counting(registry["db_engine"]) as statements:
            testapp.get(ALL, {"search": "printer", "page_size": size}, headers=headers)
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 3
