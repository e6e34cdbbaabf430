"""Service-level settings from the ini: targets per priority, business hours, warnings.

``desk.sla.<priority> = <response> <resolution>`` (``desk.sla.urgent = 1h 4h``); a priority
without a line has no target. Durations are a number and a unit: ``m``, ``h``, ``d`` (24 h)
or ``w`` (7 d), counted in business time when ``desk.sla.business_hours`` is set
(``Mon-Fri 09:00-18:00``, several ranges separated by commas), in ``desk.sla.timezone``
(default UTC), skipping ``desk.sla.holidays`` (ISO dates). ``desk.sla.warning`` is the
share of a target after which a warning is recorded (``0.8``; empty: no warnings). A line
that cannot be read refuses the start, naming its key.
"""

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import Priority
from .calendar import ALWAYS, Calendar

PREFIX = "desk.sla."
#: The parsed policy, kept in the settings by ``desk.settings.load_settings``.
SETTINGS_KEY = "desk.sla"
UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DURATION = re.compile(r"^(\d+)([mhdw])$")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS_RANGE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<opens>\d\d:\d\d)-(?P<closes>\d\d:\d\d)$"
)


class SlaConfigurationError(ValueError):
    """An ``desk.sla.*`` line that cannot be read; the message names the key."""


@dataclass(frozen=True)
class Target:
    """Business time to the first response and to the resolution."""

    response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class SlaPolicy:
    targets: dict[str, Target] = field(default_factory=dict)
    calendar: Calendar = ALWAYS
    warning: float | None = None

    def target(self, priority: str) -> Target | None:
        return self.targets.get(priority)


NO_TARGETS = SlaPolicy()


def _fail(key: str, problem: str) -> SlaConfigurationError:
    return SlaConfigurationError(f"{key}: {problem}")


def parse_duration(key: str, text: str) -> timedelta:
    match = DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise _fail(key, f"{text!r} is not a duration such as 30m, 4h, 1d or 1w")
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])


def parse_target(key: str, text: str) -> Target:
    parts = text.split()
    if len(parts) != 2:
        raise _fail(key, f"{text!r}: give two durations, to response and to resolution (1h 4h)")
    response, resolution = (parse_duration(key, part) for part in parts)
    if resolution < response:
        raise _fail(key, "the resolution target must not be shorter than the response target")
    return Target(response, resolution)


def _clock_time(key: str, text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise _fail(key, f"{text!r} is not a time of day (HH:MM)") from None


def parse_business_hours(key: str, text: str) -> dict[int, tuple[tuple[time, time], ...]]:
    """``Mon-Fri 09:00-18:00, Sat 10:00-14:00`` as opening hours per weekday."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for part in (piece.strip().lower() for piece in text.split(",")):
        match = HOURS_RANGE.match(part)
        if not match or match.group("first") not in DAYS:
            raise _fail(key, f"{part!r} is not a range such as Mon-Fri 09:00-18:00")
        first = DAYS.index(match.group("first"))
        last_name = match.group("last") or match.group("first")
        if last_name not in DAYS or DAYS.index(last_name) < first:
            raise _fail(key, f"{part!r}: days go from Mon to Sun")
        opens = _clock_time(key, match.group("opens"))
        closes = _clock_time(key, match.group("closes"))
        if closes <= opens:
            raise _fail(key, f"{part!r}: a range must close after it opens")
        for day in range(first, DAYS.index(last_name) + 1):
            hours.setdefault(day, []).append((opens, closes))
    for ranges in hours.values():
        ranges.sort()
        if any(a[1] > b[0] for a, b in pairwise(ranges)):
            raise _fail(key, "opening hours of one day overlap")
    return {day: tuple(ranges) for day, ranges in hours.items()}


def parse_holidays(key: str, text: str) -> frozenset[date]:
    days = set()
    for part in text.replace(",", " ").split():
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise _fail(key, f"{part!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(days)


def parse_zone(key: str, text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(key, f"{text!r} is not a time zone such as Europe/Moscow") from None


def parse_warning(key: str, text: str) -> float | None:
    if not text.strip():
        return None
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0 < share < 1:
        raise _fail(key, f"{text!r}: give a share of the target between 0 and 1, such as 0.8")
    return share


def policy_from_settings(settings: dict) -> SlaPolicy:
    """The service levels that ``settings`` (the ini's ``desk.sla.*`` lines) describe."""
    existing = settings.get(SETTINGS_KEY)
    if isinstance(existing, SlaPolicy):
        return existing
    known = {PREFIX + p.name.lower() for p in Priority} | {
        PREFIX + name for name in ("business_hours", "timezone", "holidays", "warning")
    }
    for key in settings:
        if key.startswith(PREFIX) and key not in known:
            raise _fail(key, f"unknown setting; the known ones are {', '.join(sorted(known))}")
    targets = {}
    for priority in Priority:
        key = PREFIX + priority.name.lower()
        if (settings.get(key) or "").strip():
            targets[priority.name] = parse_target(key, settings[key])
    calendar = ALWAYS
    hours_key = PREFIX + "business_hours"
    if (settings.get(hours_key) or "").strip():
        zone_key = PREFIX + "timezone"
        calendar = Calendar(
            hours=parse_business_hours(hours_key, settings[hours_key]),
            zone=parse_zone(zone_key, settings.get(zone_key) or "UTC"),
            holidays=parse_holidays(PREFIX + "holidays", settings.get(PREFIX + "holidays") or ""),
        )
    warning = parse_warning(PREFIX + "warning", settings.get(PREFIX + "warning") or "")
    return SlaPolicy(targets=targets, calendar=calendar, warning=warning)
