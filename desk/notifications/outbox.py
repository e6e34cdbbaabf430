"""The dispatcher: history events (the outbox) become deliveries, in one transaction.

Every change writes its history row in its own transaction, with ``dispatched_at`` NULL;
that row is the outbox record, so a rolled-back change leaves nothing to send and a
committed one is never lost. A worker takes a batch of undispatched events with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL; two workers take different events), writes one
delivery per matching webhook and one per mail recipient, and marks the events dispatched,
all in one transaction. It keeps no "highest id seen": an event whose id was taken early but
committed late is simply still undispatched when the dispatcher next looks.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from ..models import Comment, Ticket, TicketEvent, Webhook
from . import mail, payloads, queue
from .config import NotificationConfig


def _subscribers(webhooks: list[Webhook], event: TicketEvent) -> list[Webhook]:
    return [
        webhook
        for webhook in webhooks
        if event.kind in webhook.event_kinds and (webhook.include_internal or not event.internal)
    ]


def _comment(dbsession: Session, event: TicketEvent) -> Comment | None:
    comment_id = (event.data or {}).get("comment_id")
    return dbsession.get(Comment, comment_id) if comment_id else None


def dispatch(dbsession: Session, config: NotificationConfig, now: datetime) -> int:
    """Fan out one batch of undispatched events; returns how many (commit to publish)."""
    events = dbsession.scalars(
        select(TicketEvent)
        .where(TicketEvent.dispatched_at.is_(None))
        .order_by(TicketEvent.id)
        .limit(config.worker.batch_size)
        .options(lazyload(TicketEvent.actor))
        .with_for_update(skip_locked=True, of=TicketEvent)
    ).all()
    if not events:
        return 0
    webhooks = list(dbsession.scalars(select(Webhook).where(Webhook.active.is_(True))))
    ticket_ids = {event.ticket_id for event in events}
    tickets = {
        ticket.id: ticket
        for ticket in dbsession.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ticket_ids))
            .options(selectinload(Ticket.requester), selectinload(Ticket.executor))
        )
    }
    for event in events:
        ticket = tickets[event.ticket_id]
        comment = _comment(dbsession, event) if event.kind == "commented" else None
        subscribers = _subscribers(webhooks, event)
        if subscribers:
            body = payloads.webhook_body(event, ticket, comment)
            for webhook in subscribers:
                queue.enqueue(
                    dbsession,
                    config.worker,
                    now,
                    "webhook",
                    message_id=f"msg_event_{event.id}",
                    event_id=event.id,
                    webhook_id=webhook.id,
                    payload={"type": payloads.event_type(event.kind), "body": body},
                )
        if config.mail.enabled:
            for user in mail.recipients(dbsession, config.mail, event, ticket):
                message = mail.compose(config.mail, user, event, ticket, comment)
                queue.enqueue(
                    dbsession,
                    config.worker,
                    now,
                    "email",
                    message_id=f"msg_event_{event.id}_user_{user.id}",
                    event_id=event.id,
                    recipient_id=user.id,
                    payload=message.as_payload(),
                )
        event.dispatched_at = now
    return len(events)
