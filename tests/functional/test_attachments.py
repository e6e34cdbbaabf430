"""Attachments through the API: every route for every role, downloads, history, storage.

The scene: a ticket filed by ``requester`` and assigned to ``executor``; a public file the
requester uploaded, and an internal one the executor put on an internal note. A requester
probing the internal file gets 404 everywhere, as for a ticket they may not see.
"""

from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from desk.models import AttachmentChunk, Role
from tests.support.attachments import HTML, JPEG, PDF, PNG, SVG, TEXT, big, docx

ATTACHMENT_KEYS = {
    "id",
    "ticket_id",
    "comment_id",
    "filename",
    "content_type",
    "size",
    "sha256",
    "internal",
    "uploader",
    "created_at",
    "content_url",
}


def upload(testapp, make, ticket_id, user, files, status=201, **fields):
    """POST the files (``[(filename, bytes)]``) as multipart/form-data."""
    headers = make.headers(user) if user is not None else {}
    return testapp.post(
        f"/api/tickets/{ticket_id}/attachments/",
        params={k: str(v) for k, v in fields.items()},
        upload_files=[("file", name, content) for name, content in files],
        headers=headers,
        status=status,
    )


def chunk_keys(registry) -> set[str]:
    session = registry["dbsession_factory"]()
    try:
        return set(session.scalars(select(AttachmentChunk.key).distinct()))
    finally:
        session.close()


def chunk_bytes(registry) -> int:
    session = registry["dbsession_factory"]()
    try:
        return session.scalar(select(func.coalesce(func.sum(func.length(AttachmentChunk.data)), 0)))
    finally:
        session.close()


@dataclass
class Scene:
    ticket: dict
    public: dict
    internal: dict
    users: dict


@pytest.fixture
def scene(testapp, make) -> Scene:
    users = {
        "requester": make.user(Role.REQUESTER),
        "other_requester": make.user(Role.REQUESTER),
        "operator": make.user(Role.OPERATOR),
        "executor": make.user(Role.EXECUTOR),
        "other_executor": make.user(Role.EXECUTOR),
        "superuser": make.user(Role.OPERATOR, superuser=True),
    }
    ticket = make.ticket(users["requester"])
    make.assign(ticket, users["operator"], users["executor"])
    public = upload(testapp, make, ticket["id"], users["requester"], [("photo.png", PNG)])
    note = testapp.post_json(
        f"/api/tickets/{ticket['id']}/comments/",
        {"body": "Vendor case 1234", "internal": True},
        headers=make.headers(users["executor"]),
    ).json
    internal = upload(
        testapp, make, ticket["id"], users["executor"], [("vendor.pdf", PDF)], comment_id=note["id"]
    )
    return Scene(ticket, public.json["results"][0], internal.json["results"][0], users)


ROLES = ("requester", "other_requester", "operator", "executor", "other_executor", "superuser")
#: Which files each role sees on the scene's ticket (None: the ticket is a 404).
SEES = {
    "requester": {"public"},
    "other_requester": None,
    "operator": {"public", "internal"},
    "executor": {"public", "internal"},
    "other_executor": None,
    "superuser": {"public", "internal"},
}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_each_role_what_it_may_see(testapp, make, scene, role):
    path = f"/api/tickets/{scene.ticket['id']}/attachments/"
    user = scene.users[role]
    if SEES[role] is None:
        testapp.get(path, headers=make.headers(user), status=404)
        return
    page = testapp.get(path, headers=make.headers(user)).json
    expected = {getattr(scene, kind)["id"] for kind in SEES[role]}
    assert {row["id"] for row in page["results"]} == expected
    assert page["count"] == len(expected)
    assert all(set(row) == ATTACHMENT_KEYS for row in page["results"])


