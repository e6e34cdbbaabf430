"""Business time: when the service-level clock runs, and arithmetic on that clock.

A ``Calendar`` is either around the clock (no business hours: every second counts) or a
week of opening hours in one time zone, minus holidays. Its two operations are all the
service levels need: ``add`` (when will this much business time have passed?) and
``elapsed`` (how much business time lies between two instants?). Opening hours are local
wall-clock times, converted with ``zoneinfo``, so a day across a daylight-saving change is
as long as its local hours say.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Far enough for any target (a week of working time with holidays); a calendar that finds
#: no open hour in this many days has none at all, which parsing refuses.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    """Opening hours per weekday (0 = Monday) in ``zone``; no hours at all: around the clock."""

    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    zone: ZoneInfo | None = None
    holidays: frozenset[date] = frozenset()

    @property
    def around_the_clock(self) -> bool:
        return not self.hours

    def _open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The UTC intervals of open time from the local day of ``start`` on, in order."""
        zone = self.zone or UTC
        day = start.astimezone(zone).date()
        for offset in range(MAX_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for opens, closes in self.hours.get(current.weekday(), ()):
                begin = datetime.combine(current, opens, zone).astimezone(UTC)
                end = datetime.combine(current, closes, zone).astimezone(UTC)
                if end > start:
                    yield max(begin, start), end

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``."""
        if self.around_the_clock:
            return start + duration
        left = duration
        for begin, end in self._open_intervals(start):
            if begin + left <= end:
                return begin + left
            left -= end - begin
        raise ValueError("the calendar has no open hours")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between ``start`` and ``end`` (zero when ``end`` is not later)."""
        if end <= start:
            return timedelta(0)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        for begin, finish in self._open_intervals(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total


ALWAYS = Calendar()
