"""The admin's ticket page lists every file, internal ones marked, with download links that
answer like the API's downloads; only superusers get them."""

from desk.models import Role
from tests.functional.test_admin import log_in, root  # noqa: F401 (a fixture)
from tests.support.attachments import PDF, PNG


def test_the_ticket_page_lists_files_with_download_links(testapp, make, root):  # noqa: F811
    requester = make.user(Role.REQUESTER, username="rita")
    operator = make.user(Role.OPERATOR, username="oleg")
    ticket = make.ticket(requester)
    note = testapp.post_json(
        f"/api/tickets/{ticket['id']}/comments/",
        {"body": "Vendor case", "internal": True},
        headers=make.headers(operator),
    ).json
    for user, name, content, fields in [
        (requester, "Фото ошибки.png", PNG, {}),
        (operator, "vendor.pdf", PDF, {"comment_id": str(note["id"])}),
    ]:
        testapp.post(
            f"/api/tickets/{ticket['id']}/attachments/",
            params=fields,
            upload_files=[("file", name, content)],
            headers=make.headers(user),
            status=201,
        )
    page = testapp.get(f"/admin/tickets/{ticket['id']}/")
    links = page.html.select("table.attachments a[download]")
    assert [link.text for link in links] == ["Фото ошибки.png", "vendor.pdf"]
    rows = page.html.select("table.attachments tbody tr")
    assert "Internal note" in rows[1].text
    assert "Internal note" not in rows[0].text
    kinds = [cell.text for cell in page.html.select("td[data-label=What]")]
    assert kinds.count("File attached") == 2

    download = testapp.get(links[1]["href"])
    assert download.body == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    testapp.get("/admin/attachments/99999/content", status=404)


def test_only_superusers_download_through_the_admin(testapp, make):
    requester = make.user(Role.REQUESTER, username="rita", password="wonderland-42")
    ticket = make.ticket(requester)
    row = testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        upload_files=[("file", "a.png", PNG)],
        headers=make.headers(requester),
    ).json["results"][0]
    answer = testapp.get(f"/admin/attachments/{row['id']}/content", status="*")
    assert answer.status_int in (302, 303, 401, 403)
    assert answer.body != PNG
