"""Desk's benchmark: one command, real servers, a real load generator, ratios from one run.

    apt-get install -y wrk            # Debian's package; the script checks for it
    .venv/bin/python bench/run.py     # the full run (about 10 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick   # a smoke run (about 2.5 minutes)

What it does, all on this machine (127.0.0.1):

1. creates its own PostgreSQL databases on ``--pg`` (one per scale), migrates them with
   ``alembic -c production.ini upgrade head`` and fills them with ``desk-seed`` (10,000,
   100,000 and 1,000,000 tickets by default); they are dropped at the end;
2. starts ``pserve production.ini http_port=P`` (``DATABASE_URL``, ``DESK_JWT_SECRET`` in the
   environment) and the baseline (``bench/baseline.py``: bare WSGI, one primary-key SELECT,
   JSON) on the same waitress settings, logs the seed users in for real tokens, and drives
   each workload with ``wrk --latency`` (Lua scripts in ``bench/lua/``);
3. at the ratio scale (100,000): every workload's requests/s, p50, p99 and errors, and its
   throughput as a ratio to the baseline's, which is measured again between every two
   workloads (each ratio is to the runs just before and after it); the reads come first,
   on the seeded layout, then the read workloads on two server processes (one per core)
   against one on the same database, alternated, then the writes and logins;
4. at 10,000 and 1,000,000 tickets: page 1 of every list, plain, filtered and searched,
   alternating between the two scales, and walking 50 pages through ``next`` links from
   page 1 and from page 5,000 (a deep cursor);
5. the RSS of every server process, sampled every 0.2 s through the whole run.

Results: a Markdown report on stdout (pasted into BENCHMARKS.md) and, with ``--json``, the
raw figures. Every load is bounded: wrk runs for ``--duration`` seconds, walks are 50 pages.
"""

import argparse
import configparser
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

from desk.server import waitress_settings

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "lua"
BIN = Path(sys.executable).parent
INI = ROOT / "production.ini"
PASSWORD = "desk-demo-password"
SEARCH_TERM = "printer"
STATUS_FILTER = "IN_PROGRESS"

