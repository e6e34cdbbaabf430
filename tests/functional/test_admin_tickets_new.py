"""Tickets from the admin: filed on someone's behalf, comments and internal notes."""

from tests.functional.test_admin import api, csrf, flashes, history, submit


def test_file_a_ticket_on_someones_behalf(testapp, make, crew, root):
    response = submit(
        testapp,
        "/admin/tickets/new/",
        requester_id=str(crew["requester"].id),
        title="  Phone line is dead  ",
        description="Called it in.",
        priority="HIGH",
        status=303,
    )
    ticket_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    body = api(make, "get", f"/api/tickets/{ticket_id}/", crew["requester"]).json
    assert (body["title"], body["priority"], body["status"]) == (
        "Phone line is dead",
        "HIGH",
        "NEW",
    )
    assert body["requester"]["id"] == crew["requester"].id
    (event,) = history(make, ticket_id, crew["requester"])
    assert event["kind"] == "created"
    assert event["actor"]["id"] == root.id
    assert event["data"] == {"on_behalf_of": crew["requester"].id}


def test_filing_needs_an_active_requester_and_the_apis_rules(testapp, make, crew, root):
    token = csrf(testapp)
    for requester_id, title, message in [
        (str(crew["executor"].id), "Fine", "Must be the id of an active requester."),
        ("abc", "Fine", "Must be an integer."),
        (str(crew["requester"].id), "x" * 201, "Longer than maximum length 200"),
    ]:
        response = testapp.post(
            "/admin/tickets/new/",
            {"requester_id": requester_id, "title": title, "csrf_token": token},
            status=400,
        )
        assert message in response.text
    assert api(make, "get", "/api/tickets/all-tickets/", crew["operator"]).json["count"] == 0


def test_comment_and_internal_note_from_the_ticket_page(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    path = f"/admin/tickets/{ticket['id']}/"
    form = testapp.get(path).forms["action-comment"]
    form["body"] = "We are on it."
    assert "Comment added." in flashes(form.submit(status=303).follow())
    form = testapp.get(path).forms["action-comment"]
    form["body"] = "Vendor ticket 4711."
    form["internal"] = True
    form.submit(status=303)
    seen_by_requester = api(
        make, "get", f"{path.replace('/admin', '/api')}comments/", crew["requester"]
    )
    assert [c["body"] for c in seen_by_requester.json["results"]] == ["We are on it."]
    seen_by_operator = api(make, "get", f"/api/tickets/{ticket['id']}/comments/", crew["operator"])
    assert [(c["body"], c["internal"]) for c in seen_by_operator.json["results"]] == [
        ("We are on it.", False),
        ("Vendor ticket 4711.", True),
    ]
    kinds = [event["kind"] for event in history(make, ticket["id"], crew["operator"])]
    assert kinds == ["created", "commented", "commented"]
    page = testapp.get(path)
    assert len(page.html.select(".comment-internal")) == 1


def test_an_empty_comment_is_refused(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    testapp.post(
        f"/admin/tickets/{ticket['id']}/comment/",
        {"body": "", "csrf_token": csrf(testapp)},
        status=400,
    )
    assert len(history(make, ticket["id"], crew["operator"])) == 1
