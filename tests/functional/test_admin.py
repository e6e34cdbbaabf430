"""The admin web UI at /admin/: who gets in, CSRF, and every change through the API's rules.

Each test drives the pages as a browser would (WebTest follows the forms and keeps the
session cookie), then checks the effect through the JSON API.
"""

import re

import pytest
import webtest

from desk import main
from desk.models import Role
from tests.conftest import PASSWORD

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}


# --- helpers ---------------------------------------------------------------------------


def log_in(testapp, username: str, password: str = PASSWORD, **kw):
    """Submit the login form; answers the response to the POST."""
    form = testapp.get("/admin/login/").forms["login-form"]
    form["username"] = username
    form["password"] = password
    return form.submit(**kw)


@pytest.fixture
def root(make):
    """A superuser logged in to the admin (the session lives in testapp's cookie jar)."""
    user = make.user(Role.OPERATOR, username="root", superuser=True)
    make.testapp.reset()
    assert log_in(make.testapp, "root").status_int == 303
    return user


def submit(testapp, path: str, form_id: str = "main-form", status=None, **fields):
    """Open ``path``, fill the form ``form_id`` with ``fields`` and submit it."""
    form = testapp.get(path).forms[form_id]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def api(make, method: str, path: str, user, **kw):
    return getattr(make.testapp, method)(path, headers=make.headers(user), **kw)


def history(make, ticket_id: int, user) -> list[dict]:
    return api(make, "get", f"/api/tickets/{ticket_id}/history/", user).json["results"]


def flashes(response) -> str:
    return " ".join(element.get_text(" ", strip=True) for element in response.html.select(".flash"))


# --- who gets in -----------------------------------------------------------------------


def test_anonymous_gets_the_login_page_and_no_data(testapp, make):
    make.user(Role.EXECUTOR, username="secret-executor")
    for path in ("/admin/", "/admin", "/admin/users/", "/admin/users/1/", "/admin/tickets/"):
        response = testapp.get(path, status=303)
        assert "/admin/login/" in response.location
        login = response.follow()
        assert login.content_type == "text/html"
        assert login.forms["login-form"]["csrf_token"].value
        assert "secret-executor" not in login.text


def test_login_redirects_back_to_the_page_asked_for(testapp, root):
    testapp.post("/admin/logout/", {"csrf_token": csrf(testapp)})
    response = testapp.get("/admin/users/?role=EXECUTOR", status=303).follow()
    form = response.forms["login-form"]
    form["username"], form["password"] = "root", PASSWORD
    assert form.submit(status=303).location.endswith("/admin/users/?role=EXECUTOR")


def test_login_never_redirects_off_the_admin(testapp, make):
    make.user(Role.OPERATOR, username="boss", superuser=True)
    page = testapp.get("/admin/login/?next=https://evil.example/")
    form = page.forms["login-form"]
    form["username"], form["password"] = "boss", PASSWORD
    assert form.submit(status=303).location == "http://desk.test/admin/"


def test_non_superuser_gets_a_403_page_and_no_session(testapp, make):
    make.user(Role.OPERATOR, username="plain-operator")
    make.user(Role.EXECUTOR, username="secret-executor")
    response = log_in(testapp, "plain-operator", status=403)
    assert response.content_type == "text/html"
    assert "Only superusers may use the admin." in response.text
    assert "secret-executor" not in response.text
    users = testapp.get("/admin/users/", status=303)
    assert "/admin/login/" in users.location


def test_wrong_password_is_refused_and_throttled(testapp, make):
    make.user(Role.OPERATOR, username="boss", superuser=True)
    for _attempt in range(5):
        response = log_in(testapp, "boss", "not-the-password", status=400)
        assert "Please enter a correct username and password." in response.text
    throttled = log_in(testapp, "boss", PASSWORD, status=429)
    assert "Too many failed logins" in throttled.text
    assert int(throttled.headers["Retry-After"]) > 0


def test_a_bearer_token_does_not_open_the_admin(testapp, make):
    boss = make.user(Role.OPERATOR, superuser=True)
    response = testapp.get("/admin/users/", headers=make.headers(boss), status=303)
    assert "/admin/login/" in response.location


def test_the_admin_cookie_does_not_authenticate_the_api(testapp, root):
    cookie = testapp.cookies["desk_admin"]
    testapp.get("/api/auth/profile/", headers={"Cookie": f"desk_admin={cookie}"}, status=401)


