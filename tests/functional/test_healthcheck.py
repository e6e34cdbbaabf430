"""The container's HEALTHCHECK (``python -m desk.healthcheck``) follows the configured port."""

from pathlib import Path

import pytest

from desk import healthcheck

from ..support.live import LiveServer
from ..support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "port"),
    [
        ({"DESK_INI": str(ROOT / "production.ini")}, 8000),
        ({"DESK_INI": str(ROOT / "production.ini"), "DESK_HTTP_PORT": "9001"}, 9001),
        ({"DESK_INI": str(ROOT / "development.ini")}, 8000),
    ],
    ids=["the ini's port", "DESK_HTTP_PORT wins", "development"],
)
def test_the_probe_asks_the_configured_port(environ, port):
    assert healthcheck.configured_port(environ) == port


def test_the_probe_is_healthy_only_when_the_server_answers(app, registry, monkeypatch):
    with LiveServer(app) as server:
        monkeypatch.setenv("DESK_HTTP_PORT", server.url.rsplit(":", 1)[1])
        assert healthcheck.main() == 0
    monkeypatch.setenv("DESK_HTTP_PORT", str(free_port()))
    assert healthcheck.main() == 1
