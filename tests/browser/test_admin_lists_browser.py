"""The admin's lists in Chromium against a live server: a column header sorts (and sorts back),
times read "… ago" with the exact time on hover, in English and Russian; the attachments and
deliveries pages. Their screenshots go to $DESK_SCREENSHOTS when it names a folder::

    DESK_SCREENSHOTS=docs/screenshots \\
        .venv/bin/pytest tests/browser/test_admin_lists_browser.py -p no:xdist
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.test_admin_browser import PASSWORD, log_in, open_page
from tests.functional.test_admin_registry_pages import add_deliveries, upload
from tests.support.attachments import PDF, PNG

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

SHOTS = ("tickets-sorted", "tickets-ru", "ticket-sla", "attachments", "attachment", "deliveries")


def cells(page, label: str) -> list[str]:
    return [text.strip() for text in page.locator(f"td[data-label='{label}']").all_inner_texts()]


def test_sorting_times_and_the_new_pages(browser, server, make, people, testapp, tmp_path):
    ann = people["ann"]
    titles = ["Projector bulb", "Broken chair", "Wi-Fi drops", "Access card", "Printer jam"]
    made = [make.ticket(ann, title=title) for title in titles]
    make.assign(made[1], people["oleg"], people["ed"])
    upload(testapp, make, ann, made[0], "projector.png", PNG)
    upload(testapp, make, ann, made[1], "chair-receipt.pdf", PDF)
    add_deliveries(make)
    folder = tmp_path
    page = open_page(browser, server)
    russian = open_page(browser, server, locale="ru-RU")
    try:
        log_in(page, "root", PASSWORD)
        page.goto("/admin/tickets/")
        page.get_by_role("link", name="Title").click()
        page.wait_for_url("**o=title")
        assert cells(page, "Title") == sorted(titles)
        assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Title")
        created = page.locator("td[data-label=Created] time").first
        assert created.inner_text().endswith("ago")
        assert created.get_attribute("title").endswith(" UTC")
        page.screenshot(path=folder / "tickets-sorted.png", full_page=True)
        page.get_by_role("link", name="Title").click()
        page.wait_for_url("**o=-title")
        assert cells(page, "Title") == sorted(titles, reverse=True)

        page.goto(f"/admin/tickets/{made[1]['id']}/")
        assert "First response: pending" in page.locator("dl.fields").inner_text()
        page.screenshot(path=folder / "ticket-sla.png", full_page=True)

        page.goto("/admin/attachments/")
        assert cells(page, "File") == ["chair-receipt.pdf", "projector.png"]
        page.screenshot(path=folder / "attachments.png", full_page=True)
        page.get_by_role("link", name="projector.png").click()
        page.get_by_role("heading", name="File: projector.png").wait_for()
        page.screenshot(path=folder / "attachment.png", full_page=True)

        page.goto("/admin/deliveries/?status=failed")
        assert cells(page, "Status") == ["failed"]
        page.screenshot(path=folder / "deliveries.png", full_page=True)

        log_in(russian, language="ru")
        russian.goto("/admin/tickets/?o=-priority")
        assert russian.locator("td[data-label='Создана'] time").first.inner_text().endswith("назад")
        russian.screenshot(path=folder / "tickets-ru.png", full_page=True)
        assert page.problems == []
        assert russian.problems == []
    finally:
        page.context.close()
        russian.context.close()
    target = os.environ.get("DESK_SCREENSHOTS")
    for name in SHOTS:
        shot = folder / f"{name}.png"
        assert shot.read_bytes().startswith(b"\x89PNG")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(target) / shot.name)