def test_the_session_ends_when_the_superuser_loses_the_flag(testapp, make, root):
    other = make.user(Role.OPERATOR, superuser=True)
    assert testapp.get("/admin/users/").status_int == 200
    api(make, "patch_json", f"/api/users/{root.id}/", other, params={"is_superuser": False})
    assert "/admin/login/" in testapp.get("/admin/users/", status=303).location


def test_session_cookie_flags(testapp, make):
    make.user(Role.OPERATOR, username="boss", superuser=True)
    cookie = log_in(testapp, "boss").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/admin" in cookie
    assert "secure" not in cookie.lower()  # desk.env = testing


@pytest.fixture
def production(settings):
    app = main({}, **{**settings, "desk.env": "production"})
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test", "wsgi.url_scheme": "https"})
    app.registry["db_engine"].dispose()


def test_in_production_the_cookie_is_secure_and_forms_check_their_origin(production, make):
    make.user(Role.OPERATOR, username="boss", superuser=True)
    form = production.get("/admin/login/").forms["login-form"]
    form["username"], form["password"] = "boss", PASSWORD
    form.submit(headers={"Origin": "https://evil.example"}, status=400)
    response = form.submit(headers={"Origin": "https://desk.test"}, status=303)
    assert "secure" in response.headers["Set-Cookie"].lower()


@pytest.mark.parametrize(
    ("secure_cookie", "scheme", "notice"),
    [
        ("true", "http", True),
        ("true", "https", False),
        ("false", "http", False),
        ("", "http", True),  # unset: production's default, on
    ],
    ids=["secure over http", "secure over https", "not secure", "production default"],
)
def test_the_login_page_says_when_the_cookie_cannot_be_kept(
    settings, secure_cookie, scheme, notice
):
    app = main(
        {}, **{**settings, "desk.env": "production", "desk.admin.secure_cookie": secure_cookie}
    )
    try:
        browser = webtest.TestApp(
            app, extra_environ={"HTTP_HOST": "desk.test", "wsgi.url_scheme": scheme}
        )
        page = browser.get("/admin/login/")
        assert bool(page.html.select("#cookie-notice")) is notice
        if notice:
            assert "plain HTTP" in page.html.select_one("#cookie-notice").text
        # The form's CSRF token opens the session: its cookie is what the browser drops.
        cookie = page.headers["Set-Cookie"]
        assert ("secure" in cookie.lower()) is (secure_cookie != "false")
    finally:
        app.registry["db_engine"].dispose()


def test_the_environment_overrides_the_admin_cookie_setting(settings, monkeypatch):
    monkeypatch.setenv("DESK_ADMIN_SECURE_COOKIE", "false")
    app = main({}, **{**settings, "desk.env": "production", "desk.admin.secure_cookie": "true"})
    try:
        assert app.registry.settings["desk.admin.secure_cookie"] is False
    finally:
        app.registry["db_engine"].dispose()


def test_logout_ends_the_session(testapp, root):
    dashboard = testapp.get("/admin/")
    response = dashboard.forms["logout-form"].submit(status=303).follow()
    assert "You have been logged out." in response.text
    assert "/admin/login/" in testapp.get("/admin/", status=303).location


# --- CSRF ------------------------------------------------------------------------------


def csrf(testapp) -> str:
    return testapp.get("/admin/").forms["logout-form"]["csrf_token"].value


def test_forms_without_the_csrf_token_are_refused(testapp, make, root):
    target = make.user(Role.REQUESTER)
    path = f"/admin/users/{target.id}/edit/"
    fields = {"role": "OPERATOR", "is_active": "true", "first_name": "", "last_name": ""}
    response = testapp.post(path, {**fields, "email": ""}, status=400)
    assert response.content_type == "text/html"
    assert "security token" in response.text
    testapp.post(path, {**fields, "email": "", "csrf_token": "forged"}, status=400)
    assert api(make, "get", f"/api/users/{target.id}/", root).json["role"] == "REQUESTER"
    # The same form with the token goes through.
    testapp.post(path, {**fields, "email": "", "csrf_token": csrf(testapp)}, status=303)
    assert api(make, "get", f"/api/users/{target.id}/", root).json["role"] == "OPERATOR"


def test_login_and_logout_need_the_token_too(testapp, make):
    make.user(Role.OPERATOR, username="boss", superuser=True)
    testapp.post("/admin/login/", {"username": "boss", "password": PASSWORD}, status=400)
    assert "/admin/login/" in testapp.get("/admin/", status=303).location


