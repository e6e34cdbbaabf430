"""The memory of one Desk process under logins and list pages, per ``[server:main]`` setting.

    .venv/bin/python bench/rss.py threads=4 threads=8 threads=8,malloc_arena_max=2
    .venv/bin/python bench/rss.py --database-url postgresql://...  threads=6 ...

Each positional argument is one configuration: ``production.ini`` with those ``[server:main]``
lines replaced or added (``key=`` with nothing after it removes the line); an upper-case key
is an environment variable of the server instead (glibc's ``MALLOC_ARENA_MAX=2``,
``MALLOC_MMAP_THRESHOLD_=1048576``: its ``mallopt`` parameters, read at start-up). For every round
and configuration, in alternating order, the script starts a fresh ``pserve`` of that ini on a
seeded database, then runs at once, for ``--duration`` seconds, ``wrk`` with ``--logins``
connections on the login (one argon2id verification each) and ``wrk`` with ``--lists``
connections on page 1 of all-tickets. It reports, per run, the RSS after start-up, the peak
(the kernel's ``VmHWM``, not a sample), the RSS once the load is over and the server idle
(``--settle`` seconds later: it finishes the logins queued when wrk stopped), and where the resident
anonymous memory is: the main heap, glibc's thread arenas (the 64 MiB-aligned heaps; their
count and RSS) and the rest (Python's own 1 MiB arenas, mmapped blocks, stacks).

It creates its own database (``desk_bench_rss_*``, seeded with ``desk-seed --tickets``) on
``--pg`` and drops it at the end, unless ``--database-url`` names a seeded one. Requests per
second are printed too, but the RSS is the point: throughput wants a quiet machine.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import (
    BIN,
    INI,
    PASSWORD,
    Databases,
    Server,
    app_url,
    check_tools,
    login,
    parse_wrk,
    prepare,
    wrk_command,
)

ARENA_ALIGNMENT = 64 * 2**20  # glibc's HEAP_MAX_SIZE on 64-bit: thread arenas' heaps


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_config(text: str) -> dict:
    """``threads=8,malloc_arena_max=2`` as {"threads": "8", "malloc_arena_max": "2"}."""
    return dict(item.split("=", 1) for item in text.split(",") if item)


def write_ini(directory: Path, overrides: dict) -> Path:
    """A copy of production.ini with ``overrides`` in ``[server:main]``; logs under it."""
    lines = INI.read_text().splitlines()
    start = lines.index("[server:main]")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
    section = lines[start + 1 : end]
    for key, value in overrides.items():
        section = [line for line in section if not re.match(rf"{re.escape(key)}\s*=", line)]
        if value:
            section.append(f"{key} = {value}")
    (directory / "var" / "log").mkdir(parents=True, exist_ok=True)
    path = directory / "production.ini"
    path.write_text("\n".join([*lines[: start + 1], *section, "", *lines[end:]]) + "\n")
    return path


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def anonymous_kb(pid: int) -> dict:
    """Resident anonymous memory by kind, from /proc/PID/smaps."""
    kinds = {"heap": 0, "arenas": 0, "other": 0}
    arenas = 0
    kind = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$", line)
        if head:
            start, perms, inode, name = int(head[1], 16), head[3], head[4], head[5]
            if name == "[heap]":
                kind = "heap"
            elif inode == "0" and not name and "rw" in perms:
                aligned = start % ARENA_ALIGNMENT == 0
                kind = "arenas" if aligned else "other"
                arenas += aligned
            else:
                kind = None
        elif kind and line.startswith("Rss:"):
            kinds[kind] += int(line.split()[1])
    return {**kinds, "arena_count": arenas}


def measure(config: dict, env: dict, args, workdir: Path) -> dict:
    """One fresh server under the login and list load; its memory figures."""
    ini = write_ini(workdir, {k: v for k, v in config.items() if not k.isupper()})
    server = Server(
        [str(BIN / "pserve"), str(ini), "http_port={port}", "http_host=127.0.0.1"],
        {**env, **{k: v for k, v in config.items() if k.isupper()}},
        "rss",
    )
    pid = server.process.pid
    try:
        started_kb = status_kb(pid, "VmRSS")
        token = login(server.base, "operator1")
        logins = wrk_command(
            server.base + "/api/auth/login/", "login.lua", args.duration, args.logins, 1
        )
        lists = wrk_command(
            server.base + "/api/tickets/all-tickets/", "get.lua", args.duration, args.lists, 2
        )
        loads = [
            subprocess.Popen(
                command,
                env={**os.environ, **extra},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command, extra in (
                (logins, {"DESK_USERNAME": "requester2", "DESK_PASSWORD": PASSWORD}),
                (lists, {"DESK_TOKEN": token}),
            )
        ]
        outputs = [load.communicate(timeout=args.duration + 60)[0] for load in loads]
        named = zip(("login", "list"), outputs, strict=True)
        results = [parse_wrk(name, out) for name, out in named]
        time.sleep(args.settle)
        return {
            "started_mb": started_kb / 1024,
            "peak_mb": status_kb(pid, "VmHWM") / 1024,
            "after_mb": status_kb(pid, "VmRSS") / 1024,
            "anonymous_mb": {
                k: v if k == "arena_count" else v / 1024 for k, v in anonymous_kb(pid).items()
            },
            "threads": len(os.listdir(f"/proc/{pid}/task")),
            "login_rps": results[0].rps,
            "list_rps": results[1].rps,
            "errors": sum(r.errors for r in results),
        }
    finally:
        server.stop()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="+", help="[server:main] overrides, e.g. threads=8")
    parser.add_argument(
        "--pg",
        default=os.environ.get("DESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where the run may create and drop its database",
    )
    parser.add_argument("--database-url", help="a database desk-seed filled; none is created")
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets to seed")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per run")
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before after")
    parser.add_argument("--logins", type=int, default=8, help="wrk connections on the login")
    parser.add_argument("--lists", type=int, default=16, help="wrk connections on the list")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    check_tools(args.pg)
    configs = [parse_config(text) for text in args.configs]
    secret = secrets.token_urlsafe(48)
    databases = Databases(args.pg, keep=False)
    workdir = Path(tempfile.mkdtemp(prefix="desk-bench-rss-"))
    runs: dict[int, list] = {i: [] for i in range(len(configs))}
    load_before = os.getloadavg()
    try:
        if args.database_url:
            env = {**os.environ, "DATABASE_URL": app_url(args.database_url)}
            env["DESK_JWT_SECRET"] = secret
        else:
            env = prepare(databases, "rss", args.tickets, secret)["env"]
        for round_number in range(args.rounds):
            order = list(range(len(configs)))
            if round_number % 2:
                order.reverse()
            for i in order:
                result = measure(configs[i], env, args, workdir)
                runs[i].append(result)
                log(
                    f"{args.configs[i]}: start {result['started_mb']:.1f} MiB, peak"
                    f" {result['peak_mb']:.1f}, after {result['after_mb']:.1f}"
                    f" {result['anonymous_mb']}; login {result['login_rps']:.1f}/s, list"
                    f" {result['list_rps']:.1f}/s, errors {result['errors']}"
                )
    finally:
        databases.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average before {load_before}, after {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(
        "| configuration | start MiB | peak MiB (VmHWM), max (runs) | after MiB | arenas"
        " (count, MiB) | login/s | list/s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for i, text in enumerate(args.configs):
        rs = runs[i]
        peaks = ", ".join(f"{r['peak_mb']:.1f}" for r in rs)
        last = rs[-1]["anonymous_mb"]
        print(
            f"| `{text}` | {statistics.median(r['started_mb'] for r in rs):.1f}"
            f" | {max(r['peak_mb'] for r in rs):.1f} ({peaks})"
            f" | {statistics.median(r['after_mb'] for r in rs):.1f}"
            f" | {last['arena_count']:.0f}, {last['arenas']:.1f}"
            f" | {statistics.median(r['login_rps'] for r in rs):.1f}"
            f" | {statistics.median(r['list_rps'] for r in rs):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
