"""The service-level function on its own: business time, holidays, DST, priority changes,
pauses. Each case is a history and the due times it must give."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.sla.calendar import Calendar
from desk.sla.levels import service_levels, target_state
from desk.sla.policy import policy_from_settings

REQUESTER, EXECUTOR = 1, 2
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Event:
    created_at: datetime
    kind: str
    to_status: str | None = None
    from_status: str | None = None
    actor_id: int | None = EXECUTOR
    internal: bool = False
    data: dict = field(default_factory=dict)
    id: int | None = None


def status(at, to, frm=None):
    return Event(at, "status_changed", to_status=to, from_status=frm)


def comment(at, actor=EXECUTOR, internal=False):
    return Event(at, "commented", actor_id=actor, internal=internal)


def priority_change(at, old, new):
    return Event(at, "edited", actor_id=REQUESTER, data={"changes": {"priority": [old, new]}})


AROUND_THE_CLOCK = {"desk.sla.urgent": "1h 4h", "desk.sla.normal": "1d 3d"}
OFFICE = {
    "desk.sla.urgent": "2h 9h",
    "desk.sla.normal": "9h 18h",
    "desk.sla.business_hours": "Mon-Fri 09:00-18:00",
    "desk.sla.timezone": "Europe/Berlin",
    "desk.sla.holidays": "2026-12-25 2027-01-01",
}

# (id, settings, priority now, created_at, events, response due, resolution due)
CASES = [
    (
        "around the clock",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T23:30"),
        [],
        utc("2026-12-06T00:30"),
        utc("2026-12-06T03:30"),
    ),
    (
        "no line for the priority: no target",
        AROUND_THE_CLOCK,
        "LOW",
        utc("2026-12-05T10:00"),
        [],
        None,
        None,
    ),
    (
        "filed on Friday afternoon: the weekend does not count",
        OFFICE,
        "URGENT",
        berlin("2026-12-04T17:00"),  # Friday
        [],
        berlin("2026-12-07T10:00"),  # Monday: 1h on Friday, 1h on Monday
        berlin("2026-12-07T17:00"),
    ),
    (
        "filed on Saturday: the clock starts on Monday morning",
        OFFICE,
        "URGENT",
        berlin("2026-12-05T11:00"),
        [],
        berlin("2026-12-07T11:00"),
        berlin("2026-12-07T18:00"),
    ),
    (
        "filed before opening",
        OFFICE,
        "URGENT",
        berlin("2026-12-08T06:00"),
        [],
        berlin("2026-12-08T11:00"),
        berlin("2026-12-08T18:00"),
    ),
    (
        "holidays are skipped: Christmas on a Friday",
        OFFICE,
        "NORMAL",
        berlin("2026-12-24T12:00"),  # Thursday; the 25th is a holiday
        [],
        berlin("2026-12-28T12:00"),  # 6h Thursday, 3h Monday
        berlin("2026-12-29T12:00"),
    ),
    (
        "a daylight-saving change: the office hours stay 09:00-18:00 local",
        OFFICE,
        "NORMAL",
        berlin("2027-03-26T12:00"),  # Friday before the spring change (28 March)
        [],
        berlin("2027-03-29T12:00"),
        berlin("2027-03-30T12:00"),
    ),
    (
        "a daylight-saving change around the clock: UTC hours",
        {"desk.sla.urgent": "4h 8h", "desk.sla.timezone": "Europe/Berlin"},
        "URGENT",
        berlin("2027-10-30T23:00"),
        [],
        # 23:00 CEST is 21:00 UTC; four real hours later the local clock shows 02:00 CET.
        utc("2027-10-31T01:00"),
        utc("2027-10-31T05:00"),
    ),
    (
        "waiting stops the resolution clock, not the response clock",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [
            status(utc("2026-12-05T10:30"), "ASSIGNED", "NEW"),
            status(utc("2026-12-05T11:00"), "WAITING", "ASSIGNED"),
            comment(utc("2026-12-05T11:00")),
            comment(utc("2026-12-05T13:00"), actor=REQUESTER),
            status(utc("2026-12-05T13:00"), "ASSIGNED", "WAITING"),
        ],
        utc("2026-12-05T11:00"),
        utc("2026-12-05T16:00"),  # 4h + the 2h it waited
    ),
    (
        "two pauses add up",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [
            status(utc("2026-12-05T10:10"), "WAITING", "ASSIGNED"),
            status(utc("2026-12-05T10:40"), "IN_PROGRESS", "WAITING"),
            status(utc("2026-12-05T11:00"), "WAITING", "IN_PROGRESS"),
            status(utc("2026-12-05T12:00"), "IN_PROGRESS", "WAITING"),
        ],
        utc("2026-12-05T11:00"),
        utc("2026-12-05T15:30"),  # 4h + 30 min + 1h of waiting
    ),
    (
        "waiting now: the resolution clock stands still",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [status(utc("2026-12-05T11:00"), "WAITING", "ASSIGNED")],
        utc("2026-12-05T11:00"),
        None,
    ),
    (
        "waiting after the target was missed: missed it stays",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [status(utc("2026-12-05T15:00"), "WAITING", "IN_PROGRESS")],
        utc("2026-12-05T11:00"),
        utc("2026-12-05T14:00"),
    ),
    (
        "a pause in business time: waiting over the night costs nothing extra",
        OFFICE,
        "URGENT",
        berlin("2026-12-07T09:00"),
        [
            status(berlin("2026-12-07T12:00"), "WAITING", "IN_PROGRESS"),
            status(berlin("2026-12-08T10:00"), "IN_PROGRESS", "WAITING"),
        ],
        berlin("2026-12-07T11:00"),
        berlin("2026-12-08T16:00"),  # 3h on Monday, 6h from 10:00 on Tuesday
    ),
    (
        "a priority change recomputes from the start",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [priority_change(utc("2026-12-05T10:20"), "NORMAL", "URGENT")],
        utc("2026-12-05T11:00"),
        utc("2026-12-05T14:00"),
    ),
    (
        "a priority change never dates a due time before the change",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [priority_change(utc("2026-12-05T13:00"), "NORMAL", "URGENT")],
        utc("2026-12-05T13:00"),
        utc("2026-12-05T14:00"),
    ),
    (
        "lowering the priority after a miss keeps the miss",
        AROUND_THE_CLOCK,
        "NORMAL",
        utc("2026-12-05T10:00"),
        [priority_change(utc("2026-12-05T12:00"), "URGENT", "NORMAL")],
        utc("2026-12-05T11:00"),
        utc("2026-12-08T10:00"),
    ),
    (
        "a priority change after the response keeps the response's due time",
        AROUND_THE_CLOCK,
        "NORMAL",
        utc("2026-12-05T10:00"),
        [
            comment(utc("2026-12-05T10:30")),
            priority_change(utc("2026-12-05T10:45"), "URGENT", "NORMAL"),
        ],
        utc("2026-12-05T11:00"),
        utc("2026-12-08T10:00"),
    ),
    (
        "cancelled before the due times: no due times any more",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [status(utc("2026-12-05T10:30"), "CANCELLED", "NEW")],
        None,
        None,
    ),
    (
        "cancelled after missing the response: that miss stays",
        AROUND_THE_CLOCK,
        "URGENT",
        utc("2026-12-05T10:00"),
        [status(utc("2026-12-05T12:00"), "CANCELLED", "ASSIGNED")],
        utc("2026-12-05T11:00"),
        None,
    ),
]


@pytest.mark.parametrize(
    ("settings", "priority", "created", "events", "response_due", "resolution_due"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_due_times(settings, priority, created, events, response_due, resolution_due):
    levels = service_levels(
        created_at=created,
        priority=priority,
        requester_id=REQUESTER,
        events=events,
        policy=policy_from_settings(settings),
    )
    assert (levels.response_due_at, levels.resolution_due_at) == (response_due, resolution_due)


# (id, events, first response)
FIRST_RESPONSES = [
    ("nothing yet", [], None),
    (
        "the requester's own comment is no response",
        [comment(utc("2026-12-05T10:05"), REQUESTER)],
        None,
    ),
    ("an internal note is no response", [comment(utc("2026-12-05T10:05"), internal=True)], None),
    ("an operator's public comment", [comment(utc("2026-12-05T10:05"))], utc("2026-12-05T10:05")),
    (
        "the start of work, before any comment",
        [status(utc("2026-12-05T10:07"), "IN_PROGRESS"), comment(utc("2026-12-05T10:09"))],
        utc("2026-12-05T10:07"),
    ),
    ("done straight away", [status(utc("2026-12-05T10:08"), "DONE")], utc("2026-12-05T10:08")),
    ("an assignment is no response", [status(utc("2026-12-05T10:01"), "ASSIGNED")], None),
]


@pytest.mark.parametrize(
    ("events", "expected"), [pytest.param(*case[1:], id=case[0]) for case in FIRST_RESPONSES]
)
def test_first_response(events, expected):
    levels = service_levels(
        created_at=utc("2026-12-05T10:00"),
        priority="URGENT",
        requester_id=REQUESTER,
        events=events,
        policy=policy_from_settings(AROUND_THE_CLOCK),
    )
    assert levels.first_response_at == expected


def test_warnings_come_at_their_share_of_business_time():
    levels = service_levels(
        created_at=berlin("2026-12-04T17:00"),
        priority="URGENT",
        requester_id=REQUESTER,
        events=[],
        policy=policy_from_settings({**OFFICE, "desk.sla.warning": "0.5"}),
    )
    assert levels.response_warning_at == berlin("2026-12-04T18:00")
    assert levels.resolution_warning_at == berlin("2026-12-07T12:30")


NOW = utc("2026-12-05T12:00")
DUE = utc("2026-12-05T11:00")

STATES = [
    ("no target", None, None, False, None),
    ("waiting, clock stopped", None, None, True, "pending"),
    ("met in time", DUE, utc("2026-12-05T10:59"), False, "met"),
    ("met exactly on time", DUE, DUE, False, "met"),
    ("met late", DUE, utc("2026-12-05T11:01"), False, "breached"),
    ("not met, passed", DUE, None, False, "breached"),
    ("not met, not yet due", utc("2026-12-05T13:00"), None, False, "pending"),
]


@pytest.mark.parametrize(
    ("due", "met", "paused", "expected"), [pytest.param(*case[1:], id=case[0]) for case in STATES]
)
def test_target_state(due, met, paused, expected):
    assert target_state(due, met, NOW, paused=paused) == expected


def test_a_calendar_measures_business_time_between_two_instants():
    office = policy_from_settings(OFFICE).calendar
    assert office.elapsed(berlin("2026-12-04T17:00"), berlin("2026-12-07T10:00")) == timedelta(
        hours=2
    )
    assert Calendar().elapsed(utc("2026-12-05T10:00"), utc("2026-12-05T09:00")) == timedelta(0)
