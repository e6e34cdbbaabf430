"""Bad uploads and bad ids: a 4xx problem+json each, never a 500, nothing stored, the ticket
unchanged; and an over-limit upload is refused without reading the rest of the body."""

import pytest
from webob import Request

from tests.support.attachments import (
    BOUNDARY,
    CONTENT_TYPE,
    ELF,
    EXE,
    PNG,
    TEXT,
    body,
    part,
    stored_rows,
)

MAX_BYTES = 10 * 1024 * 1024


def file_part(filename: str, content: bytes = PNG, content_type: str = "image/png") -> bytes:
    return part("file", content, filename=filename, content_type=content_type)


#: (case, raw body, Content-Type, status, field named in errors or None)
CASES = [
    ("no file part", body(part("comment_id", b"")), CONTENT_TYPE, 400, "file"),
    ("no parts at all", body(), CONTENT_TYPE, 400, "file"),
    ("empty file", body(file_part("empty.png", b"")), CONTENT_TYPE, 400, "file"),
    ("bad boundary", body(file_part("a.png")), "multipart/form-data; boundary=other", 400, "body"),
    ("no boundary", body(file_part("a.png")), "multipart/form-data", 400, "Content-Type"),
    (
        "boundary too long",
        body(file_part("a.png")),
        "multipart/form-data; boundary=" + "b" * 71,
        400,
        "Content-Type",
    ),
    ("not multipart", b'{"file": "x"}', "application/json", 415, None),
    ("garbage", b"\x00\x01garbage", CONTENT_TYPE, 400, "body"),
    ("unterminated", body(file_part("a.png"))[:-30], CONTENT_TYPE, 400, "body"),
    ("part without filename", body(part("file", PNG)), CONTENT_TYPE, 400, "file"),
    ("empty filename", body(file_part("")), CONTENT_TYPE, 400, "file"),
    (
        "10,000-character filename",
        body(file_part("a" * 10_000 + ".png")),
        CONTENT_TYPE,
        400,
        "body",
    ),
    ("NUL in filename", body(file_part("a\x00.png")), CONTENT_TYPE, 400, None),
    ("newline in filename", body(file_part("a%0Ab.png")), CONTENT_TYPE, 400, "file"),
    ("path traversal", body(file_part("../../etc/passwd.png")), CONTENT_TYPE, 400, "file"),
    ("windows traversal", body(file_part("..\\..\\boot.png")), CONTENT_TYPE, 400, "file"),
    ("right-to-left override", body(file_part("invoice\u202efdp.png")), CONTENT_TYPE, 400, "file"),
    ("only dots", body(file_part("...")), CONTENT_TYPE, 400, "file"),
    (
        "declared png, is a Windows executable",
        body(file_part("cat.png", EXE)),
        CONTENT_TYPE,
        415,
        None,
    ),
    ("declared png, is an ELF binary", body(file_part("cat.png", ELF)), CONTENT_TYPE, 415, None),
    ("unknown field", body(file_part("a.png"), part("owner", b"1")), CONTENT_TYPE, 400, "owner"),
    (
        "comment_id not a number",
        body(file_part("a.png"), part("comment_id", b"abc")),
        CONTENT_TYPE,
        400,
        "comment_id",
    ),
    (
        "comment_id out of range",
        body(file_part("a.png"), part("comment_id", b"99999999999")),
        CONTENT_TYPE,
        400,
        "comment_id",
    ),
    (
        "comment_id of no comment",
        body(file_part("a.png"), part("comment_id", b"424242")),
        CONTENT_TYPE,
        400,
        "comment_id",
    ),
    (
        "comment_id twice",
        body(file_part("a.png"), part("comment_id", b"1"), part("comment_id", b"1")),
        CONTENT_TYPE,
        400,
        "comment_id",
    ),
    (
        "comment_id sent as a file",
        body(file_part("a.png"), part("comment_id", b"1", filename="x")),
        CONTENT_TYPE,
        400,
        "comment_id",
    ),
    (
        "just over the limit",
        body(file_part("big.png", PNG + b"\0" * (MAX_BYTES + 1 - len(PNG)))),
        CONTENT_TYPE,
        413,
        None,
    ),
    (
        "one good file, one bad",
        body(file_part("a.png"), file_part("b.exe", EXE)),
        CONTENT_TYPE,
        415,
        None,
    ),
]


@pytest.fixture
def ticket(make, requester):
    return make.ticket(requester)