TARGETS = {
    "profile": 0.65,
    "detail": 0.65,
    "all-tickets": 0.30,
    "my-tickets": 0.30,
    "assigned-to-me": 0.30,
    "all-tickets ?status": 0.30,
    "create": 0.40,
}
LIST_PATHS = {
    "all-tickets": ("operator1", "/api/tickets/all-tickets/"),
    "my-tickets": ("requester1", "/api/tickets/my-tickets/"),
    "assigned-to-me": ("executor1", "/api/tickets/assigned-to-me/"),
    "all-tickets ?status": ("operator1", f"/api/tickets/all-tickets/?status={STATUS_FILTER}"),
    "all-tickets ?search": ("operator1", f"/api/tickets/all-tickets/?search={SEARCH_TERM}"),
}
READ_WORKLOADS = (
    "profile",
    "detail",
    "all-tickets",
    "my-tickets",
    "assigned-to-me",
    "all-tickets ?status",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes and databases ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_settings() -> dict:
    """production.ini's ``[server:main]`` as Desk's server runner resolves it (no proxy
    settings without a trusted proxy): what the baseline must share with Desk."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(INI)
    section = dict(parser["server:main"])
    return waitress_settings({k: v for k, v in section.items() if k not in ("use", "host", "port")})


class Databases:
    """The run's own databases on the PostgreSQL server; all dropped by ``drop_all``."""

    def __init__(self, admin_url: str, keep: bool):
        self.admin_url = admin_url
        self.keep = keep
        self.names: list[str] = []
        self.run_id = f"{os.getpid()}_{secrets.token_hex(2)}"

    def url(self, name: str) -> str:
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def create(self, label: str) -> str:
        name = f"desk_bench_{label}_{self.run_id}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        if self.keep:
            log(f"keeping databases: {', '.join(self.names)}")
            return
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.clear()


def app_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def run_tool(args: list[str], env: dict, timeout: float) -> str:
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(databases: Databases, label: str, tickets: int, secret: str) -> dict:
    """A migrated, seeded database; the environment its servers run with."""
    url = databases.create(label)
    env = {**os.environ, "DATABASE_URL": app_url(url), "DESK_JWT_SECRET": secret}
    run_tool([str(BIN / "alembic"), "-c", str(INI), "upgrade", "head"], env, timeout=300)
    started = time.monotonic()
    out = run_tool([str(BIN / "desk-seed"), str(INI), "--tickets", str(tickets)], env, 900)
    seconds = time.monotonic() - started
    log(f"seeded {tickets:,} tickets in {seconds:.1f} s: {out.strip().splitlines()[-2]}")
    return {"url": url, "env": env, "tickets": tickets, "seed_seconds": seconds}


class Server:
    """One ``pserve production.ini`` (or the baseline) on a free port."""

    def __init__(self, args: list[str], env: dict, name: str):
        self.port = free_port()
        self.name = name
        self.args = [a.replace("{port}", str(self.port)) for a in args]
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"desk-bench-{name}.log"
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.args, env=env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        self.wait_ready()

    @classmethod
    def desk(cls, env: dict, name: str) -> "Server":
        args = [str(BIN / "pserve"), str(INI), "http_port={port}", "http_host=127.0.0.1"]
        return cls(args, env, name)

    @classmethod
    def baseline(cls, env: dict) -> "Server":
        args = [sys.executable, str(BENCH / "baseline.py"), "--port", "{port}"]
        for key, value in server_settings().items():
            args += ["--set", f"{key}={value}"]
        return cls(args, env, "baseline")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = request("GET", self.base + "/readyz", timeout=2)
                if status in (200, 404):  # the baseline answers every path
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_file.close()


class RssSampler(threading.Thread):
    """Samples the resident memory of every registered process until stopped."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.processes: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        #: The workload running when each process reached its peak.
        self.peak_during: dict[str, str] = {}
        self.phase = "startup"
        self.samples = 0
        self.stopping = threading.Event()

    def watch(self, name: str, pid: int) -> None:
        self.processes[name] = pid

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            for name, pid in list(self.processes.items()):
                rss = self.rss(pid)
                if rss is not None and rss > self.peak.get(name, 0):
                    self.peak[name] = rss
                    self.peak_during[name] = self.phase
            self.samples += 1

    @staticmethod
    def rss(pid: int) -> int | None:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return None


# --- HTTP ----------------------------------------------------------------------------------


def request(method: str, url: str, body=None, token=None, timeout=30, conn=None):
    """One request; the status and the decoded JSON body (or None)."""
    parts = urllib.parse.urlsplit(url)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        response = conn.getresponse()
        data = response.read()
    finally:
        if own:
            conn.close()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, None


def login(base: str, username: str) -> str:
    status, body = request(
        "POST", base + "/api/auth/login/", {"username": username, "password": PASSWORD}
    )
    if status != 200:
        raise SystemExit(f"login of {username} failed: {status} {body}")
    return body["access"]


def user_id(base: str, token: str) -> int:
    return request("GET", base + "/api/auth/profile/", token=token)[1]["id"]


# --- wrk -----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    socket_errors: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_latency(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(name: str, output: str) -> Result:
    result = Result(name)
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result.rps = float(m.group(1))
    if m := re.search(r"^\s+50%\s+(\S+)", output, re.M):
        result.p50_ms = parse_latency(m.group(1))
    if m := re.search(r"^\s+99%\s+(\S+)", output, re.M):
        result.p99_ms = parse_latency(m.group(1))
    if m := re.search(r"(\d+) requests in", output):
        result.requests = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        result.non_2xx = int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result.socket_errors = sum(int(g) for g in m.groups())
    return result


def wrk_command(url: str, script: str, duration: float, connections: int, threads: int) -> list:
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA / script),
        url,
    ]


#: The RSS sampler, told which workload runs (set by ``main``).
SAMPLER: "RssSampler | None" = None


def wrk(name, url, script, env, duration, connections, threads=1) -> Result:
    """One wrk run; its parsed figures."""
    if SAMPLER is not None and name != "baseline":
        SAMPLER.phase = name
    args = wrk_command(url, script, duration, connections, threads)
    out = subprocess.run(
        args, env={**os.environ, **env}, capture_output=True, text=True, timeout=duration + 60
    )
    if out.returncode != 0 or "Requests/sec" not in out.stdout:
        raise SystemExit(f"wrk failed for {name}:\n{out.stdout}\n{out.stderr}")
    return parse_wrk(name, out.stdout)


def median_run(results: list[Result]) -> Result:
    """The run with the median req/s (the lower middle one of an even number)."""
    return sorted(results, key=lambda r: r.rps)[(len(results) - 1) // 2]


def wrk_parallel(name, runs, duration) -> Result:
    """Several wrk processes at once (``runs``: (url, script, env, connections)); summed."""
    if SAMPLER is not None:
        SAMPLER.phase = f"scale-out {name}"
    processes = []
    for url, script, env, connections in runs:
        args = wrk_command(url, script, duration, connections, 1)
        processes.append(
            subprocess.Popen(
                args,
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=duration + 60)
        if "Requests/sec" not in stdout:
            raise SystemExit(f"wrk failed for {name}:\n{stdout}\n{stderr}")
        results.append(parse_wrk(name, stdout))
    total = Result(name)
    total.rps = sum(r.rps for r in results)
    total.requests = sum(r.requests for r in results)
    total.non_2xx = sum(r.non_2xx for r in results)
    total.socket_errors = sum(r.socket_errors for r in results)
    # Each wrk measured its own connections: the request-weighted mean of their percentiles.
    weight = total.requests or 1
    total.p50_ms = sum(r.p50_ms * r.requests for r in results) / weight
    total.p99_ms = max(r.p99_ms for r in results)
    return total


# --- workloads -----------------------------------------------------------------------------


class Desk:
    """Tokens and ids for one running server."""

    def __init__(self, server: Server, tickets: int):
        self.server = server
        self.tickets = tickets
        self.refresh()

    def refresh(self) -> None:
        """Fresh access tokens (they live 15 minutes; a run takes about as long)."""
        base = self.server.base
        self.tokens = {name: login(base, name) for name in ("operator1", "requester1", "executor1")}
        self.executor_id = user_id(base, self.tokens["executor1"])

    def url(self, path: str) -> str:
        return self.server.base + path

    def read(self, name: str) -> tuple[str, str, dict]:
        """(url, script, env) of a read workload."""
        if name == "profile":
            return (
                self.url("/api/auth/profile/"),
                "get.lua",
                {"DESK_TOKEN": self.tokens["operator1"]},
            )
        if name == "detail":
            env = {"DESK_TOKEN": self.tokens["operator1"], "DESK_TICKETS": str(self.tickets)}
            return self.url("/"), "detail.lua", env
        who, path = LIST_PATHS[name]
        return self.url(path), "get.lua", {"DESK_TOKEN": self.tokens[who]}


WRITE_WORKLOADS = ("create", "assign + execute", "login")


def write_run(desk: Desk, name: str, duration: float, connections: int) -> Result:
    """One write workload: a requester files tickets; operator and executor move NEW tickets
    to DONE; a requester logs in (argon2id)."""
    if name == "create":
        env = {"DESK_TOKEN": desk.tokens["requester1"]}
        return wrk(name, desk.url("/api/tickets/"), "create.lua", env, duration, connections)
    if name == "assign + execute":
        env = {
            "DESK_OPERATOR_TOKEN": desk.tokens["operator1"],
            "DESK_EXECUTOR_TOKEN": desk.tokens["executor1"],
            "DESK_EXECUTOR_ID": str(desk.executor_id),
            # Seed layout: ticket i (0-based, id i + 1 in a fresh database) is NEW when
            # i % 4 == 0; each thread takes its own of them.
            "DESK_FIRST": "1",
            "DESK_STRIDE": "4",
            "DESK_THREADS": str(connections),
        }
        script = "assign_execute.lua"
        return wrk(name, desk.url("/"), script, env, duration, connections, connections)
    env = {"DESK_USERNAME": "requester2", "DESK_PASSWORD": PASSWORD}
    return wrk(name, desk.url("/api/auth/login/"), "login.lua", env, duration, connections)


class Baseline:
    """The baseline, measured between every two workloads: each workload's ratio is to the
    mean of the baseline runs just before and just after it, so that a change in the
    machine's load during the run (other jobs share it) falls on both sides alike."""

    def __init__(self, server: Server, duration: float, connections: int):
        self.server, self.duration, self.connections = server, duration, connections
        self.runs: list[Result] = []

    def measure(self) -> Result:
        result = wrk(
            "baseline",
            self.server.base + "/",
            "get.lua",
            {"DESK_TOKEN": "-"},
            self.duration,
            self.connections,
        )
        self.runs.append(result)
        log_result(result)
        return result

    def around(self, run) -> tuple[Result, float]:
        """``run()``'s result and the baseline req/s around it."""
        before = self.runs[-1] if self.runs else self.measure()
        result = run()
        log_result(result)
        after = self.measure()
        return result, (before.rps + after.rps) / 2


def log_result(r: Result) -> None:
    log(
        f"  {r.name:<24} {r.rps:8.1f} req/s  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:8.2f} ms"
        f"  errors {r.errors}"
    )


def walk(desk: Desk, start_path: str, pages: int = 50) -> dict:
    """Follow ``next`` ``pages`` times from ``start_path``: ms per page (median and mean)."""
    token = desk.tokens["operator1"]
    conn = http.client.HTTPConnection("127.0.0.1", desk.server.port, timeout=60)
    try:
        started = time.perf_counter()
        status, body = request("GET", desk.url(start_path), token=token, conn=conn)
        first_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"walk: {start_path} answered {status}")
        times, errors = [], 0
        for _ in range(pages):
            if not body or not body.get("next"):
                break
            started = time.perf_counter()
            status, body = request("GET", body["next"], token=token, conn=conn)
            times.append((time.perf_counter() - started) * 1000)
            errors += status != 200
    finally:
        conn.close()
    return {
        "start": start_path,
        "first_request_ms": first_ms,
        "pages": len(times),
        "median_ms": statistics.median(times) if times else 0.0,
        "mean_ms": statistics.fmean(times) if times else 0.0,
        "errors": errors,
    }


