"""Notifications end to end: changes through the API, a worker, a real receiver and SMTP.

The receiver verifies every request's signature with the ``standardwebhooks`` package; the
mailbox is an aiosmtpd server. The worker runs in the test's process, turn by turn.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk import workflow
from desk.models import Delivery, Role, TicketEvent, Webhook, utcnow
from desk.models.history import EVENT_KINDS
from desk.notifications.config import notification_config
from desk.notifications.webhooks import new_secret
from desk.sla.breaches import record_breaches

from ..support.notify import drain, make_worker, subscribe
from ..support.receivers import Mailbox, Receiver


@pytest.fixture
def mail_worker(settings, registry, mailbox):
    worker = make_worker(
        settings,
        **{
            "desk.mail.host": "127.0.0.1",
            "desk.mail.port": str(mailbox.port),
            "desk.mail.from": "desk@example.com",
        },
    )
    yield worker
    worker.engine.dispose()


def comment(make, ticket, author, body="Any news?", internal=False) -> dict:
    return make.testapp.post_json(
        f"/api/tickets/{ticket['id']}/comments/",
        {"body": body, "internal": internal},
        headers=make.headers(author),
    ).json


def a_life(make, requester, operator, executor) -> dict:
    """A ticket through every kind of event, one each (and an internal note)."""
    ticket = make.ticket(requester)
    make.testapp.patch_json(
        f"/api/tickets/{ticket['id']}/",
        {"title": "Printer jammed again"},
        headers=make.headers(requester),
    )
    make.assign(ticket, operator, executor)
    make.execute(ticket, executor, "IN_PROGRESS")
    comment(make, ticket, requester, "Any news?")
    comment(make, ticket, executor, "Waiting for a part", internal=True)
    make.testapp.post_json(
        f"/api/tickets/{ticket['id']}/cancel/",
        {"reason": "Bought a new one"},
        headers=make.headers(operator),
    )
    return ticket


def late_with_a_file(make, registry, requester) -> dict:
    """An urgent ticket with a file added and removed, left alone past both its targets;
    the service-level job then records its warnings and breaches."""
    ticket = make.ticket(requester, priority="URGENT")
    headers = make.headers(requester)
    upload = make.testapp.post(
        f"/api/tickets/{ticket['id']}/attachments/",
        upload_files=[("file", "note.txt", b"PC LOAD LETTER\n")],
        headers=headers,
    ).json["results"][0]
    make.testapp.delete(f"/api/attachments/{upload['id']}/", headers=headers)
    record_breaches_later(registry, hours=5, expected=4)
    return ticket


def record_breaches_later(registry, hours: int, expected: int) -> None:
    """The service-level job run as if ``hours`` had passed, recording ``expected`` events."""
    session = registry["dbsession_factory"]()
    try:
        moment = utcnow() + timedelta(hours=hours)
        assert record_breaches(session, registry.settings, moment) == expected
        session.commit()
    finally:
        session.close()


def test_every_event_kind_reaches_a_subscriber_signed(
    make, registry, worker, receiver, requester, operator, executor
):
    subscribe(registry, receiver, include_internal=True)
    ticket = a_life(make, requester, operator, executor)
    late_with_a_file(make, registry, requester)
    drain(worker)
    assert receiver.rejected == []
    assert receiver.types() == [
        "ticket.created",
        "ticket.edited",
        "ticket.assigned",
        "ticket.status_changed",
        "ticket.commented",
        "ticket.commented",
        "ticket.cancelled",
        "ticket.created",
        "ticket.attachment_added",
        "ticket.attachment_removed",
        "ticket.sla_warning",
        "ticket.sla_breached",
        "ticket.sla_warning",
        "ticket.sla_breached",
    ]
    assert {f"ticket.{kind}" for kind in EVENT_KINDS} == set(receiver.types())
    assert len({item["id"] for item in receiver.received}) == 14
    created = receiver.received[0]["payload"]["data"]
    assert created["ticket"]["id"] == ticket["id"]
    # The ticket as it is when the worker dispatches: here, after the whole life.
    assert created["ticket"]["status"] == "CANCELLED"
    assert created["ticket"]["allowed_actions"] == ["comment"]
    assert created["event"]["kind"] == "created"
    note = receiver.received[5]["payload"]["data"]
    assert note["comment"]["body"] == "Waiting for a part"
    assert note["comment"]["internal"] is True


def test_a_subscription_gets_only_its_kinds_and_no_internal_notes_unless_it_asks(
    make, registry, worker, requester, operator, executor
):
    receivers = [Receiver(new_secret()) for _ in range(2)]
    try:
        subscribe(registry, receivers[0], kinds=["commented"])
        subscribe(registry, receivers[1], kinds=["commented", "cancelled"], include_internal=True)
        a_life(make, requester, operator, executor)
        drain(worker)
        public, everything = (
            [
                item["payload"]["data"]["comment"]["body"]
                for item in r.received
                if "comment" in item["payload"]["data"]
            ]
            for r in receivers
        )
        assert public == ["Any news?"]
        assert everything == ["Any news?", "Waiting for a part"]
        assert receivers[1].types()[-1] == "ticket.cancelled"
    finally:
        for receiver in receivers:
            receiver.stop()


def test_an_inactive_subscription_gets_nothing(make, registry, worker, receiver, requester):
    webhook = subscribe(registry, receiver)
    session = registry["dbsession_factory"]()
    session.get(Webhook, webhook.id).active = False
    session.commit()
    session.close()
    make.ticket(requester)
    drain(worker)
    assert receiver.received == []


def test_a_rolled_back_change_sends_nothing(make, registry, worker, receiver, requester):
    subscribe(registry, receiver)
    session = registry["dbsession_factory"]()
    workflow.create_ticket(session, session.merge(requester), "Never happened")
    session.rollback()
    session.close()
    make.ticket(requester, title="Happened")
    drain(worker)
    (item,) = receiver.received
    assert item["payload"]["data"]["ticket"]["title"] == "Happened"
    # As an operator sees it (a requester would see "edit", not "assign").
    assert item["payload"]["data"]["ticket"]["allowed_actions"] == ["assign", "cancel", "comment"]


@pytest.mark.postgresql_only
def test_an_event_whose_id_commits_late_is_still_delivered(
    make, registry, worker, receiver, requester, operator
):
    """Sequence ids commit out of order; the dispatcher keeps no high-water mark."""
    subscribe(registry, receiver)
    first_ticket, second_ticket = make.ticket(requester), make.ticket(requester)
    drain(worker)
    receiver.received.clear()
    early, late = registry["dbsession_factory"](), registry["dbsession_factory"]()
    author = early.merge(operator)
    early_comment = workflow.add_comment(
        early, early.get(workflow.Ticket, first_ticket["id"]), author, "lower id, commits last"
    )
    late_comment = workflow.add_comment(
        late, late.get(workflow.Ticket, second_ticket["id"]), late.merge(operator), "higher id"
    )
    early_event_id = early.scalar(select(TicketEvent.id).order_by(TicketEvent.id.desc()))
    late_event_id = late.scalar(select(TicketEvent.id).order_by(TicketEvent.id.desc()))
    assert early_comment.id < late_comment.id
    assert early_event_id < late_event_id
    late.commit()
    drain(worker)  # sees the higher id only; the lower one is not committed yet
    early.commit()
    drain(worker)
    early.close()
    late.close()
    bodies = [item["payload"]["data"]["comment"]["body"] for item in receiver.received]
    assert bodies == ["higher id", "lower id, commits last"]


def test_a_receiver_down_for_a_while_gets_everything_when_it_is_back(
    make, registry, worker, receiver, requester
):
    subscribe(registry, receiver)
    receiver.status = 500
    tickets = [make.ticket(requester, title=f"Ticket {n}") for n in range(3)]
    drain(worker)
    session = registry["dbsession_factory"]()
    pending = session.scalars(select(Delivery)).all()
    assert {d.status for d in pending} == {"pending"}
    assert all(d.attempts >= 1 for d in pending)
    session.close()
    receiver.status = 200
    while len(receiver.received) < 3:
        drain(worker)
    titles = sorted(item["payload"]["data"]["ticket"]["title"] for item in receiver.received)
    assert titles == [t["title"] for t in tickets]


def test_a_delivery_past_its_retry_window_is_failed_and_kept(
    settings, make, registry, receiver, requester
):
    worker = make_worker(settings, **{"desk.worker.retry_window": "0"})
    try:
        subscribe(registry, receiver)
        receiver.status = 500
        make.ticket(requester)
        drain(worker)
    finally:
        worker.engine.dispose()
    session = registry["dbsession_factory"]()
    (delivery,) = session.scalars(select(Delivery)).all()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 1, "HTTP 500")
    session.close()


# --- e-mail ------------------------------------------------------------------------------------

#: Who is mailed, by default, about each step of ``a_life`` (nobody about their own change).
EXPECTED_MAIL = [
    ("created", set()),
    ("edited", set()),
    ("assigned", {"requester", "executor"}),
    ("status_changed", {"requester"}),
    ("commented by the requester", {"executor"}),
    ("internal note by the executor", set()),
    ("cancelled by the operator", {"requester"}),
]


def test_every_event_kind_mails_the_right_people(
    make, registry, mail_worker, mailbox, requester, operator, executor
):
    a_life(make, requester, operator, executor)
    drain(mail_worker)
    got = {"requester": mailbox.to(requester.email), "executor": mailbox.to(executor.email)}
    assert mailbox.to(operator.email) == []
    expected = {who: [step for step, people in EXPECTED_MAIL if who in people] for who in got}
    assert {who: len(messages) for who, messages in got.items()} == {
        who: len(steps) for who, steps in expected.items()
    }
    subjects = [m["Subject"] for m in got["requester"]]
    assert subjects[0].startswith("[Desk #")
    assert "assigned to" in subjects[0]
    assert "now in progress" in subjects[1]
    assert "cancelled" in subjects[2]
    assert "Bought a new one" in Mailbox.text(got["requester"][2])
    assert "Any news?" in Mailbox.text(got["executor"][1])
    assert all(m["From"] == "desk@example.com" for m in mailbox_messages(mailbox))


def test_a_missed_target_mails_the_executor_and_the_operators(
    make, registry, mail_worker, mailbox, requester, operator, executor
):
    ticket = make.assign(make.ticket(requester, priority="URGENT"), operator, executor)
    # The response target is met by no one; the resolution one passes too.
    record_breaches_later(registry, hours=5, expected=4)
    drain(mail_worker)
    missed = [
        m for m in mailbox.to(executor.email) if "service-level target was missed" in m["Subject"]
    ]
    assert len(missed) == 2
    assert all(f"[Desk #{ticket['id']}]" in m["Subject"] for m in missed)
    assert len(mailbox.to(operator.email)) == 2
    assert all("missed" in m["Subject"] for m in mailbox.to(operator.email))
    assert len([m for m in mailbox.to(executor.email) if "near" in m["Subject"]]) == 2
    assert mailbox.to(requester.email) == [
        m for m in mailbox.to(requester.email) if "assigned to" in m["Subject"]
    ]


def mailbox_messages(mailbox):
    return [item["message"] for item in mailbox.messages]


def test_a_requester_never_gets_an_internal_note(
    make, registry, mail_worker, mailbox, requester, operator, executor
):
    ticket = make.ticket(requester)
    make.assign(ticket, operator, executor)
    comment(make, ticket, operator, "The requester is difficult", internal=True)
    comment(make, ticket, operator, "We are on it")
    drain(mail_worker)
    texts = [Mailbox.text(m) + Mailbox.html(m) for m in mailbox.to(requester.email)]
    assert any("We are on it" in text for text in texts)
    assert not any("difficult" in text for text in texts)
    assert any("difficult" in Mailbox.text(m) for m in mailbox.to(executor.email))


def test_operators_on_new_tickets_when_the_ini_says_so(
    settings, make, registry, mailbox, requester
):
    operators = [make.user(Role.OPERATOR) for _ in range(2)]
    worker = make_worker(
        settings,
        **{
            "desk.mail.host": "127.0.0.1",
            "desk.mail.port": str(mailbox.port),
            "desk.mail.rules": "operators:created",
        },
    )
    try:
        make.ticket(requester, title="Wi-Fi down")
        drain(worker)
    finally:
        worker.engine.dispose()
    for operator in operators:
        (message,) = mailbox.to(operator.email)
        assert "Wi-Fi down" in message["Subject"]
    assert mailbox.to(requester.email) == []


def test_mail_follows_the_profile_language_and_switch(
    make, registry, mail_worker, mailbox, requester, operator, executor
):
    quiet = make.user(Role.REQUESTER)
    headers = make.headers(requester)
    profile = make.testapp.patch_json("/api/auth/profile/", {"language": "ru"}, headers=headers)
    assert profile.json["language"] == "ru"
    make.testapp.patch_json(
        "/api/auth/profile/", {"notify_email": False}, headers=make.headers(quiet)
    )
    for person in (requester, quiet):
        make.assign(make.ticket(person), operator, executor)
    drain(mail_worker)
    (message,) = mailbox.to(requester.email)
    assert "назначена исполнителю" in message["Subject"]
    assert "Здравствуйте" in Mailbox.text(message)
    assert '<html lang="ru">' in Mailbox.html(message)
    assert mailbox.to(quiet.email) == []


def test_a_russian_requesters_mail_is_russian_and_an_english_executors_english(
    make, registry, mail_worker, mailbox, requester, operator, executor
):
    make.testapp.patch_json(
        "/api/auth/profile/", {"language": "ru"}, headers=make.headers(requester)
    )
    make.testapp.patch_json(
        "/api/auth/profile/", {"language": "en"}, headers=make.headers(executor)
    )
    ticket = make.ticket(requester)
    make.assign(ticket, operator, executor)
    make.execute(ticket, executor, "IN_PROGRESS")
    comment(make, ticket, requester, "Есть новости?")
    drain(mail_worker)

    assigned, started = mailbox.to(requester.email)
    assert assigned["Subject"].endswith(f": назначена исполнителю {executor.username}")
    assert started["Subject"].endswith(": статус: в работе")
    for message in (Mailbox.text(started), Mailbox.html(started)):
        assert f"Заявка #{ticket['id']}: статус: в работе" in message
        assert "Статус" in message
        assert "в работе" in message
        assert "Письма можно отключить в профиле" in message
        assert "Ticket" not in message
        assert "Status" not in message
    assert f"Кто: {executor.username}" in Mailbox.text(started)

    (commented,) = [m for m in mailbox.to(executor.email) if "new comment" in m["Subject"]]
    text = Mailbox.text(commented)
    assert "Hello" in text
    assert "Есть новости?" in text
    assert "Status: in progress" in text
    assert "Turn these messages off in your profile" in text


def test_an_smtp_server_that_is_down_loses_nothing(
    settings, make, registry, requester, operator, executor
):
    down = Mailbox()
    down.stop()  # nothing listens on its port now
    worker = make_worker(
        settings, **{"desk.mail.host": "127.0.0.1", "desk.mail.port": str(down.port)}
    )
    try:
        make.assign(make.ticket(requester), operator, executor)
        drain(worker)
        session = registry["dbsession_factory"]()
        deliveries = session.scalars(select(Delivery)).all()
        session.close()
        assert {d.status for d in deliveries} == {"pending"}
        assert all("ConnectionRefused" in d.last_error for d in deliveries)
    finally:
        worker.engine.dispose()
    mailbox = Mailbox()
    worker = make_worker(
        settings, **{"desk.mail.host": "127.0.0.1", "desk.mail.port": str(mailbox.port)}
    )
    try:
        while len(mailbox.messages) < 2:
            drain(worker)
    finally:
        worker.engine.dispose()
        mailbox.stop()
    assert len(mailbox.to(requester.email)) == 1
    assert len(mailbox.to(executor.email)) == 1


def test_the_mail_password_comes_from_the_environment_and_never_shows(settings, monkeypatch):
    monkeypatch.setenv("DESK_MAIL_PASSWORD", "hunter2-the-mail-password")
    config = notification_config({**settings, "desk.mail.host": "smtp.example.com"})
    assert config.mail.password == "hunter2-the-mail-password"
    assert "hunter2" not in repr(config)
