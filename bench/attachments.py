"""Attachments under load: upload and download throughput of a 10 MiB file, and the server's
peak memory while 8 clients upload at once.

    .venv/bin/python bench/attachments.py              # about a minute on 2 cores
    .venv/bin/python bench/attachments.py --json out.json

All on this machine (127.0.0.1): a database of its own on ``--pg`` (migrated with
``alembic -c production.ini upgrade head``, dropped at the end), ``pserve production.ini``
(the default database storage, 4 threads) on a free port, one requester registered through
the API. Then, each bounded in count:

1. ``--rounds`` sequential uploads of a distinct 10 MiB file (one HTTP request each), and as
   many downloads of it: the median MiB/s of each;
2. 8 clients uploading a distinct file each at once, with 1 MiB and with 10 MiB files, each
   on a fresh server process, while its RSS is sampled every 50 ms: the peak should not grow
   with the file size (bodies spool to disk in waitress and in Desk; the database gets
   256 KiB chunks).
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, INI, Databases, RssSampler, Server, app_url, request, run_tool

MIB = 1024 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
BOUNDARY = "deskbenchboundary"


def png(size: int) -> bytes:
    """A distinct file of ``size`` bytes that sniffs as PNG (no two uploads deduplicate)."""
    return PNG_HEAD + secrets.token_bytes(16) + os.urandom(size - len(PNG_HEAD) - 16)


def multipart(filename: str, content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(port: int, token: str, ticket_id: int, content: bytes) -> tuple[int, float, dict]:
    """One upload; its status, seconds and answer."""
    body = multipart("bench.png", content)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    try:
        conn.request(
            "POST",
            f"/api/tickets/{ticket_id}/attachments/",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return response.status, time.perf_counter() - started, json.loads(data)


def download(port: int, token: str, attachment_id: int) -> tuple[int, float]:
    """One download, read 1 MiB at a time; its byte count and seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    received = 0
    try:
        conn.request(
            "GET",
            f"/api/attachments/{attachment_id}/content",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        assert response.status == 200, response.status
        while chunk := response.read(MIB):
            received += len(chunk)
    finally:
        conn.close()
    return received, time.perf_counter() - started


def concurrent_uploads(port, token, ticket_ids, size, sampler, phase) -> dict:
    """8 clients (one per ticket) uploading a distinct ``size``-byte file at once."""
    files = [png(size) for _ in ticket_ids]
    results = [None] * len(ticket_ids)

    def client(index: int) -> None:
        results[index] = upload(port, token, ticket_ids[index], files[index])[:2]

    sampler.phase = phase
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(ticket_ids))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    seconds = time.perf_counter() - started
    time.sleep(0.2)
    statuses = sorted({status for status, _ in results})
    return {
        "file_mib": size / MIB,
        "clients": len(ticket_ids),
        "statuses": statuses,
        "seconds": round(seconds, 2),
        "aggregate_mib_s": round(len(ticket_ids) * size / MIB / seconds, 1),
        "peak_rss_mib": round(sampler.peak.get("desk", 0) / MIB, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get("DESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    databases = Databases(args.pg, keep=False)
    secret = secrets.token_urlsafe(48)
    server = None
    sampler = RssSampler(interval=0.05)
    try:
        url = databases.create("attachments")
        env = {**os.environ, "DATABASE_URL": app_url(url), "DESK_JWT_SECRET": secret}
        run_tool([str(BIN / "alembic"), "-c", str(INI), "upgrade", "head"], env, timeout=300)
        credentials = {"username": "bench-requester", "password": "bench-password-42"}
        server = Server.desk(env, "attachments")
        base = server.base
        assert request("POST", base + "/api/auth/register/", credentials)[0] == 201

        def fresh_server() -> tuple[Server, str]:
            """A new server process (memory is measured from its start), and a token."""
            nonlocal server
            server.stop()
            server = Server.desk(env, "attachments")
            sampler.watch("desk", server.process.pid)
            sampler.peak.clear()
            token = request("POST", server.base + "/api/auth/login/", credentials)[1]["access"]
            return server, token

        def new_ticket(token: str) -> int:
            status, ticket = request(
                "POST", server.base + "/api/tickets/", {"title": "Bench"}, token
            )
            assert status == 201, status
            return ticket["id"]

        sampler.start()
        concurrent = []
        for size in (1 * MIB, 10 * MIB):
            server, token = fresh_server()
            tickets = [new_ticket(token) for _ in range(8)]
            idle = RssSampler.rss(server.process.pid) or 0
            phase = f"8 x {size // MIB} MiB"
            result = concurrent_uploads(server.port, token, tickets, size, sampler, phase)
            concurrent.append({"idle_rss_mib": round(idle / MIB, 1), **result})

        server, token = fresh_server()
        ticket_id = new_ticket(token)
        up, down = [], []
        for _ in range(args.rounds):
            content = png(10 * MIB)
            status, seconds, answer = upload(server.port, token, ticket_id, content)
            assert status == 201, (status, answer)
            up.append(10 / seconds)
            received, seconds = download(server.port, token, answer["results"][0]["id"])
            assert received == len(content)
            down.append(10 / seconds)
        report = {
            "rounds": args.rounds,
            "upload_mib_s_median": round(statistics.median(up), 1),
            "upload_mib_s_all": [round(v, 1) for v in up],
            "download_mib_s_median": round(statistics.median(down), 1),
            "download_mib_s_all": [round(v, 1) for v in down],
            "sequential_peak_rss_mib": round(sampler.peak.get("desk", 0) / MIB, 1),
            "concurrent": concurrent,
        }
    finally:
        sampler.stopping.set()
        if server is not None:
            server.stop()
        databases.drop_all()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