COUNTS_CHECK_SQL = """
WITH actual AS (
    SELECT 0 AS scope, 0 AS user_id, status, priority, count(*) AS n FROM tickets
    GROUP BY status, priority
    UNION ALL
    SELECT 1, requester_id, status, priority, count(*) FROM tickets
    GROUP BY requester_id, status, priority
    UNION ALL
    SELECT 2, executor_id, status, priority, count(*) FROM tickets
    WHERE executor_id IS NOT NULL GROUP BY executor_id, status, priority
), kept AS (
    SELECT scope, user_id, status, priority, sum(n) AS n FROM ticket_counts
    GROUP BY scope, user_id, status, priority HAVING sum(n) <> 0
)
SELECT count(*) FROM actual FULL JOIN kept USING (scope, user_id, status, priority)
WHERE actual.n IS DISTINCT FROM kept.n
"""


def check_counts(desk: Desk, url: str) -> dict:
    """Is ``count`` exact? The counter table against COUNT(*), cell by cell, and the lists'
    ``count`` against COUNT(*) of the same filters."""
    with psycopg.connect(url) as conn:
        mismatched = conn.execute(COUNTS_CHECK_SQL).fetchone()[0]
        expected = {
            "all-tickets": conn.execute("SELECT count(*) FROM tickets").fetchone()[0],
            "all-tickets ?status": conn.execute(
                "SELECT count(*) FROM tickets WHERE status = %s", (STATUS_FILTER,)
            ).fetchone()[0],
            "all-tickets ?search": conn.execute(
                "SELECT count(*) FROM tickets WHERE title ILIKE %s OR description ILIKE %s",
                (f"%{SEARCH_TERM}%", f"%{SEARCH_TERM}%"),
            ).fetchone()[0],
        }
    answered = {}
    for name in expected:
        _, path = LIST_PATHS[name]
        status, body = request("GET", desk.url(path), token=desk.tokens["operator1"])
        answered[name] = body["count"] if status == 200 else None
    return {
        "mismatched_cells": mismatched,
        "lists": {name: {"count": answered[name], "expected": n} for name, n in expected.items()},
        "exact": mismatched == 0 and all(answered[n] == expected[n] for n in expected),
    }


