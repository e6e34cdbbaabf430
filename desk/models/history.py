"""The history of every ticket: one event per change, written with the change."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime, utcnow
from .user import User

#: Every kind of event a change writes: the event feed's filter and the webhook subscriptions
#: are validated against it, so a new kind is one more name here.
EVENT_KINDS = (
    "created",
    "edited",
    "assigned",
    "status_changed",
    "cancelled",
    "commented",
    "attachment_added",
    "attachment_removed",
    "sla_warning",
    "sla_breached",
)


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
        Index("ix_ticket_events_actor_id_id", "actor_id", "id"),
        # The events page of one actor, newest first (migration 0011).
        Index("ix_ticket_events_actor_id_created_at_id", "actor_id", "created_at", "id"),
        Index("ix_ticket_events_kind_id", "kind", "id"),
        Index("ix_ticket_events_created_at_id", "created_at", "id"),
        # The admin's chart of tickets closed per day (migration 0010).
        Index(
            "ix_ticket_events_closed_created_at",
            "created_at",
            postgresql_where=text("to_status IN ('DONE', 'CANCELLED')"),
            sqlite_where=text("to_status IN ('DONE', 'CANCELLED')"),
        ),
        # The outbox: the workers' dispatcher reads only the events not yet fanned out.
        Index(
            "ix_ticket_events_undispatched",
            "id",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # True for events about internal notes: a column, so hiding them from requesters
    # is a plain WHERE on an index rather than a JSON lookup.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The outbox mark: when a worker turned the event into its deliveries (desk.outbox).
    # Written with the change as NULL, so notifying costs the request nothing.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(lazy="joined")
