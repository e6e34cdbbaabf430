"""``POST /api/tickets/bulk/``: each item as its single route, each with its own result."""

import pytest

from desk.models import Role

BULK = "/api/tickets/bulk/"


def bulk(make, user, items, status=200):
    return make.testapp.post_json(BULK, {"items": items}, headers=make.headers(user), status=status)


def history_kinds(make, ticket_id, user) -> list[str]:
    events = make.testapp.get(
        f"/api/tickets/{ticket_id}/history/", headers=make.headers(user)
    ).json["results"]
    return [event["kind"] for event in events]


def test_every_item_is_done_with_its_own_history_event(make, requester, operator, executor):
    tickets = [make.ticket(requester) for _ in range(3)]
    answer = bulk(
        make,
        operator,
        [
            {"id": tickets[0]["id"], "action": "assign", "executor_id": executor.id},
            {"id": tickets[1]["id"], "action": "priority", "priority": "urgent"},
            {"id": tickets[2]["id"], "action": "cancel", "reason": "Duplicate"},
        ],
    ).json
    assert (answer["done"], answer["refused"]) == (3, 0)
    assert [r["status"] for r in answer["results"]] == [200, 200, 200]
    assert answer["results"][0]["ticket"]["executor"]["id"] == executor.id
    assert answer["results"][1]["ticket"]["priority"] == "URGENT"
    assert answer["results"][2]["ticket"]["status"] == "CANCELLED"
    assert history_kinds(make, tickets[0]["id"], operator) == ["created", "assigned"]
    assert history_kinds(make, tickets[1]["id"], operator) == ["created", "edited"]
    assert history_kinds(make, tickets[2]["id"], operator) == ["created", "cancelled"]


def test_a_refused_item_undoes_only_itself(make, requester, operator, executor):
    """404, 409, 412 and 400 items change nothing; the items around them are kept."""
    fresh, done, stale, kept = (make.ticket(requester) for _ in range(4))
    make.ticket_in("DONE", requester, operator, executor)
    finished = make.ticket_in("DONE", requester, operator, executor)
    inactive = make.user(Role.EXECUTOR, active=False)
    answer = bulk(
        make,
        operator,
        [
            {"id": fresh["id"], "action": "assign", "executor_id": executor.id},
            {"id": 999999, "action": "cancel"},
            {"id": finished["id"], "action": "cancel"},
            {"id": stale["id"], "action": "cancel", "if_match": '"0.0"'},
            {"id": done["id"], "action": "assign", "executor_id": inactive.id},
            {"id": kept["id"], "action": "priority", "priority": "HIGH", "if_match": "*"},
        ],
    ).json
    statuses = [result["status"] for result in answer["results"]]
    assert statuses == [200, 404, 409, 412, 400, 200]
    assert (answer["done"], answer["refused"]) == (2, 4)
    assert answer["results"][2]["problem"]["type"].endswith("transition-not-allowed")
    assert answer["results"][4]["problem"]["errors"][0]["name"] == "executor_id"
    headers = make.headers(operator)
    read = make.testapp.get
    assert read(f"/api/tickets/{stale['id']}/", headers=headers).json["status"] == "NEW"
    assert read(f"/api/tickets/{done['id']}/", headers=headers).json["status"] == "NEW"
    assert history_kinds(make, done["id"], operator) == ["created"]
    assert read(f"/api/tickets/{kept['id']}/", headers=headers).json["priority"] == "HIGH"


def test_if_match_with_the_current_etag_passes(make, requester, operator, executor):
    ticket = make.ticket(requester)
    current = make.testapp.get(
        f"/api/tickets/{ticket['id']}/", headers=make.headers(operator)
    ).headers["ETag"]
    answer = bulk(
        make,
        operator,
        [
            {
                "id": ticket["id"],
                "action": "assign",
                "executor_id": executor.id,
                "if_match": current,
            },
            {"id": ticket["id"], "action": "cancel", "if_match": current},
        ],
    ).json
    # The first item changed the ticket: the second one's ETag is stale by then.
    assert [result["status"] for result in answer["results"]] == [200, 412]


def test_only_operators_may_use_it(make, requester, executor):
    """Requesters and executors have no bulk route, even for their own tickets."""
    ticket = make.ticket(requester)
    bulk(make, executor, [{"id": ticket["id"], "action": "cancel"}], status=403)
    bulk(make, requester, [{"id": ticket["id"], "action": "cancel"}], status=403)


def test_superusers_may_use_it(make, requester, superuser):
    ticket = make.ticket(requester)
    answer = bulk(make, superuser, [{"id": ticket["id"], "action": "cancel"}]).json
    assert answer["results"][0]["ticket"]["status"] == "CANCELLED"


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"id": 1, "action": "assign"}], "items.0.executor_id"),
        ([{"id": 1, "action": "priority"}], "items.0.priority"),
        ([{"id": 1, "action": "delete"}], "items.0.action"),
        ([{"id": "1", "action": "cancel"}], "items.0.id"),
        ([{"id": 1, "action": "cancel", "priority": "LOW"}], "items.0.priority"),
        ([{"id": 1, "action": "cancel", "colour": "red"}], "items.0.colour"),
        ([{"id": 1, "action": "cancel"}] * 501, "items"),
    ],
)
def test_bad_items_are_a_400_naming_the_field(make, operator, items, field):
    problem = bulk(make, operator, items, status=400).json
    assert field in {error["name"] for error in problem["errors"]}


def test_the_spec_describes_the_route(testapp):
    spec = testapp.get("/api/openapi.json").json
    operation = spec["paths"]["/api/tickets/bulk/"]["post"]
    assert "200" in operation["responses"]
    assert operation["security"]