def argon2_cost() -> dict:
    """One argon2id verification with the app's default parameters, measured here."""
    from desk.passwords import Passwords
    from desk.settings import DEFAULTS

    passwords = Passwords(
        time_cost=int(DEFAULTS["desk.password_hash.time_cost"]),
        memory_cost=int(DEFAULTS["desk.password_hash.memory_cost"]),
        parallelism=int(DEFAULTS["desk.password_hash.parallelism"]),
    )
    password_hash = passwords.hash(PASSWORD)
    times = []
    for _ in range(15):
        started = time.perf_counter()
        passwords.verify(password_hash, PASSWORD)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "time_cost": int(DEFAULTS["desk.password_hash.time_cost"]),
        "memory_kib": int(DEFAULTS["desk.password_hash.memory_cost"]),
        "parallelism": int(DEFAULTS["desk.password_hash.parallelism"]),
        "verify_ms": statistics.median(times),
    }


# --- the run -------------------------------------------------------------------------------


def check_tools(admin_url: str) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit(
            "bench: wrk is not installed. It is Debian's package: apt-get install -y wrk"
        )
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise SystemExit(f"bench: cannot reach PostgreSQL at {admin_url}: {exc}") from exc


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Desk's benchmark (see the module docstring and BENCHMARKS.md)."
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("DESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where the run may create and drop databases",
    )
    parser.add_argument("--ratio-tickets", type=int, default=100_000, help="scale of the ratios")
    parser.add_argument(
        "--small", type=int, default=10_000, help="small scale of the list comparison"
    )
    parser.add_argument(
        "--large", type=int, default=1_000_000, help="large scale of the list comparison"
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections per run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds at each list scale"
    )
    parser.add_argument(
        "--scale-rounds",
        type=int,
        default=3,
        help="alternated one-process and two-process runs per read workload",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small scales, short runs"
    )
    parser.add_argument("--skip-scale", action="store_true", help="only the ratio scale")
    parser.add_argument("--only", help="comma-separated workloads of the ratio phase to run")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--keep-databases", action="store_true", help="do not drop them at the end")
    args = parser.parse_args(argv)
    if args.quick:
        args.ratio_tickets = min(args.ratio_tickets, 20_000)
        args.small, args.large = 2_000, 50_000
        args.duration = min(args.duration, 3.0)
        args.rounds = 1
        args.scale_rounds = 1
    return args


