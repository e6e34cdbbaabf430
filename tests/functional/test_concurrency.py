"""Parallel requests on one ticket, through a real server, end in a state one request made."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from desk.models import Role
from tests.support.live import LiveServer

pytestmark = pytest.mark.postgresql_only

PARALLEL = 8


@pytest.fixture
def live(app, registry):
    with LiveServer(app, threads=PARALLEL) as server:
        yield server


def in_parallel(calls) -> list:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_parallel_assigns_end_with_one_executor_and_a_matching_history(live, make):
    requester, operator = make.user(Role.REQUESTER), make.user(Role.OPERATOR)
    executors = [make.user(Role.EXECUTOR) for _ in range(PARALLEL)]
    ticket = make.ticket(requester)
    path = f"/api/tickets/{ticket['id']}/assign/"
    headers = make.headers(operator)

    results = in_parallel(
        [lambda e=e: live.request("POST", path, {"executor_id": e.id}, headers) for e in executors]
    )

    assert [status for status, _ in results] == [200] * PARALLEL
    final = live.request("GET", f"/api/tickets/{ticket['id']}/", headers=headers)[1]
    history = live.request(
        "GET", f"/api/tickets/{ticket['id']}/history/?page_size=100", headers=headers
    )[1]["results"]
    assignments = [event for event in history if event["kind"] == "assigned"]
    assert len(assignments) == PARALLEL
    # Serialized: each assignment starts from the executor the previous one left.
    for previous, current in itertools.pairwise(assignments):
        assert current["data"]["from_executor_id"] == previous["data"]["to_executor_id"]
    assert assignments[-1]["data"]["to_executor_id"] == final["executor"]["id"]
    assert final["status"] == "ASSIGNED"


def test_parallel_assigns_with_one_etag_let_exactly_one_through(live, make):
    requester, operator = make.user(Role.REQUESTER), make.user(Role.OPERATOR)
    executors = [make.user(Role.EXECUTOR) for _ in range(PARALLEL)]
    ticket = make.ticket(requester)
    headers = make.headers(operator)
    etag = f'"{ticket["id"]}.1"'  # the version just created, as its ETag header said
    path = f"/api/tickets/{ticket['id']}/assign/"

    results = in_parallel(
        [
            lambda e=e: live.request(
                "POST", path, {"executor_id": e.id}, {**headers, "If-Match": etag}
            )
            for e in executors
        ]
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [412] * (PARALLEL - 1)
    winner = next(body for status, body in results if status == 200)
    final = live.request("GET", f"/api/tickets/{ticket['id']}/", headers=headers)[1]
    assert final["executor"] == winner["executor"]
    history = live.request("GET", f"/api/tickets/{ticket['id']}/history/", headers=headers)[1][
        "results"
    ]
    assert [event["kind"] for event in history] == ["created", "assigned"]


def test_parallel_execute_and_cancel_leave_one_outcome(live, make):
    requester, operator, executor = (
        make.user(Role.REQUESTER),
        make.user(Role.OPERATOR),
        make.user(Role.EXECUTOR),
    )
    ticket = make.ticket(requester)
    make.assign(ticket, operator, executor)
    base = f"/api/tickets/{ticket['id']}"
    calls = [
        lambda: live.request(
            "POST", f"{base}/execute/", {"status": "DONE"}, make.headers(executor)
        ),
        lambda: live.request("POST", f"{base}/cancel/", {"reason": "dup"}, make.headers(operator)),
    ] * (PARALLEL // 2)

    results = in_parallel(calls)

    assert sorted(status for status, _ in results) == [200] + [409] * (PARALLEL - 1)
    final = live.request("GET", f"{base}/", headers=make.headers(operator))[1]
    history = live.request("GET", f"{base}/history/", headers=make.headers(operator))[1]
    last = history["results"][-1]
    assert last["to_status"] == final["status"]
    assert final["status"] in ("DONE", "CANCELLED")
    assert len(history["results"]) == 3


def test_parallel_idempotent_creates_make_one_ticket(live, make):
    requester = make.user(Role.REQUESTER)
    headers = {**make.headers(requester), "Idempotency-Key": "parallel-create"}

    results = in_parallel(
        [lambda: live.request("POST", "/api/tickets/", {"title": "Once"}, headers)] * PARALLEL
    )

    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    mine = live.request("GET", "/api/tickets/my-tickets/", headers=make.headers(requester))[1]
    assert mine["count"] == 1


def test_parallel_registrations_of_one_username_create_one_user(live):
    body = {"username": "racer", "password": "fast-and-furious"}

    results = in_parallel([lambda: live.request("POST", "/api/auth/register/", body)] * PARALLEL)

    assert sorted(status for status, _ in results) == [201] + [409] * (PARALLEL - 1)
