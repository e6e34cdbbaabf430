"""Logging in and registering cannot be turned against users.

An unknown username and a wrong password get the same answer in about the same time (so a
stranger cannot tell which usernames exist), and no request of a would-be user, at
registration or on their own profile, makes anyone a superuser or another role.
"""

import statistics
import time

import pytest
import webtest
from sqlalchemy import func, select

from desk import main
from desk.models import User
from desk.settings import DEFAULTS

LOGIN = "/api/auth/login/"
REGISTER = "/api/auth/register/"
PROFILE = "/api/auth/profile/"
PASSWORD = "the-right-password-1"
ATTEMPTS = 15


@pytest.fixture
def production_hashing(settings, registry):
    """The app with production's argon2 parameters, and throttling out of the way."""
    app = main(
        {},
        **{
            **settings,
            **{key: DEFAULTS[key] for key in DEFAULTS if key.startswith("desk.password_hash")},
            "desk.login.max_failures": "10000",
            "desk.login.max_failures_per_address": "10000",
        },
    )
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test"})
    app.registry["db_engine"].dispose()


def make_user(client: webtest.TestApp, username: str) -> None:
    """A user whose hash has production's parameters, as a real account's would."""
    registry = client.app.registry
    session = registry["dbsession_factory"]()
    session.add(
        User(
            username=username,
            email=f"{username}@example.com",
            role="REQUESTER",
            password_hash=registry["passwords"].hash(PASSWORD),
        )
    )
    session.commit()
    session.close()


def timed_login(client: webtest.TestApp, username: str) -> tuple[float, webtest.TestResponse]:
    started = time.perf_counter()
    response = client.post_json(
        LOGIN, {"username": username, "password": "a-wrong-password"}, status=401
    )
    return time.perf_counter() - started, response


def test_unknown_user_and_wrong_password_look_alike(production_hashing):
    client = production_hashing
    make_user(client, "alice")
    timings = {"alice": [], "nobody-by-that-name": []}
    answers = {}
    for _ in range(ATTEMPTS):
        for username in timings:  # interleaved, so that drift hits both alike
            seconds, response = timed_login(client, username)
            timings[username].append(seconds)
            answers[username] = (
                response.status,
                response.json,
                response.headers["WWW-Authenticate"],
            )
    assert answers["alice"] == answers["nobody-by-that-name"]
    known, unknown = (statistics.median(timings[name]) for name in timings)
    # Both are one argon2 verification; a missing dummy hash would make one ~100x faster.
    assert max(known, unknown) / min(known, unknown) < 3, (known, unknown)


#: Registration bodies that try to get more than a requester's account.
ESCALATIONS = {
    "is_superuser": {"is_superuser": True},
    "is_superuser as text": {"is_superuser": "true"},
    "IS_SUPERUSER": {"IS_SUPERUSER": True},
    "superuser": {"superuser": True},
    "is_staff": {"is_staff": True},
    "is_active false": {"is_active": False},
    "role SUPERUSER": {"role": "SUPERUSER"},
    "role ADMIN": {"role": "admin"},
    "role list": {"role": ["OPERATOR", "SUPERUSER"]},
    "token_epoch": {"token_epoch": -1},
    "id": {"id": 1},
}


@pytest.fixture
def requesters_only(settings, registry):
    """Registration as production configures it: requesters only."""
    app = main({}, **{**settings, "desk.registration.roles": "REQUESTER"})
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test"})
    app.registry["db_engine"].dispose()


def superusers(registry) -> int:
    session = registry["dbsession_factory"]()
    try:
        return session.scalar(select(func.count()).where(User.is_superuser.is_(True)))
    finally:
        session.close()


@pytest.mark.parametrize("extra", ESCALATIONS.values(), ids=ESCALATIONS.keys())
def test_registration_never_grants_more_than_asked(testapp, registry, extra):
    body = {"username": "mallory", "password": "wonderland-42", **extra}
    testapp.post_json(REGISTER, body, status=400)
    assert superusers(registry) == 0
    response = testapp.post_json(REGISTER, {"username": "mallory", "password": "wonderland-42"})
    assert response.json["is_superuser"] is False
    assert response.json["role"] == "REQUESTER"


@pytest.mark.parametrize("role", ["OPERATOR", "EXECUTOR", "operator"])
def test_production_registration_is_requesters_only(requesters_only, registry, role):
    body = {"username": "mallory", "password": "wonderland-42", "role": role}
    problem = requesters_only.post_json(REGISTER, body, status=400).json
    assert [error["name"] for error in problem["errors"]] == ["role"]
    assert superusers(registry) == 0


@pytest.mark.parametrize(
    "change",
    [{"is_superuser": True}, {"role": "OPERATOR"}, {"is_active": True}, {"token_epoch": 0}],
    ids=["is_superuser", "role", "is_active", "token_epoch"],
)
def test_own_profile_cannot_escalate(testapp, make, registry, change):
    user = make.user()
    testapp.patch_json(PROFILE, change, headers=make.headers(user), status=400)
    testapp.patch_json(f"/api/users/{user.id}/", change, headers=make.headers(user), status=403)
    assert superusers(registry) == 0
    assert testapp.get(PROFILE, headers=make.headers(user)).json["role"] == "REQUESTER"