def test_the_api_needs_no_csrf_token(testapp, make):
    user = make.user(Role.REQUESTER)
    testapp.post_json("/api/auth/login/", {"username": user.username, "password": PASSWORD})
    make.ticket(user)


# --- users -----------------------------------------------------------------------------


def test_users_list_searches_filters_and_pages(testapp, make, root):
    for number in range(30):
        make.user(Role.EXECUTOR, username=f"worker{number:02}")
    make.user(Role.REQUESTER, username="gone", active=False)
    listing = testapp.get("/admin/users/?role=EXECUTOR")
    assert "32" not in listing.html.select_one("h1").text  # 30 executors, not everyone
    assert "30" in listing.html.select_one("h1").text
    assert "Page 1 of 2" in listing.text
    second = listing.click(href=r"page=2")
    assert "worker29" in second.text
    assert "worker00" not in second.text
    assert "gone" in testapp.get("/admin/users/?is_active=false").text
    assert "worker" not in testapp.get("/admin/users/?is_active=false").text
    found = testapp.get("/admin/users/?q=WORKER1")
    assert "worker10" in found.text
    assert "worker20" not in found.text
    supers = testapp.get("/admin/users/?is_superuser=true")
    assert "root" in supers.text
    assert "worker00" not in supers.text
    # A value that is not a choice is ignored, not an error.
    assert testapp.get("/admin/users/?role=KING&page=x").status_int == 200


def test_edit_a_user_changes_the_role_at_once(testapp, make, root):
    person = make.user(Role.REQUESTER, username="ann")
    response = submit(
        testapp, f"/admin/users/{person.id}/edit/", role="EXECUTOR", first_name="Ann"
    ).follow()
    assert "User saved." in flashes(response)
    body = api(make, "get", "/api/auth/profile/", person).json
    assert body["role"] == "EXECUTOR"
    assert body["first_name"] == "Ann"


def test_deactivating_a_user_ends_their_sessions(testapp, make, root):
    person = make.user(Role.EXECUTOR)
    headers = make.headers(person)
    tokens = testapp.post_json(
        "/api/auth/login/", {"username": person.username, "password": PASSWORD}
    ).json
    submit(testapp, f"/admin/users/{person.id}/edit/", is_active=False, status=303)
    testapp.get("/api/auth/profile/", headers=headers, status=401)
    testapp.post_json("/api/auth/refresh/", {"refresh": tokens["refresh"]}, status=401)
    testapp.post_json(
        "/api/auth/login/", {"username": person.username, "password": PASSWORD}, status=401
    )


def test_an_invalid_edit_is_shown_and_changes_nothing(testapp, make, root):
    person = make.user(Role.REQUESTER)
    response = submit(
        testapp,
        f"/admin/users/{person.id}/edit/",
        email="not an address",
        role="OPERATOR",
        status=400,
    )
    assert "Invalid email address" in response.text
    assert response.forms["main-form"]["email"].value == "not an address"
    assert api(make, "get", f"/api/users/{person.id}/", root).json["role"] == "REQUESTER"


def test_set_a_password_ends_the_users_sessions(testapp, make, root):
    person = make.user(Role.REQUESTER)
    headers = make.headers(person)
    path = f"/admin/users/{person.id}/password/"
    response = submit(testapp, path, password="brand-new-secret", password_again="brand-new-secret")
    assert "sessions have ended" in flashes(response.follow())
    testapp.get("/api/auth/profile/", headers=headers, status=401)
    login = {"username": person.username, "password": PASSWORD}
    testapp.post_json("/api/auth/login/", login, status=401)
    testapp.post_json("/api/auth/login/", {**login, "password": "brand-new-secret"}, status=200)


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("12345678901", "12345678901", "Must not be entirely numeric."),
        ("short", "short", "Must be at least 8 characters."),
        ("long-enough-1", "long-enough-2", "The two passwords differ."),
    ],
)
def test_a_refused_password_changes_nothing(testapp, make, root, password, again, message):
    person = make.user(Role.REQUESTER)
    path = f"/admin/users/{person.id}/password/"
    response = submit(testapp, path, password=password, password_again=again, status=400)
    assert message in response.text
    assert response.forms["main-form"]["password"].value == ""  # never sent back
    api(make, "get", "/api/auth/profile/", person, status=200)


def test_own_password_keeps_this_session(testapp, root):
    path = f"/admin/users/{root.id}/password/"
    submit(testapp, path, password="another-secret-1", password_again="another-secret-1")
    assert testapp.get("/admin/users/").status_int == 200


