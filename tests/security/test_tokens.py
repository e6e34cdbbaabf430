"""Forged, foreign, stale and misused tokens are refused: 401 with ``error="invalid_token"``.

Each case starts from a token the app would accept and breaks one thing: the algorithm, the
key, the key id, the type, the expiry, the subject, or the user's state since it was issued.
"""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from desk.security import key_id
from tests.conftest import PASSWORD, TEST_SETTINGS

PROFILE = "/api/auth/profile/"
SECRET = TEST_SETTINGS["desk.jwt.secret"]
OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256"


def claims(user, **changes) -> dict:
    """What the app puts in an access token for ``user``, with ``changes``."""
    now = datetime.now(UTC)
    payload = {
        "sub": str(user.id),
        "typ": "access",
        "epoch": user.token_epoch,
        "iat": now,
        "exp": now + timedelta(minutes=15),
        **changes,
    }
    return {name: value for name, value in payload.items() if value is not None}


def signed(payload: dict, key: str = SECRET, algorithm: str = "HS256", **headers) -> str:
    headers.setdefault("kid", key_id(key))
    headers = {name: value for name, value in headers.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def handmade(header: dict, payload: dict, digest=hashlib.sha256) -> str:
    """A token built by hand, for what PyJWT itself refuses to make (odd headers, weak keys)."""

    def part(value: dict) -> str:
        raw = json.dumps(value, default=lambda moment: int(moment.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    signing_input = f"{part(header)}.{part(payload)}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def unsigned(payload: dict) -> str:
    return jwt.encode(payload, None, algorithm="none", headers={"kid": key_id(SECRET)})


#: name -> a token for ``user`` broken in exactly one way.
FORGERIES = {
    "alg none": lambda user: unsigned(claims(user)),
    "alg none, signature stripped": lambda user: signed(claims(user)).rsplit(".", 1)[0] + ".",
    "HS512 with the right key": lambda user: handmade(
        {"alg": "HS512", "typ": "JWT", "kid": key_id(SECRET)}, claims(user), hashlib.sha512
    ),
    "another key, its own kid": lambda user: signed(claims(user), OTHER_SECRET),
    "another key, our kid": lambda user: signed(claims(user), OTHER_SECRET, kid=key_id(SECRET)),
    "no kid": lambda user: signed(claims(user), kid=None),
    "unknown kid": lambda user: signed(claims(user), kid="0123456789abcdef"),
    "kid not a string": lambda user: handmade({"alg": "HS256", "kid": 7}, claims(user)),
    "kid a list": lambda user: handmade({"alg": "HS256", "kid": [key_id(SECRET)]}, claims(user)),
    "typ refresh": lambda user: signed(claims(user, typ="refresh")),
    "typ missing": lambda user: signed(claims(user, typ=None)),
    "typ in capitals": lambda user: signed(claims(user, typ="ACCESS")),
    "expired": lambda user: signed(claims(user, exp=datetime.now(UTC) - timedelta(seconds=1))),
    "no expiry": lambda user: signed(claims(user, exp=None)),
    "another epoch": lambda user: signed(claims(user, epoch=user.token_epoch + 1)),
    "no epoch": lambda user: signed(claims(user, epoch=None)),
    "subject not a number": lambda user: signed(claims(user, sub="admin")),
    "subject unknown": lambda user: signed(claims(user, sub="999999")),
    "payload edited": lambda user: tampered(signed(claims(user))),
}


def tampered(token: str) -> str:
    """The token with its payload swapped for another user's, the signature kept."""
    header, _, signature = token.split(".")
    other = jwt.encode({"sub": "1"}, SECRET, algorithm="HS256").split(".")[1]
    return f"{header}.{other}.{signature}"


def assert_invalid_token(response) -> None:
    assert response.status_int == 401
    assert response.content_type == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_tokens_are_401(testapp, make, forgery):
    token = FORGERIES[forgery](make.user())
    assert_invalid_token(
        testapp.get(PROFILE, headers={"Authorization": f"Bearer {token}"}, status=401)
    )


def test_the_untouched_token_is_accepted(testapp, make):
    """The control for the table above: without the forgery, the same token works."""
    user = make.user()
    for token in (
        signed(claims(user)),
        handmade({"alg": "HS256", "typ": "JWT", "kid": key_id(SECRET)}, claims(user)),
    ):
        testapp.get(PROFILE, headers={"Authorization": f"Bearer {token}"}, status=200)


def login(testapp, username: str) -> dict:
    return testapp.post_json(
        "/api/auth/login/", {"username": username, "password": PASSWORD}, status=200
    ).json


def test_the_refresh_token_is_not_an_access_token_nor_the_reverse(testapp, make):
    tokens = login(testapp, make.user().username)
    assert_invalid_token(
        testapp.get(PROFILE, headers={"Authorization": f"Bearer {tokens['refresh']}"}, status=401)
    )
    testapp.post_json("/api/auth/refresh/", {"refresh": tokens["access"]}, status=401)


def test_tokens_issued_before_a_password_change_are_refused(testapp, make):
    user = make.user()
    before = login(testapp, user.username)
    bearer = {"Authorization": f"Bearer {before['access']}"}
    testapp.patch_json(
        PROFILE, {"password": "a-brand-new-pass", "current_password": PASSWORD}, headers=bearer
    )
    assert_invalid_token(testapp.get(PROFILE, headers=bearer, status=401))
    testapp.post_json("/api/auth/refresh/", {"refresh": before["refresh"]}, status=401)


def test_tokens_issued_before_a_deactivation_are_refused_even_after_reactivation(
    testapp, make, superuser
):
    user = make.user()
    before = login(testapp, user.username)
    admin = make.headers(superuser)
    for active in (False, True):
        testapp.patch_json(f"/api/users/{user.id}/", {"is_active": active}, headers=admin)
    bearer = {"Authorization": f"Bearer {before['access']}"}
    assert_invalid_token(testapp.get(PROFILE, headers=bearer, status=401))
    testapp.post_json("/api/auth/refresh/", {"refresh": before["refresh"]}, status=401)


def test_token_times_are_utc_whatever_the_local_zone(app, make, monkeypatch):
    """``iat``/``exp`` are seconds since the epoch, not local wall-clock time."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        token = app.registry["security_policy"].create_access_token(make.user())
    finally:
        monkeypatch.undo()  # the zone this process had, then tell the C library so
        time.tzset()
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert abs(payload["iat"] - time.time()) < 60
    assert payload["exp"] - payload["iat"] == int(TEST_SETTINGS.get("desk.jwt.access_ttl", 900))
