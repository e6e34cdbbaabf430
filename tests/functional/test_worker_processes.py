"""``desk-worker`` as real processes: killed, stopped and run side by side (PostgreSQL).

Each worker is a subprocess started from an ini file, as in production, against the suite's
database; the receiver verifies every signature and notices a message that arrives while
the same message is still being answered.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desk import workflow
from desk.models import Delivery, Role, User, Webhook, get_engine
from tests.conftest import alembic
from tests.support.pgcluster import Cluster, find_bindir

from ..support.notify import FAST_SETTINGS, subscribe

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

WORKER = str(Path(sys.executable).with_name("desk-worker"))
LOGGING = """
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = INFO
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""


@pytest.fixture
def worker_ini(settings, tmp_path) -> Path:
    values = {**FAST_SETTINGS, "sqlalchemy.url": settings["sqlalchemy.url"]}
    lines = "\n".join(f"{key} = {value}" for key, value in values.items())
    path = tmp_path / "worker.ini"
    path.write_text(f"[app:main]\nuse = egg:desk\n{lines}\n{LOGGING}")
    return path


@pytest.fixture
def start_worker(worker_ini, tmp_path):
    started = []

    def start() -> subprocess.Popen:
        log_path = tmp_path / f"worker{len(started)}.log"
        log = open(log_path, "wb")  # noqa: SIM115 (closed below)
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        process = subprocess.Popen([WORKER, str(worker_ini)], stderr=log, env=environment)
        process.log_path = log_path
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {timeout} s: {condition.__doc__ or condition}")
        time.sleep(0.02)


def deliveries(registry) -> list[Delivery]:
    session = registry["dbsession_factory"]()
    try:
        return session.scalars(select(Delivery).order_by(Delivery.id)).all()
    finally:
        session.close()


def test_a_worker_killed_mid_delivery_loses_nothing(
    make, registry, receiver, requester, start_worker
):
    subscribe(registry, receiver)
    receiver.delay = 0.5
    tickets = [make.ticket(requester, title=f"Ticket {n}") for n in range(3)]
    worker = start_worker()
    wait_for(lambda: receiver.in_flight > 0)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    receiver.delay = 0
    start_worker()
    wait_for(lambda: all(d.status == "succeeded" for d in deliveries(registry)))
    ids = {item["id"] for item in receiver.received}
    titles = {item["payload"]["data"]["ticket"]["title"] for item in receiver.received}
    assert titles == {ticket["title"] for ticket in tickets}
    assert ids == {d.message_id for d in deliveries(registry)}
    # The one in hand when it died was sent again after its lease ran out.
    assert max(d.attempts for d in deliveries(registry)) == 2
    assert receiver.rejected == []


def test_two_workers_never_deliver_one_job_at_the_same_time(
    make, registry, receiver, requester, start_worker
):
    subscribe(registry, receiver)
    receiver.delay = 0.2
    workers = start_worker(), start_worker()
    wait_for(lambda: all(b"worker started" in w.log_path.read_bytes() for w in workers))
    for n in range(24):
        make.ticket(requester, title=f"Ticket {n}")
    wait_for(lambda: len(deliveries(registry)) == 24, timeout=60)
    wait_for(lambda: all(d.status == "succeeded" for d in deliveries(registry)), timeout=60)
    ids = [item["id"] for item in receiver.received]
    assert len(ids) == len(set(ids)) == 24  # each job delivered once
    assert receiver.overlaps == []
    assert all(d.attempts == 1 for d in deliveries(registry))
    assert receiver.most_in_flight == 2  # the two did work side by side


def test_sigterm_finishes_the_delivery_in_hand(make, registry, receiver, requester, start_worker):
    subscribe(registry, receiver)
    receiver.delay = 0.5
    make.ticket(requester)
    worker = start_worker()
    wait_for(lambda: receiver.in_flight > 0)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    (delivery,) = deliveries(registry)
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert len(receiver.received) == 1


def test_a_worker_waits_out_a_lost_database_and_resumes(tmp_path, receiver):
    """A throwaway cluster is stopped under a running worker and started again."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("needs the PostgreSQL server binaries (initdb, pg_ctl)")
    cluster = Cluster(bindir).init().start()
    engine = None
    worker = None
    log_path = tmp_path / "worker.log"
    try:
        alembic(cluster.url, command.upgrade, "head")
        values = {**FAST_SETTINGS, "sqlalchemy.url": cluster.url, "desk.db.connect_timeout": "1"}
        lines = "\n".join(f"{key} = {value}" for key, value in values.items())
        ini = tmp_path / "outage.ini"
        ini.write_text(f"[app:main]\nuse = egg:desk\n{lines}\n{LOGGING}")
        engine = get_engine({"sqlalchemy.url": cluster.url})
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session:
            requester = User(username="r", email="", role=Role.REQUESTER, password_hash="x")
            session.add(requester)
            session.add(Webhook(url=receiver.url, event_kinds=["created"], secret=receiver.secret))
            session.commit()
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([WORKER, str(ini)], stderr=log, env=environment)
            wait_for(lambda: b"worker started" in log_path.read_bytes())
            engine.dispose()
            cluster.stop()
            wait_for(lambda: b"database unavailable" in log_path.read_bytes())
            cluster.start()
            with factory() as session:
                workflow.create_ticket(session, session.merge(requester), "After the outage")
                session.commit()
            wait_for(lambda: len(receiver.received) == 1, timeout=60)
        assert worker.poll() is None  # it never gave up
        assert receiver.received[0]["payload"]["data"]["ticket"]["title"] == "After the outage"
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        if engine is not None:
            engine.dispose()
        cluster.remove()
