"""Registration, login, refresh rotation, logout and the profile."""

import pytest

from tests.conftest import PASSWORD, USER_FIELDS

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"
PROFILE = "/api/auth/profile/"


def login(testapp, username, password=PASSWORD, status=200):
    return testapp.post_json(LOGIN, {"username": username, "password": password}, status=status)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class TestRegister:
    def test_creates_a_requester_by_default(self, testapp):
        response = testapp.post_json(
            REGISTER,
            {"username": "alice", "password": "wonderland-42", "email": "a@x.org"},
            status=201,
        )
        user = response.json
        assert user["username"] == "alice"
        assert user["role"] == "REQUESTER"
        assert user["is_active"] is True
        assert user["is_superuser"] is False
        assert set(user) == USER_FIELDS
        assert "password" not in response.text

    def test_role_in_any_letter_case_is_answered_in_capitals(self, testapp):
        user = testapp.post_json(
            REGISTER,
            {"username": "olga", "password": "operator-pass", "role": "operator"},
            status=201,
        ).json
        assert user["role"] == "OPERATOR"

    def test_username_is_unique_in_any_letter_case(self, testapp):
        testapp.post_json(REGISTER, {"username": "Bob", "password": "builder-123"}, status=201)
        problem = testapp.post_json(
            REGISTER, {"username": "bOB", "password": "builder-123"}, status=409
        ).json
        assert problem["status"] == 409
        assert problem["type"].startswith("urn:desk:problem:")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"username": "x y", "password": "long-enough-1"}, "username"),
            ({"username": "", "password": "long-enough-1"}, "username"),
            ({"username": "u" * 151, "password": "long-enough-1"}, "username"),
            ({"username": "carol", "password": "short"}, "password"),
            ({"username": "carol", "password": "1234567890"}, "password"),
            ({"username": "carol-the-great", "password": "CAROL-THE-GREAT"}, "password"),
            ({"username": "carol", "password": "long-enough-1", "email": "nope"}, "email"),
            ({"username": "carol", "password": "long-enough-1", "role": "ADMIN"}, "role"),
            (
                {"username": "carol", "password": "long-enough-1", "is_superuser": True},
                "is_superuser",
            ),
            ({"username": 5, "password": "long-enough-1"}, "username"),
            ({"password": "long-enough-1"}, "username"),
        ],
    )
    def test_invalid_input_names_the_field(self, testapp, body, field):
        problem = testapp.post_json(REGISTER, body, status=400).json
        assert problem["status"] == 400
        assert {"location": "body", "name": field} in [
            {"location": e["location"], "name": e["name"]} for e in problem["errors"]
        ]

    def test_unicode_usernames_are_allowed(self, testapp):
        user = testapp.post_json(
            REGISTER, {"username": "Ёжик.в-тумане", "password": "hedgehog-fog"}, status=201
        ).json
        assert user["username"] == "Ёжик.в-тумане"
        assert login(testapp, "ёжик.В-ТУМАНЕ", "hedgehog-fog").json["token_type"] == "Bearer"


class TestLogin:
    def test_gives_a_token_pair(self, testapp, requester):
        tokens = login(testapp, requester.username.upper()).json
        assert set(tokens) == {"access", "refresh", "token_type", "expires_in"}
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 900
        profile = testapp.get(PROFILE, headers=bearer(tokens["access"])).json
        assert profile["id"] == requester.id

    @pytest.mark.parametrize("username", ["requester1", "nobody"])
    def test_wrong_credentials_get_one_answer(self, testapp, requester, username):
        response = login(testapp, username, "wrong-password", status=401)
        assert response.json["detail"] == "No active account found with the given credentials."
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_inactive_user_cannot_log_in(self, testapp, make):
        user = make.user(active=False)
        login(testapp, user.username, status=401)


