"""Workers for the notification tests: in-process, with short polls, leases and backoff."""

import pytest
from sqlalchemy.orm import sessionmaker

from desk.models import EVENT_KINDS, Webhook, get_engine
from desk.notifications.config import notification_config
from desk.notifications.webhooks import new_secret
from desk.notifications.worker import Worker

from .receivers import Mailbox, Receiver

#: Seconds, not minutes: the suite waits for retries and leases.
FAST_SETTINGS = {
    "desk.webhooks.allow_private": "true",
    "desk.webhooks.connect_timeout": "0.5",
    "desk.webhooks.timeout": "1",
    "desk.worker.poll_interval": "0.05",
    "desk.worker.lease": "2",
    "desk.worker.backoff_base": "0.05",
    "desk.worker.backoff_max": "0.2",
    "desk.mail.host": "",
}


def make_worker(settings: dict, **overrides) -> Worker:
    merged = {**settings, **FAST_SETTINGS, **overrides}
    engine = get_engine(merged)
    worker = Worker(
        sessionmaker(bind=engine, expire_on_commit=False), merged, notification_config(merged)
    )
    worker.engine = engine
    return worker


def drain(worker: Worker, turns: int = 50) -> None:
    """Turn until nothing is due (at most ``turns`` turns)."""
    for _ in range(turns):
        if not worker.turn():
            return


def subscribe(registry, receiver, kinds=EVENT_KINDS, include_internal=False) -> Webhook:
    session = registry["dbsession_factory"]()
    webhook = Webhook(
        url=receiver.url,
        event_kinds=list(kinds),
        include_internal=include_internal,
        secret=receiver.secret,
        active=True,
        description="",
    )
    session.add(webhook)
    session.commit()
    session.close()
    return webhook


@pytest.fixture
def receiver():
    """An HTTP receiver that verifies every signature (a test may replace its secret)."""
    receiver = Receiver(new_secret())
    yield receiver
    receiver.stop()


@pytest.fixture
def mailbox():
    """An SMTP server that keeps every message."""
    mailbox = Mailbox()
    yield mailbox
    mailbox.stop()


@pytest.fixture
def worker(settings, registry):
    """An in-process worker on the test's database, turned by the test."""
    worker = make_worker(settings)
    yield worker
    worker.engine.dispose()
