"""Tickets: creation, reading, editing, and every step of the lifecycle."""

from datetime import datetime

import pytest

from desk.models import Role

TICKETS = "/api/tickets/"
TICKET_KEYS = {
    "id",
    "title",
    "description",
    "status",
    "priority",
    "requester",
    "executor",
    "created_at",
    "updated_at",
    "assigned_at",
    "completed_at",
    "allowed_actions",
    "response_due_at",
    "resolution_due_at",
    "first_response_at",
    "sla",
}


def url(ticket: dict, action: str = "") -> str:
    return f"{TICKETS}{ticket['id']}/" + (f"{action}/" if action else "")


def when(value: str) -> datetime:
    """An ISO 8601 timestamp of the API, which must carry its UTC offset."""
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def error_names(problem: dict, location: str = "body") -> set:
    return {e["name"] for e in problem.get("errors", []) if e["location"] == location}


def get(testapp, make, ticket: dict, user, status=200):
    return testapp.get(url(ticket), headers=make.headers(user), status=status)


# --- creation ------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_the_ticket(testapp, make, requester):
    response = testapp.post_json(
        TICKETS,
        {"title": "   Printer on floor 3 is jammed  ", "priority": "high"},
        headers=make.headers(requester),
        status=201,
    )
    ticket = response.json
    assert set(ticket) == TICKET_KEYS
    assert response.headers["Location"] == f"http://desk.test/api/tickets/{ticket['id']}/"
    etag = response.headers["ETag"]
    assert etag
    assert not etag.startswith("W/")
    assert ticket["title"] == "Printer on floor 3 is jammed"
    assert ticket["description"] == ""
    assert ticket["status"] == "NEW"
    assert ticket["priority"] == "HIGH"
    assert ticket["requester"] == {"id": requester.id, "username": requester.username}
    assert ticket["executor"] is None
    assert ticket["assigned_at"] is None
    assert ticket["completed_at"] is None
    assert when(ticket["created_at"]) == when(ticket["updated_at"])
    assert sorted(ticket["allowed_actions"]) == ["cancel", "comment", "edit"]

    # The Location can be followed and gives the same ticket, with the same ETag.
    again = testapp.get(response.headers["Location"], headers=make.headers(requester))
    assert again.json == ticket
    assert again.headers["ETag"] == etag


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, "NORMAL"),
        ("LOW", "LOW"),
        ("normal", "NORMAL"),
        ("High", "HIGH"),
        ("uRgEnT", "URGENT"),
    ],
)
def test_priority_defaults_to_normal_and_takes_any_letter_case(
    testapp, make, requester, given, stored
):
    body = {"title": "Chair is broken"}
    if given is not None:
        body["priority"] = given
    ticket = testapp.post_json(TICKETS, body, headers=make.headers(requester), status=201).json
    assert ticket["priority"] == stored


def test_description_is_kept_as_given(testapp, make, requester):
    text = "Line one\nLine two\twith a tab"
    ticket = make.ticket(requester, description=text)
    assert ticket["description"] == text
    assert get(testapp, make, ticket, requester).json["description"] == text


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("\tPrinter jammed", "Printer jammed"),
        ("Printer jammed\n", "Printer jammed"),
        ("\r\n  Printer jammed \t\r\n", "Printer jammed"),
        ("\u00a0Printer jammed\u3000", "Printer jammed"),
    ],
    ids=["leading tab", "trailing newline", "both ends", "unicode spaces"],
)
def test_title_is_trimmed_of_surrounding_whitespace_before_the_check(
    testapp, make, requester, sent, stored
):
    created = make.ticket(requester, title=sent)
    assert created["title"] == stored
    edited = testapp.patch_json(url(created), {"title": sent}, headers=make.headers(requester))
    assert edited.json["title"] == stored


@pytest.mark.parametrize(
    "title",
    ["Printer\tjammed", "Printer\njammed", "\x1fPrinter jammed", "Printer jammed\x85", "\t\n"],
    ids=["inner tab", "inner newline", "leading control", "trailing C1 control", "only whitespace"],
)
def test_title_refuses_inner_line_breaks_edge_controls_and_blank(testapp, make, requester, title):
    problem = testapp.post_json(
        TICKETS, {"title": title}, headers=make.headers(requester), status=400
    ).json
    assert error_names(problem) == {"title"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 42}, "title"),
        ({"title": "ok", "description": "d" * 10001}, "description"),
        ({"title": "ok", "description": 5}, "description"),
        ({"title": "ok", "priority": "CRITICAL"}, "priority"),
        ({"title": "ok", "priority": 2}, "priority"),
        ({"title": "ok", "status": "DONE"}, "status"),
        ({"title": "ok", "executor_id": 3}, "executor_id"),
    ],
    ids=[
        "missing title",
        "empty title",
        "blank title",
        "title too long",
        "title not a string",
        "description too long",
        "description not a string",
        "unknown priority",
        "priority as a number",
        "unknown field status",
        "unknown field executor_id",
    ],
)
def test_create_refuses_invalid_bodies_naming_the_field(testapp, make, requester, body, field):
    problem = testapp.post_json(TICKETS, body, headers=make.headers(requester), status=400).json
    assert field in error_names(problem)
    mine = testapp.get(f"{TICKETS}my-tickets/", headers=make.headers(requester)).json
    assert mine["count"] == 0