def unchanged(testapp, make, requester, ticket) -> tuple:
    headers = make.headers(requester)
    now = testapp.get(f"/api/tickets/{ticket['id']}/", headers=headers)
    history = testapp.get(f"/api/tickets/{ticket['id']}/history/", headers=headers).json
    return now.headers["ETag"], now.json["updated_at"], history["count"]


@pytest.mark.parametrize(
    ("case", "raw", "content_type", "status", "field"), CASES, ids=[case[0] for case in CASES]
)
def test_bad_uploads_are_refused(
    testapp, make, requester, ticket, registry, case, raw, content_type, status, field
):
    before = unchanged(testapp, make, requester, ticket)
    response = testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        raw,
        headers={**make.headers(requester), "Content-Type": content_type},
        status=status,
    )
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == status
    if field is not None:
        assert field in [error["name"] for error in response.json["errors"]]
    assert stored_rows(registry) == (0, 0)
    assert unchanged(testapp, make, requester, ticket) == before


class Stream:
    """A ``wsgi.input`` that serves ``data`` and counts what the app reads of it."""

    def __init__(self, data: bytes):
        self.data = data
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) - self.read_so_far if size is None or size < 0 else size
        chunk = self.data[self.read_so_far : self.read_so_far + size]
        self.read_so_far += len(chunk)
        return chunk


def send(app, make, requester, ticket, data: bytes, length: int | None):
    request = Request.blank(
        f"/api/tickets/{ticket['id']}/attachments/", method="POST", content_type=CONTENT_TYPE
    )
    stream = Stream(data)
    request.environ.update({"wsgi.input": stream, "HTTP_HOST": "desk.test"})
    if length is None:
        request.environ.pop("CONTENT_LENGTH", None)
        request.environ["wsgi.input_terminated"] = True
    else:
        request.environ["CONTENT_LENGTH"] = str(length)
    request.headers.update(make.headers(requester))
    return request.get_response(app), stream


def test_a_file_over_the_limit_is_refused_without_reading_the_rest(app, make, requester, ticket):
    huge = body(file_part("huge.png", PNG + b"\0" * (3 * MAX_BYTES)))
    response, stream = send(app, make, requester, ticket, huge, None)
    assert response.status_int == 413
    assert stream.read_so_far < MAX_BYTES + 128 * 1024 < len(huge)


def test_a_declared_length_over_the_request_limit_is_refused_unread(
    app, make, requester, ticket, registry
):
    limit = registry["attachment_settings"].max_request_bytes
    response, stream = send(app, make, requester, ticket, b"x" * 10, limit + 1)
    assert response.status_int == 413
    assert response.content_type == "application/problem+json"
    assert stream.read_so_far == 0


@pytest.mark.parametrize("lie", [-40, +4000], ids=["shorter", "longer"])
def test_a_content_length_that_lies_is_a_400(app, make, requester, ticket, registry, lie):
    data = body(file_part("a.txt", TEXT, "text/plain"))
    response, _ = send(app, make, requester, ticket, data, len(data) + lie)
    assert response.status_int == 400
    assert response.content_type == "application/problem+json"
    assert stored_rows(registry) == (0, 0)


def test_an_upload_without_a_length_is_streamed_too(app, make, requester, ticket, registry):
    data = body(file_part("a.txt", TEXT, "text/plain"))
    response, _ = send(app, make, requester, ticket, data, None)
    assert response.status_int == 201
    assert stored_rows(registry) == (1, 1)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/tickets/99999999999/attachments/"),
        ("post", "/api/tickets/99999999999/attachments/"),
        ("get", "/api/tickets/0/attachments/"),
        ("get", "/api/attachments/0/"),
        ("get", "/api/attachments/2147483648/"),
        ("get", "/api/attachments/-1/content"),
        ("get", "/api/attachments/abc/content"),
        ("get", "/api/attachments/%D9%A3/"),
        ("delete", "/api/attachments/99999999999/"),
        ("get", "/api/attachments/12345/content"),
    ],
)
def test_ids_out_of_range_are_404(testapp, make, requester, method, path):
    response = getattr(testapp, method)(path, headers=make.headers(requester), status=404)
    assert response.content_type == "application/problem+json"


def test_the_boundary_in_the_body_must_be_the_declared_one(testapp, make, requester, ticket):
    raw = body(file_part("a.png")).replace(BOUNDARY.encode(), b"x" * len(BOUNDARY), 1)
    testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        raw,
        headers={**make.headers(requester), "Content-Type": CONTENT_TYPE},
        status=400,
    )
