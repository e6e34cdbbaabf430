"""The events page (all tickets' history) and the admin's own actions on accounts."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from desk.models import Role, TicketEvent
from tests.functional.test_admin import api, submit


def event_ids(page) -> list[int]:
    return [int(cell.text) for cell in page.html.select("td[data-label=ID] a")]


def test_events_page_filters_by_actor_kind_ticket_and_dates(testapp, make, crew, root):
    first = make.ticket(crew["requester"], title="First")
    second = make.ticket(crew["requester"], title="Second")
    make.assign(first, crew["operator"], crew["executor"])
    events = api(make, "get", "/api/events/", crew["operator"]).json["results"]
    assert len(events) == 3
    # The first ticket's creation happened "last week".
    session = make.registry["dbsession_factory"]()
    last_week = datetime.now(UTC) - timedelta(days=7)
    session.execute(
        update(TicketEvent).where(TicketEvent.id == events[0]["id"]).values(created_at=last_week)
    )
    session.commit()
    session.close()

    def shown(query: str) -> list[int]:
        return event_ids(testapp.get(f"/admin/events/{query}"))

    ids = [event["id"] for event in events]
    assert shown("") == ids[::-1]  # newest first
    assert shown(f"?actor_id={crew['operator'].id}") == [ids[2]]
    assert shown("?kind=created") == [ids[1], ids[0]]
    assert shown(f"?ticket_id={second['id']}") == [ids[1]]
    today = datetime.now(UTC).date()
    assert shown(f"?created_from={today.isoformat()}") == [ids[2], ids[1]]
    assert shown(f"?created_to={(today - timedelta(days=1)).isoformat()}") == [ids[0]]
    # Values that are not ids or dates are ignored, not errors.
    assert shown("?actor_id=abc&created_from=yesterday") == ids[::-1]
    page = testapp.get(f"/admin/events/?kind=assigned&actor_id={crew['operator'].id}")
    assert "Assigned" in page.text
    assert f"#{first['id']}" in page.text


def test_events_export_as_jsonl(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    make.assign(ticket, crew["operator"], crew["executor"])
    response = testapp.get("/admin/events/?kind=assigned&format=jsonl")
    (record,) = [line for line in response.text.splitlines() if line]
    assert '"kind": "assigned"' in record
    assert f'"to_executor_id": {crew["executor"].id}' in record


def test_event_times_have_seconds(testapp, make, crew, root):
    make.ticket(crew["requester"])
    cell = testapp.get("/admin/events/").html.select_one("td[data-label=When]").text
    assert datetime.strptime(cell, "%Y-%m-%d %H:%M:%S UTC")


def actions(page) -> list[tuple[str, str, str]]:
    return [
        tuple(td.get_text(strip=True) for td in row.select("td")[1:])
        for row in page.html.select("#recent-actions tbody tr")
    ]


def test_the_users_page_shows_the_admins_actions_on_them(testapp, make, root):
    user = make.user(Role.REQUESTER, username="worker")
    path = f"/admin/users/{user.id}/"
    assert "No actions recorded yet." in testapp.get(path).text
    submit(testapp, f"{path}edit/", role="EXECUTOR", status=303)
    submit(
        testapp,
        f"{path}password/",
        password="a-new-long-password",
        password_again="a-new-long-password",
        status=303,
    )
    submit(testapp, f"{path}edit/", role="EXECUTOR", is_active=False, status=303)
    assert actions(testapp.get(path)) == [
        ("root", "Edited", "Is active: Yes → No"),
        ("root", "Password set", ""),
        ("root", "Edited", "Role: Requester → Executor"),
    ]


def test_creating_a_user_and_bulk_changes_are_recorded(testapp, make, root):
    response = submit(
        testapp,
        "/admin/users/new/",
        username="newbie",
        password="long-enough-pass",
        role="OPERATOR",
        status=303,
    )
    path = response.location
    assert actions(testapp.get(path)) == [("root", "Created", "role: Operator")]
    user_id = int(path.rstrip("/").rsplit("/", 1)[1])
    form = testapp.get("/admin/users/").forms["bulk-form"]
    form["bulk_action"] = "deactivate"
    for box in form.fields["ids"]:
        box.checked = int(box._value) == user_id
    form.submit().forms["main-form"].submit()
    assert actions(testapp.get(path))[0] == ("root", "Edited", "Is active: Yes → No")


def test_an_unchanged_save_records_nothing(testapp, make, root):
    user = make.user(Role.REQUESTER, username="steady")
    submit(testapp, f"/admin/users/{user.id}/edit/", status=303)
    assert actions(testapp.get(f"/admin/users/{user.id}/")) == []


def test_lookup_suggests_users_by_username_prefix(testapp, make, root):
    make.user(Role.EXECUTOR, username="Ed_Smith")
    make.user(Role.EXECUTOR, username="edgar", active=False)
    make.user(Role.REQUESTER, username="edith")
    make.user(Role.REQUESTER, username="xed")
    labels = [item["label"] for item in testapp.get("/admin/lookup/users/?q=ED").json]
    assert labels == ["Ed_Smith", "edgar", "edith"]
    executors = testapp.get("/admin/lookup/executors/?q=ed").json
    assert [item["label"] for item in executors] == ["Ed_Smith"]
    # LIKE's wildcards are taken literally.
    assert [item["label"] for item in testapp.get("/admin/lookup/users/?q=ed_").json] == [
        "Ed_Smith"
    ]
    assert testapp.get("/admin/lookup/nothing/?q=ed").json == []
    assert testapp.get("/admin/lookup/users/").json == []


def test_lookup_needs_a_superuser(testapp, make):
    response = testapp.get("/admin/lookup/users/?q=a", status=303)
    assert "/admin/login/" in response.location


def test_the_reassign_form_takes_an_id_with_type_ahead(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    field = page.html.select_one("#action-reassign input[name=executor_id]")
    assert field["data-lookup"] == "/admin/lookup/executors/"
    assert not page.html.select("select#filter-executor_id")


def test_jump_to_a_page_keeps_the_filter(testapp, make, crew, root):
    for _ in range(30):
        make.ticket(crew["requester"], priority="HIGH")
    make.ticket(crew["requester"], priority="LOW")
    form = testapp.get("/admin/tickets/?priority=HIGH").forms["page-jump"]
    form["page"] = "2"
    page = form.submit()
    assert "Page 2 of 2" in page.text
    assert len(page.html.select("td[data-label=Priority]")) == 5