@pytest.mark.parametrize("kind", ["public", "internal"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("suffix", ["/", "/content"])
def test_metadata_and_content_follow_the_acl(testapp, make, scene, role, kind, suffix):
    file = getattr(scene, kind)
    path = f"/api/attachments/{file['id']}{suffix}"
    sees = SEES[role] is not None and kind in SEES[role]
    response = testapp.get(path, headers=make.headers(scene.users[role]), status="*")
    if not sees:
        assert response.status_int == 404
        assert response.content_type == "application/problem+json"
        return
    assert response.status_int == 200
    if suffix == "/":
        assert response.json == file
    else:
        assert response.body == (PNG if kind == "public" else PDF)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_comment_may_upload(testapp, make, scene, role):
    status = 404 if SEES[role] is None else 201
    response = upload(
        testapp, make, scene.ticket["id"], scene.users[role], [("a.txt", TEXT)], status=status
    )
    if status == 201:
        (row,) = response.json["results"]
        assert row["uploader"]["id"] == scene.users[role].id
        assert row["internal"] is False


#: Who may remove which file of the open ticket.
REMOVES = {
    ("requester", "public"): 204,
    ("requester", "internal"): 404,
    ("other_requester", "public"): 404,
    ("operator", "public"): 204,
    ("operator", "internal"): 204,
    ("executor", "public"): 403,
    ("executor", "internal"): 204,
    ("other_executor", "internal"): 404,
    ("superuser", "public"): 204,
    ("superuser", "internal"): 204,
}


@pytest.mark.parametrize(("role", "kind"), list(REMOVES))
def test_delete_follows_the_acl(testapp, make, scene, role, kind):
    file = getattr(scene, kind)
    status = REMOVES[(role, kind)]
    testapp.delete(
        f"/api/attachments/{file['id']}/", headers=make.headers(scene.users[role]), status=status
    )
    after = testapp.get(
        f"/api/attachments/{file['id']}/",
        headers=make.headers(scene.users["operator"]),
        status="*",
    )
    assert after.status_int == (404 if status == 204 else 200)


def test_uploader_may_remove_while_the_ticket_waits_for_them(testapp, make, scene):
    executor = scene.users["executor"]
    testapp.post_json(
        f"/api/tickets/{scene.ticket['id']}/wait/",
        {"comment": "Which printer?"},
        headers=make.headers(executor),
    )
    testapp.delete(
        f"/api/attachments/{scene.public['id']}/",
        headers=make.headers(scene.users["requester"]),
        status=204,
    )


@pytest.mark.parametrize(("role", "status"), [("requester", 409), ("operator", 204)])
def test_uploader_may_not_remove_once_the_ticket_is_final(testapp, make, scene, role, status):
    executor = scene.users["executor"]
    make.execute(scene.ticket, executor, "IN_PROGRESS")
    make.execute(scene.ticket, executor, "DONE")
    testapp.delete(
        f"/api/attachments/{scene.public['id']}/",
        headers=make.headers(scene.users[role]),
        status=status,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/tickets/{ticket}/attachments/"),
        ("post", "/api/tickets/{ticket}/attachments/"),
        ("get", "/api/attachments/{file}/"),
        ("get", "/api/attachments/{file}/content"),
        ("delete", "/api/attachments/{file}/"),
        ("get", "/api/attachments/99999/"),
    ],
)
def test_anonymous_callers_get_401(testapp, scene, method, path):
    url = path.format(ticket=scene.ticket["id"], file=scene.public["id"])
    response = getattr(testapp, method)(url, status=401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_history_and_feed_hide_internal_files_from_requesters(testapp, make, scene):
    path = f"/api/tickets/{scene.ticket['id']}/history/"
    mine = testapp.get(path, headers=make.headers(scene.users["requester"])).json["results"]
    theirs = testapp.get(path, headers=make.headers(scene.users["operator"])).json["results"]
    added = [e["data"] for e in mine if e["kind"] == "attachment_added"]
    assert added == [
        {
            "attachment_id": scene.public["id"],
            "comment_id": None,
            "filename": "photo.png",
            "size": len(PNG),
            "content_type": "image/png",
            "internal": False,
        }
    ]
    everyone = [e["data"]["attachment_id"] for e in theirs if e["kind"] == "attachment_added"]
    assert everyone == [scene.public["id"], scene.internal["id"]]
    feed = testapp.get(
        "/api/events/?kind=attachment_added", headers=make.headers(scene.users["operator"])
    ).json
    assert [e["data"]["internal"] for e in feed["results"]] == [False, True]

    testapp.delete(
        f"/api/attachments/{scene.internal['id']}/", headers=make.headers(scene.users["operator"])
    )
    mine = testapp.get(path, headers=make.headers(scene.users["requester"])).json["results"]
    assert "attachment_removed" not in {e["kind"] for e in mine}
    feed = testapp.get(
        "/api/events/?kind=attachment_removed", headers=make.headers(scene.users["operator"])
    ).json
    assert [e["data"]["attachment_id"] for e in feed["results"]] == [scene.internal["id"]]


def test_internal_comment_ids_are_not_a_requesters_to_use(testapp, make, scene):
    response = upload(
        testapp,
        make,
        scene.ticket["id"],
        scene.users["requester"],
        [("a.txt", TEXT)],
        comment_id=scene.internal["comment_id"],
        status=400,
    )
    assert response.json["errors"][0]["name"] == "comment_id"


def test_files_on_a_public_comment_are_public(testapp, make, scene):
    requester = scene.users["requester"]
    comment = testapp.post_json(
        f"/api/tickets/{scene.ticket['id']}/comments/",
        {"body": "Here is the error"},
        headers=make.headers(requester),
    ).json
    (row,) = upload(
        testapp, make, scene.ticket["id"], requester, [("e.jpg", JPEG)], comment_id=comment["id"]
    ).json["results"]
    assert (row["comment_id"], row["internal"], row["content_type"]) == (
        comment["id"],
        False,
        "image/jpeg",
    )


# --- uploads ---------------------------------------------------------------------------


@pytest.fixture
def ticket(make, requester):
    return make.ticket(requester)


@pytest.mark.parametrize(
    ("content", "sniffed"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (PDF, "application/pdf"),
        (TEXT, "text/plain"),
        (SVG, "image/svg+xml"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_the_type_is_sniffed_from_the_content(testapp, make, requester, ticket, content, sniffed):
    # A misleading name and declared type change nothing.
    response = testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        upload_files=[("file", "report.exe", content, "application/x-msdownload")],
        headers=make.headers(requester),
        status=201,
    )
    assert response.json["results"][0]["content_type"] == sniffed


def test_several_files_in_one_request(testapp, make, requester, ticket):
    response = upload(
        testapp, make, ticket["id"], requester, [("a.png", PNG), ("b.pdf", PDF), ("c.txt", TEXT)]
    )
    assert [r["filename"] for r in response.json["results"]] == ["a.png", "b.pdf", "c.txt"]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("C:\\Users\\ann\\Desktop\\shot.png", "shot.png"),
        ("photos/2026/shot.png", "shot.png"),
        ("  spaced.png  ", "spaced.png"),
        ("Отчёт об ошибке.png", "Отчёт об ошибке.png"),
        ("x" * 300 + ".png", "x" * 251 + ".png"),
    ],
)
def test_filenames_are_cleaned_for_display(testapp, make, requester, ticket, sent, shown):
    (row,) = upload(testapp, make, ticket["id"], requester, [(sent, PNG)]).json["results"]
    assert row["filename"] == shown


def test_the_same_bytes_are_stored_once_per_ticket_and_removed_with_the_last_row(
    testapp, make, requester, registry
):
    first, second = make.ticket(requester), make.ticket(requester)
    payload = big(600 * 1024)
    a = upload(testapp, make, first["id"], requester, [("a.png", payload)]).json["results"][0]
    b = upload(testapp, make, first["id"], requester, [("b.png", payload)]).json["results"][0]
    c = upload(testapp, make, second["id"], requester, [("c.png", payload)]).json["results"][0]
    assert a["sha256"] == b["sha256"] == c["sha256"]
    assert len(chunk_keys(registry)) == 2  # one copy per ticket
    assert chunk_bytes(registry) == 2 * len(payload)

    testapp.delete(f"/api/attachments/{a['id']}/", headers=make.headers(requester))
    assert len(chunk_keys(registry)) == 2  # b still names the bytes
    assert testapp.get(b["content_url"], headers=make.headers(requester)).body == payload
    testapp.delete(f"/api/attachments/{b['id']}/", headers=make.headers(requester))
    assert chunk_keys(registry) == {f"tickets/{second['id']}/{c['sha256']}"}


def test_a_ticket_holds_at_most_max_per_ticket_files(testapp, make, requester, ticket, registry):
    limit = registry["attachment_settings"].max_per_ticket
    files = [(f"{i}.txt", f"file {i}\n".encode()) for i in range(limit)]
    upload(testapp, make, ticket["id"], requester, files)
    response = upload(testapp, make, ticket["id"], requester, [("one-more.txt", TEXT)], status=409)
    assert response.content_type == "application/problem+json"


# --- downloads -------------------------------------------------------------------------


@pytest.fixture
def stored(testapp, make, requester, ticket):
    """A 3 MiB file: several chunks, and over desk.max_body_bytes on the way in."""
    payload = big(3 * 1024 * 1024 + 123)
    row = upload(testapp, make, ticket["id"], requester, [("Scan ü «1».png", payload)]).json
    return row["results"][0], payload


def test_download_headers(testapp, make, requester, stored):
    row, payload = stored
    response = testapp.get(row["content_url"], headers=make.headers(requester))
    assert response.body == payload
    assert response.headers["Content-Length"] == str(len(payload))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{row["sha256"]}"'
    assert response.headers["Accept-Ranges"] == "bytes"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "Scan ü «1».png"
    assert disposition.isascii()


def test_if_none_match_answers_304(testapp, make, requester, stored):
    row, _ = stored
    response = testapp.get(
        row["content_url"],
        headers={**make.headers(requester), "If-None-Match": f'"{row["sha256"]}"'},
        status=304,
    )
    assert response.body == b""
    testapp.get(row["content_url"], headers={**make.headers(requester), "If-None-Match": '"other"'})


SIZE = 3 * 1024 * 1024 + 123


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=262140-262150", 262140, 262151),  # across a chunk boundary
        ("bytes=1000000-", 1000000, SIZE),
        ("bytes=-5", SIZE - 5, SIZE),
        ("bytes=100-99999999", 100, SIZE),
        (f"bytes=-{SIZE + 10}", 0, SIZE),
    ],
)
def test_ranges_answer_206(testapp, make, requester, stored, header, start, stop):
    row, payload = stored
    response = testapp.get(
        row["content_url"], headers={**make.headers(requester), "Range": header}, status=206
    )
    assert response.body == payload[start:stop]
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{SIZE}"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=10-5",
        f"bytes={SIZE}-",
        "items=0-1",
        "bytes=-0",
        "bytes=",
        "bytes=1-2-3",
        "bytes=" + "9" * 40 + "-",
    ],
)
def test_bad_ranges_answer_416(testapp, make, requester, stored, header):
    row, _ = stored
    response = testapp.get(
        row["content_url"], headers={**make.headers(requester), "Range": header}, status=416
    )
    assert response.content_type == "application/problem+json"
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


def test_several_ranges_get_the_whole_file(testapp, make, requester, stored):
    row, payload = stored
    response = testapp.get(
        row["content_url"], headers={**make.headers(requester), "Range": "bytes=0-1,5-6"}
    )
    assert response.status_int == 200
    assert response.body == payload


@pytest.mark.parametrize(
    ("content", "disposition"),
    [
        (PNG, "inline"),
        (JPEG, "inline"),
        (SVG, "attachment"),
        (PDF, "attachment"),
        (TEXT, "attachment"),
    ],
)
def test_only_raster_images_are_shown_inline(
    testapp, make, requester, ticket, content, disposition
):
    (row,) = upload(testapp, make, ticket["id"], requester, [("f", content)]).json["results"]
    response = testapp.get(row["content_url"], headers=make.headers(requester))
    assert response.headers["Content-Disposition"].split(";")[0] == disposition
    assert response.headers["Content-Type"].split(";")[0] == row["content_type"]


def test_html_is_refused_by_default(testapp, make, requester, ticket):
    upload(testapp, make, ticket["id"], requester, [("page.html", HTML)], status=415)
