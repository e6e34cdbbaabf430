"""``pserve`` with the real ini files, as an operator starts Desk."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.pgcluster import free_port

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PSERVE = str(Path(sys.executable).with_name("pserve"))


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pserve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            return urllib.request.urlopen(url, timeout=2)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def serve(database_url, registry, tmp_path):
    processes = []

    def start(ini: str, **environment) -> str:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, **environment}
        process = subprocess.Popen(
            [PSERVE, str(ROOT / ini), f"http_port={port}"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}" if ini == "production.ini" else f"http://localhost:{port}"
        wait_for(base + "/healthz", process)
        return base

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def test_development_serves_on_the_port_given_on_the_command_line(serve):
    base = serve("development.ini")
    with urllib.request.urlopen(base + "/readyz") as response:
        assert json.loads(response.read()) == {"status": "ok"}


def test_production_sends_security_headers_and_no_server_header(serve):
    base = serve("production.ini", DESK_JWT_SECRET="x" * 40)
    with urllib.request.urlopen(base + "/healthz") as response:
        headers = response.headers
    assert "Server" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_production_refuses_to_start_without_a_secret(database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DESK_JWT_SECRET"}
    result = subprocess.run(
        [PSERVE, str(ROOT / "production.ini"), f"http_port={free_port()}"],
        env={**env, "DATABASE_URL": database_url},
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert b"DESK_JWT_SECRET" in result.stderr
