"""Comments, internal notes, ticket history, and the event feed across tickets."""

from datetime import datetime

import pytest

from desk.models import Role

TICKETS = "/api/tickets/"
EVENTS = "/api/events/"
COMMENT_KEYS = {"id", "author", "body", "internal", "created_at"}
EVENT_KEYS = {"id", "actor", "kind", "from_status", "to_status", "data", "created_at"}


def url(ticket: dict, action: str = "") -> str:
    return f"{TICKETS}{ticket['id']}/" + (f"{action}/" if action else "")


def ref(user) -> dict:
    return {"id": user.id, "username": user.username}


def comment(testapp, make, ticket, user, body, internal=None, status=201):
    payload = {"body": body}
    if internal is not None:
        payload["internal"] = internal
    return testapp.post_json(
        url(ticket, "comments"), payload, headers=make.headers(user), status=status
    ).json


def comments(testapp, make, ticket, user, **params) -> dict:
    return testapp.get(url(ticket, "comments"), params=params, headers=make.headers(user)).json


def history(testapp, make, ticket, user, **params) -> dict:
    params.setdefault("page_size", 100)
    return testapp.get(url(ticket, "history"), params=params, headers=make.headers(user)).json


def cancel(testapp, make, ticket, user, reason=None) -> dict:
    body = {"reason": reason} if reason is not None else {}
    return testapp.post_json(url(ticket, "cancel"), body, headers=make.headers(user)).json


# --- comments ----------------------------------------------------------------------------------


def test_comments_come_oldest_first(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    posted = [
        comment(testapp, make, ticket, requester, "First, from the requester"),
        comment(testapp, make, ticket, operator, "Second, from the operator"),
        comment(testapp, make, ticket, executor, "Third, from the executor"),
        comment(testapp, make, ticket, requester, "Fourth, again the requester"),
    ]
    assert set(posted[0]) == COMMENT_KEYS
    assert posted[0]["author"] == ref(requester)
    assert posted[1]["author"] == ref(operator)
    assert posted[0]["internal"] is False

    for user in (requester, operator, executor):
        page = comments(testapp, make, ticket, user)
        assert page["count"] == 4
        assert page["results"] == posted
    stamps = [datetime.fromisoformat(c["created_at"]) for c in posted]
    assert stamps == sorted(stamps)
    assert all(s.tzinfo is not None for s in stamps)


def test_comments_page_with_links(testapp, make, requester):
    ticket = make.ticket(requester)
    bodies = [f"Comment {n}" for n in range(5)]
    for body in bodies:
        comment(testapp, make, ticket, requester, body)
    headers = make.headers(requester)
    seen, page_url = [], f"{url(ticket, 'comments')}?page_size=2"
    while page_url:
        page = testapp.get(page_url, headers=headers).json
        seen += [c["body"] for c in page["results"]]
        page_url = page["next"]
    assert seen == bodies
    back = testapp.get(page["previous"], headers=headers).json
    assert [c["body"] for c in back["results"]] == bodies[2:4]


@pytest.mark.parametrize("status", ["NEW", "ASSIGNED", "IN_PROGRESS", "DONE", "CANCELLED"])
def test_comments_are_allowed_in_every_status(testapp, make, requester, operator, executor, status):
    ticket = make.ticket_in(status, requester, operator, executor)
    users = [requester, operator] + ([executor] if status != "NEW" else [])
    for user in users:
        comment(testapp, make, ticket, user, f"Note from {user.username}")
    assert comments(testapp, make, ticket, operator)["count"] == len(users)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": 5}, "body"),
        ({"body": "x" * 10001}, "body"),
        ({"body": "ok", "internal": "yes"}, "internal"),
        ({"body": "ok", "internal": 1}, "internal"),
        ({"body": "ok", "author_id": 1}, "author_id"),
    ],
)
def test_invalid_comments_are_400_naming_the_field(testapp, make, requester, body, field):
    ticket = make.ticket(requester)
    problem = testapp.post_json(
        url(ticket, "comments"), body, headers=make.headers(requester), status=400
    ).json
    assert field in {e["name"] for e in problem["errors"] if e["location"] == "body"}
    assert comments(testapp, make, ticket, requester)["count"] == 0


