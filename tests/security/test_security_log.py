"""Security events are logged on ``desk.security`` with the user and the client address, and no
log line of any logger ever holds a password or a token.

One test plays an attacker's afternoon (wrong passwords until throttled, a replayed refresh
token, a forged bearer token, a revoked one, routes and tickets that are not theirs) and
then reads everything that was logged, at DEBUG, from every logger.
"""

import logging

import pytest

from desk.models import Role
from tests.conftest import PASSWORD

ADDRESS = "203.0.113.7"
WRONG_PASSWORD = "Wr0ng-but-Secret-Passphrase"
NEW_PASSWORD = "An0ther-Secret-Passphrase"
FORGED = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWZvcmdlZC1ieS1tYWxsb3J5"


@pytest.fixture
def client(testapp):
    testapp.extra_environ["REMOTE_ADDR"] = ADDRESS
    return testapp


def login(client, username: str, password: str, status: int):
    return client.post_json(
        "/api/auth/login/", {"username": username, "password": password}, status=status
    )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def attack(client, make, victim, snoop, stranger_ticket) -> list[str]:
    """Everything an attacker tries here; returns every secret that crossed the wire."""
    secrets = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, FORGED]
    first = login(client, snoop.username, PASSWORD, 200).json
    second = client.post_json("/api/auth/refresh/", {"refresh": first["refresh"]}).json
    secrets += [first["access"], first["refresh"], second["access"], second["refresh"]]
    # Replaying the spent refresh token.
    client.post_json("/api/auth/refresh/", {"refresh": first["refresh"]}, status=401)
    # A route for operators, and someone else's ticket.
    client.get("/api/tickets/all-tickets/", headers=bearer(second["access"]), status=403)
    client.get(
        f"/api/tickets/{stranger_ticket['id']}/", headers=bearer(second["access"]), status=404
    )
    # A forged token, and one revoked by a password change.
    client.get("/api/auth/profile/", headers=bearer(FORGED), status=401)
    fresh = login(client, snoop.username, PASSWORD, 200).json
    secrets += [fresh["access"], fresh["refresh"]]
    client.patch_json(
        "/api/auth/profile/",
        {"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers=bearer(fresh["access"]),
    )
    client.get("/api/auth/profile/", headers=bearer(fresh["access"]), status=401)
    # Guessing the victim's password until throttled.
    for _ in range(5):
        login(client, victim.username, WRONG_PASSWORD, 401)
    login(client, victim.username, PASSWORD, 429)
    return secrets


def test_security_events_name_user_and_address_and_never_a_secret(client, make, caplog):
    victim, snoop = make.user(), make.user()
    stranger_ticket = make.ticket(make.user())
    caplog.set_level(logging.DEBUG)

    secrets = attack(client, make, victim, snoop, stranger_ticket)

    events = [r.getMessage() for r in caplog.records if r.name == "desk.security"]
    expected = {
        "refresh_token_reused": f"user={snoop.id} address={ADDRESS}",
        "permission_denied": f"user={snoop.id} address={ADDRESS}",
        "invalid_token": f"user=None address={ADDRESS}",
        "login_failed": f"user={victim.username!r} address={ADDRESS}",
        "login_throttled": f"user={victim.username!r} address={ADDRESS}",
    }
    for event, who in expected.items():
        assert any(line.startswith(f"{event} {who}") for line in events), (event, events)
    revoked = f"invalid_token user={snoop.id} address={ADDRESS}"
    assert any(line.startswith(revoked) for line in events), events
    hidden = [line for line in events if line.startswith("permission_denied")]
    assert any("answered=404" in line for line in hidden), hidden

    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    leaked = [secret for secret in secrets if secret in logged]
    assert not leaked, f"{len(leaked)} secrets in the logs"


def test_client_controlled_text_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="desk.security")
    # Control characters are refused before they reach the throttle, so only the escaped
    # repr of a name can ever be written.
    login(client, "mallory\ninvalid_token user=1 address=10.0.0.1", "x", 400)
    login(client, "mallory'evil", "x", 401)
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.security"]
    assert lines == [f'login_failed user="mallory\'evil" address={ADDRESS}']


def admin_login(client, username: str, password: str, status: int):
    form = client.get("/admin/login/").forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(status=status)


def test_the_admin_logs_its_security_events_on_the_same_logger(client, make, caplog):
    operator = make.user(Role.OPERATOR)
    root = make.user(Role.OPERATOR, superuser=True)
    caplog.set_level(logging.INFO, logger="desk.security")

    admin_login(client, operator.username, WRONG_PASSWORD, 400)
    admin_login(client, operator.username, PASSWORD, 403)  # not a superuser
    client.reset()
    admin_login(client, root.username, PASSWORD, 303)
    client.post("/admin/logout/", {"csrf_token": "forged"}, status=400)

    events = [r.getMessage() for r in caplog.records if r.name == "desk.security"]
    expected = [
        f"login_failed user={operator.username!r} address={ADDRESS}",
        f"admin_login_refused user={operator.id} address={ADDRESS}",
        f"csrf_failed user={root.id} address={ADDRESS} method='POST' path='/admin/logout/'",
    ]
    for line in expected:
        assert any(event.startswith(line) for event in events), (line, events)
    assert not any(PASSWORD in event or WRONG_PASSWORD in event for event in events)