def test_title_of_200_characters_and_description_of_10000_are_accepted(testapp, make, requester):
    ticket = make.ticket(requester, title="t" * 200, description="d" * 10000)
    assert len(ticket["title"]) == 200
    assert len(ticket["description"]) == 10000


# --- reading and editing -------------------------------------------------------------------


def test_get_one_ticket(testapp, make, requester):
    ticket = make.ticket(requester, description="Paper stuck", priority="LOW")
    response = get(testapp, make, ticket, requester)
    assert response.json == ticket
    assert response.headers["ETag"]


def test_requester_edits_while_new(testapp, make, requester):
    ticket = make.ticket(requester, description="Old text")
    before = get(testapp, make, ticket, requester).headers["ETag"]
    response = testapp.patch_json(
        url(ticket),
        {"title": "  New title ", "description": "New text", "priority": "urgent"},
        headers=make.headers(requester),
    )
    edited = response.json
    assert (edited["title"], edited["description"], edited["priority"]) == (
        "New title",
        "New text",
        "URGENT",
    )
    assert edited["status"] == "NEW"
    assert when(edited["updated_at"]) > when(ticket["updated_at"])
    assert edited["created_at"] == ticket["created_at"]
    assert response.headers["ETag"] != before
    assert get(testapp, make, ticket, requester).json == edited


def test_etag_changes_with_every_change(testapp, make, requester, operator, executor):
    created = testapp.post_json(
        TICKETS, {"title": "Screen"}, headers=make.headers(requester), status=201
    )
    tags = [created.headers["ETag"]]
    ticket = created.json
    steps = [
        (testapp.patch_json, url(ticket), {"title": "Screen flickers"}, requester),
        (testapp.post_json, url(ticket, "assign"), {"executor_id": executor.id}, operator),
        (testapp.post_json, url(ticket, "execute"), {"status": "IN_PROGRESS"}, executor),
        (testapp.post_json, url(ticket, "execute"), {"status": "DONE"}, executor),
    ]
    for send, path, body, user in steps:
        response = send(path, body, headers=make.headers(user))
        tags.append(response.headers["ETag"])
        assert get(testapp, make, ticket, user).headers["ETag"] == response.headers["ETag"]
    assert len(set(tags)) == len(tags)


def test_patch_of_only_some_fields_keeps_the_others(testapp, make, requester):
    ticket = make.ticket(requester, description="Keep me", priority="HIGH")
    edited = testapp.patch_json(
        url(ticket), {"title": "Renamed"}, headers=make.headers(requester)
    ).json
    assert (edited["title"], edited["description"], edited["priority"]) == (
        "Renamed",
        "Keep me",
        "HIGH",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"executor_id": 1}, "executor_id"),
        ({"titel": "typo"}, "titel"),
        ({"title": "   "}, "title"),
        ({"priority": "MAYBE"}, "priority"),
    ],
)
def test_patch_refuses_unknown_and_invalid_fields(testapp, make, requester, body, field):
    ticket = make.ticket(requester)
    problem = testapp.patch_json(
        url(ticket), body, headers=make.headers(requester), status=400
    ).json
    assert field in error_names(problem)
    assert get(testapp, make, ticket, requester).json == ticket


@pytest.mark.parametrize("status", ["ASSIGNED", "IN_PROGRESS", "DONE", "CANCELLED"])
def test_patch_once_not_new_is_409(testapp, make, requester, operator, executor, status):
    ticket = make.ticket_in(status, requester, operator, executor)
    problem = testapp.patch_json(
        url(ticket), {"title": "Too late"}, headers=make.headers(requester), status=409
    ).json
    assert problem["status"] == 409
    assert get(testapp, make, ticket, requester).json["title"] == ticket["title"]


# --- lifecycle -----------------------------------------------------------------------------


