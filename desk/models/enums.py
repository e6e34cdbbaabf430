"""The closed vocabularies of the domain: roles, ticket statuses and priorities."""

from enum import IntEnum, StrEnum


class Role(StrEnum):
    REQUESTER = "REQUESTER"
    OPERATOR = "OPERATOR"
    EXECUTOR = "EXECUTOR"


class TicketStatus(StrEnum):
    NEW = "NEW"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    #: Waiting for the requester's answer: the resolution clock stands still.
    WAITING = "WAITING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class Priority(IntEnum):
    """Stored as its rank so that ordering by priority is an index scan, answered by name."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4
