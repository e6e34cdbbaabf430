"""Swagger UI's "Try it out" uploads a file: the spec's formData file parameter works."""

import pytest

from desk.models import Role
from tests.browser.test_swagger_ui import page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

SCREENSHOT = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def test_try_it_out_uploads_a_file(page, make, tmp_path):  # noqa: F811
    requester = make.user(Role.REQUESTER, username="swagger-uploader")
    ticket = make.ticket(requester)
    token = make.headers(requester)["Authorization"].removeprefix("Bearer ")
    photo = tmp_path / "printer error.png"
    photo.write_bytes(SCREENSHOT)

    page.goto("/api/docs/")
    operation_id = "#operations-attachments-upload_attachments"
    page.wait_for_selector(operation_id)
    page.click("button.authorize")
    page.fill(".modal-ux input[type=text]", token)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")

    operation = page.locator(operation_id)
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("tr[data-param-name='id'] input").fill(str(ticket["id"]))
    operation.locator("tr[data-param-name='file'] input[type=file]").set_input_files(str(photo))
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip() == "201"
    assert (
        "printer error.png"
        in operation.locator(".live-responses-table .microlight").first.inner_text()
    )

    listed = make.testapp.get(
        f"/api/tickets/{ticket['id']}/attachments/", headers=make.headers(requester)
    ).json["results"]
    assert [(row["filename"], row["content_type"], row["size"]) for row in listed] == [
        ("printer error.png", "image/png", len(SCREENSHOT))
    ]
