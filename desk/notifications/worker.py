"""The worker: dispatches the outbox, sends due deliveries, runs the periodic jobs.

One loop per process, and any number of processes on any number of machines against the one
PostgreSQL. Each turn: the periodic jobs that are due, one batch of the outbox, then due
deliveries one by one; when there was nothing to do it sleeps ``desk.worker.poll_interval``.
A stop request (SIGTERM, SIGINT) is honoured between deliveries, so the one in hand is
finished and recorded. A lost database is logged and waited out.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..housekeeping import prune_periodically
from ..models import Delivery, PeriodicRun, TicketEvent, Webhook, utcnow
from ..sla.breaches import record_breaches
from . import mail, outbox, queue, webhooks
from .config import NotificationConfig
from .webhooks import Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """``run(dbsession, settings, now)`` every ``interval`` seconds, by one worker at a time."""

    name: str
    interval: float
    run: Callable[[Session, dict, datetime], None]


#: A backlog older than this is worth a warning in the log.
BACKLOG_WARNING_SECONDS = 300


def report_backlog(dbsession: Session, settings: dict, now: datetime) -> None:
    """Warn when the outbox or the queue falls behind (too few workers, a dead receiver)."""
    oldest_event = dbsession.scalar(
        select(func.min(TicketEvent.created_at)).where(TicketEvent.dispatched_at.is_(None))
    )
    overdue = dbsession.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at < now - timedelta(seconds=BACKLOG_WARNING_SECONDS),
        )
    )
    if oldest_event is not None and (now - oldest_event).total_seconds() > BACKLOG_WARNING_SECONDS:
        log.warning("outbox: the oldest undispatched event is from %s", oldest_event.isoformat())
    if overdue:
        log.warning("queue: %d deliveries are overdue by more than %d s", overdue, 300)


#: The periodic jobs; adding one is one line here.
PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("report_backlog", 60, report_backlog),
    PeriodicJob("sla_breaches", 60, record_breaches),
    PeriodicJob("prune", 3600, prune_periodically),
)


class Worker:
    """One worker process's loop; ``stop()`` ends it after the delivery in hand."""

    def __init__(
        self,
        session_factory: sessionmaker,
        settings: dict,
        config: NotificationConfig,
        periodic_jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS,
    ):
        self.session_factory = session_factory
        self.settings = settings
        self.config = config
        self.periodic_jobs = periodic_jobs
        self.stopping = threading.Event()
        self.http = webhooks.http_client(config.webhooks)

    def stop(self, *_signal) -> None:
        self.stopping.set()

    # --- one turn ------------------------------------------------------------------------

    def run_periodic(self) -> None:
        for job in self.periodic_jobs:
            with self.session_factory() as dbsession, dbsession.begin():
                now = utcnow()
                if dbsession.get(PeriodicRun, job.name) is None:
                    self._add_schedule(job, now)
                # The row stays locked while the job runs: another worker skips it.
                run = dbsession.scalars(
                    select(PeriodicRun)
                    .where(PeriodicRun.name == job.name, PeriodicRun.next_run_at <= now)
                    .with_for_update(skip_locked=True)
                ).first()
                if run is None:
                    continue
                job.run(dbsession, self.settings, now)
                run.last_run_at = now
                run.next_run_at = now + timedelta(seconds=job.interval)

    def _add_schedule(self, job: PeriodicJob, now: datetime) -> None:
        try:
            with self.session_factory() as dbsession, dbsession.begin():
                dbsession.add(PeriodicRun(name=job.name, next_run_at=now))
        except IntegrityError:
            pass  # another worker added it first

    def dispatch(self) -> int:
        with self.session_factory() as dbsession, dbsession.begin():
            return outbox.dispatch(dbsession, self.config, utcnow())

    def deliver_one(self) -> bool:
        """Claim, send and record one due delivery; False when none is due."""
        with self.session_factory() as dbsession, dbsession.begin():
            delivery = queue.claim(dbsession, self.config.worker, utcnow())
            if delivery is None:
                return False
            job = (delivery.id, delivery.channel, delivery.message_id, delivery.payload)
            secret_and_url = None
            if delivery.channel == "webhook":
                webhook = dbsession.get(Webhook, delivery.webhook_id)
                secret_and_url = (webhook.secret, webhook.url) if webhook else None
        started_at, started = utcnow(), time.monotonic()
        outcome = self.send(*job[1:], secret_and_url)
        duration_ms = int((time.monotonic() - started) * 1000)
        with self.session_factory() as dbsession, dbsession.begin():
            queue.record(
                dbsession, self.config.worker, job[0], outcome, started_at, duration_ms, utcnow()
            )
        log.info(
            "delivery %d (%s) attempt: %s",
            job[0],
            job[1],
            "ok" if outcome.succeeded else outcome.error,
        )
        return True

    def send(
        self, channel: str, message_id: str, payload: dict, secret_and_url: tuple | None
    ) -> Outcome:
        if channel == "email":
            return mail.send(payload, self.config.mail)
        if secret_and_url is None:
            return Outcome(False, "the webhook no longer exists")
        secret, url = secret_and_url
        headers = webhooks.signed_headers(secret, message_id, utcnow(), payload["body"])
        return webhooks.post(url, headers, payload["body"], self.config.webhooks, self.http)

    def turn(self) -> bool:
        """One pass over everything due; True when it found work."""
        self.run_periodic()
        busy = self.dispatch() > 0
        while not self.stopping.is_set() and self.deliver_one():
            busy = True
        return busy

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        """Until stopped: work, sleep when idle, wait out a lost database."""
        outage = 0
        log.info("worker started")
        while not self.stopping.is_set():
            try:
                busy = self.turn()
            except DBAPIError as error:
                outage += 1
                wait = min(2**outage, 30)
                log.warning("database unavailable (%s); retrying in %d s", _first_line(error), wait)
                self.stopping.wait(wait)
                continue
            except Exception:
                # A bug is logged in full, but is no reason to stop delivering everything else.
                log.exception("worker turn failed")
                self.stopping.wait(max(self.config.worker.poll_interval, 1.0))
                continue
            if outage:
                log.info("database back; resuming")
                outage = 0
            if not busy:
                self.stopping.wait(self.config.worker.poll_interval)
        self.http.close()
        log.info("worker stopped")


def _first_line(error: DBAPIError) -> str:
    lines = str(error.orig or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
