"""The admin in a real browser (Debian's Chromium, driven by Playwright) against a live server.

A superuser logs in, changes a role, deactivates someone, reassigns and cancels tickets,
on a desktop and on a phone-sized screen; every effect is then read back through the JSON
API. The screenshots in docs/screenshots/ come from here::

    DESK_SCREENSHOTS=docs/screenshots \
        .venv/bin/pytest tests/browser/test_admin_browser.py -k screenshots
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from desk import main
from desk.models import Role
from tests.conftest import PASSWORD
from tests.support.live import LiveServer

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: apt-get install chromium (CI installs it).")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(settings, registry):
    """The app with production's security headers (CSP included), served by waitress."""
    app = main({}, **{**settings, "desk.security_headers": "true"})
    with LiveServer(app) as live:
        yield live
    app.registry["db_engine"].dispose()


def open_page(browser, server, viewport=DESKTOP, **options):
    options = {"locale": "en-US", **options}
    context = browser.new_context(base_url=server.url, viewport=viewport, **options)
    page = context.new_page()
    page.problems = []  # console errors (a CSP refusal shows here) and failed requests
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.on("requestfailed", lambda request: page.problems.append(request.url))
    page.on(
        "response",
        lambda response: response.status == 404 and page.problems.append(response.url),
    )
    return page


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, server):
    page = open_page(browser, server, PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


#: The login form's labels, its button and the dashboard's heading, per page language.
LOGIN_WORDS = {
    "en": ("Username", "Password", "Log in", "Dashboard"),
    "ru": ("Имя пользователя", "Пароль", "Войти", "Сводка"),
}


def log_in(page, username: str = "root", password: str = PASSWORD, language: str = "en") -> None:
    """Log in through the admin's form, in the words of the page's ``language``."""
    username_label, password_label, button, dashboard = LOGIN_WORDS[language]
    page.goto("/admin/")
    page.get_by_label(username_label).fill(username)
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name=dashboard).wait_for()


def flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def api_get(server, make, path: str, user) -> tuple[int, dict | None]:
    return server.request("GET", path, headers=make.headers(user))


@pytest.fixture
def people(make):
    return {
        "root": make.user(Role.OPERATOR, username="root", superuser=True),
        "ann": make.user(Role.REQUESTER, username="ann"),
        "oleg": make.user(Role.OPERATOR, username="oleg"),
        "ed": make.user(Role.EXECUTOR, username="ed"),
        "eva": make.user(Role.EXECUTOR, username="eva"),
    }


def test_superuser_manages_users_and_tickets(page, server, make, people):
    stuck = make.assign(
        make.ticket(people["ann"], title="Stuck ticket"), people["oleg"], people["ed"]
    )
    unwanted = make.ticket(people["ann"], title="Unwanted ticket")
    log_in(page)

    # Change a role: Users → ann → Edit.
    page.get_by_role("navigation").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="ann", exact=True).click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Role").select_option(label="Executor")
    page.get_by_role("button", name="Save").click()
    assert flash(page) == "User saved."

    # Deactivate oleg, found through the search box.
    page.get_by_role("navigation").get_by_role("link", name="Users").click()
    page.get_by_label("Search").fill("OLE")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="oleg", exact=True).click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Is active").uncheck()
    page.get_by_role("button", name="Save").click()
    assert flash(page) == "User saved."

    # Reassign the stuck ticket to eva.
    page.get_by_role("navigation").get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="Stuck ticket").click()
    reassign = page.locator("#action-reassign")
    # The executor field's type-ahead (admin.js over /admin/lookup/executors/) offers eva.
    executor = reassign.get_by_label("Executor")
    executor.fill("ev")
    suggestion = reassign.locator("datalist option[label=eva]")
    suggestion.wait_for(state="attached")
    executor.fill(suggestion.get_attribute("value"))
    reassign.get_by_role("button", name="Reassign").click()
    assert flash(page) == "Ticket reassigned."

    # Cancel the unwanted one, with a reason.
    page.goto(f"/admin/tickets/{unwanted['id']}/")
    cancel = page.locator("#action-cancel")
    cancel.get_by_label("Reason").fill("Filed twice")
    cancel.get_by_role("button", name="Cancel ticket").click()
    assert flash(page) == "Ticket cancelled."
    assert page.locator("#action-cancel").count() == 0  # final: no more actions
    assert page.problems == []

    root = people["root"]
    status, ann = api_get(server, make, f"/api/users/{people['ann'].id}/", root)
    assert (status, ann["role"]) == (200, "EXECUTOR")
    status, oleg = api_get(server, make, f"/api/users/{people['oleg'].id}/", root)
    assert oleg["is_active"] is False
    assert api_get(server, make, "/api/auth/profile/", people["oleg"])[0] == 401
    status, ticket = api_get(server, make, f"/api/tickets/{stuck['id']}/", root)
    assert ticket["executor"]["username"] == "eva"
    _, events = api_get(server, make, f"/api/tickets/{stuck['id']}/history/", root)
    assert events["results"][-1]["kind"] == "assigned"
    assert events["results"][-1]["actor"]["username"] == "root"
    _, ticket = api_get(server, make, f"/api/tickets/{unwanted['id']}/", root)
    assert ticket["status"] == "CANCELLED"
    _, events = api_get(server, make, f"/api/tickets/{unwanted['id']}/history/", root)
    assert events["results"][-1]["data"] == {"reason": "Filed twice"}


