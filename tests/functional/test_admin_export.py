"""Exports of the admin's lists: CSV (UTF-8 with BOM, formulas neutralised) and JSON lines."""

import csv
import io
import json

from sqlalchemy import update

from desk.models import Role, User


def read_csv(response) -> list[dict]:
    assert response.body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.body.decode("utf-8-sig"))))


def read_jsonl(response) -> list[dict]:
    return [json.loads(line) for line in response.body.decode("utf-8").splitlines()]


def test_tickets_csv_follows_the_filter_and_order(testapp, make, crew, root):
    make.ticket(crew["requester"], title="Принтер не печатает", priority="HIGH")
    make.ticket(crew["requester"], title='=HYPERLINK("http://evil")', priority="HIGH")
    make.ticket(crew["requester"], title="Not this one", priority="LOW")
    response = testapp.get("/admin/tickets/?priority=HIGH&o=id&format=csv")
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [row["title"] for row in rows] == ["Принтер не печатает", '\'=HYPERLINK("http://evil")']
    assert rows[0]["priority"] == "HIGH"
    assert rows[0]["status"] == "NEW"
    assert rows[0]["requester"] == "rita"
    assert rows[0]["executor"] == ""
    assert rows[0]["created_at"].endswith("+00:00")
    assert ":" in rows[0]["created_at"].split("T")[1]


def test_every_formula_start_is_neutralised(testapp, make, root):
    for username in ("+plus", "-minus", "@at", "plain"):
        make.user(Role.REQUESTER, username=username)
    session = make.registry["dbsession_factory"]()
    session.execute(update(User).where(User.username == "plain").values(email="=cmd|' /C calc'!A0"))
    session.commit()
    session.close()
    rows = {row["id"]: row for row in read_csv(testapp.get("/admin/users/?format=csv"))}
    usernames = sorted(row["username"] for row in rows.values())
    assert usernames == ["'+plus", "'-minus", "'@at", "plain", "root"]
    (plain,) = (row for row in rows.values() if row["username"] == "plain")
    assert plain["email"] == "'=cmd|' /C calc'!A0"
    # JSON lines are data, not a spreadsheet: the values stay as they are.
    records = read_jsonl(testapp.get("/admin/users/?format=jsonl"))
    assert "+plus" in {record["username"] for record in records}


def test_users_jsonl_holds_codes_and_native_values(testapp, make, root):
    make.user(Role.EXECUTOR, username="ёжик")
    response = testapp.get("/admin/users/?role=EXECUTOR&format=jsonl")
    assert response.content_type == "application/jsonl"
    records = read_jsonl(response)
    assert records == [
        {
            "id": records[0]["id"],
            "username": "ёжик",
            "email": "ёжик@example.com",
            "role": "EXECUTOR",
            "is_active": True,
            "is_superuser": False,
            "date_joined": records[0]["date_joined"],
        }
    ]


def test_the_list_page_links_to_its_exports(testapp, make, crew, root):
    page = testapp.get("/admin/tickets/?status=NEW&page=1")
    links = [a["href"] for a in page.html.select(".exports a")]
    assert any(
        "format=csv" in link and "status=NEW" in link and "page=" not in link for link in links
    )
    assert any("format=jsonl" in link for link in links)


def test_exports_need_a_superuser(testapp, make):
    response = testapp.get("/admin/tickets/?format=csv", status=303)
    assert "/admin/login/" in response.location
