"""``pserve production.ini`` puts the security headers on every answer and names no server.

Successes, every kind of error (the tweens' own 400 and 413 included, which answer before
routing), the docs and the admin: each carries the headers of `desk.security_headers`, and none a
``Server`` or version header.
"""

import socket

import pytest

from desk.tweens import SECURITY_HEADERS

from .client import bearer, call

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

SECRET = "headers-test-secret-that-is-long-enough"
LIMIT = 1024 * 1024

#: (method, path, body, with a token, expected status)
ANSWERS = [
    ("GET", "/healthz", None, False, 200),
    ("GET", "/readyz", None, False, 200),
    ("GET", "/api/openapi.json", None, False, 200),
    ("GET", "/api/docs/", None, False, 200),
    ("GET", "/admin/login/", None, False, 200),
    ("GET", "/api/auth/profile/", None, True, 200),
    ("GET", "/api/auth/profile/", None, False, 401),
    ("GET", "/api/tickets/all-tickets/", None, True, 403),
    ("GET", "/api/no-such-route/", None, False, 404),
    ("DELETE", "/api/auth/login/", None, False, 405),
    ("POST", "/api/auth/login/", {"username": ""}, False, 400),
    ("GET", "/api/tickets/my-tickets/?search=%FF", None, True, 400),
    ("POST", "/api/auth/login/", {"username": "x" * LIMIT}, False, 413),
]


@pytest.fixture
def production(pserve, database_url, registry):
    server = pserve("production.ini", DATABASE_URL=database_url, DESK_JWT_SECRET=SECRET)
    account = {"username": "header-reader", "password": "reads-headers-1"}
    call("POST", server.url + "/api/auth/register/", account)
    token = call("POST", server.url + "/api/auth/login/", account).json["access"]
    return server, bearer(token)


def test_every_kind_of_answer_carries_the_security_headers(production):
    server, token = production
    failures = []
    for method, path, body, authenticated, status in ANSWERS:
        answer = call(method, server.url + path, body, token if authenticated else None)
        missing = [name for name in SECURITY_HEADERS if name.lower() not in answer.headers]
        named = [name for name in ("server", "x-powered-by", "via") if name in answer.headers]
        if answer.status != status or missing or named:
            failures.append(f"{method} {path}: {answer.status}, missing {missing}, {named}")
    assert not failures, "\n".join(failures)


def test_waitress_own_errors_name_no_server(production):
    server, _ = production
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GARBAGE\r\n\r\n")
        answer = connection.recv(4096).decode("latin-1")
    status_line, _, head = answer.split("\r\n\r\n", 1)[0].lower().partition("\r\n")
    assert status_line.split()[1] == "400"
    assert "server:" not in head
