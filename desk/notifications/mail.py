"""E-mail notifications: who is told of an event, the message in their language, SMTP.

The rules (``desk.mail.rules``) are ``audience:kind`` pairs: ``requester`` is the ticket's
requester, ``executor`` the executor it was assigned to (for ``assigned``) or has now,
``operators`` every active operator. Nobody is mailed about their own change, nor without
an address or with ``notify_email`` off; an internal event never reaches a requester.

A message is written in its recipient's ``language`` (else ``desk.mail.default_language``)
through the ``desk`` gettext catalogs, as the admin's pages and the API's problems are.
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from pyramid.i18n import Localizer, make_localizer
from pyramid.path import AssetResolver
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import C_, DEFAULT_LOCALE, LOCALES, TRANSLATION_DIRS
from ..models import Comment, Role, Ticket, TicketEvent, User
from .config import MailConfig
from .webhooks import Outcome

log = logging.getLogger(__name__)

#: The message's words, in the ``mail`` context of the ``desk`` catalogs (README,
#: "Translations"): the same English word may read otherwise in a letter than on a page.
LABELS = {
    "ticket": C_("mail", "Ticket"),
    "status": C_("mail", "Status"),
    "by": C_("mail", "By"),
    "footer": C_("mail", "Desk. Turn these messages off in your profile (notify_email)."),
}
KINDS = {
    "created": C_("mail", "new ticket"),
    "edited": C_("mail", "edited"),
    "assigned": C_("mail", "assigned to ${executor}"),
    "status_changed": C_("mail", "now ${status}"),
    "cancelled": C_("mail", "cancelled"),
    "commented": C_("mail", "new comment"),
    "attachment_added": C_("mail", "file attached"),
    "attachment_removed": C_("mail", "file removed"),
    "sla_warning": C_("mail", "a service-level target is near"),
    "sla_breached": C_("mail", "a service-level target was missed"),
}
STATUSES = {
    "NEW": C_("mail", "new"),
    "ASSIGNED": C_("mail", "assigned"),
    "IN_PROGRESS": C_("mail", "in progress"),
    "WAITING": C_("mail", "waiting for you"),
    "DONE": C_("mail", "done"),
    "CANCELLED": C_("mail", "cancelled"),
}
GREETING = C_("mail", "Hello ${name},")


@lru_cache(maxsize=len(LOCALES))
def localizer(language: str) -> Localizer:
    """Pyramid's localizer of ``language`` over Desk's catalogs (no request in the worker)."""
    return make_localizer(language, [AssetResolver().resolve(TRANSLATION_DIRS).abspath()])


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
    language = language if language in LOCALES else DEFAULT_LOCALE
    words = localizer(language)

    def status_of(code: str) -> str:
        return words.translate(STATUSES[code]) if code in STATUSES else code

    status = status_of(ticket.status)
    executor = ticket.executor.username if ticket.executor else ""
    summary = words.translate(
        KINDS[event.kind],
        mapping={"executor": executor, "status": status_of(event.to_status or ticket.status)},
    )
    subject = f"[Desk #{ticket.id}] {ticket.title}: {summary}"
    text = {name: words.translate(label) for name, label in LABELS.items()}
    context = {
        "language": language,
        "text": text,
        "greeting": words.translate(GREETING, mapping={"name": user.first_name or user.username}),
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
