"""Breaches recorded by the periodic job, with a clock the tests hold (``now``).

The app's targets are the test settings' (urgent: 1h to respond, 4h to resolve, warnings at
80%). Tickets are filed now; the job then runs as if hours had passed with no worker running.
"""

from datetime import datetime, timedelta

import pytest

from desk.sla.breaches import record_breaches


def run_job(registry, now: datetime) -> int:
    session = registry["dbsession_factory"]()
    try:
        recorded = record_breaches(session, registry.settings, now)
        session.commit()
        return recorded
    finally:
        session.close()


def sla_events(testapp, make, ticket: dict, operator) -> list[dict]:
    history = testapp.get(
        f"/api/tickets/{ticket['id']}/history/", headers=make.headers(operator)
    ).json["results"]
    return [
        (event["kind"], event["data"]["target"], datetime.fromisoformat(event["created_at"]))
        for event in history
        if event["kind"].startswith("sla_")
    ]


def test_a_late_worker_records_each_breach_once_at_the_time_it_happened(
    testapp, registry, make, requester, operator
):
    ticket = make.ticket(requester, priority="URGENT")
    created = datetime.fromisoformat(ticket["created_at"])
    assert datetime.fromisoformat(ticket["response_due_at"]) == created + timedelta(hours=1)
    assert datetime.fromisoformat(ticket["resolution_due_at"]) == created + timedelta(hours=4)

    # Five hours later, with no worker running meanwhile.
    assert run_job(registry, created + timedelta(hours=5)) == 4

    assert sla_events(testapp, make, ticket, operator) == [
        ("sla_warning", "response", created + timedelta(minutes=48)),
        ("sla_breached", "response", created + timedelta(hours=1)),
        ("sla_warning", "resolution", created + timedelta(hours=3, minutes=12)),
        ("sla_breached", "resolution", created + timedelta(hours=4)),
    ]
    # Again, and later still: nothing new.
    assert run_job(registry, created + timedelta(hours=5)) == 0
    assert run_job(registry, created + timedelta(days=30)) == 0
    assert len(sla_events(testapp, make, ticket, operator)) == 4


def test_the_job_records_only_what_has_passed(testapp, registry, make, requester, operator):
    ticket = make.ticket(requester, priority="URGENT")
    created = datetime.fromisoformat(ticket["created_at"])

    assert run_job(registry, created + timedelta(minutes=30)) == 0
    assert run_job(registry, created + timedelta(minutes=50)) == 1
    assert sla_events(testapp, make, ticket, operator) == [
        ("sla_warning", "response", created + timedelta(minutes=48)),
    ]


@pytest.mark.parametrize("met_by", ["public reply", "start of work"])
def test_a_target_met_in_time_is_never_breached(
    testapp, registry, make, requester, operator, executor, met_by
):
    ticket = make.ticket(requester, priority="URGENT")
    created = datetime.fromisoformat(ticket["created_at"])
    make.assign(ticket, operator, executor)
    if met_by == "public reply":
        testapp.post_json(
            f"/api/tickets/{ticket['id']}/comments/",
            {"body": "On my way"},
            headers=make.headers(executor),
        )
    else:
        make.execute(ticket, executor, "IN_PROGRESS")
    shown = testapp.get(f"/api/tickets/{ticket['id']}/", headers=make.headers(operator)).json
    assert shown["first_response_at"] is not None
    assert shown["sla"] == {"response": "met", "resolution": "pending"}

    run_job(registry, created + timedelta(hours=5))

    assert [(kind, target) for kind, target, _ in sla_events(testapp, make, ticket, operator)] == [
        ("sla_warning", "resolution"),
        ("sla_breached", "resolution"),
    ]


def test_a_low_priority_ticket_has_its_own_targets(testapp, registry, make, requester, operator):
    ticket = make.ticket(requester, priority="LOW")
    created = datetime.fromisoformat(ticket["created_at"])
    assert datetime.fromisoformat(ticket["response_due_at"]) == created + timedelta(days=3)
    assert datetime.fromisoformat(ticket["resolution_due_at"]) == created + timedelta(weeks=1)
    assert ticket["sla"] == {"response": "pending", "resolution": "pending"}
    assert ticket["first_response_at"] is None

    assert run_job(registry, created + timedelta(days=2)) == 0


def test_a_priority_change_recomputes_the_due_times(testapp, make, requester, operator):
    ticket = make.ticket(requester)  # NORMAL: 1d 3d
    created = datetime.fromisoformat(ticket["created_at"])
    assert datetime.fromisoformat(ticket["response_due_at"]) == created + timedelta(days=1)

    edited = testapp.patch_json(
        f"/api/tickets/{ticket['id']}/", {"priority": "URGENT"}, headers=make.headers(requester)
    ).json

    assert datetime.fromisoformat(edited["response_due_at"]) == created + timedelta(hours=1)
    assert datetime.fromisoformat(edited["resolution_due_at"]) == created + timedelta(hours=4)
    history = testapp.get(
        f"/api/tickets/{ticket['id']}/history/", headers=make.headers(operator)
    ).json["results"]
    assert history[-1]["kind"] == "edited"
    assert history[-1]["data"]["changes"] == {"priority": ["NORMAL", "URGENT"]}
