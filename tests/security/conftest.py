"""Fixtures of the security tests: real ``pserve`` processes, and the figures of a run.

Each test that measures something (requests fuzzed, races tried, an outage survived) records
it with the ``figures`` fixture; the figures are printed at the end of every pytest run
under "Security figures", so that SECURITY.md can quote one run.
"""

import os
from collections import Counter
from pathlib import Path

import pytest

from .scene import Scene, watching
from .servers import PServe

# Hypothesis (under the fuzzer) caches what it learns in a folder of the working directory;
# keep it under var/, which git ignores, rather than a .hypothesis/ at the repository root.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(__file__).resolve().parents[2] / "var" / "hypothesis")
)


class Figures:
    """Counters and remarks collected during one run, printed in the terminal summary."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.lines: list[str] = []

    def count(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def note(self, line: str) -> None:
        self.lines.append(line)


FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES.counts and not FIGURES.lines:
        return
    terminalreporter.section("Security figures")
    for name, amount in sorted(FIGURES.counts.items()):
        terminalreporter.write_line(f"{name}: {amount}")
    for line in FIGURES.lines:
        terminalreporter.write_line(line)


@pytest.fixture
def pserve(tmp_path: Path):
    """Start ``pserve INI`` with extra environment variables; stopped at the end of the test."""
    servers: list[PServe] = []

    def start(ini: str, **environment: str) -> PServe:
        server = PServe(ini, environment, tmp_path)
        servers.append(server)
        return server.wait_until_serving()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def scene(make, app) -> Scene:
    """One user per role and their tickets; any route called as its rightful caller."""
    return Scene(make, app)


@pytest.fixture
def database_watch(app):
    """Records what the app sends to the database during a test."""
    with watching(app.registry["db_engine"]) as watch:
        yield watch
