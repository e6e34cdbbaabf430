"""A ticket's service levels: one pure function of its history and the SLA policy.

``service_levels`` reads the history (``TicketEvent`` rows, or anything with the same
attributes) and answers the due times, the first response and the warning times, which
``desk.workflow`` stores on the ticket after every change. The rules:

* Both clocks start when the ticket is filed and count business time (``Calendar``).
* The first response is the first public comment by someone other than the requester, or
  the start of work (``IN_PROGRESS``, or ``DONE`` straight away), whichever comes first.
* ``WAITING`` stops the resolution clock until the ticket leaves it; a ticket waiting now
  has no resolution due time (the clock stands still), unless the target was already
  missed before it began waiting.
* A priority change recomputes both due times from the start with the new targets, but a
  due time never lies before the change (a ticket cannot have been late for a target it
  did not have yet), and a target already missed stays missed at the time it was missed.
* Cancelling ends both clocks: a target not missed by then has no due time any more.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import TicketStatus
from .policy import SlaPolicy, Target

WAITING = TicketStatus.WAITING.value
WORK_STARTED = frozenset({TicketStatus.IN_PROGRESS.value, TicketStatus.DONE.value})


@dataclass(frozen=True)
class ServiceLevels:
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    response_warning_at: datetime | None = None
    resolution_warning_at: datetime | None = None


@dataclass(frozen=True)
class _History:
    """What the clocks need from the events, in time order."""

    priorities: list[tuple[datetime, str]]  # (since, priority), the first since creation
    pauses: list[tuple[datetime, datetime | None]]  # WAITING spans; None: still waiting
    first_response_at: datetime | None
    resolved_at: datetime | None
    cancelled_at: datetime | None


def _read_history(created_at: datetime, priority: str, requester_id: int, events) -> _History:
    changes = []
    pauses: list[tuple[datetime, datetime | None]] = []
    first_response = resolved = cancelled = None
    waiting_since = None
    for event in sorted(events, key=lambda e: (e.created_at, e.id or 0)):
        at = event.created_at
        priority_change = (event.data or {}).get("changes", {}).get("priority")
        if event.kind == "edited" and priority_change:
            changes.append((at, priority_change[0], priority_change[1]))
        public_reply = (
            event.kind == "commented"
            and not event.internal
            and event.actor_id is not None
            and event.actor_id != requester_id
        )
        if first_response is None and (public_reply or event.to_status in WORK_STARTED):
            first_response = at
        if event.to_status is None:
            continue
        if event.to_status == WAITING and waiting_since is None:
            waiting_since = at
        elif event.to_status != WAITING and waiting_since is not None:
            pauses.append((waiting_since, at))
            waiting_since = None
        if event.to_status == TicketStatus.DONE and resolved is None:
            resolved = at
        if event.to_status == TicketStatus.CANCELLED and cancelled is None:
            cancelled = at
    if waiting_since is not None:
        pauses.append((waiting_since, None))
    initial = changes[0][1] if changes else priority
    priorities = [(created_at, initial)] + [(at, new) for at, _, new in changes]
    return _History(priorities, pauses, first_response, resolved, cancelled)


def _due_with_pauses(policy: SlaPolicy, start: datetime, duration: timedelta, pauses):
    """When ``duration`` of business time has run from ``start``, the clock stopped in
    ``pauses``; None while a pause that began first is still open."""
    calendar, cursor, left = policy.calendar, start, duration
    for begins, ends in pauses:
        if ends is not None and ends <= cursor:
            continue
        reached = calendar.add(cursor, left)
        if reached <= begins:
            return reached
        left -= calendar.elapsed(cursor, begins)
        if ends is None:
            return None
        cursor = max(cursor, ends)
    return calendar.add(cursor, left)


def _due(policy: SlaPolicy, history: _History, pick, share: float, pauses, met_at):
    """The due time of one target (``pick`` chooses it from a ``Target``) at ``share`` of it."""
    created_at = history.priorities[0][0]
    due = None
    for since, priority in history.priorities:
        if met_at is not None and met_at <= since:
            break  # met before this change: the change no longer matters
        if due is not None and due <= since:
            break  # missed before this change: missed at that time for good
        target: Target | None = policy.target(priority)
        if target is None:
            due = None
            continue
        reached = _due_with_pauses(policy, created_at, pick(target) * share, pauses)
        due = None if reached is None else max(reached, since)
    cancelled = history.cancelled_at
    if cancelled is not None and due is not None and due > cancelled and met_at is None:
        return None
    return due


def service_levels(
    *,
    created_at: datetime,
    priority: str,
    requester_id: int,
    events: Iterable,
    policy: SlaPolicy,
) -> ServiceLevels:
    """Due times, first response and warning times of a ticket from its whole history.

    ``priority`` is the ticket's priority name now; ``events`` its history in any order.
    """
    history = _read_history(created_at, priority, requester_id, events)

    def response(share: float) -> datetime | None:
        return _due(policy, history, lambda t: t.response, share, [], history.first_response_at)

    def resolution(share: float) -> datetime | None:
        return _due(
            policy, history, lambda t: t.resolution, share, history.pauses, history.resolved_at
        )

    warning = policy.warning
    return ServiceLevels(
        response_due_at=response(1.0),
        resolution_due_at=resolution(1.0),
        first_response_at=history.first_response_at,
        resolved_at=history.resolved_at,
        response_warning_at=response(warning) if warning else None,
        resolution_warning_at=resolution(warning) if warning else None,
    )


def target_state(
    due_at: datetime | None, met_at: datetime | None, now: datetime, paused: bool = False
) -> str | None:
    """``pending``, ``met`` or ``breached``; None for a target the ticket does not have."""
    if due_at is None:
        return "pending" if paused else None
    if met_at is not None:
        return "met" if met_at <= due_at else "breached"
    return "breached" if now >= due_at else "pending"
