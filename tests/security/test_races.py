"""Many parallel requests through a real ``pserve`` on PostgreSQL end in a state one of them made.

Threads released together by a barrier assign, start, finish, cancel and edit one ticket;
afterwards the ticket is what the last successful request answered, every success left
exactly one history event, and replaying the history from creation reproduces the status,
the executor and the title. Registering one username from many threads creates one user.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from desk.models import Role, User, username_key
from tests.conftest import TEST_SETTINGS

from .client import Answer, call

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

PARALLEL = 24


@pytest.fixture
def server(pserve, database_url, registry):
    """``pserve development.ini`` on the suite's PostgreSQL database, with the suite's key."""
    return pserve(
        "development.ini",
        DATABASE_URL=database_url,
        DESK_JWT_SECRET=TEST_SETTINGS["desk.jwt.secret"],
    )


def together(calls) -> list[Answer]:
    """Run every call in its own thread, all released at once."""
    barrier = threading.Barrier(len(calls))

    def run(one):
        barrier.wait()
        return one()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


class Storm:
    """The people around one ticket and the requests they fire at it."""

    def __init__(self, make, url: str):
        self.make, self.url = make, url
        self.requester = make.user(Role.REQUESTER)
        self.operators = [make.user(Role.OPERATOR) for _ in range(2)]
        self.executors = [make.user(Role.EXECUTOR) for _ in range(3)]

    def send(self, method: str, path: str, user, body=None) -> Answer:
        return call(method, self.url + path, body, self.make.headers(user))

    def action(self, name: str, ticket_id: int, index: int):
        """One request of kind ``name``, by someone entitled to try it."""
        base = f"/api/tickets/{ticket_id}"
        operator, executor = self.operators[index % 2], self.executors[index % 3]
        return {
            "assign": lambda: self.send(
                "POST", f"{base}/assign/", operator, {"executor_id": executor.id}
            ),
            "start": lambda: self.send(
                "POST", f"{base}/execute/", executor, {"status": "IN_PROGRESS"}
            ),
            "finish": lambda: self.send("POST", f"{base}/execute/", executor, {"status": "DONE"}),
            "edit": lambda: self.send(
                "PATCH", f"{base}/", self.requester, {"title": f"Edit {index}"}
            ),
            "withdraw": lambda: self.send("POST", f"{base}/cancel/", self.requester, {}),
            "cancel": lambda: self.send("POST", f"{base}/cancel/", operator, {"reason": "dup"}),
        }[name]

    def requests(self, ticket_id: int, mix: tuple[str, ...]) -> list:
        return [self.action(mix[i % len(mix)], ticket_id, i) for i in range(PARALLEL)]


#: What each round throws at its ticket: a cancel ends a round early, so not all have one.
MIXES = [
    ("assign", "start", "finish"),
    ("edit", "assign", "edit", "withdraw"),
    ("assign", "start", "finish", "edit", "withdraw", "cancel"),
    ("edit", "assign", "start", "assign", "finish", "cancel"),
]


def version(answer: Answer) -> int:
    """The ticket version in an ETag such as ``"12.3"``."""
    return int(answer.headers["etag"].strip('"').split(".")[1])


def replay(title: str, events: list[dict]) -> dict:
    """The ticket rebuilt from its history; each event must start where the last one ended."""
    state = {"status": None, "executor": None, "title": title}
    for event in events:
        if event["to_status"] is not None:  # a transition, or the creation
            assert event["from_status"] == state["status"], event
            state["status"] = event["to_status"]
        if event["kind"] == "assigned":
            assert event["data"]["from_executor_id"] == state["executor"], event
            state["executor"] = event["data"]["to_executor_id"]
        if event["kind"] == "edited":
            old, new = event["data"]["changes"]["title"]
            assert old == state["title"], event
            state["title"] = new
    return state


def observed(ticket: dict) -> dict:
    executor = ticket["executor"]["id"] if ticket["executor"] else None
    return {"status": ticket["status"], "executor": executor, "title": ticket["title"]}


def test_parallel_writes_on_one_ticket_leave_a_state_one_request_made(server, make, figures):
    storm = Storm(make, server.url)
    watcher = storm.operators[0]
    for mix in MIXES * 2:
        ticket = storm.send("POST", "/api/tickets/", storm.requester, {"title": "Racing"}).json
        answers = together(storm.requests(ticket["id"], mix))

        assert {answer.status for answer in answers} <= {200, 403, 404, 409}, [
            (answer.status, answer.body[:200]) for answer in answers
        ]
        successes = sorted((a for a in answers if a.status == 200), key=version)
        # Writers queued on the ticket's row lock: each success made its own version.
        assert [version(a) for a in successes] == list(range(2, len(successes) + 2))

        final = storm.send("GET", f"/api/tickets/{ticket['id']}/", watcher)
        events = storm.send(
            "GET", f"/api/tickets/{ticket['id']}/history/?page_size=100", watcher
        ).json["results"]
        assert len(events) == 1 + len(successes)
        if successes:
            assert final.headers["etag"] == successes[-1].headers["etag"]
            assert observed(final.json) == observed(successes[-1].json)
        assert replay("Racing", events) == observed(final.json)
        figures.count("races: parallel requests on one ticket", len(answers))
        figures.count("races: successful writes, each with its history event", len(successes))


def test_parallel_registrations_of_one_username_create_one_user(server, registry, figures):
    for name in ("Racer", "Ёжик", "user@example.com"):
        spellings = [name, name.lower(), name.upper()]
        answers = together(
            [
                lambda n=spellings[i % 3]: call(
                    "POST",
                    server.url + "/api/auth/register/",
                    {"username": n, "password": "x" * 12},
                )
                for i in range(PARALLEL // 2)
            ]
        )
        assert sorted(answer.status for answer in answers) == [201] + [409] * (len(answers) - 1)
        session = registry["dbsession_factory"]()
        count = session.scalar(select(func.count()).where(User.username_key == username_key(name)))
        session.close()
        assert count == 1
        figures.count("races: parallel registrations of one username", len(answers))
