"""Desk served for real: ``pserve`` with an ini file in a subprocess, as operators run it, or
waitress in a thread around the test's app."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.live import LiveServer
from tests.support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
PSERVE = str(Path(sys.executable).with_name("pserve"))


class PServe:
    """One ``pserve INI http_port=N`` process; its log goes to a file, not a pipe that could
    fill up and stall the server under load."""

    def __init__(self, ini: str, environment: dict, folder: Path):
        self.port = free_port()
        self.log_path = folder / f"pserve-{self.port}.log"
        self.log = self.log_path.open("wb")
        # production.ini binds 0.0.0.0; clients use the loopback address all the same.
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [PSERVE, str(ROOT / ini), f"http_port={self.port}", "http_host=127.0.0.1"],
            env={**os.environ, **environment},
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 30) -> "PServe":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"pserve exited: {self.output()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"pserve did not answer on {self.url}")

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class QuietLiveServer(LiveServer):
    """``LiveServer`` that waits for its clients to hang up before it closes.

    Closing waitress while a keep-alive connection is still in its socket map makes the
    serving thread poll a closed descriptor (EBADF), which pytest reports as an error.
    """

    def __enter__(self) -> "QuietLiveServer":
        super().__enter__()
        self.own_sockets = len(self.server._map)
        return self

    def __exit__(self, *exc) -> None:
        deadline = time.monotonic() + 5
        while len(self.server._map) > self.own_sockets and time.monotonic() < deadline:
            time.sleep(0.05)
        super().__exit__(*exc)
