"""ETags with If-Match, and Idempotency-Key on creation."""

import pytest


@pytest.fixture
def ticket(make, requester):
    return make.ticket(requester)


def url(ticket: dict, action: str = "") -> str:
    return f"/api/tickets/{ticket['id']}/{action + '/' if action else ''}"


class TestETag:
    def test_every_change_changes_the_etag(self, testapp, make, requester, operator, executor):
        created = testapp.post_json(
            "/api/tickets/", {"title": "Fix the VPN"}, headers=make.headers(requester)
        )
        first = created.headers["ETag"]
        read = testapp.get(created.headers["Location"], headers=make.headers(requester))
        assert read.headers["ETag"] == first
        assigned = testapp.post_json(
            url(created.json, "assign"),
            {"executor_id": executor.id},
            headers=make.headers(operator),
        )
        assert assigned.headers["ETag"] != first

    @pytest.mark.parametrize(
        ("action", "method", "body", "who"),
        [
            ("", "patch", {"title": "New title"}, "requester"),
            ("assign", "post", None, "operator"),
            ("cancel", "post", {}, "requester"),
        ],
    )
    def test_stale_if_match_is_412_and_changes_nothing(
        self, testapp, make, requester, operator, executor, ticket, action, method, body, who
    ):
        headers = make.headers({"requester": requester, "operator": operator}[who])
        stale = testapp.get(url(ticket), headers=headers).headers["ETag"]
        testapp.patch_json(
            url(ticket), {"description": "more detail"}, headers=make.headers(requester)
        )
        body = body if body is not None else {"executor_id": executor.id}
        call = getattr(testapp, f"{method}_json")
        problem = call(
            url(ticket, action), body, headers={**headers, "If-Match": stale}, status=412
        ).json
        assert problem["status"] == 412
        after = testapp.get(url(ticket), headers=make.headers(requester)).json
        assert after["status"] == "NEW"
        assert after["title"] == ticket["title"]

    def test_current_and_wildcard_if_match_succeed(self, testapp, make, requester, ticket):
        headers = make.headers(requester)
        current = testapp.get(url(ticket), headers=headers).headers["ETag"]
        edited = testapp.patch_json(
            url(ticket), {"title": "Edited"}, headers={**headers, "If-Match": current}
        )
        assert edited.json["title"] == "Edited"
        testapp.patch_json(url(ticket), {"title": "Again"}, headers={**headers, "If-Match": "*"})

    def test_execute_honours_if_match(self, testapp, make, requester, operator, executor, ticket):
        make.assign(ticket, operator, executor)
        headers = make.headers(executor)
        testapp.post_json(
            url(ticket, "execute"),
            {"status": "IN_PROGRESS"},
            headers={**headers, "If-Match": '"0.0"'},
            status=412,
        )


class TestIdempotencyKey:
    def test_retry_returns_the_first_response_and_creates_nothing(self, testapp, make, requester):
        headers = {**make.headers(requester), "Idempotency-Key": "create-1"}
        first = testapp.post_json("/api/tickets/", {"title": "Laptop"}, headers=headers, status=201)
        retry = testapp.post_json("/api/tickets/", {"title": "Laptop"}, headers=headers, status=201)
        assert retry.json == first.json
        assert retry.headers["Location"] == first.headers["Location"]
        assert retry.headers["ETag"] == first.headers["ETag"]
        mine = testapp.get("/api/tickets/my-tickets/", headers=make.headers(requester)).json
        assert mine["count"] == 1

    def test_same_key_with_another_body_is_422(self, testapp, make, requester):
        headers = {**make.headers(requester), "Idempotency-Key": "create-2"}
        testapp.post_json("/api/tickets/", {"title": "Laptop"}, headers=headers, status=201)
        problem = testapp.post_json(
            "/api/tickets/", {"title": "Phone"}, headers=headers, status=422
        ).json
        assert problem["status"] == 422

    def test_keys_belong_to_their_user(self, testapp, make):
        alice, bob = make.user(), make.user()
        for user in (alice, bob):
            testapp.post_json(
                "/api/tickets/",
                {"title": "Same"},
                headers={**make.headers(user), "Idempotency-Key": "k"},
                status=201,
            )
        for user in (alice, bob):
            mine = testapp.get("/api/tickets/my-tickets/", headers=make.headers(user)).json
            assert mine["count"] == 1

    def test_comment_retry_creates_one_comment(self, testapp, make, requester, ticket):
        headers = {**make.headers(requester), "Idempotency-Key": "comment-1"}
        first = testapp.post_json(
            url(ticket, "comments"), {"body": "Any news?"}, headers=headers, status=201
        )
        retry = testapp.post_json(
            url(ticket, "comments"), {"body": "Any news?"}, headers=headers, status=201
        )
        assert retry.json == first.json
        comments = testapp.get(url(ticket, "comments"), headers=make.headers(requester)).json
        assert comments["count"] == 1

    def test_a_failed_request_does_not_use_up_its_key(self, testapp, make, requester):
        headers = {**make.headers(requester), "Idempotency-Key": "retry-after-400"}
        testapp.post_json("/api/tickets/", {"title": ""}, headers=headers, status=400)
        testapp.post_json("/api/tickets/", {"title": "Now valid"}, headers=headers, status=201)

    def test_invalid_key_is_400(self, testapp, make, requester):
        problem = testapp.post_json(
            "/api/tickets/",
            {"title": "x"},
            headers={**make.headers(requester), "Idempotency-Key": "x" * 256},
            status=400,
        ).json
        assert problem["errors"][0]["location"] == "header"