def test_whole_lifecycle_with_timestamps(testapp, make, requester, operator, executor):
    ticket = make.ticket(requester)

    assigned = testapp.post_json(
        url(ticket, "assign"), {"executor_id": executor.id}, headers=make.headers(operator)
    ).json
    assert assigned["status"] == "ASSIGNED"
    assert assigned["executor"] == {"id": executor.id, "username": executor.username}
    assert when(assigned["assigned_at"]) >= when(ticket["created_at"])
    assert assigned["completed_at"] is None
    assert set(assigned["allowed_actions"]) == {"assign", "cancel", "wait", "comment"}

    started = testapp.post_json(
        url(ticket, "execute"), {"status": "in_progress"}, headers=make.headers(executor)
    ).json
    assert started["status"] == "IN_PROGRESS"
    assert started["assigned_at"] == assigned["assigned_at"]
    assert started["completed_at"] is None
    assert set(started["allowed_actions"]) == {"execute", "wait", "comment"}
    assert when(started["updated_at"]) > when(assigned["updated_at"])

    done = testapp.post_json(url(ticket, "execute"), {}, headers=make.headers(executor)).json
    assert done["status"] == "DONE"
    assert done["executor"] == assigned["executor"]
    assert done["assigned_at"] == assigned["assigned_at"]
    assert when(done["completed_at"]) > when(started["updated_at"])
    assert done["allowed_actions"] == ["comment"]
    assert get(testapp, make, ticket, requester).json["status"] == "DONE"


