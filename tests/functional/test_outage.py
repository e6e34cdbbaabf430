"""With the database gone, Desk answers 503 quickly and says it is not ready."""

import time

import pytest
import webtest

from desk import main
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def unreachable(settings, app):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/desk"
    gone = main({}, **{**settings, "sqlalchemy.url": url, "desk.db.connect_timeout": "1"})
    yield webtest.TestApp(gone)
    gone.registry["db_engine"].dispose()


def test_requests_answer_503_problem_quickly(unreachable, make):
    testapp = unreachable
    token = make.headers(make.user())
    started = time.monotonic()
    response = testapp.get("/api/tickets/my-tickets/", headers=token, status=503)
    assert time.monotonic() - started < 5
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 503
    assert "Retry-After" in response.headers


def test_readiness_fails_and_liveness_holds(unreachable):
    testapp = unreachable
    assert testapp.get("/readyz", status=503).json == {"status": "unavailable"}
    assert testapp.get("/healthz", status=200).json == {"status": "ok"}


def test_login_answers_503_not_401(unreachable):
    testapp = unreachable
    testapp.post_json("/api/auth/login/", {"username": "a", "password": "b"}, status=503)
