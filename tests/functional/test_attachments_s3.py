"""The S3 storage against moto's standalone server, started here on a free port.

The same API as with the database storage; the bytes are objects in the bucket, shared by
equal files of one ticket, removed once no row names them, and never left behind by an
upload that fails.
"""

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from pyramid.scripting import prepare

from desk import main
from desk.attachments import files
from desk.models import Role
from tests.support.attachments import PDF, PNG, big, stored_rows

BUCKET = "desk-attachments"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("moto_server")),
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def aws_environment():
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def s3_settings(settings: dict, endpoint: str) -> dict:
    return {
        **settings,
        "desk.attachments.storage": "s3",
        "desk.attachments.s3.endpoint": endpoint,
        "desk.attachments.s3.bucket": BUCKET,
        "desk.attachments.s3.region": "us-east-1",
    }


@pytest.fixture(scope="session")
def s3_app(settings, moto_endpoint, aws_environment, app):
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    wsgi_app = main({}, **s3_settings(settings, moto_endpoint))
    yield wsgi_app
    wsgi_app.registry["db_engine"].dispose()


@pytest.fixture
def bucket(s3_app, moto_endpoint):
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    yield s3
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])


def keys(s3) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def client(s3_app, registry):
    import webtest

    return webtest.TestApp(s3_app, extra_environ={"HTTP_HOST": "desk.test"})


def upload(client, make, ticket_id, user, name, content, status=201):
    return client.post(
        f"/api/tickets/{ticket_id}/attachments/",
        upload_files=[("file", name, content)],
        headers=make.headers(user),
        status=status,
    )


def test_upload_download_and_ranges_through_s3(client, bucket, make, registry):
    requester = make.user(Role.REQUESTER)
    ticket = make.ticket(requester)
    payload = big(3 * 1024 * 1024 + 7)
    (row,) = upload(client, make, ticket["id"], requester, "scan.png", payload).json["results"]
    assert keys(bucket) == {f"tickets/{ticket['id']}/{row['sha256']}"}
    assert stored_rows(registry) == (1, 0)  # metadata in the database, bytes in the bucket

    headers = make.headers(requester)
    assert client.get(row["content_url"], headers=headers).body == payload
    part = client.get(row["content_url"], headers={**headers, "Range": "bytes=300000-300009"})
    assert part.status_int == 206
    assert part.body == payload[300000:300010]
    client.get(row["content_url"], headers={**headers, "Range": "bytes=999999999-"}, status=416)


def test_equal_files_share_an_object_removed_with_the_last_row(client, bucket, make):
    operator = make.user(Role.OPERATOR)
    requester = make.user(Role.REQUESTER)
    ticket = make.ticket(requester)
    a = upload(client, make, ticket["id"], requester, "a.pdf", PDF).json["results"][0]
    b = upload(client, make, ticket["id"], operator, "b.pdf", PDF).json["results"][0]
    key = f"tickets/{ticket['id']}/{a['sha256']}"
    assert keys(bucket) == {key}
    client.delete(f"/api/attachments/{a['id']}/", headers=make.headers(operator), status=204)
    assert keys(bucket) == {key}
    client.delete(f"/api/attachments/{b['id']}/", headers=make.headers(operator), status=204)
    assert keys(bucket) == set()


def test_an_aborted_transaction_leaves_no_object(s3_app, bucket, make, registry):
    requester = make.user(Role.REQUESTER)
    ticket = make.ticket(requester)
    storage = s3_app.registry["attachment_storage"]
    key = files.storage_key(ticket["id"], "0" * 64)
    env = prepare(registry=s3_app.registry)
    try:
        request = env["request"]
        request.tm.begin()
        files._collect_if_failed(request, ticket["id"], "0" * 64)
        storage.put(request.dbsession, key, io.BytesIO(PNG))
        assert key in keys(bucket)
        request.tm.abort()
    finally:
        env["closer"]()
    assert keys(bucket) == set()


def test_an_unreachable_store_is_a_503_and_stores_nothing(
    settings, aws_environment, registry, make
):
    import webtest

    broken = main({}, **s3_settings(settings, f"http://127.0.0.1:{free_port()}"))
    try:
        client = webtest.TestApp(broken, extra_environ={"HTTP_HOST": "desk.test"})
        requester = make.user(Role.REQUESTER)
        ticket = make.ticket(requester)
        response = upload(client, make, ticket["id"], requester, "a.png", PNG, status=503)
        assert response.content_type == "application/problem+json"
        assert stored_rows(registry) == (0, 0)
        history = client.get(
            f"/api/tickets/{ticket['id']}/history/", headers=make.headers(requester)
        ).json
        assert [event["kind"] for event in history["results"]] == ["created"]
    finally:
        broken.registry["db_engine"].dispose()
