"""Signing keys rotate without logging anyone out, and a retired key can be dropped.

Tokens name their key in a ``kid`` header; new ones are signed with the current key only,
and ``desk.jwt.previous_secrets`` (``DESK_JWT_PREVIOUS_SECRETS``) keeps the old keys
verifying the tokens they signed, until they are removed from the list.
"""

import jwt
import pytest
import webtest

from desk import main
from desk.security import key_id
from desk.settings import ConfigurationError, load_settings

PROFILE = "/api/auth/profile/"
OLD = "the-old-key-that-signed-yesterdays-tokens"
NEW = "the-new-key-that-signs-from-today-onwards"
RETIRED = "a-key-retired-long-ago-and-forgotten-too"


@pytest.fixture
def deploy(settings, registry):
    """``deploy(secret, previous)``: the app as a process started with those keys."""
    apps = []

    def start(secret: str, previous: str = "") -> webtest.TestApp:
        app = main(
            {}, **{**settings, "desk.jwt.secret": secret, "desk.jwt.previous_secrets": previous}
        )
        apps.append(app)
        return webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test"})

    yield start
    for app in apps:
        app.registry["db_engine"].dispose()


def token_of(client: webtest.TestApp, user) -> str:
    return client.app.registry["security_policy"].create_access_token(user)


def profile(client: webtest.TestApp, token: str, status: int):
    return client.get(PROFILE, headers={"Authorization": f"Bearer {token}"}, status=status)


def test_tokens_name_their_key_and_are_signed_with_the_current_one(deploy, make):
    token = token_of(deploy(NEW, OLD), make.user())
    header = jwt.get_unverified_header(token)
    assert header["kid"] == key_id(NEW)
    assert header["alg"] == "HS256"
    jwt.decode(token, NEW, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, OLD, algorithms=["HS256"])


def test_a_rotation_keeps_yesterdays_tokens_working(deploy, make):
    user = make.user()
    yesterday = token_of(deploy(OLD), user)
    today = deploy(NEW, OLD)
    profile(today, yesterday, 200)
    profile(today, token_of(today, user), 200)


def test_dropping_the_old_key_ends_its_tokens_only(deploy, make):
    user = make.user()
    yesterday = token_of(deploy(OLD), user)
    rotated = deploy(NEW, OLD)
    today = token_of(rotated, user)
    later = deploy(NEW)
    profile(later, yesterday, 401)
    profile(later, today, 200)


def test_a_process_that_knows_the_next_key_accepts_its_tokens(deploy, make):
    """Step one of a rolling rotation: every process learns the new key before any signs."""
    user = make.user()
    ahead = token_of(deploy(NEW, OLD), user)
    profile(deploy(OLD, NEW), ahead, 200)


def test_a_token_of_an_unknown_key_is_refused(deploy, make):
    user = make.user()
    foreign = token_of(deploy(RETIRED), user)
    response = profile(deploy(NEW, OLD), foreign, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_old_key_cannot_sign_under_the_new_keys_name(deploy, make):
    user = make.user()
    client = deploy(NEW, OLD)
    forged = jwt.encode(
        jwt.decode(token_of(client, user), NEW, algorithms=["HS256"]),
        OLD,
        algorithm="HS256",
        headers={"kid": key_id(NEW)},
    )
    profile(client, forged, 401)


# --- settings ---------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch):
    for name in ("DATABASE_URL", "DESK_JWT_SECRET", "DESK_JWT_PREVIOUS_SECRETS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def keys(**settings) -> list[str]:
    return load_settings({"sqlalchemy.url": "sqlite://", "desk.jwt.secret": NEW, **settings})[
        "desk.jwt.previous_secrets"
    ]


@pytest.mark.parametrize(
    "given", [f"{OLD} {RETIRED}", f"{OLD},{RETIRED}", f" {OLD} ,\n {RETIRED} ", f"{OLD},,{RETIRED}"]
)
def test_previous_keys_are_space_or_comma_separated(environment, given):
    environment.setenv("DESK_JWT_PREVIOUS_SECRETS", given)
    assert keys() == [OLD, RETIRED]


def test_the_environment_wins_over_the_ini(environment):
    environment.setenv("DESK_JWT_PREVIOUS_SECRETS", RETIRED)
    assert keys(**{"desk.jwt.previous_secrets": OLD}) == [RETIRED]
    environment.delenv("DESK_JWT_PREVIOUS_SECRETS")
    assert keys(**{"desk.jwt.previous_secrets": OLD}) == [OLD]


def test_no_previous_keys_by_default(environment):
    assert keys() == []


def test_a_short_previous_key_is_refused(environment):
    environment.setenv("DESK_JWT_PREVIOUS_SECRETS", f"{OLD} too-short")
    with pytest.raises(ConfigurationError, match="DESK_JWT_PREVIOUS_SECRETS"):
        keys()
