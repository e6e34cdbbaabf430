"""The README's walk-through and lifecycle, kept honest.

The walk-through's shell blocks (each a ```bash block right after ``<!-- walkthrough -->``)
run, in order and as one script, with bash and curl against ``pserve development.ini`` on a
freshly migrated database, as a new user pastes them into a second terminal. Any answer that
is not a 2xx fails the script (curl's ``fail-with-body`` from a curlrc of the test's own), and
the ticket must end ``DONE`` with the executor's closing comment public in its history. The
lifecycle table must list exactly the statuses ``desk.workflow.ACTIONS`` allows each action
from.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from desk import workflow
from desk.models import Comment, Ticket, TicketEvent, User
from tests.functional.test_serve import wait_for
from tests.support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PSERVE = str(Path(sys.executable).with_name("pserve"))
WALKTHROUGH_BLOCK = re.compile(r"^<!-- walkthrough -->\n```bash\n(.*?)^```$", re.M | re.S)

pytestmark = [
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl"),
    pytest.mark.slow,
]


def walkthrough_blocks() -> list[str]:
    blocks = WALKTHROUGH_BLOCK.findall(README)
    assert len(blocks) >= 5, "the README's walk-through blocks are not marked"
    return blocks


@pytest.fixture
def desk_server(database_url, registry, tmp_path):
    """``pserve development.ini`` on a free port, on the suite's migrated, emptied database."""
    port = free_port()
    process = subprocess.Popen(
        [PSERVE, str(ROOT / "development.ini"), f"http_port={port}"],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://localhost:{port}"
    try:
        wait_for(base + "/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def run_walkthrough(base: str, folder: Path, blocks: list[str]) -> subprocess.CompletedProcess:
    (folder / ".curlrc").write_text("fail-with-body\nshow-error\n")
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + "\n".join(blocks)],
        env={**os.environ, "DESK": base, "CURL_HOME": str(folder)},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_walkthrough_runs_and_ends_with_the_ticket_done(desk_server, registry, tmp_path):
    result = run_walkthrough(desk_server, tmp_path, walkthrough_blocks())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    session = registry["dbsession_factory"]()
    try:
        ticket = session.scalars(select(Ticket)).one()
        executor = session.get(User, ticket.executor_id)
        statuses = session.scalars(
            select(TicketEvent.to_status)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.to_status.is_not(None))
            .order_by(TicketEvent.id)
        ).all()
        last_comment = session.scalars(
            select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id.desc())
        ).first()
    finally:
        session.close()
    assert ticket.status == "DONE"
    assert statuses == ["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING", "IN_PROGRESS", "DONE"]
    assert (executor.role, last_comment.author_id, last_comment.internal) == (
        "EXECUTOR",
        executor.id,
        False,
    )

    # The last command is the history as the requester reads it: the move to DONE, then the
    # executor's comment, which she sees among the comments (the internal note she does not).
    *_, comments_line, history_line = result.stdout.strip().splitlines()
    history = json.loads(history_line)["results"]
    assert [e["kind"] for e in history[-2:]] == ["status_changed", "commented"]
    assert history[-2]["to_status"] == "DONE"
    assert history[-1]["data"]["comment_id"] == last_comment.id
    comments = json.loads(comments_line)["results"]
    assert comments[-1]["body"] == last_comment.body
    assert not any(comment["internal"] for comment in comments)

    # The check can fail: pasted again, the first registration is a 409 and the script stops
    # there (its answer, the problem, is all it printed).
    again = run_walkthrough(desk_server, tmp_path, walkthrough_blocks())
    assert again.returncode != 0
    assert json.loads(again.stdout)["status"] == 409


def lifecycle_table() -> dict[str, set[str]]:
    """The README's lifecycle table: each action and the statuses it lists it from."""
    section = README[README.index("### Lifecycle") : README.index("## Routes")]
    rows = re.findall(r"^\| `(\w+)` \| .*? \| (.*?) \| .*? \| .*? \|$", section, re.M)
    table: dict[str, set[str]] = {}
    for action, statuses in rows:
        listed = (
            set(workflow.ALL_STATUSES)
            if statuses == "any"
            else set(re.findall(r"`(\w+)`", statuses))
        )
        table.setdefault(action, set()).update(listed)
    return table


def test_the_lifecycle_table_lists_what_the_workflow_allows():
    allowed = {
        name: set().union(*(statuses for _, statuses in action.rules))
        for name, action in workflow.ACTIONS.items()
    }
    assert lifecycle_table() == allowed
