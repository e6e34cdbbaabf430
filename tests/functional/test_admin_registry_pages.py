"""The models later issues added, in the admin through the declarative registry: attachments
(list, detail with its download, filtered by ticket), webhook deliveries (filtered by webhook,
status, channel), the service-level fields on the ticket list and page; superusers only.
And the lists' counts and far pages at any size."""

from datetime import UTC, datetime, timedelta

import pytest

from desk.admin import listing
from desk.models import Delivery, Role, Ticket, Webhook
from tests.functional.test_admin import RUSSIAN, crew, root  # noqa: F401 (fixtures)
from tests.functional.test_admin_sorting import change, shown_ids
from tests.support.attachments import PDF, PNG

NEW_PAGES = ("/admin/attachments/", "/admin/deliveries/", "/admin/attachments/1/")


def upload(testapp, make, user, ticket: dict, name: str, content: bytes) -> dict:
    return testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        upload_files=[("file", name, content)],
        headers=make.headers(user),
        status=201,
    ).json


def add_deliveries(make) -> tuple[int, int]:
    """Two webhooks; the first with a pending and a failed delivery, the second a sent one."""
    session = make.registry["dbsession_factory"]()
    now = datetime.now(UTC)
    hooks = [
        Webhook(url=f"https://hooks.example.com/{n}", event_kinds=["created"], secret="whsec_x")
        for n in (1, 2)
    ]
    session.add_all(hooks)
    session.flush()
    for webhook, status, error in [
        (hooks[0], "pending", ""),
        (hooks[0], "failed", "HTTP 500 from the receiver"),
        (hooks[1], "succeeded", ""),
    ]:
        session.add(
            Delivery(
                channel="webhook",
                message_id=f"msg_{status}",
                webhook_id=webhook.id,
                payload={},
                status=status,
                last_error=error,
                give_up_at=now + timedelta(days=1),
            )
        )
    session.commit()
    ids = hooks[0].id, hooks[1].id
    session.close()
    return ids


@pytest.mark.parametrize("path", NEW_PAGES)
def test_the_new_pages_send_anonymous_visitors_to_the_login(testapp, make, path):
    response = testapp.get(path, status=303)
    assert "/admin/login/" in response.location


@pytest.mark.parametrize("path", NEW_PAGES)
def test_a_bearer_token_does_not_open_the_new_pages(testapp, make, path):
    operator = make.user(Role.OPERATOR, superuser=False)
    boss = make.user(Role.OPERATOR, superuser=True)
    for user in (operator, boss):
        response = testapp.get(path, headers=make.headers(user), status=303)
        assert "/admin/login/" in response.location


def test_the_navigation_lists_the_new_models(testapp, root):  # noqa: F811
    nav = [link.text for link in testapp.get("/admin/").html.select(".main-nav a")]
    assert {"Deliveries", "Attachments", "Webhooks"} <= set(nav)
    nav = [link.text for link in testapp.get("/admin/", headers=RUSSIAN).html.select(".main-nav a")]
    assert {"Доставки", "Вложения", "Вебхуки"} <= set(nav)


def test_attachments_list_filter_by_ticket_and_download(testapp, make, root, crew):  # noqa: F811
    rita = crew["requester"]
    first, second = make.ticket(rita), make.ticket(rita)
    upload(testapp, make, rita, first, "photo.png", PNG)
    upload(testapp, make, rita, second, "invoice.pdf", PDF)
    listed = testapp.get("/admin/attachments/")
    assert [a.text for a in listed.html.select("td[data-label=File] a")] == [
        "invoice.pdf",
        "photo.png",
    ]
    only = testapp.get(f"/admin/attachments/?ticket_id={first['id']}")
    assert [a.text for a in only.html.select("td[data-label=File] a")] == ["photo.png"]
    assert only.html.select_one("td[data-label=Ticket]").text == f"#{first['id']}"
    detail = only.click(href=r"/admin/attachments/\d+/$")
    assert "image/png" in detail.text
    download = detail.html.select_one("a[download]")
    assert download.text == "photo.png"
    assert testapp.get(download["href"]).body == PNG