def test_create_a_user(testapp, make, root):
    response = submit(
        testapp,
        "/admin/users/new/",
        username="newbie",
        password="fresh-password-1",
        email="newbie@example.com",
        role="EXECUTOR",
    ).follow()
    assert "newbie" in response.html.select_one("h1").text
    tokens = testapp.post_json(
        "/api/auth/login/", {"username": "newbie", "password": "fresh-password-1"}
    ).json
    profile = testapp.get(
        "/api/auth/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}
    ).json
    assert profile["role"] == "EXECUTOR"
    assert profile["is_active"] is True
    assert profile["is_superuser"] is False


def test_create_refuses_a_taken_username_and_a_weak_password(testapp, make, root):
    make.user(Role.REQUESTER, username="taken")
    duplicate = submit(
        testapp, "/admin/users/new/", username="TAKEN", password="fresh-password-1", status=409
    )
    assert "A user with that username already exists." in duplicate.text
    weak = submit(testapp, "/admin/users/new/", username="weak", password="weak", status=400)
    assert "Must be at least 8 characters." in weak.text
    bad = submit(testapp, "/admin/users/new/", username="a b", password="x" * 9, status=400)
    assert "letters, digits" in bad.text
    names = [u["username"] for u in api(make, "get", "/api/users/", root).json["results"]]
    assert "weak" not in names
    assert "a b" not in names


# --- tickets ---------------------------------------------------------------------------


@pytest.fixture
def crew(make):
    """A requester, an operator and two executors."""
    return {
        "requester": make.user(Role.REQUESTER, username="rita"),
        "operator": make.user(Role.OPERATOR, username="oleg"),
        "executor": make.user(Role.EXECUTOR, username="ed"),
        "other": make.user(Role.EXECUTOR, username="eva"),
    }


def test_dashboard_counts_tickets_per_status(testapp, make, crew, root):
    first = make.ticket(crew["requester"], title="Broken chair")
    make.ticket(crew["requester"], title="Dead mouse")
    make.assign(first, crew["operator"], crew["executor"])
    page = testapp.get("/admin/")
    counts = {
        item.select_one(".stat-label").text: item.select_one(".stat-count").text
        for item in page.html.select("#by-status ~ .stats .stat")
        if item.select_one(".stat-count")
    }
    assert counts["New"] == "1"
    assert counts["Assigned"] == "1"
    assert counts["All tickets"] == "2"
    assert "Broken chair" in page.text
    assert "Dead mouse" in page.text


def test_tickets_list_filters_searches_and_orders(testapp, make, crew, root):
    low = make.ticket(crew["requester"], title="Low thing", priority="LOW")
    urgent = make.ticket(crew["requester"], title="Urgent thing", priority="URGENT")
    make.assign(urgent, crew["operator"], crew["executor"])
    other = make.user(Role.REQUESTER, username="someone")
    make.ticket(other, title="Elsewhere", description="the printer again")

    def titles(query: str) -> list[str]:
        page = testapp.get(f"/admin/tickets/{query}")
        return [cell.text for cell in page.html.select("td[data-label=Title] a")]

    assert titles("?status=ASSIGNED") == ["Urgent thing"]
    assert titles("?priority=LOW") == ["Low thing"]
    assert titles(f"?executor_id={crew['executor'].id}") == ["Urgent thing"]
    assert titles(f"?requester_id={other.id}") == ["Elsewhere"]
    assert titles("?q=PRINTER") == ["Elsewhere"]
    assert titles("?o=-priority") == ["Urgent thing", "Elsewhere", "Low thing"]
    assert titles("?o=priority")[0] == "Low thing"
    assert titles("")[0] == "Elsewhere"  # newest first
    assert low["id"]


