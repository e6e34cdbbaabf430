"""``GET /api/reports/sla/``: per priority, targets met and missed and the times taken."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from desk.models import Role, Ticket
from desk.sla.report import percentile
from tests.conftest import PASSWORD


def test_the_report_sums_up_each_priority(testapp, make, requester, operator, executor):
    done = make.ticket_in("DONE", requester, operator, executor)  # NORMAL, met both
    make.ticket(requester, priority="URGENT")  # nobody answered yet
    make.ticket(requester, priority="URGENT")

    report = testapp.get("/api/reports/sla/", headers=make.headers(operator)).json

    by_priority = {row["priority"]: row for row in report["priorities"]}
    assert [row["priority"] for row in report["priorities"]] == ["URGENT", "HIGH", "NORMAL", "LOW"]
    normal = by_priority["NORMAL"]
    assert (normal["tickets"], normal["with_target"]) == (1, 1)
    assert normal["response"]["met"] == normal["resolution"]["met"] == 1
    taken = datetime.fromisoformat(done["completed_at"]) - datetime.fromisoformat(
        done["created_at"]
    )
    assert normal["resolution"]["median_seconds"] == taken.total_seconds()
    assert normal["resolution"]["p90_seconds"] == taken.total_seconds()
    urgent = by_priority["URGENT"]
    assert (urgent["tickets"], urgent["response"]["pending"], urgent["response"]["met"]) == (
        2,
        2,
        0,
    )
    assert urgent["response"]["median_seconds"] is None
    assert by_priority["LOW"]["tickets"] == 0


def test_the_period_selects_tickets_by_filing_time(testapp, make, requester, operator):
    ticket = make.ticket(requester, priority="HIGH")
    created = datetime.fromisoformat(ticket["created_at"])
    later = (created + timedelta(seconds=1)).isoformat()

    def high(query: str) -> int:
        report = testapp.get(f"/api/reports/sla/{query}", headers=make.headers(operator)).json
        return next(r for r in report["priorities"] if r["priority"] == "HIGH")["tickets"]

    assert high(f"?until={later.replace('+', '%2B')}") == 1
    assert high(f"?since={later.replace('+', '%2B')}") == 0


def test_a_bad_period_is_a_400_naming_it(testapp, make, operator):
    problem = testapp.get(
        "/api/reports/sla/?since=yesterday", headers=make.headers(operator), status=400
    ).json
    assert problem["errors"][0]["name"] == "since"


def test_the_admin_dashboard_charts_the_service_levels(
    testapp, make, requester, operator, executor
):
    make.ticket_in("DONE", requester, operator, executor)  # NORMAL, both met
    make.ticket(requester, priority="URGENT")
    make.user(Role.OPERATOR, username="root", superuser=True)
    testapp.reset()
    form = testapp.get("/admin/login/").forms["login-form"]
    form["username"], form["password"] = "root", PASSWORD
    form.submit(status=303)

    page = testapp.get("/admin/")

    rows = {
        row.select_one("th").text: [cell.text.strip() for cell in row.select("td")]
        for row in page.html.select(".sla-chart tbody tr")
    }
    assert list(rows) == ["Urgent", "High", "Normal", "Low"]
    assert rows["Normal"] == ["1", "1 met, 0 breached", "1 met, 0 breached"]
    assert rows["Urgent"] == ["1", "0 met, 0 breached", "0 met, 0 breached"]


def test_the_report_agrees_with_every_ticket_s_own_service_levels(
    testapp, make, requester, operator, executor
):
    """The report's grouped SQL against each ticket's ``sla`` and times, as the API shows them."""
    tickets = [
        make.ticket_in(status, requester, operator, executor)
        for status in ("NEW", "ASSIGNED", "IN_PROGRESS", "WAITING", "DONE", "DONE", "CANCELLED")
    ]
    tickets.append(make.ticket(requester, priority="URGENT"))
    tickets.append(make.ticket(requester, priority="URGENT"))  # in time: both pending
    session = make.registry["dbsession_factory"]()
    for late in (tickets[0], tickets[1], tickets[4], tickets[7]):  # targets already passed
        filed = datetime.fromisoformat(late["created_at"])
        session.execute(
            update(Ticket)
            .where(Ticket.id == late["id"])
            .values(
                response_due_at=filed - timedelta(hours=1),
                resolution_due_at=filed - timedelta(minutes=1),
            )
        )
    session.commit()
    session.close()
    shown = [
        testapp.get(f"/api/tickets/{t['id']}/", headers=make.headers(operator)).json
        for t in tickets
    ]

    report = testapp.get("/api/reports/sla/", headers=make.headers(operator)).json

    for row in report["priorities"]:
        mine = [t for t in shown if t["priority"] == row["priority"]]
        assert (row["tickets"], row["with_target"]) == (len(mine), len(mine))
        for target, moment in (("response", "first_response_at"), ("resolution", "completed_at")):
            states = [t["sla"][target] for t in mine]
            assert {s: row[target][s] for s in ("met", "breached", "pending")} == {
                s: states.count(s) for s in ("met", "breached", "pending")
            }, (row["priority"], target)
            taken = [
                (
                    datetime.fromisoformat(t[moment]) - datetime.fromisoformat(t["created_at"])
                ).total_seconds()
                for t in mine
                if t[moment]
            ]
            assert row[target]["median_seconds"] == pytest.approx(percentile(taken, 0.5))
            assert row[target]["p90_seconds"] == pytest.approx(percentile(taken, 0.9))
    # Not a vacuous match: every state of each target occurs.
    for target in ("response", "resolution"):
        assert {t["sla"][target] for t in shown} >= {"met", "breached", "pending"}, target