def ratio_phase(args, databases, sampler, secret, report) -> None:
    log(f"ratio phase: {args.ratio_tickets:,} tickets")
    db = prepare(databases, "ratio", args.ratio_tickets, secret)
    report["seed"][str(args.ratio_tickets)] = db["seed_seconds"]
    only = set(args.only.split(",")) if args.only else None
    server = Server.baseline(db["env"])
    first = Server.desk(db["env"], "desk-1")
    second = None
    sampler.watch("desk-1", first.process.pid)
    sampler.watch("baseline", server.process.pid)
    try:
        desk = Desk(first, args.ratio_tickets)
        d, c = args.duration, args.connections
        baseline = Baseline(server, max(2.0, d / 2), c)
        ratios = {}

        def keep(name: str, measured: tuple[Result, float]) -> None:
            result, reference = measured
            ratios[name] = {**asdict(result), "baseline_rps": reference}
            ratios[name]["ratio"] = result.rps / reference if reference else 0.0

        # Reads first: the seeded layout, untouched by the writes.
        for name in (*READ_WORKLOADS, "all-tickets ?search"):
            if not only or name in only:
                url, script, env = desk.read(name)
                keep(name, baseline.around(lambda: wrk(name, url, script, env, d, c)))  # noqa: B023

        # Scale-out: the same client load (two wrk processes) on one server, then on two.
        if not only:
            second = Server.desk(db["env"], "desk-2")
            sampler.watch("desk-2", second.process.pid)
            desk.refresh()
            other = Desk(second, args.ratio_tickets)
            scale = {}
            for name in READ_WORKLOADS:
                url, script, env = desk.read(name)
                url2, script2, env2 = other.read(name)
                ones, twos = [], []
                # Alternated (one, two, one, two...): a change in the machine's load falls on
                # both; each side is the run with the median req/s.
                short = max(4.0, d / 2) if args.scale_rounds > 1 else d
                for _ in range(args.scale_rounds):
                    ones.append(wrk_parallel(name, [(url, script, env, c)] * 2, short))
                    pair = [(url, script, env, c), (url2, script2, env2, c)]
                    twos.append(wrk_parallel(name, pair, short))
                one, two = median_run(ones), median_run(twos)
                errors = sum(r.errors for r in (*ones, *twos))
                scale[name] = {
                    "one": asdict(one),
                    "two": asdict(two),
                    "speedup": two.rps / one.rps,
                    "runs": {"one": [r.rps for r in ones], "two": [r.rps for r in twos]},
                    "errors": errors,
                }
                log(
                    f"  scale-out {name:<22} one {one.rps:8.1f}  two {two.rps:8.1f}"
                    f"  x{two.rps / one.rps:.2f}  errors {errors}"
                )
            report["scale_out"] = scale
            second.stop()
            second = None

        desk.refresh()
        for name in WRITE_WORKLOADS:
            if not only or name in only:
                keep(name, baseline.around(lambda: write_run(desk, name, d, c)))  # noqa: B023
        # The writes went through the triggers: are the counts still exact?
        desk.refresh()
        report["counts_after_writes"] = check_counts(desk, db["url"])
        log(f"  counts after the writes: {report['counts_after_writes']}")
        report["baseline"] = {
            "runs": [asdict(r) for r in baseline.runs],
            "rps": statistics.median(r.rps for r in baseline.runs),
        }
        report["ratio"] = ratios
    finally:
        for process in (first, second, server):
            if process is not None:
                process.stop()


