"""Swagger UI in a real browser: Authorize with a token, then Try it out against the server."""

import shutil

import pytest

from desk.models import Role
from tests.support.live import LiveServer

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def page(app, registry):
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: apt-get install chromium (CI installs it).")
    with LiveServer(app) as server, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(base_url=server.url)
        yield page
        browser.close()


def test_authorize_then_try_it_out(page, make):
    user = make.user(Role.EXECUTOR, username="swagger-user")
    token = make.headers(user)["Authorization"].removeprefix("Bearer ")

    page.goto("/api/docs/")
    page.wait_for_selector("#operations-auth-get_profile")
    assert "Desk" in page.title() or page.locator(".info .title").inner_text().startswith("Desk")

    page.click("button.authorize")
    page.fill(".modal-ux input[type=text]", token)  # a bare token: the page adds "Bearer "
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")

    operation = page.locator("#operations-auth-get_profile")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip() == "200"
    assert (
        "swagger-user" in operation.locator(".live-responses-table .microlight").first.inner_text()
    )


def test_the_page_loads_nothing_from_other_hosts(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    page.wait_for_selector(".information-container")
    base = page.url.split("/api/")[0]
    assert requested
    assert all(url.startswith(base) or url.startswith("data:") for url in requested), requested
