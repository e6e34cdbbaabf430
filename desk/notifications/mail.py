"""E-mail notifications: who is told of an event, the message in their language, SMTP.

The rules (``desk.mail.rules``) are ``audience:kind`` pairs: ``requester`` is the ticket's
requester, ``executor`` the executor it was assigned to (for ``assigned``) or has now,
``operators`` every active operator. Nobody is mailed about their own change, nor without
an address or with ``notify_email`` off; an internal event never reaches a requester.
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Comment, Role, Ticket, TicketEvent, User
from .config import MailConfig
from .webhooks import Outcome

log = logging.getLogger(__name__)

TEXTS = {
    "en": {
        "greeting": "Hello {name},",
        "ticket": "Ticket",
        "status": "Status",
        "by": "By",
        "footer": "Desk. Turn these messages off in your profile (notify_email).",
        "kinds": {
            "created": "new ticket",
            "edited": "edited",
            "assigned": "assigned to {executor}",
            "status_changed": "now {status}",
            "cancelled": "cancelled",
            "commented": "new comment",
            "attachment_added": "file attached",
            "attachment_removed": "file removed",
            "sla_warning": "a service-level target is near",
            "sla_breached": "a service-level target was missed",
        },
        "statuses": {
            "NEW": "new",
            "ASSIGNED": "assigned",
            "IN_PROGRESS": "in progress",
            "WAITING": "waiting for you",
            "DONE": "done",
            "CANCELLED": "cancelled",
        },
    },
    "ru": {
        "greeting": "Здравствуйте, {name}!",
        "ticket": "Заявка",
        "status": "Статус",
        "by": "Кто",
        "footer": "Desk. Письма можно отключить в профиле (notify_email).",
        "kinds": {
            "created": "новая заявка",
            "edited": "изменена",
            "assigned": "назначена исполнителю {executor}",
            "status_changed": "статус: {status}",
            "cancelled": "отменена",
            "commented": "новый комментарий",
            "attachment_added": "добавлен файл",
            "attachment_removed": "удалён файл",
            "sla_warning": "срок обслуживания скоро истекает",
            "sla_breached": "срок обслуживания нарушен",
        },
        "statuses": {
            "NEW": "новая",
            "ASSIGNED": "назначена",
            "IN_PROGRESS": "в работе",
            "WAITING": "ждёт вашего ответа",
            "DONE": "выполнена",
            "CANCELLED": "отменена",
        },
    },
}

_templates = Environment(
    loader=PackageLoader("desk.notifications", "templates"),
    autoescape=select_autoescape(["html.jinja2"]),
    keep_trailing_newline=True,
)


def _wants_mail(user: User | None, actor_id: int | None) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.notify_email
        and user.email
        and user.id != actor_id
    )


def recipients(
    dbsession: Session, config: MailConfig, event: TicketEvent, ticket: Ticket
) -> list[User]:
    """Who is mailed about ``event``, by the rules, each person once."""
    people: dict[int, User] = {}

    def add(user: User | None) -> None:
        if _wants_mail(user, event.actor_id):
            people.setdefault(user.id, user)

    if ("requester", event.kind) in config.rules and not event.internal:
        add(ticket.requester)
    if ("executor", event.kind) in config.rules:
        executor_id = (event.data or {}).get("to_executor_id") or ticket.executor_id
        add(dbsession.get(User, executor_id) if executor_id else None)
    if ("operators", event.kind) in config.rules:
        operators = dbsession.scalars(
            select(User).where(User.role == Role.OPERATOR.value, User.is_active.is_(True))
        )
        for operator in operators:
            add(operator)
    return list(people.values())


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str

    def as_payload(self) -> dict:
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html}


def _detail(event: TicketEvent, comment: Comment | None) -> str:
    if comment is not None:
        return comment.body
    if event.kind == "cancelled":
        return (event.data or {}).get("reason", "")
    return ""


def compose(
    config: MailConfig,
    user: User,
    event: TicketEvent,
    ticket: Ticket,
    comment: Comment | None,
) -> Message:
    """The message to ``user`` about ``event``, in their language, plain text and HTML."""
    language = user.language or config.default_language
    text = TEXTS[language]
    status = text["statuses"].get(ticket.status, ticket.status)
    executor = ticket.executor.username if ticket.executor else ""
    summary = text["kinds"][event.kind].format(
        executor=executor, status=text["statuses"].get(event.to_status or "", status)
    )
    subject = f"[Desk #{ticket.id}] {ticket.title}: {summary}"
    context = {
        "language": language,
        "text": text,
        "name": user.first_name or user.username,
        "subject": subject,
        "headline": f"{text['ticket']} #{ticket.id}: {summary}",
        "detail": _detail(event, comment),
        "ticket": ticket,
        "status": status,
        "actor": event.actor.username if event.actor else "",
    }
    return Message(
        to=user.email,
        subject=subject,
        text=_templates.get_template("mail.txt.jinja2").render(context),
        html=_templates.get_template("mail.html.jinja2").render(context),
    )


def send(payload: dict, config: MailConfig) -> Outcome:
    """Send one message; an SMTP failure is an outcome to retry, never an exception."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    try:
        if config.security == "tls":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password)
            refused = client.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        # smtplib's errors carry the server's reply, never the password we sent.
        description = f"{type(error).__name__}: {error}"[:1000]
        log.warning("mail to %s failed: %s", payload["to"], description)
        return Outcome(False, description)
    if refused:
        return Outcome(False, f"refused: {refused}"[:1000])
    return Outcome(True)