def test_a_refused_action_shows_why(page, server, make, people):
    ticket = make.assign(
        make.ticket(people["ann"], title="Almost done"), people["oleg"], people["ed"]
    )
    log_in(page)
    page.goto(f"/admin/tickets/{ticket['id']}/cancel/")
    make.execute(ticket, people["ed"], "DONE")  # meanwhile, the executor finishes it
    page.get_by_label("Reason").fill("Too late")
    page.get_by_role("button", name="Cancel ticket").click()
    assert page.get_by_role("alert").inner_text() == (
        "Cannot cancel a ticket whose status is Done."
    )
    _, body = api_get(server, make, f"/api/tickets/{ticket['id']}/", people["root"])
    assert body["status"] == "DONE"


def test_on_a_phone(phone, server, make, people):
    ticket = make.ticket(people["ann"], title="Printer on floor 3 is jammed again and again")
    log_in(phone)
    phone.goto("/admin/tickets/")
    assert fits_the_screen(phone)
    # Each row is a card whose cells say which column they are.
    label = phone.locator("td[data-label=Title]").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Title"'
    phone.get_by_role("link", name="Printer on floor 3").tap()
    phone.wait_for_url(re.compile(r"/admin/tickets/\d+/$"))
    assert fits_the_screen(phone)
    priority = phone.locator("#action-priority")
    priority.get_by_label("Priority").select_option(label="Urgent")
    priority.get_by_role("button", name="Change priority").tap()
    assert flash(phone) == "Priority changed."
    _, body = api_get(server, make, f"/api/tickets/{ticket['id']}/", people["root"])
    assert body["priority"] == "URGENT"
    assert phone.problems == []


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_russian_pages(browser, server, make, people):
    page = open_page(browser, server, locale="ru-RU")
    try:
        log_in(page, language="ru")
    finally:
        page.context.close()


# --- screenshots -----------------------------------------------------------------------


def demo_data(make, people) -> dict:
    """A handful of realistic users and tickets in every status, with comments."""
    ann, oleg, ed, eva = (people[name] for name in ("ann", "oleg", "ed", "eva"))
    for name, role in (("maria.ivanova", Role.REQUESTER), ("pavel", Role.EXECUTOR)):
        make.user(role, username=name)
    titles = [
        ("VPN drops every 10 minutes", "HIGH"),
        ("New laptop for the designer", "NORMAL"),
        ("Printer on floor 3 is jammed", "LOW"),
        ("Mail server rejects attachments", "URGENT"),
        ("Access to the finance share", "NORMAL"),
        ("Monitor flickers", "LOW"),
    ]
    tickets = [
        make.ticket(ann, title=title, priority=priority, description="Since Monday morning.")
        for title, priority in titles
    ]
    make.assign(tickets[0], oleg, ed)
    make.assign(tickets[1], oleg, eva)
    make.execute(tickets[1], eva, "IN_PROGRESS")
    make.assign(tickets[2], oleg, ed)
    make.execute(tickets[2], ed, "DONE")
    make.testapp.post_json(
        f"/api/tickets/{tickets[5]['id']}/cancel/",
        {"reason": "Duplicate"},
        headers=make.headers(ann),
    )
    comments = f"/api/tickets/{tickets[0]['id']}/comments/"
    make.testapp.post_json(
        comments, {"body": "It happens on Wi-Fi only."}, headers=make.headers(ann)
    )
    make.testapp.post_json(
        comments,
        {"body": "Looks like the old firmware; ed, please check.", "internal": True},
        headers=make.headers(oleg),
    )
    return {"ticket": tickets[0]}


SHOTS = ("login", "dashboard", "users", "user-edit", "tickets", "ticket-detail", "phone-tickets")


def test_screenshots(browser, server, make, people, tmp_path):
    """The main pages, as PNGs; into $DESK_SCREENSHOTS too when it names a folder."""
    data = demo_data(make, people)
    folder = tmp_path
    page = open_page(browser, server)
    phone = open_page(browser, server, PHONE, is_mobile=True, has_touch=True)
    try:
        page.goto("/admin/login/")
        page.screenshot(path=folder / "login.png")
        log_in(page)
        page.screenshot(path=folder / "dashboard.png", full_page=True)
        page.goto("/admin/users/")
        page.screenshot(path=folder / "users.png", full_page=True)
        page.goto(f"/admin/users/{people['ann'].id}/edit/")
        page.screenshot(path=folder / "user-edit.png", full_page=True)
        page.goto("/admin/tickets/")
        page.screenshot(path=folder / "tickets.png", full_page=True)
        page.goto(f"/admin/tickets/{data['ticket']['id']}/")
        page.screenshot(path=folder / "ticket-detail.png", full_page=True)
        log_in(phone)
        phone.goto("/admin/tickets/?status=ASSIGNED")
        phone.screenshot(path=folder / "phone-tickets.png", full_page=True)
        assert page.problems == []
        assert phone.problems == []
    finally:
        page.context.close()
        phone.context.close()
    for name in SHOTS:
        assert (folder / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    target = os.environ.get("DESK_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in SHOTS:
            shutil.copyfile(folder / f"{name}.png", Path(target) / f"{name}.png")
