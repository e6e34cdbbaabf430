"""Bulk actions in the admin's lists: chosen rows, a confirmation, a result per row."""

import pytest

from desk.models import Role
from tests.functional.test_admin import api, csrf, history


def start(testapp, list_path: str, action: str, scope: str, ids=()):
    """Submit a list page's bulk form; answers the confirmation page."""
    page = testapp.get(list_path)
    form = page.forms["bulk-form"]
    form["bulk_action"] = action
    form["scope"] = scope
    for box in form.fields.get("ids", []):
        if int(box._value) in ids:
            box.checked = True
    return form.submit()


def outcomes(page) -> dict[int, str]:
    return {
        int(row["data-id"]): row.select("td")[-1].get_text(" ", strip=True)
        for row in page.html.select("#bulk-results tbody tr")
    }


def test_assign_checked_tickets_records_an_event_for_each(testapp, make, crew, root):
    tickets = [make.ticket(crew["requester"], title=f"Ticket {n}") for n in range(4)]
    chosen = {tickets[0]["id"], tickets[2]["id"]}
    confirm = start(testapp, "/admin/tickets/", "assign", "selected", chosen)
    form = confirm.forms["main-form"]
    form["executor_id"] = str(crew["executor"].id)
    results = form.submit()
    assert outcomes(results) == dict.fromkeys(chosen, "✓ Done")
    assert "Done: 2. Refused: 0." in results.text
    for ticket in tickets:
        body = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
        assert body["status"] == ("ASSIGNED" if ticket["id"] in chosen else "NEW")
        if ticket["id"] in chosen:
            event = history(make, ticket["id"], crew["operator"])[-1]
            assert (event["kind"], event["actor"]["id"]) == ("assigned", root.id)


def test_cancel_everything_matching_the_filter_reports_refusals(testapp, make, crew, root):
    fresh = make.ticket(crew["requester"], priority="HIGH")
    done = make.ticket_in("DONE", crew["requester"], crew["operator"], crew["executor"])
    make.ticket(crew["requester"], priority="LOW")  # not matched by the filter
    confirm = start(testapp, "/admin/tickets/?priority=NORMAL", "cancel", "matching")
    assert "1 rows chosen." in confirm.text
    confirm = start(testapp, "/admin/tickets/", "cancel", "matching")
    form = confirm.forms["main-form"]
    form["reason"] = "Moved to the new system"
    results = form.submit()
    found = outcomes(results)
    assert len(found) == 3
    assert found[fresh["id"]] == "✓ Done"
    assert found[done["id"]] == "✗ Refused: Cannot cancel a ticket whose status is Done."
    event = history(make, fresh["id"], crew["operator"])[-1]
    assert event["data"] == {"reason": "Moved to the new system"}


def test_change_priority_of_the_whole_page(testapp, make, crew, root):
    tickets = [make.ticket(crew["requester"]) for _ in range(3)]
    confirm = start(testapp, "/admin/tickets/", "priority", "page")
    form = confirm.forms["main-form"]
    form["priority"] = "URGENT"
    assert "Done: 3." in form.submit().text
    for ticket in tickets:
        body = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
        assert body["priority"] == "URGENT"


def test_an_invalid_value_shows_the_form_again_and_changes_nothing(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    inactive = make.user(Role.EXECUTOR, active=False)
    confirm = start(testapp, "/admin/tickets/", "assign", "page")
    form = confirm.forms["main-form"]
    form["executor_id"].force_value("abc")
    form.submit(status=400)
    form["executor_id"].force_value(str(inactive.id))
    results = form.submit()
    assert "Must be the id of an active executor." in outcomes(results)[ticket["id"]]
    assert len(history(make, ticket["id"], crew["operator"])) == 1


def test_no_row_or_no_action_goes_back_to_the_list(testapp, make, crew, root):
    make.ticket(crew["requester"])
    response = start(testapp, "/admin/tickets/?o=id", "cancel", "selected")
    assert response.status_int == 303
    assert "o=id" in response.location
    assert "Select at least one row." in response.follow().text
    token = csrf(testapp)
    response = testapp.post("/admin/tickets/bulk/", {"csrf_token": token, "ids": "1"})
    assert "Choose an action to apply." in response.follow().text


def test_bulk_needs_the_csrf_token(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    testapp.post(
        "/admin/tickets/bulk/",
        {"bulk_action": "cancel", "ids": str(ticket["id"]), "confirm": "1"},
        status=400,
    )
    assert api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json["status"] == (
        "NEW"
    )


@pytest.mark.parametrize(
    ("action", "field", "value", "expected"),
    [
        ("deactivate", None, None, {"is_active": False}),
        ("role", "role", "EXECUTOR", {"role": "EXECUTOR"}),
    ],
)
def test_users_bulk_actions(testapp, make, root, action, field, value, expected):
    people = [make.user(Role.REQUESTER, username=f"person{n}") for n in range(3)]
    chosen = {people[0].id, people[1].id}
    confirm = start(testapp, "/admin/users/", action, "selected", chosen)
    form = confirm.forms["main-form"]
    if field:
        form[field] = value
    assert "Done: 2. Refused: 0." in form.submit().text
    for person in people:
        body = api(make, "get", f"/api/users/{person.id}/", root).json
        changed = {key: body[key] for key in expected}
        assert (changed == expected) == (person.id in chosen)


def test_deactivating_yourself_is_refused_and_the_others_done(testapp, make, root):
    other = make.user(Role.REQUESTER, username="leaver")
    confirm = start(testapp, "/admin/users/", "deactivate", "page")
    found = outcomes(confirm.forms["main-form"].submit())
    assert found[root.id] == "✗ Refused: You cannot deactivate yourself."
    assert found[other.id] == "✓ Done"
    assert api(make, "get", f"/api/users/{other.id}/", root).json["is_active"] is False
    assert testapp.get("/admin/users/").status_int == 200  # still logged in