def scale_phase(args, databases, sampler, secret, report) -> None:
    scales = (args.small, args.large)
    log(f"list scale phase: {scales[0]:,} and {scales[1]:,} tickets")
    servers, desks, urls = [], {}, {}
    try:
        for tickets in scales:
            db = prepare(databases, f"t{tickets}", tickets, secret)
            urls[tickets] = db["url"]
            report["seed"][str(tickets)] = db["seed_seconds"]
            server = Server.desk(db["env"], f"desk-{tickets}")
            sampler.watch(f"desk-{tickets}", server.process.pid)
            servers.append(server)
            desks[tickets] = Desk(server, tickets)
        rounds: dict = {name: {t: [] for t in scales} for name in LIST_PATHS}
        duration = max(3.0, args.duration / 2) if args.rounds > 1 else args.duration
        for round_number in range(args.rounds):
            for name in LIST_PATHS:
                for tickets in scales if round_number % 2 == 0 else reversed(scales):
                    url, script, env = desks[tickets].read(name)
                    result = wrk(name, url, script, env, duration, args.connections)
                    result.extra["tickets"] = tickets
                    rounds[name][tickets].append(result)
                    log_result(result)
        lists = {}
        for name, by_scale in rounds.items():
            summary = {}
            for tickets, results in by_scale.items():
                summary[str(tickets)] = {
                    "p50_ms": statistics.median(r.p50_ms for r in results),
                    "p99_ms": statistics.median(r.p99_ms for r in results),
                    "rps": statistics.median(r.rps for r in results),
                    "errors": sum(r.errors for r in results),
                }
            small, large = summary[str(scales[0])], summary[str(scales[1])]
            summary["p50_ratio"] = large["p50_ms"] / small["p50_ms"]
            lists[name] = summary
        report["lists"] = lists

        report["counts_at_scale"] = {
            str(tickets): check_counts(desks[tickets], urls[tickets]) for tickets in scales
        }
        # Walking: 50 pages from page 1, and 50 from page 5,000 (its next link is a cursor).
        large_desk = desks[scales[1]]
        large_desk.refresh()
        deep_page = min(5000, max(2, scales[1] // 20 - 60))
        report["walk"] = {
            "start": walk(large_desk, "/api/tickets/all-tickets/"),
            "deep": walk(large_desk, f"/api/tickets/all-tickets/?page={deep_page}"),
            "deep_page": deep_page,
        }
        for key in ("start", "deep"):
            w = report["walk"][key]
            log(f"  walk from {w['start']}: {w['median_ms']:.2f} ms/page over {w['pages']} pages")
    finally:
        for server in servers:
            server.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    check_tools(args.pg)
    secret = secrets.token_urlsafe(48)
    databases = Databases(args.pg, args.keep_databases)
    global SAMPLER
    sampler = SAMPLER = RssSampler()
    sampler.start()
    started = time.monotonic()
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_before": os.getloadavg(),
        },
        "settings": {
            "duration": args.duration,
            "connections": args.connections,
            "server": server_settings(),
            "quick": args.quick,
        },
        "seed": {},
    }
    try:
        ratio_phase(args, databases, sampler, secret, report)
        if not args.skip_scale:
            scale_phase(args, databases, sampler, secret, report)
        report["argon2"] = argon2_cost()
    finally:
        sampler.stopping.set()
        sampler.join()
        databases.drop_all()
    report["rss_peak_mb"] = {name: rss / 2**20 for name, rss in sampler.peak.items()}
    report["rss_peak_during"] = sampler.peak_during
    report["rss_samples"] = sampler.samples
    report["machine"]["load_after"] = os.getloadavg()
    report["seconds"] = time.monotonic() - started
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(markdown(report, args))
    return 0


