"""The admin's lists sort by every indexed column, both ways, the id breaking ties and NULLs
last ascending (first descending) on both databases; an unknown key is a 400 page; the
column headers sort and keep the filters; list times read relative to now ("3 minutes ago")
in the page's language, the exact time in their title."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from desk.models import Ticket, TicketEvent, User
from tests.functional.test_admin import RUSSIAN, crew, root  # noqa: F401 (fixtures)

#: Each sort key of the ticket list and the columns it orders by (the spec, not the code's).
TICKET_KEYS = {
    "id": ("id",),
    "title": ("title", "id"),
    "status": ("status", "created_at", "id"),
    "priority": ("priority", "id"),
    "requester": ("requester_id", "created_at", "id"),
    "executor": ("executor_id", "created_at", "id"),
    "response_due_at": ("response_due_at", "id"),
    "resolution_due_at": ("resolution_due_at", "id"),
    "created_at": ("created_at", "id"),
    "updated_at": ("updated_at", "id"),
}
USER_KEYS = {
    "username": ("username_key", "id"),
    "email": ("email", "id"),
    "role": ("role", "id"),
    "is_active": ("is_active", "id"),
    "is_superuser": ("is_superuser", "id"),
    "date_joined": ("date_joined", "id"),
}
EVENT_KEYS = {
    "id": ("id",),
    "created_at": ("created_at", "id"),
    "ticket": ("ticket_id", "id"),
    "actor": ("actor_id", "id"),
    "kind": ("kind", "id"),
}


def expected_ids(rows, columns: tuple[str, ...], descending: bool) -> list[int]:
    """The ids in the order the spec says: NULL is the largest value."""

    def key(row):
        values = [getattr(row, name) for name in columns]
        return tuple((value is None, 0 if value is None else value) for value in values)

    ordered = sorted(rows, key=key)
    return [row.id for row in (reversed(ordered) if descending else ordered)]


def shown_ids(page) -> list[int]:
    return [
        int(cell.get_text(strip=True).lstrip("#")) for cell in page.html.select("td[data-label=ID]")
    ]


def load(make, model):
    session = make.registry["dbsession_factory"]()
    try:
        rows = session.query(model).all()
        session.expunge_all()
        return rows
    finally:
        session.close()


def change(make, model, row_id: int, **values) -> None:
    session = make.registry["dbsession_factory"]()
    session.execute(update(model).where(model.id == row_id).values(**values))
    session.commit()
    session.close()


@pytest.fixture
def tickets(make, crew):  # noqa: F811
    """Seven tickets in every status but WAITING, with ties on title, times and due times,
    and tickets without an executor or due time (NULLs)."""
    rita, operator, ed, eva = crew["requester"], crew["operator"], crew["executor"], crew["other"]
    made = [
        make.ticket(rita, title="delta", priority="HIGH"),
        make.ticket_in("ASSIGNED", crew["requester"], operator, eva),
        make.ticket_in("DONE", crew["requester"], operator, ed),
        make.ticket_in("CANCELLED", crew["requester"], operator, ed),
        make.ticket_in("IN_PROGRESS", crew["requester"], operator, eva),
        make.ticket(rita, title="alpha", priority="LOW"),
        make.ticket(rita, title="bravo", priority="URGENT"),
    ]
    first = made[0]["id"]
    same = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for ticket, title in zip(made[1:5], ("alpha", "charlie", "alpha", "bravo"), strict=True):
        change(make, Ticket, ticket["id"], title=title)
    for ticket in made[:3]:  # ties on both times: the id decides
        change(make, Ticket, ticket["id"], created_at=same, updated_at=same)
    change(make, Ticket, first, response_due_at=None, resolution_due_at=None)
    return made


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", list(TICKET_KEYS))
def test_tickets_sort_by_each_key(testapp, make, root, tickets, key, descending):  # noqa: F811
    order = f"-{key}" if descending else key
    page = testapp.get(f"/admin/tickets/?o={order}")
    rows = load(make, Ticket)
    assert shown_ids(page) == expected_ids(rows, TICKET_KEYS[key], descending)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", list(USER_KEYS))
def test_users_sort_by_each_key(testapp, make, root, crew, key, descending):  # noqa: F811
    make.user(username="zed", active=False)
    order = f"-{key}" if descending else key
    page = testapp.get(f"/admin/users/?o={order}")
    names = [cell.get_text(strip=True) for cell in page.html.select("td[data-label=Username]")]
    users = {user.id: user.username for user in load(make, User)}
    expected = [users[i] for i in expected_ids(load(make, User), USER_KEYS[key], descending)]
    assert names == expected


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", list(EVENT_KEYS))
def test_events_sort_by_each_key(testapp, make, root, tickets, key, descending):  # noqa: F811
    order = f"-{key}" if descending else key
    page = testapp.get(f"/admin/events/?o={order}")
    events = load(make, TicketEvent)
    assert len(events) > 10
    assert shown_ids(page) == expected_ids(events, EVENT_KEYS[key], descending)[:25]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tickets/?o=nope",
        "/admin/tickets/?o=-nope",
        "/admin/tickets/?o=--id",
        "/admin/tickets/?o=description",
        "/admin/tickets/?o=secret&format=csv",
        "/admin/users/?o=password_hash",
        "/admin/events/?o=data",
        "/admin/attachments/?o=sha256",
        "/admin/deliveries/?o=payload",
    ],
)
def test_an_unknown_sort_key_is_a_400_page(testapp, root, path):  # noqa: F811
    page = testapp.get(path, status=400)
    assert page.content_type == "text/html"
    assert "Unknown sort order." in page.text


def test_an_unknown_sort_key_is_a_400_page_in_russian(testapp, root):  # noqa: F811
    page = testapp.get("/admin/tickets/?o=nope", headers=RUSSIAN, status=400)
    assert "Неизвестный порядок сортировки." in page.text


def test_headers_sort_keep_the_filters_and_turn_round(testapp, root, tickets):  # noqa: F811
    page = testapp.get("/admin/tickets/?status=NEW&o=title")
    links = {
        th.get_text(" ", strip=True).rstrip(" ▲▼"): th.a["href"]
        for th in page.html.select("table.rows thead th")
        if th.a
    }
    assert set(links) >= {
        "ID",
        "Title",
        "Status",
        "Priority",
        "Requester",
        "Executor",
        "Response due",
        "Resolution due",
        "Created",
        "Updated",
    }
    title = parse_qs(urlsplit(links["Title"]).query)
    assert title == {"status": ["NEW"], "o": ["-title"]}
    assert parse_qs(urlsplit(links["Priority"]).query) == {"status": ["NEW"], "o": ["priority"]}
    current = page.html.select_one("th[aria-sort]")
    assert current["aria-sort"] == "ascending"
    assert "Title" in current.text
    turned = testapp.get(links["Title"])
    assert turned.html.select_one("th[aria-sort]")["aria-sort"] == "descending"
    assert {row.get_text(strip=True) for row in turned.html.select("td[data-label=Status]")} == {
        "New"
    }


@pytest.mark.parametrize(
    ("headers", "past", "future"),
    [({}, "3 minutes ago", "in "), (RUSSIAN, "3 минуты назад", "через ")],
    ids=["en", "ru"],
)
def test_list_times_are_relative_with_the_exact_time_in_the_title(
    testapp,
    make,
    root,  # noqa: F811
    crew,  # noqa: F811
    headers,
    past,
    future,
):
    ticket = make.ticket(crew["requester"])
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3, seconds=10)
    change(make, Ticket, ticket["id"], created_at=when, updated_at=when)
    page = testapp.get("/admin/tickets/", headers=headers)
    times = page.html.select("tbody tr")[0].select("time")
    created = [time for time in times if datetime.fromisoformat(time["datetime"]) == when]
    assert len(created) == 2  # created and updated
    for time in created:
        assert time.get_text(strip=True) == past
        assert time["title"] == when.strftime("%Y-%m-%d %H:%M:%S UTC")
    # The due times lie ahead (a NORMAL ticket: its first response within a day).
    due = [time for time in times if time not in created]
    assert len(due) == 2
    assert all(time.get_text(strip=True).startswith(future) for time in due)
    # The detail page keeps the exact time, to the second.
    detail = testapp.get(f"/admin/tickets/{ticket['id']}/", headers=headers)
    assert when.strftime("%Y-%m-%d %H:%M:%S UTC") in detail.text