class TestTokens:
    def test_refresh_rotates_and_reuse_revokes_the_family(self, testapp, requester):
        first = login(testapp, requester.username).json
        second = testapp.post_json(REFRESH, {"refresh": first["refresh"]}).json
        assert second["refresh"] != first["refresh"]
        testapp.get(PROFILE, headers=bearer(second["access"]), status=200)
        # The spent token comes back: the whole family, the new one included, is revoked.
        testapp.post_json(REFRESH, {"refresh": first["refresh"]}, status=401)
        testapp.post_json(REFRESH, {"refresh": second["refresh"]}, status=401)

    def test_logout_revokes_the_refresh_token(self, testapp, requester):
        tokens = login(testapp, requester.username).json
        testapp.post_json(LOGOUT, {"refresh": tokens["refresh"]}, status=204)
        testapp.post_json(REFRESH, {"refresh": tokens["refresh"]}, status=401)
        testapp.post_json(LOGOUT, {"refresh": tokens["refresh"]}, status=204)
        testapp.post_json(LOGOUT, {"refresh": "never-issued"}, status=204)

    def test_refresh_token_is_not_an_access_token(self, testapp, requester):
        tokens = login(testapp, requester.username).json
        testapp.get(PROFILE, headers=bearer(tokens["refresh"]), status=401)
        testapp.post_json(REFRESH, {"refresh": tokens["access"]}, status=401)

    @pytest.mark.parametrize(
        "header", ["Bearer", "Bearer not.a.jwt", "Token abc", "Basic dXNlcjpwYXNz"]
    )
    def test_bad_authorization_headers_are_401(self, testapp, header):
        response = testapp.get(PROFILE, headers={"Authorization": header}, status=401)
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_deactivation_takes_effect_on_the_next_request(self, testapp, make, superuser):
        user = make.user()
        headers = make.headers(user)
        testapp.get(PROFILE, headers=headers, status=200)
        testapp.patch_json(
            f"/api/users/{user.id}/", {"is_active": False}, headers=make.headers(superuser)
        )
        testapp.get(PROFILE, headers=headers, status=401)


class TestProfile:
    def test_update_names_and_email(self, testapp, make, requester):
        user = testapp.patch_json(
            PROFILE,
            {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.org"},
            headers=make.headers(requester),
        ).json
        assert (user["first_name"], user["last_name"], user["email"]) == (
            "Ada",
            "Lovelace",
            "ada@x.org",
        )

    def test_password_change_needs_the_current_password(self, testapp, make, requester):
        problem = testapp.patch_json(
            PROFILE, {"password": "brand-new-pass"}, headers=make.headers(requester), status=400
        ).json
        assert problem["errors"][0]["name"] == "current_password"
        testapp.patch_json(
            PROFILE,
            {"password": "brand-new-pass", "current_password": "wrong"},
            headers=make.headers(requester),
            status=400,
        )

    def test_password_change_ends_every_earlier_session(self, testapp, make, requester):
        old = login(testapp, requester.username).json
        testapp.patch_json(
            PROFILE,
            {"password": "brand-new-pass", "current_password": PASSWORD},
            headers=bearer(old["access"]),
        )
        testapp.get(PROFILE, headers=bearer(old["access"]), status=401)
        testapp.post_json(REFRESH, {"refresh": old["refresh"]}, status=401)
        login(testapp, requester.username, PASSWORD, status=401)
        new = login(testapp, requester.username, "brand-new-pass").json
        testapp.get(PROFILE, headers=bearer(new["access"]), status=200)

    def test_profile_needs_a_token(self, testapp):
        testapp.get(PROFILE, status=401)


class TestLoginThrottling:
    def fail(self, testapp, username, times, address="10.0.0.1"):
        for _ in range(times):
            testapp.post_json(
                LOGIN,
                {"username": username, "password": "wrong-password"},
                extra_environ={"REMOTE_ADDR": address},
                status=401,
            )

    def test_too_many_failures_for_a_username_are_429_even_with_the_right_password(
        self, testapp, requester
    ):
        self.fail(testapp, requester.username, 5)
        response = testapp.post_json(
            LOGIN, {"username": requester.username.upper(), "password": PASSWORD}, status=429
        )
        assert 0 < int(response.headers["Retry-After"]) <= 900
        assert response.headers["RateLimit-Policy"] == '"login";q=5;w=900'
        assert response.headers["RateLimit"].startswith('"login";r=0;t=')
        assert response.json["status"] == 429

    def test_unknown_usernames_are_throttled_alike(self, testapp):
        self.fail(testapp, "ghost", 5)
        login(testapp, "ghost", status=429)

    def test_a_success_resets_the_count(self, testapp, requester):
        self.fail(testapp, requester.username, 4)
        login(testapp, requester.username)
        self.fail(testapp, requester.username, 4)
        login(testapp, requester.username)

    def test_malformed_attempts_do_not_count(self, testapp, requester):
        for _ in range(6):
            testapp.post_json(LOGIN, {"username": requester.username}, status=400)
        login(testapp, requester.username)

    def test_one_address_is_throttled_across_usernames(self, testapp, requester):
        for index in range(20):
            self.fail(testapp, f"user{index}", 1, address="10.9.9.9")
        testapp.post_json(
            LOGIN,
            {"username": requester.username, "password": PASSWORD},
            extra_environ={"REMOTE_ADDR": "10.9.9.9"},
            status=429,
        )
        login(testapp, requester.username)
