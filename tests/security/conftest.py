"""Fixtures of the security tests: real ``pserve`` processes, and the figures of a run.

Each test that measures something (requests fuzzed, races tried, an outage survived) records
it with the ``figures`` fixture; tests/conftest.py prints them at the end of every run
(tests/support/figures.py).
"""

import os
from pathlib import Path

import pytest

from ..conftest import parameter
from ..support.figures import FIGURES, Figures
from .scene import Scene, watching
from .servers import PServe

# Hypothesis (under the fuzzer) caches what it learns in a folder of the working directory;
# keep it under var/, which git ignores, rather than a .hypothesis/ at the repository root.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(__file__).resolve().parents[2] / "var" / "hypothesis")
)


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


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
def scene(make, app, request) -> Scene:
    """One user per role and their tickets; any route called as its rightful caller. What the
    test's ``route`` names is made here, before a ``database_watch`` starts recording."""
    scene = Scene(make, app)
    route = parameter(request.node, "route")
    if route is not None:
        scene.path(route)
    return scene


@pytest.fixture
def database_watch(app):
    """Records what the app sends to the database during a test."""
    with watching(app.registry["db_engine"]) as watch:
        yield watch
