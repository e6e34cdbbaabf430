"""``desk-createsuperuser`` and ``desk-seed``, run from an ini file against the test database.

Each test writes an ini for the current backend, calls the script's ``main(argv)`` as the
console script would, and checks the outcome through the API and the database.
"""

import io
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text

from desk.models import Comment, Ticket, TicketEvent, User, utcnow
from desk.scripts import createsuperuser, seed
from desk.sla.breaches import WATCHES, record_breaches
from tests.support.inifiles import write_ini

LOGIN = "/api/auth/login/"
STRONG = "s3cure-enough-password"
STATUSES = ("NEW", "ASSIGNED", "IN_PROGRESS", "DONE")


@pytest.fixture
def ini(tmp_path, settings) -> str:
    """An ini like development.ini's, on this test run's database and fast hashing."""
    return write_ini(tmp_path, settings)


#: Targets short enough that the seed's first tickets (created 20 minutes ago) missed them.
SHORT_TARGETS = {f"desk.sla.{name}": "5m 10m" for name in ("urgent", "high", "normal", "low")}


@pytest.fixture
def short_targets_ini(tmp_path, settings) -> str:
    """``ini`` with 5 minutes to respond and 10 to resolve, warnings at 80 %."""
    return write_ini(tmp_path, {**settings, **SHORT_TARGETS, "desk.sla.warning": "0.8"})


def login(testapp, username: str, password: str) -> dict:
    """Bearer headers for ``username``, through the login endpoint."""
    tokens = testapp.post_json(LOGIN, {"username": username, "password": password}).json
    return {"Authorization": f"Bearer {tokens['access']}"}


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def users_named(registry, username: str) -> list[User]:
    with registry["dbsession_factory"]() as session:
        return session.scalars(select(User).where(User.username_key == username.casefold())).all()


def all_users(registry) -> list[User]:
    with registry["dbsession_factory"]() as session:
        return session.scalars(select(User)).all()


def count(registry, model) -> int:
    with registry["dbsession_factory"]() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- desk-createsuperuser --------------------------------------------------------------------


class TestCreateSuperuser:
    def run(self, ini, monkeypatch, password: str | None, *options: str) -> int:
        stdin(monkeypatch, f"{password}\n" if password is not None else "")
        return createsuperuser.main([ini, *options, "--password-stdin"])

    def test_scripted_superuser_logs_in_and_administers(self, ini, testapp, monkeypatch, capsys):
        status = self.run(
            ini, monkeypatch, STRONG, "--username", "Admin", "--email", "admin@example.com"
        )

        assert status == 0
        assert "Superuser 'Admin' created" in capsys.readouterr().out
        headers = login(testapp, "admin", STRONG)
        profile = testapp.get("/api/auth/profile/", headers=headers).json
        assert profile["username"] == "Admin"
        assert profile["email"] == "admin@example.com"
        assert profile["is_superuser"] is True
        assert profile["role"] == "OPERATOR"
        usernames = [
            u["username"] for u in testapp.get("/api/users/", headers=headers).json["results"]
        ]
        assert usernames == ["Admin"]
        assert testapp.get("/api/tickets/all-tickets/", headers=headers).json["count"] == 0

    def test_interactive_asks_again_until_answers_are_accepted(
        self, ini, testapp, make, monkeypatch, capsys
    ):
        make.user(username="taken")
        # input() reads the piped answers; only the no-echo prompt needs the terminal,
        # so getpass alone is replaced.
        stdin(monkeypatch, "bad name!\nTAKEN\nroot\nnot-an-email\nroot@example.com\n")
        passwords = iter(
            ["first-password", "other-password", "1234567890", "1234567890", STRONG, STRONG]
        )
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))

        assert createsuperuser.main([ini]) == 0

        errors = capsys.readouterr().err
        assert "username: 1 to 150 characters" in errors
        assert "username: 'TAKEN' is already taken" in errors
        assert "email: Invalid email address" in errors
        assert "the two passwords differ" in errors
        assert "password: Must not be entirely numeric." in errors
        headers = login(testapp, "root", STRONG)
        assert testapp.get("/api/auth/profile/", headers=headers).json["is_superuser"] is True

    def test_username_taken_in_another_case_exits_1(self, ini, make, monkeypatch, capsys):
        make.user(username="admin")

        status = self.run(ini, monkeypatch, STRONG, "--username", "ADMIN")

        assert status == 1
        assert (
            "desk-createsuperuser: error: username: 'ADMIN' is already taken\n"
            in capsys.readouterr().err
        )
        assert [user.username for user in users_named(make.registry, "admin")] == ["admin"]

    @pytest.mark.parametrize(
        ("password", "problem"),
        [
            ("short", "Must be at least 8 characters."),
            ("1234567890", "Must not be entirely numeric."),
            ("ROOT-ADMIN", "Must not be the same as the username."),
            (None, "no password on standard input"),
        ],
    )
    def test_weak_or_missing_password_exits_1(
        self, ini, registry, monkeypatch, capsys, password, problem
    ):
        status = self.run(ini, monkeypatch, password, "--username", "root-admin")

        assert status == 1
        assert problem in capsys.readouterr().err
        assert users_named(registry, "root-admin") == []

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (["--username", "two words"], "username: 1 to 150 characters"),
            (["--username", "x" * 151], "username: 1 to 150 characters"),
            (["--username", "root", "--email", "root@"], "email: Invalid email address"),
        ],
    )
    def test_invalid_values_exit_1(self, ini, registry, monkeypatch, capsys, options, message):
        assert self.run(ini, monkeypatch, STRONG, *options) == 1
        assert message in capsys.readouterr().err
        assert count(registry, User) == 0

    def test_usage_errors_exit_2_without_a_traceback(self, ini, registry, tmp_path, capsys):
        assert createsuperuser.main([ini, "--password-stdin"]) == 2
        assert "--password-stdin needs --username" in capsys.readouterr().err
        assert createsuperuser.main([str(tmp_path / "missing.ini")]) == 2
        assert "no such ini file" in capsys.readouterr().err


