"""Bulk actions, exports, the events page and the charts in Chromium against a live server.

Each effect is read back through the JSON API. Screenshots of these pages go to
``$DESK_SCREENSHOTS`` when it names a folder, as in test_admin_browser.
"""

import csv
import io
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from desk.models import TicketEvent
from tests.browser.test_admin_browser import api_get, log_in, open_page

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]


def shoot(page, name: str) -> None:
    target = os.environ.get("DESK_SCREENSHOTS")
    path = Path(page.context.screenshot_folder) / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(target) / f"{name}.png")


@pytest.fixture
def admin(browser, server, people, tmp_path):
    page = open_page(browser, server)
    page.context.screenshot_folder = tmp_path
    log_in(page)
    yield page
    assert page.problems == []  # no CSP refusal, no failed request, no 404
    page.context.close()


def test_bulk_reassign_of_50_tickets(admin, server, make, people):
    for n in range(50):
        make.ticket(people["ann"], title=f"Batch {n}")
    make.ticket(people["ann"], title="Something else")
    admin.goto("/admin/tickets/")
    admin.get_by_label("Search").fill("batch")
    admin.get_by_role("button", name="Filter").click()
    admin.get_by_label("Action", exact=True).select_option(label="Assign to an executor")
    admin.get_by_label("all 50 matching the filter").check()
    admin.get_by_role("button", name="Apply").click()
    assert "50 rows chosen." in admin.locator("main").inner_text()
    executor = admin.get_by_label("Executor")
    executor.fill("e")
    suggestion = admin.locator("datalist option[label=ed]")
    suggestion.wait_for(state="attached")
    executor.fill(suggestion.get_attribute("value"))
    shoot(admin, "bulk-confirm")
    admin.get_by_role("button", name="Assign to an executor").click()
    assert admin.locator("#bulk-summary").inner_text() == "Done: 50. Refused: 0."
    shoot(admin, "bulk-results")
    path = f"/api/tickets/all-tickets/?executor_id={people['ed'].id}&page_size=100"
    status, body = api_get(server, make, path, people["oleg"])
    assert status == 200
    assert body["count"] == 50
    assert {ticket["title"] for ticket in body["results"]} == {f"Batch {n}" for n in range(50)}
    status, events = api_get(
        server, make, "/api/events/?kind=assigned&page_size=100", people["oleg"]
    )
    assert [event["actor"]["username"] for event in events["results"]] == ["root"] * 50


def test_csv_export_opens_and_parses(admin, make, people):
    make.ticket(people["ann"], title="Принтер не печатает", priority="URGENT")
    make.ticket(people["ann"], title="=1+1", priority="URGENT")
    make.ticket(people["ann"], title="Low one", priority="LOW")
    admin.goto("/admin/tickets/?priority=URGENT&o=id")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="CSV").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(row["title"], row["priority"]) for row in rows] == [
        ("Принтер не печатает", "URGENT"),
        ("'=1+1", "URGENT"),
    ]


def test_events_page_filtered_by_date(admin, server, make, people):
    old = make.ticket(people["ann"], title="Old one")
    make.ticket(people["ann"], title="New one")
    session = make.registry["dbsession_factory"]()
    session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id == old["id"])
        .values(created_at=datetime.now(UTC) - timedelta(days=10))
    )
    session.commit()
    session.close()
    today = datetime.now(UTC).date().isoformat()
    admin.goto("/admin/events/")
    admin.locator("#filter-created-from").fill(today)
    admin.get_by_role("button", name="Filter").click()
    shown = admin.locator("td[data-label=Ticket]").all_inner_texts()
    _status, body = api_get(server, make, f"/api/events/?since={today}", people["oleg"])
    assert shown == [f"#{event['ticket_id']}" for event in reversed(body["results"])]
    assert f"#{old['id']}" not in shown
    shoot(admin, "events")


def test_chart_numbers_agree_with_the_api(admin, server, make, people):
    for _ in range(2):
        make.ticket(people["ann"])
    ticket = make.ticket(people["ann"])
    make.assign(ticket, people["oleg"], people["eva"])
    admin.get_by_role("navigation").get_by_role("link", name="Charts").click()
    assert admin.locator("svg.chart").count() == 4
    for status in ("NEW", "ASSIGNED", "IN_PROGRESS"):
        shown = admin.locator(f"#table-backlog tr[data-code={status}] td").inner_text()
        path = f"/api/tickets/all-tickets/?status={status}"
        assert shown == str(api_get(server, make, path, people["oleg"])[1]["count"])
    eva = admin.locator(f"#table-executors tr[data-id='{people['eva'].id}'] td").inner_text()
    path = f"/api/tickets/all-tickets/?executor_id={people['eva'].id}"
    assert eva == str(api_get(server, make, path, people["oleg"])[1]["count"])
    shoot(admin, "charts")


def test_new_ticket_comment_and_recent_actions_pages(admin, make, people):
    admin.goto("/admin/tickets/new/")
    admin.get_by_label("Requester").fill(str(people["ann"].id))
    admin.get_by_label("Title").fill("Badge reader at the door")
    shoot(admin, "ticket-new")
    admin.get_by_role("button", name="Save").click()
    comment = admin.locator("#action-comment")
    comment.get_by_label("Comment").fill("Facilities are informed.")
    comment.get_by_label("Internal note").check()
    comment.get_by_role("button", name="Add a comment").click()
    assert admin.locator(".comment-internal").count() == 1
    admin.goto(f"/admin/users/{people['ann'].id}/edit/")
    admin.get_by_label("Role").select_option(label="Executor")
    admin.get_by_role("button", name="Save").click()
    assert "Role: Requester → Executor" in admin.locator("#recent-actions").inner_text()
    shoot(admin, "user-recent-actions")


def test_russian_charts_and_bulk_pages(browser, server, make, people):
    page = open_page(browser, server, locale="ru-RU")
    try:
        log_in(page, language="ru")
        page.goto("/admin/charts/")
        assert page.get_by_role("heading", name="Графики").is_visible()
        page.goto("/admin/users/")
        assert page.get_by_label("Действие", exact=True).is_visible()
        assert page.problems == []
    finally:
        page.context.close()
