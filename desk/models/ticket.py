"""Tickets: what a requester asked for, who carries it out, and where it stands."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import Priority, TicketStatus
from .meta import Base, UTCDateTime, utcnow
from .user import User

#: Statuses in which a target can still be missed (``desk.workflow.OPEN_STATUSES``), as the
#: predicate of migration 0009's partial indexes.
OPEN_WHERE = "status IN ('ASSIGNED', 'IN_PROGRESS', 'NEW', 'WAITING')"
#: The breach job's watches (``desk.sla.breaches.WATCHES``): name, moment, met, recorded bit.
WATCH_COLUMNS = (
    ("response_breach", "response_due_at", "first_response_at", 1),
    ("resolution_breach", "resolution_due_at", "completed_at", 2),
    ("response_warning", "response_warning_at", "first_response_at", 4),
    ("resolution_warning", "resolution_warning_at", "completed_at", 8),
)


def _sla_partial_indexes() -> list[Index]:
    """Migration 0009's indexes (PostgreSQL): open tickets' resolution due times, and the
    tickets each breach-job watch has still to record."""
    open_due = [
        ("ix_tickets_open_resolution_due", ("resolution_due_at", "id")),
        ("ix_tickets_open_requester_resolution_due", ("requester_id", "resolution_due_at", "id")),
        ("ix_tickets_open_executor_resolution_due", ("executor_id", "resolution_due_at", "id")),
    ]
    indexes = [
        Index(name, *columns, postgresql_where=text(OPEN_WHERE)) for name, columns in open_due
    ]
    for name, when, met, flag in WATCH_COLUMNS:
        where = f"{when} IS NOT NULL AND ({met} IS NULL OR {met} > {when})"
        indexes.append(
            Index(
                f"ix_tickets_unrecorded_{name}",
                when,
                "id",
                postgresql_where=text(f"{where} AND (sla_recorded & {flag}) = 0"),
            )
        )
    return [index.ddl_if(dialect="postgresql") for index in indexes]


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(s.value for s in TicketStatus)}", name="status"),
        CheckConstraint(f"priority BETWEEN {min(Priority)} AND {max(Priority)}", name="priority"),
        # One index per list and its default order (newest first, id breaks ties).
        Index("ix_tickets_created_at_id", "created_at", "id"),
        Index("ix_tickets_requester_id_created_at_id", "requester_id", "created_at", "id"),
        Index("ix_tickets_executor_id_created_at_id", "executor_id", "created_at", "id"),
        Index("ix_tickets_status_created_at_id", "status", "created_at", "id"),
        # Service-level lists (ordering=resolution_due_at, overdue=, due_before=) and the
        # breach recorder's scan.
        Index("ix_tickets_response_due_at_id", "response_due_at", "id"),
        Index("ix_tickets_resolution_due_at_id", "resolution_due_at", "id"),
        # The admin's other orderings (migration 0010).
        Index("ix_tickets_priority_id", "priority", "id"),
        Index("ix_tickets_updated_at_id", "updated_at", "id"),
        Index("ix_tickets_title_id", "title", "id"),
        # Overdue lists' counts and the breach job's scans at any size (migration 0009).
        *_sla_partial_indexes(),
        # The charts' median time to resolution: done tickets alone, index-only (0011).
        Index(
            "ix_tickets_done_created_at",
            "created_at",
            postgresql_include=["priority", "completed_at"],
            postgresql_where=text("status = 'DONE'"),
        ).ddl_if(dialect="postgresql"),
        # ``search`` is ILIKE '%term%': trigram indexes answer it without a sequential scan.
        *(
            Index(
                f"ix_tickets_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in ("title", "description")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW.value)
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.NORMAL.value)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Service levels (desk.sla), recomputed from the history by desk.workflow on every change:
    # stored so that lists filter and order by them on an index.
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The sla_breached/sla_warning events already recorded (desk.sla.breaches.Recorded).
    sla_recorded: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Incremented by every change; the ETag, and a compare-and-swap on each UPDATE.
    version: Mapped[int] = mapped_column(Integer, default=1)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    executor: Mapped[User | None] = relationship(foreign_keys=[executor_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.status}>"
