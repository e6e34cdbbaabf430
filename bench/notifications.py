"""Notification workers measured: commit-to-receipt latency, one worker's rate, a backlog drained.

    .venv/bin/python bench/notifications.py [--pg URL] [--events 200] [--rate 2000]
        [--backlog 10000] [--json out.json]

It creates its own PostgreSQL database (``desk_bench_notify_*``), migrates it, subscribes a
local receiver (a threaded http.server on 127.0.0.1 that verifies every signature with the
``standardwebhooks`` package and notes when each event arrived) to ``created`` events, and
runs ``desk-worker`` processes from an ini file made from production.ini's settings (poll
interval, lease, timeouts; private targets allowed, since the receiver is local):

1. latency: one idle worker; tickets filed one at a time, each in its own transaction, with
   a pause between; for each, the time from its commit to its arrival (p50, p99).
2. rate: one worker; ``--rate`` tickets committed at once; deliveries per second until the
   last arrives (dispatch included).
3. backlog: ``--backlog`` tickets committed at once, drained by 1 worker, then another such
   backlog drained by 2 workers; the time of each and their ratio.

The database is dropped at the end.
"""

import argparse
import configparser
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from standardwebhooks import Webhook as Verifier

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from desk.models import Role, Ticket, TicketEvent, User, Webhook, get_engine  # noqa: E402
from desk.notifications.webhooks import new_secret  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Receiver:
    """Verifies each delivery and records the wall-clock time its event arrived."""

    def __init__(self, secret: str):
        self.verifier = Verifier(secret)
        self.arrived: dict[int, float] = {}
        self.rejected = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                now = time.time()
                try:
                    payload = receiver.verifier.verify(body, dict(self.headers))
                    with receiver.lock:
                        receiver.arrived.setdefault(payload["data"]["event"]["id"], now)
                    self.send_response(204)
                except Exception:
                    receiver.rejected += 1
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float) -> float:
        """The time the ``count``-th event arrived (waits for it)."""
        deadline = time.monotonic() + timeout
        while len(self.arrived) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(self.arrived)} of {count} arrived in {timeout} s")
            time.sleep(0.01)
        return max(self.arrived.values())


def worker_ini(url: str, directory: Path) -> Path:
    """production.ini's notification settings, this database, private targets allowed."""
    production = configparser.ConfigParser(interpolation=None)
    production.read(ROOT / "production.ini")
    keys = {k: v for k, v in production["app:main"].items() if k.startswith("desk.")}
    keys.update({"sqlalchemy.url": url, "desk.webhooks.allow_private": "true"})
    lines = "\n".join(f"{k} = {v}" for k, v in keys.items())
    path = directory / "bench-worker.ini"
    path.write_text(
        f"[app:main]\nuse = egg:desk\n{lines}\n\n[loggers]\nkeys = root\n[handlers]\n"
        "keys = null\n[formatters]\nkeys = plain\n[logger_root]\nlevel = WARNING\n"
        "handlers = null\n[handler_null]\nclass = StreamHandler\nargs = (sys.stderr,)\n"
        "formatter = plain\n[formatter_plain]\nformat = %(message)s\n"
    )
    return path


class Workers:
    def __init__(self, ini: Path):
        self.ini = ini
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        for _ in range(count):
            self.processes.append(
                subprocess.Popen([str(BIN / "desk-worker"), str(self.ini)], env=env)
            )
        time.sleep(3)  # imported and polling

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)
        self.processes.clear()


def file_tickets(session_factory, requester_id: int, count: int) -> float:
    """``count`` tickets and their ``created`` events in one transaction; the commit's time."""
    now = datetime.now(UTC)
    with session_factory() as session:
        rows = [
            {
                "title": f"Bench ticket {n}",
                "description": "",
                "status": "NEW",
                "priority": 2,
                "requester_id": requester_id,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        ids = session.scalars(insert(Ticket).returning(Ticket.id), rows).all()
        session.execute(
            insert(TicketEvent),
            [
                {
                    "ticket_id": ticket_id,
                    "actor_id": requester_id,
                    "kind": "created",
                    "to_status": "NEW",
                    "data": {},
                    "internal": False,
                    "created_at": now,
                }
                for ticket_id in ids
            ],
        )
        session.commit()
        return time.time()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(args, url: str) -> dict:
    engine = get_engine({"sqlalchemy.url": url})
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    secret = new_secret()
    receiver = Receiver(secret)
    with session_factory() as session:
        requester = User(username="bench", email="", role=Role.REQUESTER, password_hash="x")
        session.add(requester)
        session.add(
            Webhook(url=receiver.url, event_kinds=["created"], secret=secret, description="")
        )
        session.commit()
        requester_id = requester.id
    workers = Workers(worker_ini(url, Path(tempfile.mkdtemp())))
    report = {}
    try:
        log(f"latency: {args.events} events, one idle worker")
        workers.start(1)
        committed = {}
        for _ in range(args.events):
            before = set(receiver.arrived)
            commit_time = file_tickets(session_factory, requester_id, 1)
            with engine.connect() as connection:
                event_id = connection.execute(text("SELECT max(id) FROM ticket_events")).scalar()
            committed[event_id] = commit_time
            receiver.wait_for(len(before) + 1, 60)
            time.sleep(random.uniform(0.05, 0.25))
        latencies = [(receiver.arrived[i] - t) * 1000 for i, t in committed.items()]
        report["latency_ms"] = {
            "p50": round(percentile(latencies, 0.5), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        }
        log(f"  {report['latency_ms']}")

        log(f"rate: {args.rate} events at once, one worker")
        seen = len(receiver.arrived)
        start = file_tickets(session_factory, requester_id, args.rate)
        end = receiver.wait_for(seen + args.rate, 600)
        report["one_worker_per_second"] = round(args.rate / (end - start), 1)
        log(f"  {report['one_worker_per_second']} deliveries/s")
        workers.stop()

        drained = {}
        for count in (1, 2):
            log(f"backlog: {args.backlog} events, {count} worker(s)")
            workers.start(count)
            seen = len(receiver.arrived)
            start = file_tickets(session_factory, requester_id, args.backlog)
            end = receiver.wait_for(seen + args.backlog, 1800)
            drained[count] = end - start
            workers.stop()
            log(f"  {drained[count]:.1f} s")
        report["backlog"] = {
            "events": args.backlog,
            "one_worker_s": round(drained[1], 1),
            "two_workers_s": round(drained[2], 1),
            "ratio": round(drained[1] / drained[2], 2),
        }
        report["rejected_signatures"] = receiver.rejected
    finally:
        workers.stop()
        receiver.server.shutdown()
        engine.dispose()
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get("DESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=10000)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    name = f"desk_bench_notify_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.pg).set(drivername="postgresql+psycopg", database=name)
    url = url.render_as_string(hide_password=False)
    try:
        env = {**os.environ, "DATABASE_URL": url, "DESK_JWT_SECRET": secrets.token_urlsafe(48)}
        subprocess.run(
            [str(BIN / "alembic"), "-c", str(ROOT / "production.ini"), "upgrade", "head"],
            env=env,
            check=True,
            capture_output=True,
        )
        report = run(args, url)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
