"""Errors: always problem+json; size, media type and JSON checks; paths and operations."""

import json
from io import BytesIO

import pytest
from webob import Request

from desk.models import Role

PROBLEM_JSON = "application/problem+json"
LIMIT = 1024 * 1024


def assert_problem(response, status: int) -> dict:
    assert response.status_int == status
    assert response.content_type == PROBLEM_JSON
    problem = response.json
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    assert isinstance(problem["type"], str)
    assert ":" in problem["type"]  # a URI
    assert isinstance(problem["title"], str)
    assert problem["title"]
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    assert "<html" not in response.text.lower()
    assert "Traceback" not in response.text
    return problem


# --- unknown paths and methods --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/nope", "/api/nope/", "/api/tickets/1/nope/", "/api/tickets/my-tickets/extra/"],
)
def test_unknown_paths_are_404_problems(testapp, make, requester, path):
    response = testapp.get(path, headers=make.headers(requester), status=404)
    assert_problem(response, 404)


def test_unknown_path_for_the_anonymous_is_a_problem_too(testapp):
    response = testapp.get("/api/does-not-exist/", status=404)
    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/tickets/", {"POST"}),
        ("DELETE", "/api/tickets/{id}/", {"GET", "PATCH"}),
        ("PUT", "/api/tickets/{id}/", {"GET", "PATCH"}),
        ("GET", "/api/tickets/{id}/assign/", {"POST"}),
        ("DELETE", "/api/tickets/{id}/comments/", {"GET", "POST"}),
        ("POST", "/api/tickets/my-tickets/", {"GET"}),
        ("GET", "/api/auth/login/", {"POST"}),
        ("DELETE", "/api/auth/profile/", {"GET", "PATCH"}),
        ("POST", "/healthz", {"GET"}),
    ],
)
def test_405_carries_allow(testapp, make, requester, method, path, allowed):
    ticket = make.ticket(requester)
    response = testapp.request(
        path.format(id=ticket["id"]),
        method=method,
        headers=make.headers(requester),
        status=405,
    )
    assert_problem(response, 405)
    given = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= given
    assert method not in given


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"title": ', b"{'title': 'x'}", b'{"title": "x",}', b"\xff\xfe", b"nul"],
    ids=["truncated", "single quotes", "trailing comma", "not utf-8", "bare word"],
)
def test_malformed_json_is_400(testapp, make, requester, body):
    response = testapp.post(
        "/api/tickets/",
        body,
        headers=make.headers(requester),
        content_type="application/json",
        status=400,
    )
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "body",
    [[{"title": "x"}], "a ticket", 42, None],
    ids=["array", "string", "number", "null"],
)
def test_a_body_that_is_not_an_object_is_400(testapp, make, requester, body):
    response = testapp.post(
        "/api/tickets/",
        json.dumps(body),
        headers=make.headers(requester),
        content_type="application/json",
        status=400,
    )
    assert_problem(response, 400)
    mine = testapp.get("/api/tickets/my-tickets/", headers=make.headers(requester)).json
    assert mine["count"] == 0


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"],
)
def test_a_body_that_is_not_json_is_415(testapp, make, requester, content_type):
    response = testapp.post(
        "/api/tickets/",
        b'{"title": "Printer"}',
        headers=make.headers(requester),
        content_type=content_type,
        status=415,
    )
    assert_problem(response, 415)


def test_json_media_types_are_accepted(testapp, make, requester):
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ):
        response = testapp.post(
            "/api/tickets/",
            b'{"title": "Printer"}',
            headers=make.headers(requester),
            content_type=content_type,
            status=201,
        )
        assert response.json["title"] == "Printer"


def test_patch_with_a_form_body_is_415(testapp, make, requester):
    ticket = make.ticket(requester)
    response = testapp.patch(
        f"/api/tickets/{ticket['id']}/",
        {"title": "Renamed"},
        headers=make.headers(requester),
        status=415,
    )
    assert_problem(response, 415)


