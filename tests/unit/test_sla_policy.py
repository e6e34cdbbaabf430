"""Service-level lines of the ini: what they mean, and a start refused for a bad one."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from pyramid.paster import get_appsettings

from desk.settings import ConfigurationError, load_settings
from desk.sla.policy import Target, policy_from_settings

ROOT = Path(__file__).resolve().parents[2]
BASE = {"sqlalchemy.url": "sqlite://", "desk.jwt.secret": "x" * 32}


def test_targets_per_priority_and_none_without_a_line():
    policy = policy_from_settings({"desk.sla.urgent": "30m 4h", "desk.sla.high": "1d 1w"})
    assert policy.target("URGENT") == Target(timedelta(minutes=30), timedelta(hours=4))
    assert policy.target("HIGH") == Target(timedelta(days=1), timedelta(weeks=1))
    assert policy.target("NORMAL") is None
    assert policy.calendar.around_the_clock
    assert policy.warning is None


def test_business_hours_time_zone_holidays_and_warning():
    policy = policy_from_settings(
        {
            "desk.sla.business_hours": "Mon-Fri 09:00-13:00, Mon-Fri 14:00-18:00, Sat 10:00-12:00",
            "desk.sla.timezone": "Europe/Moscow",
            "desk.sla.holidays": "2027-01-01 2027-01-07",
            "desk.sla.warning": "0.75",
        }
    )
    calendar = policy.calendar
    assert calendar.hours[0] == ((time(9), time(13)), (time(14), time(18)))
    assert calendar.hours[5] == ((time(10), time(12)),)
    assert 6 not in calendar.hours
    assert calendar.holidays == {date(2027, 1, 1), date(2027, 1, 7)}
    assert policy.warning == 0.75
    # Monday 12:00 Moscow (09:00 UTC) plus 2h of business time: over the lunch break.
    start = datetime(2027, 2, 1, 9, tzinfo=UTC)
    assert calendar.add(start, timedelta(hours=2)) == datetime(2027, 2, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("ini", ["development.ini", "production.ini"])
def test_both_ini_files_ship_a_target_for_every_priority(ini):
    settings = get_appsettings(str(ROOT / ini))
    policy = policy_from_settings(settings)
    assert set(policy.targets) == {"LOW", "NORMAL", "HIGH", "URGENT"}
    assert policy.target("URGENT") == Target(timedelta(hours=1), timedelta(hours=4))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("desk.sla.high", "soon"),
        ("desk.sla.high", "4h"),
        ("desk.sla.high", "4h 1d 2d"),
        ("desk.sla.high", "0h 1d"),
        ("desk.sla.high", "1d 4h"),
        ("desk.sla.business_hours", "weekdays"),
        ("desk.sla.business_hours", "Fri-Mon 09:00-18:00"),
        ("desk.sla.business_hours", "Mon-Fri 18:00-09:00"),
        ("desk.sla.business_hours", "Mon-Fri 09:00-25:00"),
        ("desk.sla.business_hours", "Mon 09:00-12:00, Mon 11:00-14:00"),
        ("desk.sla.timezone", "Mars/Olympus"),
        ("desk.sla.holidays", "2027-13-01"),
        ("desk.sla.warning", "80%"),
        ("desk.sla.warning", "1.5"),
        ("desk.sla.urgnet", "1h 4h"),
    ],
)
def test_a_line_that_cannot_be_read_refuses_the_start_naming_its_key(key, value):
    settings = {**BASE, "desk.sla.business_hours": "Mon-Fri 09:00-18:00", key: value}
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        load_settings(settings)
