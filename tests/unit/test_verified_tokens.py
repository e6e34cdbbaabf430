"""Verified tokens are remembered, but a remembered token still expires and a bad one never is."""

import time
from datetime import timedelta

import pytest

from desk.security import InvalidToken, RotatingJWTPolicy

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


def policy(seconds: int = 900, **kw) -> RotatingJWTPolicy:
    return RotatingJWTPolicy(SECRET, algorithm="HS256", expiration=timedelta(seconds=seconds), **kw)


def test_a_verified_token_is_remembered_read_only():
    jwt = policy()
    token = jwt.create_token("7", typ="access", epoch=0)
    claims = jwt.verify(token)
    assert claims["sub"] == "7"
    assert token in jwt.verified
    assert jwt.verify(token) is claims  # the second time, from memory
    with pytest.raises(TypeError):
        claims["sub"] = "1"  # type: ignore[index]


def test_a_remembered_token_is_refused_once_it_expires():
    jwt = policy(seconds=1)
    token = jwt.create_token("7", typ="access", epoch=0)
    expiry = jwt.verify(token)["exp"]
    while time.time() <= expiry:  # at most a second: exp has whole seconds
        time.sleep(0.05)
    with pytest.raises(InvalidToken, match="ExpiredSignatureError"):
        jwt.verify(token)


def test_the_leeway_counts_for_remembered_tokens_as_for_pyjwt():
    jwt = policy(seconds=1, leeway=timedelta(seconds=30))
    token = jwt.create_token("7", typ="access", epoch=0)
    expiry = jwt.verify(token)["exp"]
    while time.time() <= expiry:
        time.sleep(0.05)
    assert jwt.verify(token)["sub"] == "7"


@pytest.mark.parametrize(
    "token",
    [
        "not.a.token",
        # Signed by another key that claims ours.
        RotatingJWTPolicy(
            "another-secret-that-is-long-enough-for-hs256", algorithm="HS256"
        ).create_token("7", typ="access", epoch=0),
    ],
)
def test_a_token_that_fails_is_not_remembered(token):
    jwt = policy()
    with pytest.raises(InvalidToken):
        jwt.verify(token)
    assert len(jwt.verified) == 0


def test_the_memory_is_bounded():
    jwt = policy()
    for n in range(jwt.verified.maxsize + 10):
        jwt.verify(jwt.create_token(str(n + 1), typ="access", epoch=0))
    assert len(jwt.verified) == jwt.verified.maxsize
