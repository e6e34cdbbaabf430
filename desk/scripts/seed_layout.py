"""The seed's fixed layout: users, vocabularies, and the rows of each ticket (``Layout``).

The layout itself is documented in ``desk.scripts.seed``; this module only computes rows,
as tuples in the ``*_COLUMNS`` order, without touching a database.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from ..models import Priority, Role, TicketStatus
from ..sla.breaches import passed_watches
from ..sla.levels import service_levels
from ..sla.policy import NO_TARGETS, SlaPolicy
from ..workflow import SLA_COLUMNS

#: The command's name, in its messages.
PROG = "desk-seed"

REQUESTERS = tuple(f"requester{k}" for k in range(1, 6))
OPERATORS = tuple(f"operator{k}" for k in range(1, 3))
EXECUTORS = tuple(f"executor{k}" for k in range(1, 6))
SEED_USERS = (
    *((name, Role.REQUESTER) for name in REQUESTERS),
    *((name, Role.OPERATOR) for name in OPERATORS),
    *((name, Role.EXECUTOR) for name in EXECUTORS),
)

STATUS_CYCLE = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.DONE,
)
PRIORITY_CYCLE = tuple(
    Priority[name].value for name in ("NORMAL", "LOW", "HIGH", "NORMAL", "URGENT", "NORMAL", "HIGH")
)

# Vocabularies of coprime lengths: every combination occurs, in a fixed order.
THINGS = (
    "Printer",
    "Laptop",
    "VPN connection",
    "Email client",
    "Wi-Fi",
    "Second monitor",
    "Desk phone",
    "Projector",
    "Badge reader",
    "Shared drive",
    "Keyboard",
    "Accounting software",
    "Air conditioning",
)
PROBLEMS = (
    "does not work",
    "is very slow",
    "stopped working after the update",
    "keeps showing an error",
    "works only now and then",
    "needs setting up for a new colleague",
    "has to be replaced",
    "is not available",
    "disconnects several times a day",
    "makes a strange noise",
    "asks for a password it never needed",
)
# Descriptions stay short, as typed into a form: their trigram index is the costliest part
# of a large seed.
PLACES = (
    "Finance office",
    "Meeting room 2.14",
    "Front desk",
    "Warehouse",
    "Open space, floor 3",
    "Training room",
    "At my desk",
)
SINCE = (
    "since this morning",
    "since yesterday",
    "since the weekend",
    "since the last update",
    "for about a week",
)
IMPACTS = (
    "Restarting did not help.",
    "The whole team is affected.",
    "It slows us down a lot.",
    "A client meeting depends on it.",
    "I cannot work until it is fixed.",
    "A colleague has the same problem.",
    "There is a workaround, but it is slow.",
    "Not urgent, but annoying.",
    "I tried the usual fixes.",
)
TITLES = tuple(
    f"{THINGS[k % len(THINGS)]} {PROBLEMS[k % len(PROBLEMS)]}"
    for k in range(len(THINGS) * len(PROBLEMS))
)
DESCRIPTIONS = tuple(
    f"{PLACES[k % len(PLACES)]}, {SINCE[k % len(SINCE)]}. {IMPACTS[k % len(IMPACTS)]}"
    for k in range(len(PLACES) * len(SINCE) * len(IMPACTS))
)
REQUESTER_COMMENTS = (
    "Any news on this? It happened again just now.",
    "Thanks! It works again on my side.",
    "I will be out tomorrow, so anyone from the team can show you.",
)
EXECUTOR_COMMENTS = (
    "Replaced the faulty part; please check on your side.",
    "Waiting for a spare part, it should arrive this week.",
    "Found the cause: a setting changed by the last update. Fixed.",
)

TICKET_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "requester_id",
    "executor_id",
    "created_at",
    "updated_at",
    "assigned_at",
    "completed_at",
    "version",
    *SLA_COLUMNS,
    "sla_recorded",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "kind",
    "from_status",
    "to_status",
    "data",
    "internal",
    "created_at",
    # Seeded history is the past: marked dispatched, so no worker notifies anyone of it.
    "dispatched_at",
)
COMMENT_COLUMNS = ("id", "ticket_id", "author_id", "body", "internal", "created_at")

MINUTE = timedelta(minutes=1)
QUARTER_MINUTE = MINUTE / 4
#: The time between a ticket's steps is ``STEPS[i % 5]``, unless that would reach the future.
STEPS = tuple(timedelta(minutes=2 + k) for k in range(5))
EMPTY_DATA = "{}"
PRIORITY_NAMES = {priority.value: priority.name for priority in Priority}


class HistoryEvent(NamedTuple):
    """An event as ``desk.sla.levels.service_levels`` reads it. ``data`` is left out: the
    clocks read only priority changes from it, and the seed makes none."""

    id: int
    kind: str
    actor_id: int | None
    to_status: str | None
    internal: bool
    created_at: datetime
    data: None = None


@dataclass
class SeedUsers:
    """The ids of the seed's users by role, and how many of them this run created."""

    requesters: tuple[int, ...]
    operators: tuple[int, ...]
    executors: tuple[int, ...]
    created: int = 0