# --- the report ----------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def markdown(report: dict, args) -> str:
    lines = []
    m = report["machine"]
    lines.append(
        f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; load average"
        f" {m['load_before'][0]:.2f} before, {m['load_after'][0]:.2f} after."
        f" wrk: {args.connections} connections, {args.duration:g} s per run;"
        f" waitress: {report['settings']['server']}. Whole run: {report['seconds'] / 60:.1f} min."
    )
    lines.append("")
    seeds = ", ".join(f"{int(k):,} in {v:.1f} s" for k, v in report["seed"].items())
    lines.append(f"Seeds (desk-seed, tickets in seconds): {seeds}.")
    lines.append("")
    base = report.get("baseline")
    if base:
        lines.append(
            f"### At {args.ratio_tickets:,} tickets, against the baseline"
            f" (median {base['rps']:.0f} req/s over {len(base['runs'])} runs, one before and"
            " after each workload; each ratio is to the two around it)"
        )
        lines.append("")
        lines.append(
            "| workload | req/s | p50 ms | p99 ms | errors | baseline req/s | × baseline | target |"
        )
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for name, r in report["ratio"].items():
            target = TARGETS.get(name)
            goal = f"≥ {target:.0%}: {verdict(r['ratio'] >= target)}" if target else "—"
            errors = r["non_2xx"] + r["socket_errors"]
            lines.append(
                f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {errors}"
                f" | {r['baseline_rps']:.0f} | {r['ratio']:.0%} | {goal} |"
            )
        lines.append("")
    if "scale_out" in report:
        lines.append("### Two server processes against one (same client load: two wrk processes)")
        lines.append("")
        lines.append(
            "| workload | one process req/s | two processes req/s | speedup | errors"
            " | target ≥ 1.6× |"
        )
        lines.append("| --- | ---: | ---: | ---: | ---: | --- |")
        for name, s in report["scale_out"].items():
            errors = s["errors"]
            lines.append(
                f"| {name} | {s['one']['rps']:.0f} | {s['two']['rps']:.0f} | {s['speedup']:.2f}×"
                f" | {errors} | {verdict(s['speedup'] >= 1.6 and errors == 0)} |"
            )
        lines.append("")
    if "lists" in report:
        small, large = args.small, args.large
        lines.append(f"### Page 1 of every list: {small:,} against {large:,} tickets (count exact)")
        lines.append("")
        lines.append(
            f"| list | p50 ms at {small:,} | p50 ms at {large:,} | ratio | req/s at {small:,}"
            f" | req/s at {large:,} | errors | target ≤ 1.5× |"
        )
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for name, s in report["lists"].items():
            a, b = s[str(small)], s[str(large)]
            lines.append(
                f"| {name} | {a['p50_ms']:.1f} | {b['p50_ms']:.1f} | {s['p50_ratio']:.2f}×"
                f" | {a['rps']:.0f} | {b['rps']:.0f} | {a['errors'] + b['errors']}"
                f" | {verdict(s['p50_ratio'] <= 1.5)} |"
            )
        lines.append("")
    checks = [("after the writes at the ratio scale", report.get("counts_after_writes"))]
    checks += [(f"at {int(k):,}", v) for k, v in report.get("counts_at_scale", {}).items()]
    checks = [(label, c) for label, c in checks if c]
    if checks:
        lines.append("Exact counts, checked against `COUNT(*)`:")
        lines.append("")
        for label, c in checks:
            lists = ", ".join(
                f"{name} {x['count']:,} (COUNT(*) {x['expected']:,})"
                for name, x in c["lists"].items()
            )
            lines.append(
                f"- {label}: counter cells differing from COUNT(*): {c['mismatched_cells']};"
                f" lists' `count`: {lists} — {'exact' if c['exact'] else '**NOT EXACT**'}."
            )
        lines.append("")
    if "walk" in report:
        w = report["walk"]
        start, deep = w["start"], w["deep"]
        lines.append(
            f"### Walking all-tickets at {args.large:,} tickets through `next` links"
            " (50 pages each, one client)"
        )
        lines.append("")
        lines.append("| from | ms/page (median) | ms/page (mean) | first request ms | errors |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        for label, x in (("page 1", start), (f"page {w['deep_page']:,} (deep cursor)", deep)):
            lines.append(
                f"| {label} | {x['median_ms']:.2f} | {x['mean_ms']:.2f}"
                f" | {x['first_request_ms']:.1f} | {x['errors']} |"
            )
        ratio = deep["median_ms"] / start["median_ms"] if start["median_ms"] else 0
        lines.append("")
        lines.append(f"Deep/start per-page ratio: {ratio:.2f}.")
        lines.append("")
    if "argon2" in report:
        a = report["argon2"]
        login = report.get("ratio", {}).get("login")
        cores = report["machine"]["cpus"] or 1
        ceiling = cores * 1000 / a["verify_ms"]
        text = (
            f"Login: argon2id t={a['time_cost']}, m={a['memory_kib']} KiB, p={a['parallelism']}"
            f" (OWASP's minimum) costs {a['verify_ms']:.1f} ms per verification on one core here,"
            f" so {cores} cores can verify at most {ceiling:.0f} logins/s"
        )
        if login:
            text += f"; measured {login['rps']:.0f} logins/s ({login['rps'] / ceiling:.0%} of that)"
        lines.append(text + ".")
        lines.append("")
    rss = report.get("rss_peak_mb", {})
    if rss:
        during = report.get("rss_peak_during", {})
        peaks = ", ".join(f"{k} {v:.0f} MB (during {during.get(k, '?')})" for k, v in rss.items())
        desk_peak = max((v for k, v in rss.items() if k.startswith("desk")), default=0)
        lines.append(
            f"Peak RSS over {report['rss_samples']} samples (every 0.2 s): {peaks};"
            f" target < 150 MB per Desk process: {verdict(desk_peak < 150)}."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