def test_execute_done_directly_from_assigned(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    done = testapp.post_json(
        url(ticket, "execute"), {"status": "DONE"}, headers=make.headers(executor)
    ).json
    assert done["status"] == "DONE"
    assert done["completed_at"] is not None


def test_execute_accepts_an_empty_body(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    done = testapp.post(url(ticket, "execute"), headers=make.headers(executor)).json
    assert done["status"] == "DONE"


def test_reassign_in_progress_goes_back_to_assigned(testapp, make, requester, operator, executor):
    other = make.user(Role.EXECUTOR)
    ticket = make.execute(
        make.assign(make.ticket(requester), operator, executor), executor, "IN_PROGRESS"
    )
    reassigned = testapp.post_json(
        url(ticket, "assign"), {"executor_id": other.id}, headers=make.headers(operator)
    ).json
    assert reassigned["status"] == "ASSIGNED"
    assert reassigned["executor"] == {"id": other.id, "username": other.username}
    assert when(reassigned["assigned_at"]) > when(ticket["assigned_at"])
    assert reassigned["completed_at"] is None
    # The former executor no longer sees it; the new one can start it again.
    get(testapp, make, ticket, executor, status=404)
    assert make.execute(ticket, other, "IN_PROGRESS")["status"] == "IN_PROGRESS"


def test_assigned_at_is_the_latest_assignment(testapp, make, requester, operator, executor):
    other = make.user(Role.EXECUTOR)
    first = make.assign(make.ticket(requester), operator, executor)
    second = make.assign(first, operator, other)
    assert second["status"] == "ASSIGNED"
    assert when(second["assigned_at"]) > when(first["assigned_at"])
    assert get(testapp, make, first, operator).json["assigned_at"] == second["assigned_at"]


def test_operator_cancels_in_progress(testapp, make, requester, operator, executor):
    ticket = make.ticket_in("IN_PROGRESS", requester, operator, executor)
    cancelled = testapp.post_json(
        url(ticket, "cancel"), {"reason": "Duplicate"}, headers=make.headers(operator)
    ).json
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["completed_at"] is None


@pytest.mark.parametrize("status", ["NEW", "ASSIGNED"])
def test_requester_cancels_before_work_starts(testapp, make, requester, operator, executor, status):
    ticket = make.ticket_in(status, requester, operator, executor)
    cancelled = testapp.post(url(ticket, "cancel"), headers=make.headers(requester)).json
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["completed_at"] is None
    assert cancelled["allowed_actions"] == ["comment"]


def test_cancel_keeps_the_executor_who_still_sees_it(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    cancelled = testapp.post_json(
        url(ticket, "cancel"), {"reason": "Fixed itself"}, headers=make.headers(requester)
    ).json
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["executor"] == {"id": executor.id, "username": executor.username}
    assert cancelled["assigned_at"] == ticket["assigned_at"]
    seen = get(testapp, make, ticket, executor).json
    assert seen["status"] == "CANCELLED"
    assert seen["allowed_actions"] == ["comment"]
    mine = testapp.get(f"{TICKETS}assigned-to-me/", headers=make.headers(executor)).json
    assert [t["id"] for t in mine["results"]] == [ticket["id"]]


# Each row: the status, who tries, the request (path suffix, body), the status expected.
DISALLOWED = [
    ("IN_PROGRESS", "executor", "execute", {"status": "IN_PROGRESS"}),
    ("IN_PROGRESS", "requester", "cancel", {}),
    ("DONE", "executor", "execute", {"status": "DONE"}),
    ("DONE", "executor", "execute", {"status": "IN_PROGRESS"}),
    ("DONE", "operator", "assign", "executor"),
    ("DONE", "operator", "cancel", {}),
    ("DONE", "requester", "cancel", {}),
    ("CANCELLED", "executor", "execute", {"status": "DONE"}),
    ("CANCELLED", "executor", "execute", {"status": "IN_PROGRESS"}),
    ("CANCELLED", "operator", "assign", "executor"),
    ("CANCELLED", "operator", "cancel", {}),
    ("CANCELLED", "requester", "cancel", {}),
]


def disallowed_id(status, actor, action, body) -> str:
    target = body.get("status") if isinstance(body, dict) else None
    return f"{actor} {action}{f'({target})' if target else ''} on {status}"


@pytest.mark.parametrize(
    ("status", "actor", "action", "body"),
    DISALLOWED,
    ids=[disallowed_id(*row) for row in DISALLOWED],
)
def test_disallowed_transitions_are_409(
    testapp, make, requester, operator, executor, status, actor, action, body
):
    ticket = make.ticket_in(status, requester, operator, executor)
    user = {"requester": requester, "operator": operator, "executor": executor}[actor]
    if body == "executor":
        body = {"executor_id": make.user(Role.EXECUTOR).id}
    problem = testapp.post_json(
        url(ticket, action), body, headers=make.headers(user), status=409
    ).json
    assert problem["status"] == 409
    assert problem["type"] != "about:blank"
    after = get(testapp, make, ticket, operator).json
    assert (after["status"], after["executor"], after["updated_at"]) == (
        ticket["status"],
        ticket["executor"],
        ticket["updated_at"],
    )


# --- assignment input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["requester", "operator", "superuser", "inactive executor", "missing user"],
)
def test_assign_to_anyone_but_an_active_executor_is_400(
    testapp, make, requester, operator, superuser, target
):
    ids = {
        "requester": requester.id,
        "operator": operator.id,
        "superuser": superuser.id,
        "inactive executor": make.user(Role.EXECUTOR, active=False).id,
        "missing user": 999999,
    }
    ticket = make.ticket(requester)
    problem = testapp.post_json(
        url(ticket, "assign"),
        {"executor_id": ids[target]},
        headers=make.headers(operator),
        status=400,
    ).json
    assert error_names(problem) == {"executor_id"}
    after = get(testapp, make, ticket, operator).json
    assert (after["status"], after["executor"]) == ("NEW", None)


@pytest.mark.parametrize(
    "body",
    [{"executor_id": "5"}, {"executor_id": 5.5}, {"executor_id": True}, {"executor_id": None}, {}],
    ids=["string", "float", "boolean", "null", "missing"],
)
def test_executor_id_must_be_a_json_integer(testapp, make, requester, operator, body):
    executor = make.user(Role.EXECUTOR)
    if "executor_id" in body and body["executor_id"] == "5":
        body = {"executor_id": str(executor.id)}
    ticket = make.ticket(requester)
    problem = testapp.post_json(
        url(ticket, "assign"), body, headers=make.headers(operator), status=400
    ).json
    assert "executor_id" in error_names(problem)
    assert get(testapp, make, ticket, operator).json["status"] == "NEW"


def test_execute_refuses_other_statuses(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    for status in ("NEW", "ASSIGNED", "CANCELLED", "FINISHED"):
        problem = testapp.post_json(
            url(ticket, "execute"), {"status": status}, headers=make.headers(executor), status=400
        ).json
        assert "status" in error_names(problem)
    assert get(testapp, make, ticket, executor).json["status"] == "ASSIGNED"


# --- allowed_actions match what the routes accept -----------------------------------------

ACTIONS = ("edit", "assign", "start", "execute", "cancel", "wait", "resume", "comment")

#: (caller, status) -> the actions the contract allows.
ALLOWED = {
    ("requester", "NEW"): {"edit", "cancel", "comment"},
    ("requester", "ASSIGNED"): {"cancel", "comment"},
    ("requester", "IN_PROGRESS"): {"comment"},
    ("requester", "WAITING"): {"comment"},
    ("requester", "DONE"): {"comment"},
    ("requester", "CANCELLED"): {"comment"},
    ("operator", "NEW"): {"assign", "cancel", "comment"},
    ("operator", "ASSIGNED"): {"assign", "cancel", "wait", "comment"},
    ("operator", "IN_PROGRESS"): {"assign", "cancel", "wait", "comment"},
    ("operator", "WAITING"): {"assign", "cancel", "resume", "comment"},
    ("operator", "DONE"): {"comment"},
    ("operator", "CANCELLED"): {"comment"},
    ("executor", "ASSIGNED"): {"start", "execute", "wait", "comment"},
    ("executor", "IN_PROGRESS"): {"execute", "wait", "comment"},
    ("executor", "WAITING"): {"start", "execute", "resume", "comment"},
    ("executor", "DONE"): {"comment"},
    ("executor", "CANCELLED"): {"comment"},
    ("superuser", "NEW"): {"assign", "cancel", "comment"},
    ("superuser", "ASSIGNED"): {"assign", "cancel", "wait", "comment"},
    ("superuser", "IN_PROGRESS"): {"assign", "cancel", "wait", "comment"},
    ("superuser", "WAITING"): {"assign", "cancel", "resume", "comment"},
    ("superuser", "DONE"): {"comment"},
    ("superuser", "CANCELLED"): {"comment"},
}


def attempt(testapp, make, ticket: dict, action: str, user, spare_executor):
    """The request that performs ``action``; returns the response whatever its status."""
    headers = make.headers(user)
    requests = {
        "edit": ("patch", url(ticket), {"title": "Edited title"}),
        "assign": ("post", url(ticket, "assign"), {"executor_id": spare_executor.id}),
        "start": ("post", url(ticket, "execute"), {"status": "IN_PROGRESS"}),
        "execute": ("post", url(ticket, "execute"), {"status": "DONE"}),
        "cancel": ("post", url(ticket, "cancel"), {"reason": "Checking"}),
        "wait": ("post", url(ticket, "wait"), {"comment": "Which printer exactly?"}),
        "resume": ("post", url(ticket, "resume"), {}),
        "comment": ("post", url(ticket, "comments"), {"body": "A comment"}),
    }
    method, path, body = requests[action]
    return getattr(testapp, f"{method}_json")(path, body, headers=headers, status="*")


@pytest.mark.parametrize(
    ("caller", "status"), list(ALLOWED), ids=[f"{c} on {s}" for c, s in ALLOWED]
)
def test_allowed_actions_are_what_the_routes_accept(
    testapp, make, requester, operator, executor, superuser, caller, status
):
    users = {
        "requester": requester,
        "operator": operator,
        "executor": executor,
        "superuser": superuser,
    }
    user = users[caller]
    spare = make.user(Role.EXECUTOR)

    shown = get(testapp, make, make.ticket_in(status, requester, operator, executor), user)
    assert set(shown.json["allowed_actions"]) == ALLOWED[(caller, status)]
    assert len(shown.json["allowed_actions"]) == len(set(shown.json["allowed_actions"]))

    # A refused action changes nothing, so the refusals can share one ticket; each accepted
    # action gets a fresh one.
    refused = make.ticket_in(status, requester, operator, executor)
    for action in ACTIONS:
        if action in ALLOWED[(caller, status)]:
            ticket = make.ticket_in(status, requester, operator, executor)
            response = attempt(testapp, make, ticket, action, user, spare)
            assert response.status_int in (200, 201), (action, response.text)
        else:
            response = attempt(testapp, make, refused, action, user, spare)
            assert response.status_int in (403, 409), (action, response.text)
    after = get(testapp, make, refused, operator).json
    assert (after["status"], after["title"], after["updated_at"]) == (
        refused["status"],
        refused["title"],
        refused["updated_at"],
    )


@pytest.mark.parametrize(
    ("caller", "path"),
    [
        ("requester", "my-tickets"),
        ("operator", "all-tickets"),
        ("executor", "assigned-to-me"),
        ("superuser", "all-tickets"),
    ],
)
def test_lists_show_the_same_allowed_actions(
    testapp, make, requester, operator, executor, superuser, caller, path
):
    user = {"requester": requester, "operator": operator, "executor": executor}.get(
        caller, superuser
    )
    tickets = [
        make.ticket_in(status, requester, operator, executor)
        for status in ("ASSIGNED", "IN_PROGRESS", "DONE", "CANCELLED")
    ]
    page = testapp.get(f"{TICKETS}{path}/", headers=make.headers(user)).json
    listed = {t["id"]: t for t in page["results"]}
    assert set(listed) == {t["id"] for t in tickets}
    for ticket in tickets:
        one = get(testapp, make, ticket, user).json
        assert listed[ticket["id"]] == one