# --- desk-seed -------------------------------------------------------------------------------


def seeded_tickets(registry) -> list[Ticket]:
    with registry["dbsession_factory"]() as session:
        return session.scalars(select(Ticket).order_by(Ticket.id)).unique().all()


def schema_of(registry) -> list[str]:
    """Index and foreign key definitions of the seeded tables (PostgreSQL)."""
    with registry["db_engine"].connect() as connection:
        return (
            connection.execute(
                text(
                    "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                    " WHERE indrelid = ANY (CAST(:tables AS regclass[]))"
                    " UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid)"
                    " FROM pg_constraint"
                    " WHERE conrelid = ANY (CAST(:tables AS regclass[])) ORDER BY 1"
                ),
                {"tables": ["tickets", "comments", "ticket_events"]},
            )
            .scalars()
            .all()
        )


class TestSeed:
    def test_layout_of_users_and_tickets(self, ini, registry, capsys):
        before = utcnow()
        # A small batch size: ids and history must carry on across batches.
        assert seed.main([ini, "--tickets", "20", "--batch-size", "7"]) == 0

        assert "Seeded 20 tickets, 52 events and 2 comments" in capsys.readouterr().out
        with registry["dbsession_factory"]() as session:
            roles = dict(session.execute(select(User.username, User.role)).all())
        assert roles == {
            **{f"requester{k}": "REQUESTER" for k in range(1, 6)},
            **{f"operator{k}": "OPERATOR" for k in range(1, 3)},
            **{f"executor{k}": "EXECUTOR" for k in range(1, 6)},
        }
        tickets = seeded_tickets(registry)
        assert len(tickets) == 20
        assert {ticket.priority for ticket in tickets} == {1, 2, 3, 4}
        for i, ticket in enumerate(tickets):
            assert ticket.requester.username == f"requester{i % 5 + 1}"
            assert ticket.status == STATUSES[i % 4]
            if ticket.status == "NEW":
                assert ticket.executor is None
            else:
                assert ticket.executor.username == f"executor{i % 5 + 1}"
            assert ticket.version == 1 + i % 4
            assert (ticket.assigned_at is not None) == (ticket.status != "NEW")
            assert (ticket.completed_at is not None) == (ticket.status == "DONE")
            steps = [ticket.created_at, ticket.assigned_at, ticket.completed_at]
            assert [t for t in steps if t] == sorted(t for t in steps if t)
            assert ticket.created_at <= ticket.updated_at <= utcnow()
            assert ticket.title
            assert ticket.description
        # Created N - i minutes before the run: one minute apart, the last one minute ago.
        created = [ticket.created_at for ticket in tickets]
        assert all(b - a == timedelta(minutes=1) for a, b in pairwise(created))
        assert before - timedelta(minutes=21) <= created[0] <= before - timedelta(minutes=19)
        assert len({ticket.title for ticket in tickets}) == 20

    def test_history_and_comments_read_through_the_api(self, ini, testapp, registry):
        assert seed.main([ini, "--tickets", "20"]) == 0
        tickets = seeded_tickets(registry)
        headers = login(testapp, "operator1", seed.DEFAULT_PASSWORD)
        assert testapp.get("/api/tickets/all-tickets/", headers=headers).json["count"] == 20

        def history(i: int) -> list[tuple]:
            events = testapp.get(f"/api/tickets/{tickets[i].id}/history/", headers=headers).json[
                "results"
            ]
            return [
                (e["kind"], e["actor"]["username"], e["from_status"], e["to_status"], e["data"])
                for e in events
            ]

        assert history(0) == [("created", "requester1", None, "NEW", {})]
        executor2 = tickets[1].executor_id
        assert history(1) == [
            ("created", "requester2", None, "NEW", {}),
            (
                "assigned",
                "operator2",
                "NEW",
                "ASSIGNED",
                {"from_executor_id": None, "to_executor_id": executor2},
            ),
        ]
        assert [(kind, actor, to) for kind, actor, _, to, _ in history(3)] == [
            ("created", "requester4", "NEW"),
            ("assigned", "operator2", "ASSIGNED"),
            ("status_changed", "executor4", "IN_PROGRESS"),
            ("status_changed", "executor4", "DONE"),
        ]
        # Ticket 9 (ASSIGNED) carries a comment by its requester, after its assignment.
        comments = testapp.get(f"/api/tickets/{tickets[9].id}/comments/", headers=headers).json[
            "results"
        ]
        assert [(c["author"]["username"], c["internal"]) for c in comments] == [
            ("requester5", False)
        ]
        assert history(9)[-1] == (
            "commented",
            "requester5",
            None,
            None,
            {"comment_id": comments[0]["id"], "internal": False},
        )
        # Ticket 19 (DONE): its executor comments after finishing.
        assert history(19)[-1][:2] == ("commented", "executor5")
        # Events, like the API writes them, follow each other in time within a ticket.
        with registry["dbsession_factory"]() as session:
            for ticket in tickets:
                times = session.scalars(
                    select(TicketEvent.created_at)
                    .where(TicketEvent.ticket_id == ticket.id)
                    .order_by(TicketEvent.id)
                ).all()
                assert times == sorted(times)
                assert times[-1] <= utcnow()

    def test_running_again_adds_tickets_and_reuses_users(self, ini, testapp, registry, capsys):
        assert seed.main([ini, "--tickets", "20"]) == 0
        hashes = {user.username: user.password_hash for user in all_users(registry)}
        assert len(set(hashes.values())) == 1, "one hash for all the seed's users"

        assert seed.main([ini, "--tickets", "20", "--password", "another-password"]) == 0
        # Fewer than there are: the row-by-row path on PostgreSQL.
        assert seed.main([ini, "--tickets", "5"]) == 0

        out = capsys.readouterr().out
        assert "0 of 12 users created" in out
        assert count(registry, User) == 12
        assert count(registry, Ticket) == 45
        assert count(registry, Comment) == 2 + 2 + 0
        assert {u.username: u.password_hash for u in all_users(registry)} == hashes
        ids = [ticket.id for ticket in seeded_tickets(registry)]
        assert len(set(ids)) == 45
        # The API's own inserts carry on after the seeded ids.
        headers = login(testapp, "requester1", seed.DEFAULT_PASSWORD)
        created = testapp.post_json(
            "/api/tickets/", {"title": "After the seed"}, headers=headers, status=201
        ).json
        assert created["id"] > max(ids)
        assert created["status"] == "NEW"

    @pytest.mark.postgresql_only
    def test_indexes_and_foreign_keys_come_back_unchanged(self, ini, registry):
        schema = schema_of(registry)
        assert schema

        assert seed.main([ini, "--tickets", "20"]) == 0

        assert schema_of(registry) == schema

    def test_searched_counts_stay_exact_across_seeds_and_writes(self, ini, testapp, registry):
        assert seed.main([ini, "--tickets", "20"]) == 0
        headers = login(testapp, "operator1", seed.DEFAULT_PASSWORD)
        searched = testapp.get("/api/tickets/all-tickets/?search=a", headers=headers).json
        assert searched["count_exact"] is True

        assert seed.main([ini, "--tickets", "20"]) == 0

        after = testapp.get("/api/tickets/all-tickets/?search=a", headers=headers).json
        assert after["count"] == 2 * searched["count"]  # the layout again
        testapp.post_json(
            "/api/tickets/",
            {"title": "a new one"},
            headers=login(testapp, "requester1", seed.DEFAULT_PASSWORD),
        )
        again = testapp.get("/api/tickets/all-tickets/?search=a", headers=headers).json
        assert again["count"] == after["count"] + 1

    def test_day_counts_agree_with_the_seeded_rows_and_keep_counting(self, ini, testapp, registry):
        def counted_and_actual() -> tuple[dict, dict]:
            with registry["dbsession_factory"]() as session:
                counted = {
                    (kind, str(day)): int(n)
                    for kind, day, n in session.execute(
                        text("SELECT kind, day, sum(n) FROM ticket_day_counts GROUP BY 1, 2")
                    )
                    if n
                }
                actual: dict = {}
                for ticket in session.scalars(select(Ticket)):
                    key = (0, ticket.created_at.date().isoformat())
                    actual[key] = actual.get(key, 0) + 1
                closing = TicketEvent.to_status.in_(("DONE", "CANCELLED"))
                for event in session.scalars(select(TicketEvent).where(closing)):
                    key = (1, event.created_at.date().isoformat())
                    actual[key] = actual.get(key, 0) + 1
            return counted, actual

        assert seed.main([ini, "--tickets", "20"]) == 0  # an empty database: rebuilt indexes
        assert seed.main([ini, "--tickets", "20"]) == 0  # a second load on top
        counted, actual = counted_and_actual()
        assert counted == actual
        assert sum(n for (kind, _), n in actual.items() if kind == 1) > 0
        # The triggers are on again after the load.
        testapp.post_json(
            "/api/tickets/",
            {"title": "after the seeds"},
            headers=login(testapp, "requester1", seed.DEFAULT_PASSWORD),
        )
        counted, actual = counted_and_actual()
        assert counted == actual

    def test_service_levels_as_the_workflow_and_the_breach_job_would_leave_them(
        self, short_targets_ini, testapp, registry, settings
    ):
        assert seed.main([short_targets_ini, "--tickets", "20"]) == 0
        tickets = seeded_tickets(registry)
        with registry["dbsession_factory"]() as session:
            sla_events = session.execute(
                select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.data)
                .where(TicketEvent.kind.in_(("sla_breached", "sla_warning")))
                .order_by(TicketEvent.id)
            ).all()
        recorded: dict[int, set] = {}
        for ticket_id, kind, data in sla_events:
            recorded.setdefault(ticket_id, set()).add((kind, data["target"]))
        now = utcnow()
        for i, ticket in enumerate(tickets):
            assert ticket.response_due_at == ticket.created_at + timedelta(minutes=5)
            assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=10)
            assert ticket.response_warning_at == ticket.created_at + timedelta(minutes=4)
            # The start of work or the executor's public comment is the first response.
            started = ticket.status in ("IN_PROGRESS", "DONE")
            executor_commented = i % 10 == 9 and i % 20 != 9
            assert (ticket.first_response_at is not None) == (started or executor_commented)
            # One bit per recorded event, and an event for every target passed unmet.
            flags = {(w.kind, w.target) for w in WATCHES if ticket.sla_recorded & w.flag}
            assert flags == recorded.get(ticket.id, set())
            if ticket.status in ("NEW", "ASSIGNED") and ticket.response_due_at <= now:
                assert ("sla_breached", "response") in flags
            if ticket.first_response_at is not None:
                late = ticket.first_response_at > ticket.response_due_at
                assert (("sla_breached", "response") in flags) == late
            if ticket.status == "DONE":
                late = ticket.completed_at > ticket.resolution_due_at
                assert (("sla_breached", "resolution") in flags) == late
        assert any(flags for flags in recorded.values())
        # Dated when each happened: at the due (or warning) time.
        for ticket_id, _, data in sla_events:
            ticket = next(t for t in tickets if t.id == ticket_id)
            assert data["due_at"] == getattr(ticket, f"{data['target']}_due_at").isoformat()
        # Nothing left for the breach job to catch up on.
        with registry["dbsession_factory"]() as session:
            assert record_breaches(session, {**settings, **SHORT_TARGETS}, now) == 0

        headers = login(testapp, "operator1", seed.DEFAULT_PASSWORD)
        overdue = testapp.get("/api/tickets/all-tickets/?overdue=true", headers=headers).json
        late = {
            ticket.id
            for ticket in tickets
            if ticket.status != "DONE"
            and (
                ticket.resolution_due_at <= utcnow()
                or (ticket.first_response_at is None and ticket.response_due_at <= utcnow())
            )
        }
        assert overdue["count"] == len(late) > 0
        assert {row["id"] for row in overdue["results"]} == late
        by_due = testapp.get(
            "/api/tickets/all-tickets/?ordering=resolution_due_at", headers=headers
        ).json
        assert [row["id"] for row in by_due["results"]] == [ticket.id for ticket in tickets]

    def test_zero_tickets_creates_only_the_users(self, ini, registry):
        assert seed.main([ini, "--tickets", "0"]) == 0
        assert count(registry, User) == 12
        assert count(registry, Ticket) == 0

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--tickets", "-1"], "must be at least 0"),
            (["--tickets", "many"], "not a whole number"),
            (["--tickets", "5", "--password", "12345678"], "Must not be entirely numeric"),
            (["--tickets", "5", "--password", "executor3"], "Must not be the same as the username"),
            ([], "the following arguments are required: --tickets"),
        ],
    )
    def test_usage_errors_exit_2(self, ini, registry, capsys, argv, message):
        assert seed.main([ini, *argv]) == 2
        assert message in capsys.readouterr().err
        assert count(registry, User) == 0