def big_body(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes."""
    shell = b'{"title": "x", "description": ""}'
    return shell[:-2] + b"d" * (size - len(shell)) + shell[-2:]


@pytest.mark.parametrize("who", ["anonymous", "requester"])
def test_body_over_the_limit_is_413_before_authentication(testapp, make, who):
    headers = make.headers(make.user(Role.REQUESTER)) if who == "requester" else {}
    body = big_body(LIMIT + 1)
    assert len(body) == LIMIT + 1
    json.loads(body)
    response = testapp.post(
        "/api/tickets/", body, headers=headers, content_type="application/json", status=413
    )
    assert_problem(response, 413)


def test_body_at_the_limit_is_read(testapp, make, requester):
    # Exactly the limit: read and validated (the description is then too long: 400).
    response = testapp.post(
        "/api/tickets/",
        big_body(LIMIT),
        headers=make.headers(requester),
        content_type="application/json",
        status=400,
    )
    problem = assert_problem(response, 400)
    assert {e["name"] for e in problem["errors"]} == {"description"}


def test_413_also_for_anonymous_with_a_bad_token_on_any_route(testapp):
    response = testapp.post(
        "/api/auth/login/",
        big_body(LIMIT + 10),
        headers={"Authorization": "Bearer not-a-token"},
        content_type="application/json",
        status=413,
    )
    assert_problem(response, 413)


def test_the_limit_comes_from_the_ini(settings):
    from webtest import TestApp

    from desk import main

    small = main({}, **{**settings, "desk.max_body_bytes": "100"})
    try:
        client = TestApp(small, extra_environ={"HTTP_HOST": "desk.test"})
        response = client.post(
            "/api/auth/login/", big_body(101), content_type="application/json", status=413
        )
        assert_problem(response, 413)
        response = client.post(
            "/api/auth/login/", big_body(100), content_type="application/json", status=400
        )
        assert_problem(response, 400)
    finally:
        small.registry["db_engine"].dispose()


# --- paths ------------------------------------------------------------------------------------


def test_paths_without_trailing_slash_are_served_like_with_it(
    testapp, make, requester, operator, executor
):
    headers = make.headers(requester)
    created = testapp.post_json("/api/tickets", {"title": "No slash"}, headers=headers, status=201)
    ticket = created.json
    assert created.headers["Location"] == f"http://desk.test/api/tickets/{ticket['id']}/"
    one = testapp.get(f"/api/tickets/{ticket['id']}", headers=headers, status=200)
    assert one.json == testapp.get(f"/api/tickets/{ticket['id']}/", headers=headers).json
    edited = testapp.patch_json(
        f"/api/tickets/{ticket['id']}", {"title": "Still no slash"}, headers=headers
    ).json
    assert edited["title"] == "Still no slash"
    mine = testapp.get("/api/tickets/my-tickets", headers=headers, status=200).json
    assert [t["id"] for t in mine["results"]] == [ticket["id"]]
    assigned = testapp.post_json(
        f"/api/tickets/{ticket['id']}/assign",
        {"executor_id": executor.id},
        headers=make.headers(operator),
        status=200,
    ).json
    assert assigned["status"] == "ASSIGNED"
    comment = testapp.post_json(
        f"/api/tickets/{ticket['id']}/comments", {"body": "Hi"}, headers=headers, status=201
    ).json
    assert comment["body"] == "Hi"
    profile = testapp.get("/api/auth/profile", headers=headers, status=200).json
    assert profile["id"] == requester.id


@pytest.mark.parametrize(
    "path",
    [
        "/api/tickets",
        "/api/tickets/my-tickets",
        "/api/tickets/{id}",
        "/api/tickets/{id}/history",
        "/api/auth/profile",
        "/api/users",
    ],
)
def test_paths_without_trailing_slash_are_not_redirected(testapp, make, requester, path):
    ticket = make.ticket(requester)
    response = testapp.get(
        path.format(id=ticket["id"]), headers=make.headers(requester), status="*"
    )
    assert response.status_int not in (301, 302, 307, 308)
    with_slash = testapp.get(
        path.format(id=ticket["id"]) + "/", headers=make.headers(requester), status="*"
    )
    assert response.status_int == with_slash.status_int
    assert response.content_type == with_slash.content_type


@pytest.mark.parametrize(
    "segment",
    ["abc", "1.0", "-1", "0", "99999999999999999999", str(2**31), "%EF%BC%91", "1e3", "%20"],
)
def test_impossible_ids_are_404(testapp, make, operator, segment):
    for suffix in ("", "comments/", "history/"):
        response = testapp.get(
            f"/api/tickets/{segment}/{suffix}", headers=make.headers(operator), status="*"
        )
        assert_problem(response, 404)


@pytest.mark.parametrize("segment", ["abc", "99999999999999999999", "0"])
def test_impossible_ids_are_404_on_writes_and_users(testapp, make, superuser, segment):
    headers = make.headers(superuser)
    for response in (
        testapp.post_json(f"/api/tickets/{segment}/cancel/", {}, headers=headers, status="*"),
        testapp.patch_json(f"/api/tickets/{segment}/", {"title": "x"}, headers=headers, status="*"),
        testapp.get(f"/api/users/{segment}/", headers=headers, status="*"),
    ):
        assert_problem(response, 404)


# --- operations -------------------------------------------------------------------------------


def test_healthz(testapp):
    response = testapp.get("/healthz", status=200)
    assert response.json == {"status": "ok"}
    assert response.content_type == "application/json"


def test_readyz(testapp):
    response = testapp.get("/readyz", status=200)
    assert response.json == {"status": "ok"}


def post_chunked(testapp, body: bytes, headers: dict | None = None):
    """POST ``body`` to /api/tickets/ as a chunked request: no Content-Length."""
    request = Request.blank("/api/tickets/", method="POST", content_type="application/json")
    request.environ["wsgi.input"] = BytesIO(body)
    request.environ.pop("CONTENT_LENGTH", None)
    request.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    # What waitress sets for a chunked body: the stream ends where the body does.
    request.environ["wsgi.input_terminated"] = True
    request.environ["HTTP_HOST"] = "desk.test"
    request.headers.update(headers or {})
    return request.get_response(testapp.app)


@pytest.mark.parametrize("size", [LIMIT + 1, 3 * LIMIT])
def test_chunked_body_over_the_limit_is_413(testapp, size):
    response = post_chunked(testapp, big_body(size))
    assert response.status_int == 413
    assert response.content_type == PROBLEM_JSON
    assert response.json["status"] == 413


# --- no existence leak ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "comments/", "history/"])
def test_a_hidden_ticket_answers_exactly_like_a_missing_one(
    testapp, make, requester, executor, suffix
):
    other = make.user(Role.REQUESTER)
    hidden = make.ticket(requester)
    for user in (other, executor):
        seen = testapp.get(
            f"/api/tickets/{hidden['id']}/{suffix}", headers=make.headers(user), status=404
        )
        missing = testapp.get(
            f"/api/tickets/999999/{suffix}", headers=make.headers(user), status=404
        )
        assert seen.json == missing.json
        assert seen.content_type == missing.content_type
    anonymous_seen = testapp.get(f"/api/tickets/{hidden['id']}/{suffix}", status=401)
    anonymous_missing = testapp.get(f"/api/tickets/999999/{suffix}", status=401)
    assert anonymous_seen.json == anonymous_missing.json


def test_validation_problems_list_each_field(testapp, make, requester):
    problem = testapp.post_json(
        "/api/tickets/",
        {"title": "", "priority": "SOON", "colour": "red"},
        headers=make.headers(requester),
        status=400,
    ).json
    fields = {(e["location"], e["name"]) for e in problem["errors"]}
    assert fields == {
        ("body", "title"),
        ("body", "priority"),
        ("body", "colour"),
    }
    for error in problem["errors"]:
        assert isinstance(error["description"], str)
        assert error["description"]


def test_problem_types_are_stable_per_kind(testapp, make, requester, operator, executor):
    first = make.ticket(requester)
    second = make.ticket(requester)
    types = set()
    for ticket in (first, second):
        make.execute(make.assign(ticket, operator, executor), executor, "DONE")
        response = testapp.post_json(
            f"/api/tickets/{ticket['id']}/cancel/", {}, headers=make.headers(operator), status=409
        )
        types.add(response.json["type"])
    assert len(types) == 1
    not_found = {
        testapp.get(path, headers=make.headers(requester), status=404).json["type"]
        for path in ("/api/nope/", "/api/tickets/999999/", "/api/tickets/abc/")
    }
    assert len(not_found) == 1
    assert not_found != types


def test_chunked_body_within_the_limit_is_served(testapp, make, requester):
    body = json.dumps({"title": "Sent in chunks"}).encode()
    response = post_chunked(testapp, body, make.headers(requester))
    assert response.status_int == 201
    assert response.json["title"] == "Sent in chunks"
