"""The notification settings (``desk.worker.*``, ``desk.webhooks.*``, ``desk.mail.*``) as values."""

import os
from dataclasses import dataclass

from pyramid.settings import asbool, aslist

from ..models import EVENT_KINDS
from ..models.user import LANGUAGES
from ..settings import ConfigurationError

#: Who is mailed about what, by default: ``audience:kind`` pairs (see ``desk.notifications.mail``).
DEFAULT_MAIL_RULES = (
    "executor:assigned executor:commented executor:sla_warning executor:sla_breached "
    "operators:sla_breached "
    "requester:assigned requester:status_changed requester:cancelled requester:commented"
)
AUDIENCES = ("requester", "executor", "operators")
MAIL_SECURITY = ("none", "starttls", "tls")
MAIL_PASSWORD_VARIABLE = "DESK_MAIL_PASSWORD"
#: Settings the environment may give instead of the ini (and then wins), for containers.
MAIL_ENVIRONMENT = {
    "desk.mail.host": "DESK_MAIL_HOST",
    "desk.mail.user": "DESK_MAIL_USER",
    "desk.mail.from": "DESK_MAIL_FROM",
}


@dataclass(frozen=True)
class WorkerConfig:
    """How the workers poll, lease and retry (seconds)."""

    poll_interval: float = 0.5
    batch_size: int = 100
    lease: float = 60.0
    retry_window: float = 86400.0
    backoff_base: float = 10.0
    backoff_max: float = 3600.0


@dataclass(frozen=True)
class WebhookConfig:
    allow_private: bool = False
    connect_timeout: float = 5.0
    timeout: float = 15.0
    #: How much of a receiver's answer the attempt log keeps.
    max_response_bytes: int = 2048


@dataclass(frozen=True)
class MailConfig:
    """SMTP and who gets mail; no ``host`` means no mail at all."""

    host: str = ""
    port: int = 25
    security: str = "none"
    user: str = ""
    password: str = ""
    sender: str = "desk@localhost"
    timeout: float = 15.0
    default_language: str = "en"
    rules: frozenset = frozenset()

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    def __repr__(self) -> str:
        # Never the password, in a log line or a traceback.
        return f"MailConfig(host={self.host!r}, port={self.port}, user={self.user!r})"


@dataclass(frozen=True)
class NotificationConfig:
    worker: WorkerConfig
    webhooks: WebhookConfig
    mail: MailConfig


def _rules(value: str) -> frozenset:
    rules = set()
    for rule in aslist(value):
        audience, _, kind = rule.partition(":")
        if audience not in AUDIENCES or kind not in EVENT_KINDS:
            raise ConfigurationError(
                f"desk.mail.rules: {rule!r} is not audience:kind with an audience among "
                f"{', '.join(AUDIENCES)} and a kind among {', '.join(EVENT_KINDS)}."
            )
        rules.add((audience, kind))
    return frozenset(rules)


def notification_config(settings: dict) -> NotificationConfig:
    """The values from the ini's settings (and ``DESK_MAIL_PASSWORD``); bad ones refused."""
    settings = {
        **settings,
        **{key: os.environ[name] for key, name in MAIL_ENVIRONMENT.items() if os.environ.get(name)},
    }
    get = settings.get
    worker = WorkerConfig(
        poll_interval=float(get("desk.worker.poll_interval", 0.5)),
        batch_size=int(get("desk.worker.batch_size", 100)),
        lease=float(get("desk.worker.lease", 60)),
        retry_window=float(get("desk.worker.retry_window", 86400)),
        backoff_base=float(get("desk.worker.backoff_base", 10)),
        backoff_max=float(get("desk.worker.backoff_max", 3600)),
    )
    webhooks = WebhookConfig(
        allow_private=asbool(get("desk.webhooks.allow_private", False)),
        connect_timeout=float(get("desk.webhooks.connect_timeout", 5)),
        timeout=float(get("desk.webhooks.timeout", 15)),
        max_response_bytes=int(get("desk.webhooks.max_response_bytes", 2048)),
    )
    if worker.lease <= webhooks.timeout + webhooks.connect_timeout:
        raise ConfigurationError(
            "desk.worker.lease must be longer than desk.webhooks.connect_timeout + timeout, "
            "or a slow delivery could be taken by a second worker while it runs."
        )
    mail = MailConfig(
        host=get("desk.mail.host", "") or "",
        port=int(get("desk.mail.port", 25)),
        security=(get("desk.mail.security", "none") or "none").lower(),
        user=get("desk.mail.user", "") or "",
        password=os.environ.get(MAIL_PASSWORD_VARIABLE, ""),
        sender=get("desk.mail.from", "desk@localhost"),
        timeout=float(get("desk.mail.timeout", 15)),
        default_language=get("desk.mail.default_language", "en"),
        rules=_rules(get("desk.mail.rules", DEFAULT_MAIL_RULES)),
    )
    if mail.security not in MAIL_SECURITY:
        raise ConfigurationError(f"desk.mail.security must be one of {', '.join(MAIL_SECURITY)}.")
    if mail.default_language not in LANGUAGES:
        raise ConfigurationError(
            f"desk.mail.default_language must be one of {', '.join(LANGUAGES)}."
        )
    return NotificationConfig(worker=worker, webhooks=webhooks, mail=mail)


def registry_config(registry) -> NotificationConfig:
    """The app's notification settings, parsed once and kept in the registry."""
    config = registry.get("notification_config")
    if config is None:
        config = registry["notification_config"] = notification_config(registry.settings)
    return config