@dataclass
class Batch:
    """Rows for a run of consecutive tickets, as tuples in the ``*_COLUMNS`` order."""

    tickets: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    comments: list[tuple] = field(default_factory=list)


@dataclass
class Layout:
    """Lays out tickets ``0..count-1`` after the existing rows; ids count up from ``*_id``."""

    count: int
    users: SeedUsers
    now: datetime
    ticket_id: int
    event_id: int
    comment_id: int
    #: The targets the due times are computed with (the ini's ``desk.sla.*``).
    policy: SlaPolicy = NO_TARGETS

    def batches(self, size: int) -> Iterator[Batch]:
        """The tickets in batches of ``size``; ids keep counting across batches."""
        for start in range(0, self.count, size):
            yield self.batch(start, min(start + size, self.count))

    def batch(self, start: int, stop: int) -> Batch:
        """Tickets ``start..stop-1`` with their events and comments."""
        users, count = self.users, self.count
        requesters, operators, executors = users.requesters, users.operators, users.executors
        new, assigned, in_progress, done = (status.value for status in STATUS_CYCLE)
        batch = Batch()
        tickets, events, comments = batch.tickets, batch.events, batch.comments
        first_event_id, comment_id = self.event_id, self.comment_id
        first_created = self.now - count * MINUTE

        for i in range(start, stop):
            ticket_id = self.ticket_id + i + 1
            stage = i % 4
            requester = requesters[i % 5]
            executor = executors[i % 5] if stage else None
            priority = PRIORITY_CYCLE[i % 7]
            created = updated = first_created + i * MINUTE
            # Later steps a few minutes apart, squeezed for the last tickets so that none
            # lies in the future (ticket count-1 was created one minute ago).
            step = min(STEPS[i % 5], (count - i) * QUARTER_MINUTE)
            assigned_at = completed_at = None
            # (actor, kind, from_status, to_status, data, at), in time order.
            history = [(requester, "created", None, new, EMPTY_DATA, created)]
            if stage >= 1:
                updated = assigned_at = created + step
                data = f'{{"from_executor_id": null, "to_executor_id": {executor}}}'
                history.append((operators[i % 2], "assigned", new, assigned, data, updated))
            if stage >= 2:
                updated = created + 2 * step
                history.append(
                    (executor, "status_changed", assigned, in_progress, EMPTY_DATA, updated)
                )
            if stage == 3:
                updated = completed_at = created + 3 * step
                history.append((executor, "status_changed", in_progress, done, EMPTY_DATA, updated))
            if i % 10 == 9:
                by_requester = i % 20 == 9
                author = requester if by_requester else executor
                body = (REQUESTER_COMMENTS if by_requester else EXECUTOR_COMMENTS)[i // 20 % 3]
                at = updated + step / 2
                comment_id += 1
                comments.append((comment_id, ticket_id, author, body, False, at))
                data = f'{{"comment_id": {comment_id}, "internal": false}}'
                history.append((author, "commented", None, None, data, at))
            levels = service_levels(
                created_at=created,
                priority=PRIORITY_NAMES[priority],
                requester_id=requester,
                events=[
                    HistoryEvent(k, kind, actor, to_status, False, at)
                    for k, (actor, kind, _, to_status, _, at) in enumerate(history)
                ],
                policy=self.policy,
            )
            due_times = tuple(getattr(levels, column) for column in SLA_COLUMNS)
            # What the breach job would record by now, recorded here (dated when it happened),
            # so that the job finds nothing to catch up on and the flags match the history.
            passed = passed_watches(
                {**dict(zip(SLA_COLUMNS, due_times, strict=True)), "completed_at": completed_at},
                self.now,
            )
            recorded = 0
            for watch in passed:
                when = getattr(levels, watch.when.key)
                due = getattr(levels, watch.due.key)
                data = f'{{"target": "{watch.target}", "due_at": "{due.isoformat()}"}}'
                history.append((None, watch.kind, None, None, data, when))
                recorded |= watch.flag
            if passed:
                # Ids follow time: a ticket's history is in id order, as the API lists it.
                history.sort(key=lambda entry: entry[5])
            for actor, kind, from_status, to_status, data, at in history:
                event_id = first_event_id + len(events) + 1
                events.append(
                    (event_id, ticket_id, actor, kind, from_status, to_status, data, False, at, at)
                )
            tickets.append(
                (
                    ticket_id,
                    TITLES[i % len(TITLES)],
                    DESCRIPTIONS[i % len(DESCRIPTIONS)],
                    STATUS_CYCLE[stage].value,
                    priority,
                    requester,
                    executor,
                    created,
                    updated,
                    assigned_at,
                    completed_at,
                    1 + stage,
                    *due_times,
                    int(recorded),
                )
            )
        self.event_id, self.comment_id = first_event_id + len(events), comment_id
        return batch