def test_ticket_detail_shows_comments_with_internal_notes_and_history(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"], title="<script>alert(1)</script>")
    make.assign(ticket, crew["operator"], crew["executor"])
    comments = f"/api/tickets/{ticket['id']}/comments/"
    api(make, "post_json", comments, crew["requester"], params={"body": "Any news?"})
    api(
        make,
        "post_json",
        comments,
        crew["operator"],
        params={"body": "Vendor is slow", "internal": True},
    )
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    assert "<script>alert(1)</script>" not in page.text  # escaped
    assert "&lt;script&gt;" in page.text
    internal = page.html.select(".comment-internal")
    assert len(internal) == 1
    assert "Vendor is slow" in internal[0].text
    assert "Internal note" in internal[0].text
    assert "Any news?" in page.text
    kinds = [cell.text for cell in page.html.select("td[data-label=What]")]
    assert kinds == ["Created", "Assigned", "Commented", "Commented"]


def test_reassign_through_the_workflow(testapp, make, crew, root):
    ticket = make.assign(make.ticket(crew["requester"]), crew["operator"], crew["executor"])
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    form = page.forms["action-reassign"]
    form["executor_id"] = str(crew["other"].id)
    assert "Ticket reassigned." in flashes(form.submit(status=303).follow())
    body = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
    assert body["executor"]["username"] == "eva"
    assert body["status"] == "ASSIGNED"
    event = history(make, ticket["id"], crew["operator"])[-1]
    assert event["kind"] == "assigned"
    assert event["actor"] == {"id": root.id, "username": "root"}
    assert event["data"] == {
        "from_executor_id": crew["executor"].id,
        "to_executor_id": crew["other"].id,
    }


def test_reassign_to_an_inactive_executor_is_refused(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    gone = make.user(Role.EXECUTOR, username="gone", active=False)
    path = f"/admin/tickets/{ticket['id']}/reassign/"
    response = testapp.post(
        path, {"executor_id": str(gone.id), "csrf_token": csrf(testapp)}, status=400
    )
    assert "Must be the id of an active executor." in response.text
    response = testapp.post(
        path, {"executor_id": str(crew["requester"].id), "csrf_token": csrf(testapp)}, status=400
    )
    assert "Must be the id of an active executor." in response.text
    testapp.post(path, {"executor_id": "99999999999", "csrf_token": csrf(testapp)}, status=400)
    assert (
        api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json["status"] == "NEW"
    )
    assert len(history(make, ticket["id"], crew["operator"])) == 1


def test_cancel_with_a_reason(testapp, make, crew, root):
    ticket = make.assign(make.ticket(crew["requester"]), crew["operator"], crew["executor"])
    make.execute(ticket, crew["executor"], "IN_PROGRESS")
    response = submit(
        testapp, f"/admin/tickets/{ticket['id']}/cancel/", reason="Duplicate of #7", status=303
    )
    assert "Ticket cancelled." in flashes(response.follow())
    body = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["requester"]).json
    assert body["status"] == "CANCELLED"
    event = history(make, ticket["id"], crew["operator"])[-1]
    assert event["kind"] == "cancelled"
    assert event["actor"]["id"] == root.id
    assert event["from_status"] == "IN_PROGRESS"
    assert event["data"] == {"reason": "Duplicate of #7"}


def test_change_priority_records_an_edit(testapp, make, crew, root):
    ticket = make.assign(make.ticket(crew["requester"]), crew["operator"], crew["executor"])
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    form = page.forms["action-priority"]
    assert form["priority"].value == "NORMAL"
    form["priority"] = "URGENT"
    assert "Priority changed." in flashes(form.submit(status=303).follow())
    body = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
    assert body["priority"] == "URGENT"
    assert body["status"] == "ASSIGNED"
    event = history(make, ticket["id"], crew["operator"])[-1]
    assert event["kind"] == "edited"
    assert event["actor"]["id"] == root.id
    assert event["data"] == {"changes": {"priority": ["NORMAL", "URGENT"]}}
    # The same priority again changes nothing and records nothing.
    again = submit(
        testapp, f"/admin/tickets/{ticket['id']}/priority/", priority="URGENT", status=303
    )
    assert "nothing changed" in flashes(again.follow())
    assert len(history(make, ticket["id"], crew["operator"])) == 3


@pytest.mark.parametrize("action", ["cancel", "priority", "reassign"])
def test_a_finished_ticket_refuses_every_action(testapp, make, crew, root, action):
    ticket = make.assign(make.ticket(crew["requester"]), crew["operator"], crew["executor"])
    make.execute(ticket, crew["executor"], "DONE")
    before = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    # Nothing offered but a comment (allowed in every status)...
    assert [form["id"] for form in page.html.select("form.action-form")] == ["action-comment"]
    fields = {"cancel": {"reason": "x"}, "priority": {"priority": "HIGH"}}
    fields["reassign"] = {"executor_id": str(crew["other"].id)}
    path = f"/admin/tickets/{ticket['id']}/{action}/"
    response = testapp.post(path, {**fields[action], "csrf_token": csrf(testapp)}, status=409)
    assert response.content_type == "text/html"  # ...and refused with a message, not JSON
    assert re.search(r"Cannot [a-z ]+ a ticket whose status is Done\.", response.text)
    after = api(make, "get", f"/api/tickets/{ticket['id']}/", crew["operator"]).json
    assert after == before
    assert len(history(make, ticket["id"], crew["operator"])) == 3


def test_refusals_are_translated(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    api(make, "post_json", f"/api/tickets/{ticket['id']}/cancel/", crew["requester"], params={})
    response = testapp.post(
        f"/admin/tickets/{ticket['id']}/cancel/",
        {"reason": "", "csrf_token": csrf(testapp)},
        headers=RUSSIAN,
        status=409,
    )
    assert "Действие «отмена» недоступно для заявки в статусе «Отменена»." in response.text


def test_missing_rows_and_pages_are_html_404s(testapp, root):
    for path in ("/admin/users/999999/", "/admin/tickets/999999/cancel/", "/admin/nothing/"):
        response = testapp.get(path, status=404)
        assert response.content_type == "text/html"
    testapp.get("/admin/users/99999999999999/", status=404)
    # The API's own 404 stays JSON.
    assert testapp.get("/api/nothing/", status=404).content_type == "application/problem+json"


# --- pages -----------------------------------------------------------------------------


def test_pages_are_in_russian_when_asked(testapp, make, root):
    page = testapp.get("/admin/users/", headers=RUSSIAN)
    assert page.html.select_one("html")["lang"] == "ru"
    assert "Пользователи" in page.text
    assert "Роль" in page.text
    assert testapp.get("/admin/users/").html.select_one("html")["lang"] == "en"
    assert "Vary" in page.headers
    assert "Accept-Language" in page.headers["Vary"]


def test_pages_follow_the_users_language_before_the_browsers(testapp, make, root):
    testapp.patch_json("/api/auth/profile/", {"language": "ru"}, headers=make.headers(root))
    for headers in ({}, {"Accept-Language": "en"}):
        page = testapp.get("/admin/tickets/", headers=headers)
        assert page.html.select_one("html")["lang"] == "ru"
        assert "Заявки" in page.text
        assert "Выйти" in page.text  # the frame, from the template's own _()


def test_pages_are_not_cached_and_frame_nowhere(testapp, root):
    page = testapp.get("/admin/")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_the_stylesheet_is_served_from_the_package(testapp):
    response = testapp.get("/admin/static/admin.css")
    assert response.content_type == "text/css"
    assert "@media" in response.text


def test_pages_load_nothing_from_other_hosts(testapp, make, crew, root):
    ticket = make.ticket(crew["requester"])
    for path in ("/admin/", "/admin/users/", f"/admin/tickets/{ticket['id']}/"):
        page = testapp.get(path)
        for script in page.html.select("script"):  # only the package's own, none inline
            assert script["src"].startswith("/admin/static/")
            assert not script.string
        for element in page.html.select("[src], link[href]"):
            assert (element.get("src") or element["href"]).startswith("/admin/")
        for label in page.html.select("label[for]"):
            assert page.html.find(id=label["for"]) is not None


@pytest.mark.postgresql_only
def test_a_database_outage_is_a_503_page(settings, app):
    from tests.support.pgcluster import free_port

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/desk"
    gone = main({}, **{**settings, "sqlalchemy.url": url, "desk.db.connect_timeout": "1"})
    try:
        form = webtest.TestApp(gone).get("/admin/login/").forms["login-form"]
        form["username"], form["password"] = "boss", PASSWORD
        response = form.submit(status=503)
        assert response.content_type == "text/html"
        assert "The database is unavailable" in response.text
    finally:
        gone.registry["db_engine"].dispose()


# --- webhooks ----------------------------------------------------------------------------


def test_webhooks_are_added_and_their_secret_rotated_in_the_admin(testapp, make, root):
    created = submit(
        testapp,
        "/admin/webhooks/new/",
        url="http://127.0.0.1:9/hook",
        kinds="created commented",
        active=True,
    ).follow()
    assert "http://127.0.0.1:9/hook" in created.html.select_one("h1").text
    (hook,) = api(make, "get", "/api/webhooks/", root).json["results"]
    assert hook["event_kinds"] == ["created", "commented"]
    assert hook["active"] is True
    rotated = submit(testapp, f"/admin/webhooks/{hook['id']}/rotate/").follow()
    assert "whsec_" in flashes(rotated)
    bad = submit(
        testapp, "/admin/webhooks/new/", url="ftp://example.com/", kinds="created", status=400
    )
    assert "http:// or https://" in bad.text
    unknown = submit(
        testapp, "/admin/webhooks/new/", url="http://127.0.0.1:9/", kinds="exploded", status=400
    )
    assert "Known kinds" in unknown.text
