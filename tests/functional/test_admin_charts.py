"""``/admin/charts/``: SVG charts whose numbers agree with the API."""

from datetime import UTC, datetime

from tests.functional.test_admin import api


def table(page, table_id: str) -> dict[str, list[str]]:
    return {
        row.select_one("th").get_text(strip=True): [td.get_text(strip=True) for td in row("td")]
        for row in page.html.select(f"#{table_id} tbody tr")
    }


def test_chart_numbers_match_the_api(testapp, make, crew, root):
    for _ in range(3):
        make.ticket(crew["requester"], priority="HIGH")
    assigned = make.assign(make.ticket(crew["requester"]), crew["operator"], crew["executor"])
    make.ticket_in("DONE", crew["requester"], crew["operator"], crew["other"])
    make.ticket_in("CANCELLED", crew["requester"], crew["operator"], crew["other"])
    page = testapp.get("/admin/charts/")
    assert page.html.select("svg.chart")
    assert not page.html.select("script:not([src])")
    assert not page.html.select("[style]")  # coloured by the stylesheet: CSP-proof

    def count(**params) -> int:
        return api(make, "get", "/api/tickets/all-tickets/", root, params=params).json["count"]

    backlog = table(page, "table-backlog")
    assert backlog["New"] == [str(count(status="NEW"))] == ["3"]
    assert backlog["Assigned"] == [str(count(status="ASSIGNED"))] == ["1"]
    assert backlog["In progress"] == ["0"]
    executors = table(page, "table-executors")
    open_of_ed = count(executor_id=crew["executor"].id, status="NEW,ASSIGNED,IN_PROGRESS")
    assert executors == {"ed": [str(open_of_ed)]}
    today = datetime.now(UTC).date().isoformat()
    per_day = table(page, "table-per-day")
    assert len(per_day) == 30
    assert per_day[today] == [str(count()), "2"]  # six filed; one done, one cancelled today
    medians = table(page, "table-medians")
    assert medians["Normal"][1] == "1"
    assert medians["Normal"][0].endswith("h")
    assert medians["High"] == ["—", "0"]
    assert assigned["status"] == "ASSIGNED"


def test_charts_are_in_the_navigation(testapp, root):
    page = testapp.get("/admin/")
    assert page.html.select_one("nav.main-nav a[href='/admin/charts/']")
