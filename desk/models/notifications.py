"""Webhook subscriptions and the delivery queue the workers work through (``desk.worker``).

A delivery is one message to one place, a webhook's URL or a person's mailbox, with
everything needed to send it (``payload``), made by the dispatcher from a history event in
the transaction that marks the event dispatched. Each attempt to send it is kept.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime, utcnow

#: The states of a delivery: waiting for (another) attempt, sent, or given up on.
DELIVERY_STATUSES = ("pending", "succeeded", "failed")
#: What a delivery goes through.
CHANNELS = ("webhook", "email")


class Webhook(Base):
    """A superuser's subscription: these event kinds are POSTed, signed, to this URL."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Internal notes go only to subscriptions that ask for them.
    include_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # A Standard Webhooks secret, "whsec_" and base64; shown on creation and rotation only.
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url!r}>"


class Delivery(Base):
    """One message to send, claimed by one worker at a time and retried until it gives up.

    A worker claims a pending delivery whose ``next_attempt_at`` has come by setting
    ``locked_until`` (a lease): a worker that dies mid-attempt leaves the lease to run out,
    and another worker takes the delivery again.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_webhook_id_id", "webhook_id", "id"),
        # The admin's deliveries filtered by status (migration 0010).
        Index("ix_deliveries_status_id", "status", "id"),
        Index("ix_deliveries_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # The Standard Webhooks message id ("msg_..."): the same on every attempt and redelivery,
    # so a receiver can drop a duplicate.
    message_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id", ondelete="CASCADE"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Webhooks: {"type", "body"}; e-mail: {"to", "subject", "text", "html"}.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No attempt after this time: the delivery is failed (desk.worker.retry_window).
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt_log: Mapped[list["DeliveryAttempt"]] = relationship(
        order_by="DeliveryAttempt.id", lazy="raise", passive_deletes=True
    )


class DeliveryAttempt(Base):
    """What one attempt to send a delivery got: the log a superuser reads."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery_id_id", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    response_body: Mapped[str] = mapped_column(Text, default="")
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class PeriodicRun(Base):
    """When each of the workers' periodic jobs is next due; the row is its lock."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
