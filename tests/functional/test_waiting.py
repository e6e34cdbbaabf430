"""The WAITING status: who may ask the requester, what ends the wait, and the clock it stops."""

from datetime import datetime

import pytest

from desk.models import Role


def url(ticket: dict, action: str = "") -> str:
    return f"/api/tickets/{ticket['id']}/" + (f"{action}/" if action else "")


def show(testapp, make, ticket: dict, user) -> dict:
    return testapp.get(url(ticket), headers=make.headers(user)).json


@pytest.mark.parametrize("asker", ["executor", "operator", "superuser"])
@pytest.mark.parametrize("origin", ["ASSIGNED", "IN_PROGRESS"])
def test_the_executor_or_an_operator_asks_and_the_requesters_answer_resumes(
    testapp, make, requester, operator, executor, superuser, asker, origin
):
    who = {"executor": executor, "operator": operator, "superuser": superuser}[asker]
    ticket = make.ticket_in(origin, requester, operator, executor)

    waiting = testapp.post_json(
        url(ticket, "wait"), {"comment": "Which printer exactly?"}, headers=make.headers(who)
    ).json
    assert waiting["status"] == "WAITING"
    assert waiting["resolution_due_at"] is None  # the clock stands still
    assert waiting["sla"]["resolution"] == "pending"
    assert waiting["first_response_at"] is not None  # the question is a public reply

    comments = testapp.get(url(ticket, "comments"), headers=make.headers(requester)).json
    assert [c["body"] for c in comments["results"]] == ["Which printer exactly?"]

    testapp.post_json(
        url(ticket, "comments"), {"body": "The one on floor 3"}, headers=make.headers(requester)
    )
    back = show(testapp, make, ticket, requester)
    assert back["status"] == origin
    assert back["resolution_due_at"] is not None
    assert datetime.fromisoformat(back["resolution_due_at"]) > datetime.fromisoformat(
        ticket["resolution_due_at"]
    )

    history = testapp.get(url(ticket, "history"), headers=make.headers(operator)).json["results"]
    moves = [(e["from_status"], e["to_status"]) for e in history if e["kind"] == "status_changed"]
    assert moves[-2:] == [(origin, "WAITING"), ("WAITING", origin)]


@pytest.mark.parametrize("who", ["executor", "operator"])
def test_resume_returns_to_where_it_came_from(testapp, make, requester, operator, executor, who):
    user = {"executor": executor, "operator": operator}[who]
    ticket = make.ticket_in("WAITING", requester, operator, executor)  # waited from IN_PROGRESS
    resumed = testapp.post_json(url(ticket, "resume"), {}, headers=make.headers(user)).json
    assert resumed["status"] == "IN_PROGRESS"
    again = testapp.post_json(url(ticket, "resume"), {}, headers=make.headers(user), status=409)
    assert again.content_type == "application/problem+json"


@pytest.mark.parametrize("target", ["IN_PROGRESS", "DONE"])
def test_the_executor_may_carry_on_from_waiting(
    testapp, make, requester, operator, executor, target
):
    ticket = make.ticket_in("WAITING", requester, operator, executor)
    moved = make.execute(ticket, executor, target)
    assert moved["status"] == target
    if target == "DONE":
        assert moved["sla"]["resolution"] == "met"


def test_internal_notes_and_other_peoples_comments_do_not_end_the_wait(
    testapp, make, requester, operator, executor
):
    ticket = make.ticket_in("WAITING", requester, operator, executor)
    testapp.post_json(
        url(ticket, "comments"),
        {"body": "Still waiting", "internal": True},
        headers=make.headers(executor),
    )
    testapp.post_json(
        url(ticket, "comments"), {"body": "Any news?"}, headers=make.headers(operator)
    )
    assert show(testapp, make, ticket, operator)["status"] == "WAITING"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("requester", 403), ("other requester", 404), ("other executor", 404), ("anonymous", 401)],
)
def test_others_may_not_make_a_ticket_wait(
    testapp, make, requester, operator, executor, who, expected
):
    users = {
        "requester": requester,
        "other requester": make.user(Role.REQUESTER),
        "other executor": make.user(Role.EXECUTOR),
        "anonymous": None,
    }
    ticket = make.ticket_in("IN_PROGRESS", requester, operator, executor)
    headers = make.headers(users[who]) if users[who] else {}
    testapp.post_json(url(ticket, "wait"), {"comment": "?"}, headers=headers, status=expected)
    assert show(testapp, make, ticket, operator)["status"] == "IN_PROGRESS"


@pytest.mark.parametrize("status", ["NEW", "DONE", "CANCELLED", "WAITING"])
def test_only_assigned_or_started_tickets_can_wait(
    testapp, make, requester, operator, executor, status
):
    ticket = make.ticket_in(status, requester, operator, executor)
    testapp.post_json(
        url(ticket, "wait"), {"comment": "?"}, headers=make.headers(operator), status=409
    )


def test_waiting_needs_the_question(testapp, make, requester, operator, executor):
    ticket = make.ticket_in("ASSIGNED", requester, operator, executor)
    problem = testapp.post_json(
        url(ticket, "wait"), {}, headers=make.headers(executor), status=400
    ).json
    assert problem["errors"][0]["name"] == "comment"


def test_waiting_tickets_are_counted_and_filtered(testapp, make, requester, operator, executor):
    make.ticket_in("WAITING", requester, operator, executor)
    make.ticket_in("IN_PROGRESS", requester, operator, executor)
    page = testapp.get(
        "/api/tickets/all-tickets/?status=WAITING", headers=make.headers(operator)
    ).json
    assert page["count"] == 1
    assert [t["status"] for t in page["results"]] == ["WAITING"]
    mine = testapp.get(
        "/api/tickets/assigned-to-me/?status=waiting", headers=make.headers(executor)
    ).json
    assert mine["count"] == 1


def test_a_ticket_that_never_waits_looks_as_before_plus_service_levels(
    testapp, make, requester, operator, executor
):
    ticket = make.ticket_in("DONE", requester, operator, executor)
    assert ticket["sla"] == {"response": "met", "resolution": "met"}
    assert ticket["first_response_at"] is not None