def test_deliveries_filter_by_webhook_and_status(testapp, make, root):  # noqa: F811
    first, second = add_deliveries(make)

    def statuses(path):
        page = testapp.get(path)
        return [cell.text for cell in page.html.select("td[data-label=Status]")]

    assert sorted(statuses("/admin/deliveries/")) == ["failed", "pending", "succeeded"]
    assert sorted(statuses(f"/admin/deliveries/?webhook_id={first}")) == ["failed", "pending"]
    assert statuses(f"/admin/deliveries/?webhook_id={first}&status=failed") == ["failed"]
    assert statuses(f"/admin/deliveries/?webhook_id={second}&status=failed") == []
    # A status that is not one is no filter, as on every list.
    assert len(statuses("/admin/deliveries/?status=lost")) == 3
    failed = testapp.get("/admin/deliveries/?status=failed")
    assert "HTTP 500 from the receiver" in failed.text
    detail = failed.click(href=r"/admin/deliveries/\d+/$")
    assert "msg_failed" in detail.text


def test_the_ticket_page_shows_its_service_levels(testapp, make, root, crew):  # noqa: F811
    ticket = make.ticket(crew["requester"], priority="URGENT")
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    fields = {
        dt.text: dd.text
        for dt, dd in zip(page.html.select("dt"), page.html.select("dd"), strict=True)
    }
    due = datetime.fromisoformat(ticket["response_due_at"])
    assert fields["Response due"] == due.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert fields["First response"] == "—"
    assert fields["Service levels"] == "First response: pending; Resolution: pending"
    russian = testapp.get(f"/admin/tickets/{ticket['id']}/", headers=RUSSIAN)
    assert "Первый ответ: ожидается; Решение: ожидается" in russian.text


def test_the_overdue_filter(testapp, make, root, crew):  # noqa: F811
    late, on_time = make.ticket(crew["requester"]), make.ticket(crew["requester"])
    change(make, Ticket, late["id"], response_due_at=datetime.now(UTC) - timedelta(minutes=1))
    assert shown_ids(testapp.get("/admin/tickets/?overdue=true")) == [late["id"]]
    assert shown_ids(testapp.get("/admin/tickets/?overdue=false")) == [on_time["id"]]
    late_page = testapp.get(f"/admin/tickets/{late['id']}/")
    assert "First response: breached" in late_page.text


def test_a_searched_list_says_when_its_count_is_capped(
    testapp,
    make,
    root,  # noqa: F811
    crew,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(listing, "SEARCH_COUNT_LIMIT", 2)
    for _ in range(3):
        make.ticket(crew["requester"], title="Printer jammed")
    make.ticket(crew["requester"], title="Chair")
    heading = testapp.get("/admin/tickets/?q=printer").html.select_one("h1 .muted").text
    assert heading == "More than 2 found"
    assert testapp.get("/admin/tickets/?q=chair").html.select_one("h1 .muted").text == "1 found"
    russian = testapp.get("/admin/tickets/?q=printer", headers=RUSSIAN)
    assert russian.html.select_one("h1 .muted").text == "Найдено больше 2"


@pytest.mark.parametrize("order", ["-created_at", "title", "executor"])
def test_the_far_pages_are_the_rest_of_the_list(testapp, make, root, crew, order):  # noqa: F811
    made = [make.ticket(crew["requester"], title=f"t{n % 4}")["id"] for n in range(27)]
    first = shown_ids(testapp.get(f"/admin/tickets/?o={order}"))
    last = shown_ids(testapp.get(f"/admin/tickets/?o={order}&page=2"))
    opposite = order.removeprefix("-") if order.startswith("-") else f"-{order}"
    reversed_first = shown_ids(testapp.get(f"/admin/tickets/?o={opposite}"))
    assert len(first) == 25
    assert sorted(first + last) == sorted(made)
    # The last page read from the other end is in the list's own order.
    assert last == list(reversed(reversed_first[:2]))
