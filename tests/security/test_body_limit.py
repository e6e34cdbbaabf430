"""Bodies over ``desk.max_body_bytes`` are a 413 without being read whole.

In the app: a declared length over the limit is refused before a byte is read, and a chunked
body is read one byte past the limit at most. In production, waitress (which buffers bodies
before the app runs) refuses anything past ``max_request_body_size`` on its headers alone.
"""

import socket

import pytest
from webob import Request

from .client import call

LIMIT = 1024 * 1024
PROBLEM_JSON = "application/problem+json"
SECRET = "s" * 40


class CountingStream:
    """A ``wsgi.input`` of ``size`` bytes that counts how many the app actually reads."""

    def __init__(self, size: int):
        self.size = size
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.read_so_far
        count = left if size is None or size < 0 else min(size, left)
        self.read_so_far += count
        return b" " * count


def post(app, stream: CountingStream, chunked: bool, headers: dict):
    request = Request.blank("/api/tickets/", method="POST", content_type="application/json")
    request.environ.update({"wsgi.input": stream, "HTTP_HOST": "desk.test"})
    if chunked:
        # As waitress hands over a chunked body: no length, a stream that ends where it does.
        request.environ.pop("CONTENT_LENGTH", None)
        request.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        request.environ["wsgi.input_terminated"] = True
    else:
        request.environ["CONTENT_LENGTH"] = str(stream.size)
    request.headers.update(headers)
    return request.get_response(app)


@pytest.mark.parametrize("who", ["anonymous", "requester"])
@pytest.mark.parametrize(("chunked", "most_read"), [(False, 0), (True, LIMIT + 1)])
def test_413_reads_at_most_one_byte_past_the_limit(app, make, who, chunked, most_read):
    headers = make.headers(make.user()) if who == "requester" else {}
    stream = CountingStream(64 * LIMIT)
    response = post(app, stream, chunked, headers)
    assert response.status_int == 413
    assert response.content_type == PROBLEM_JSON
    assert stream.read_so_far <= most_read


@pytest.mark.postgresql_only
def test_production_refuses_a_huge_declared_body_before_it_is_sent(pserve, database_url, registry):
    server = pserve("production.ini", DATABASE_URL=database_url, DESK_JWT_SECRET=SECRET)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(
            b"POST /api/tickets/ HTTP/1.1\r\nHost: desk\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n{"
        )
        # The 100 MiB are never sent: the answer must come on the headers alone (a server
        # that waited for the body would time out here).
        answer = connection.recv(4096)
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"413", answer


@pytest.mark.postgresql_only
def test_production_answers_problem_json_just_over_the_limit(pserve, database_url, registry):
    server = pserve("production.ini", DATABASE_URL=database_url, DESK_JWT_SECRET=SECRET)
    answer = call("POST", server.url + "/api/tickets/", {"title": "x" * (LIMIT + 100)})
    assert answer.status == 413
    assert answer.content_type == PROBLEM_JSON
    assert answer.headers["x-content-type-options"] == "nosniff"