def test_only_operators_and_executors_write_internal_notes(
    testapp, make, requester, operator, executor, superuser
):
    ticket = make.assign(make.ticket(requester), operator, executor)
    by_operator = comment(testapp, make, ticket, operator, "Check the warranty", internal=True)
    by_executor = comment(testapp, make, ticket, executor, "Part ordered", internal=True)
    by_superuser = comment(testapp, make, ticket, superuser, "Escalated", internal=True)
    assert (by_operator["internal"], by_executor["internal"], by_superuser["internal"]) == (
        True,
        True,
        True,
    )
    problem = comment(testapp, make, ticket, requester, "Let me see", internal=True, status=403)
    assert problem["status"] == 403
    public = comment(testapp, make, ticket, requester, "Any news?", internal=False)
    assert public["internal"] is False
    listed = comments(testapp, make, ticket, operator)["results"]
    assert [c["body"] for c in listed] == [
        "Check the warranty",
        "Part ordered",
        "Escalated",
        "Any news?",
    ]


def test_a_requester_never_receives_internal_notes(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    comment(testapp, make, ticket, requester, "Public question")
    secret = comment(testapp, make, ticket, operator, "Secret note", internal=True)
    comment(testapp, make, ticket, executor, "Public answer")
    comment(testapp, make, ticket, executor, "Another secret", internal=True)

    # Comments: the list, its count, and every page of it.
    mine = comments(testapp, make, ticket, requester)
    assert [c["body"] for c in mine["results"]] == ["Public question", "Public answer"]
    assert mine["count"] == 2
    small = comments(testapp, make, ticket, requester, page_size=1)
    assert small["count"] == 2
    second = testapp.get(small["next"], headers=make.headers(requester)).json
    assert [c["body"] for c in second["results"]] == ["Public answer"]
    assert second["next"] is None

    # History: no event about an internal note, and a count to match.
    events = history(testapp, make, ticket, requester)
    assert events["count"] == len(events["results"])
    commented = [e for e in events["results"] if e["kind"] == "commented"]
    assert len(commented) == 2
    assert all(e["data"]["internal"] is False for e in commented)
    assert secret["id"] not in [e["data"]["comment_id"] for e in commented]
    assert "Secret" not in str(events)
    assert history(testapp, make, ticket, requester, page_size=1)["count"] == events["count"]

    # Operators and executors see everything.
    for user in (operator, executor):
        assert comments(testapp, make, ticket, user)["count"] == 4
        full = history(testapp, make, ticket, user)
        assert full["count"] == events["count"] + 2
        assert len([e for e in full["results"] if e["kind"] == "commented"]) == 4


def test_execute_with_a_comment_stores_the_comment(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    done = testapp.post_json(
        url(ticket, "execute"),
        {"status": "DONE", "comment": "Replaced the toner"},
        headers=make.headers(executor),
    ).json
    assert done["status"] == "DONE"
    listed = comments(testapp, make, ticket, requester)["results"]
    assert len(listed) == 1
    assert listed[0]["body"] == "Replaced the toner"
    assert listed[0]["author"] == ref(executor)
    assert listed[0]["internal"] is False
    events = history(testapp, make, ticket, requester)["results"]
    assert [e["kind"] for e in events][-2:] == ["status_changed", "commented"]
    assert events[-1]["data"] == {"comment_id": listed[0]["id"], "internal": False}
    assert events[-1]["actor"] == ref(executor)


# --- history -----------------------------------------------------------------------------------


def test_history_has_one_event_per_change(testapp, make, requester, operator, executor):
    other = make.user(Role.EXECUTOR)
    ticket = make.ticket(requester, title="Printer", description="Jammed")
    testapp.patch_json(
        url(ticket),
        {"title": "Printer jammed", "priority": "high"},
        headers=make.headers(requester),
    )
    make.assign(ticket, operator, executor)
    make.assign(ticket, operator, other)
    make.execute(ticket, other, "IN_PROGRESS")
    public = comment(testapp, make, ticket, requester, "Thanks")
    internal = comment(testapp, make, ticket, operator, "Watch this one", internal=True)
    make.execute(ticket, other, "DONE")

    events = history(testapp, make, ticket, operator)
    assert events["count"] == 8
    results = events["results"]
    for event in results:
        assert set(event) >= EVENT_KEYS
        assert datetime.fromisoformat(event["created_at"]).tzinfo is not None
    assert [e["id"] for e in results] == sorted(e["id"] for e in results)

    summary = [(e["kind"], e["actor"], e["from_status"], e["to_status"]) for e in results]
    assert summary[0] == ("created", ref(requester), None, "NEW")
    assert summary[1][:2] == ("edited", ref(requester))
    assert summary[2:] == [
        ("assigned", ref(operator), "NEW", "ASSIGNED"),
        ("assigned", ref(operator), "ASSIGNED", "ASSIGNED"),
        ("status_changed", ref(other), "ASSIGNED", "IN_PROGRESS"),
        ("commented", ref(requester), None, None),
        ("commented", ref(operator), None, None),
        ("status_changed", ref(other), "IN_PROGRESS", "DONE"),
    ]
    assert results[1]["data"] == {
        "changes": {"title": ["Printer", "Printer jammed"], "priority": ["NORMAL", "HIGH"]}
    }
    assert results[2]["data"] == {"from_executor_id": None, "to_executor_id": executor.id}
    assert results[3]["data"] == {"from_executor_id": executor.id, "to_executor_id": other.id}
    assert results[5]["data"] == {"comment_id": public["id"], "internal": False}
    assert results[6]["data"] == {"comment_id": internal["id"], "internal": True}


def test_cancel_is_one_event_with_its_reason(testapp, make, requester, operator, executor):
    ticket = make.assign(make.ticket(requester), operator, executor)
    cancel(testapp, make, ticket, requester, "Duplicate of another ticket")
    last = history(testapp, make, ticket, requester)["results"][-1]
    assert last["kind"] == "cancelled"
    assert last["actor"] == ref(requester)
    assert (last["from_status"], last["to_status"]) == ("ASSIGNED", "CANCELLED")
    assert last["data"]["reason"] == "Duplicate of another ticket"
    assert history(testapp, make, ticket, requester)["count"] == 3


def test_description_edit_records_old_and_new(testapp, make, requester):
    ticket = make.ticket(requester, description="Old")
    testapp.patch_json(url(ticket), {"description": "New"}, headers=make.headers(requester))
    edited = history(testapp, make, ticket, requester)["results"][-1]
    assert edited["kind"] == "edited"
    assert edited["data"]["changes"] == {"description": ["Old", "New"]}


def replay(events: list[dict]) -> tuple[str | None, int | None]:
    status = executor_id = None
    for event in events:
        if event["to_status"] is not None:
            status = event["to_status"]
        if event["kind"] == "assigned":
            executor_id = event["data"]["to_executor_id"]
    return status, executor_id


STORIES = {
    "new": [],
    "edited": ["edit"],
    "assigned": ["assign"],
    "reassigned while in progress": ["assign", "start", "comment", "reassign"],
    "done": ["assign", "start", "note", "done"],
    "done directly": ["assign", "done"],
    "cancelled while new": ["cancel"],
    "cancelled while assigned": ["assign", "note", "cancel"],
    "cancelled in progress": ["assign", "start", "cancel"],
}


@pytest.mark.parametrize("story", list(STORIES))
def test_replaying_the_history_gives_the_current_state(
    testapp, make, requester, operator, executor, story
):
    other = make.user(Role.EXECUTOR)
    ticket = make.ticket(requester)
    current = executor
    for step in STORIES[story]:
        if step == "edit":
            testapp.patch_json(url(ticket), {"title": "Edited"}, headers=make.headers(requester))
        elif step == "assign":
            make.assign(ticket, operator, executor)
        elif step == "reassign":
            make.assign(ticket, operator, other)
            current = other
        elif step == "start":
            make.execute(ticket, current, "IN_PROGRESS")
        elif step == "done":
            make.execute(ticket, current, "DONE")
        elif step == "comment":
            comment(testapp, make, ticket, requester, "Public")
        elif step == "note":
            comment(testapp, make, ticket, operator, "Internal", internal=True)
        elif step == "cancel":
            cancel(testapp, make, ticket, operator, "Not needed")
    now = testapp.get(url(ticket), headers=make.headers(operator)).json
    expected = (now["status"], now["executor"]["id"] if now["executor"] else None)
    for user in (operator, requester):
        assert replay(history(testapp, make, ticket, user)["results"]) == expected


# --- the event feed ----------------------------------------------------------------------------


class Feed:
    """Two tickets with a few changes each, and the whole feed as a superuser reads it."""

    def __init__(self, testapp, make, requester, operator, executor, superuser):
        self.first = make.ticket(requester, title="First")
        self.second = make.ticket(requester, title="Second")
        make.assign(self.first, operator, executor)
        comment(testapp, make, self.second, operator, "Internal", internal=True)
        make.execute(self.first, executor, "IN_PROGRESS")
        cancel(testapp, make, self.second, requester, "No longer needed")
        make.execute(self.first, executor, "DONE")
        self.headers = make.headers(superuser)
        self.all = testapp.get(EVENTS, params={"page_size": 100}, headers=self.headers).json[
            "results"
        ]


@pytest.fixture
def feed(testapp, make, requester, operator, executor, superuser) -> Feed:
    return Feed(testapp, make, requester, operator, executor, superuser)


def test_feed_lists_every_event_oldest_first(testapp, make, feed, operator):
    kinds = [(e["ticket_id"], e["kind"]) for e in feed.all]
    first, second = feed.first["id"], feed.second["id"]
    assert kinds == [
        (first, "created"),
        (second, "created"),
        (first, "assigned"),
        (second, "commented"),
        (first, "status_changed"),
        (second, "cancelled"),
        (first, "status_changed"),
    ]
    assert all(set(e) >= EVENT_KEYS for e in feed.all)
    as_operator = testapp.get(EVENTS, params={"page_size": 100}, headers=make.headers(operator))
    assert as_operator.json["results"] == feed.all


def feed_case(feed: Feed, requester, executor, name: str):
    """(query parameters, the expected events) for a named filter."""
    first, second = feed.first["id"], feed.second["id"]
    all_events = feed.all
    third_at = all_events[2]["created_at"]
    fifth_at = all_events[4]["created_at"]
    return {
        "ticket_id": ({"ticket_id": first}, [e for e in all_events if e["ticket_id"] == first]),
        "actor_id": (
            {"actor_id": executor.id},
            [e for e in all_events if e["actor"] == ref(executor)],
        ),
        "actor_id of the requester": (
            {"actor_id": requester.id},
            [e for e in all_events if e["actor"] == ref(requester)],
        ),
        "kind": (
            {"kind": "status_changed"},
            [e for e in all_events if e["kind"] == "status_changed"],
        ),
        "kinds comma-separated": (
            {"kind": "created,cancelled"},
            [e for e in all_events if e["kind"] in ("created", "cancelled")],
        ),
        "kinds repeated": (
            [("kind", "assigned"), ("kind", "commented")],
            [e for e in all_events if e["kind"] in ("assigned", "commented")],
        ),
        "since is inclusive": ({"since": third_at}, all_events[2:]),
        "until is exclusive": ({"until": third_at}, all_events[:2]),
        "since and until": ({"since": third_at, "until": fifth_at}, all_events[2:4]),
        "since a date": ({"since": "2000-01-01"}, all_events),
        "until a date": ({"until": "2000-01-01"}, []),
        "ticket and kind": (
            {"ticket_id": second, "kind": "commented"},
            [e for e in all_events if e["ticket_id"] == second and e["kind"] == "commented"],
        ),
        "unknown parameter": ({"colour": "red"}, all_events),
    }[name]


FEED_FILTERS = [
    "ticket_id",
    "actor_id",
    "actor_id of the requester",
    "kind",
    "kinds comma-separated",
    "kinds repeated",
    "since is inclusive",
    "until is exclusive",
    "since and until",
    "since a date",
    "until a date",
    "ticket and kind",
    "unknown parameter",
]


@pytest.mark.parametrize("name", FEED_FILTERS)
def test_feed_filters(testapp, feed, requester, executor, name):
    params, expected = feed_case(feed, requester, executor, name)
    assert expected or name == "until a date"
    if isinstance(params, dict):
        params = list(params.items())
    page = testapp.get(EVENTS, params=[*params, ("page_size", "100")], headers=feed.headers).json
    assert page["results"] == expected
    assert page["count"] == len(expected)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kind", "opened"),
        ("kind", "created,opened"),
        ("ticket_id", "abc"),
        ("actor_id", "-3"),
        ("since", "yesterday"),
        ("until", "2024-02-30"),
        ("since", "2024-01-01\x00"),
    ],
)
def test_feed_bad_values_are_400(testapp, make, superuser, name, value):
    problem = testapp.get(
        EVENTS, params=[(name, value)], headers=make.headers(superuser), status=400
    ).json
    assert name in {e["name"] for e in problem["errors"] if e["location"] == "querystring"}


def test_feed_pages_follow_links(testapp, feed):
    pages, page_url = [], f"{EVENTS}?page_size=3"
    while page_url:
        page = testapp.get(page_url, headers=feed.headers).json
        pages.append(page)
        page_url = page["next"]
    assert [e for p in pages for e in p["results"]] == feed.all
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
