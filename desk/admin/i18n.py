"""The admin's words for the domain's codes, and a per-request translator over ``desk.i18n``.

The texts themselves are in the gettext catalogs (``desk/locale``); this module only names
the English label of each code the pages show (``DONE`` is "Done", the event ``created`` is
"Created"), marked for extraction, and gives views a ``_`` bound to their request.
"""

from enum import Enum

from pyramid.i18n import TranslationString
from pyramid.request import Request

from ..i18n import C_, _, translate

#: English labels of the domain's codes, each a message of the catalog.
LABELS = {
    "NEW": C_("status", "New"),
    "ASSIGNED": C_("status", "Assigned"),
    "IN_PROGRESS": C_("status", "In progress"),
    "WAITING": C_("status", "Waiting for the requester"),
    "DONE": C_("status", "Done"),
    "CANCELLED": C_("status", "Cancelled"),
    "LOW": C_("priority", "Low"),
    "NORMAL": C_("priority", "Normal"),
    "HIGH": C_("priority", "High"),
    "URGENT": C_("priority", "Urgent"),
    "REQUESTER": C_("role", "Requester"),
    "OPERATOR": C_("role", "Operator"),
    "EXECUTOR": C_("role", "Executor"),
    "created": C_("event", "Created"),
    "edited": C_("event", "Edited"),
    "assigned": C_("event", "Assigned"),
    "status_changed": C_("event", "Status changed"),
    "cancelled": C_("event", "Cancelled"),
    "commented": C_("event", "Commented"),
    "attachment_added": C_("event", "File attached"),
    "attachment_removed": C_("event", "File removed"),
    "sla:pending": C_("sla", "pending"),
    "sla:met": C_("sla", "met"),
    "sla:breached": C_("sla", "breached"),
    "webhook": C_("channel", "webhook"),
    "pending": C_("delivery", "pending"),
    "succeeded": C_("delivery", "succeeded"),
    "failed": C_("delivery", "failed"),
    "audit:created": C_("audit", "Created"),
    "audit:edited": C_("audit", "Edited"),
    "audit:password_set": C_("audit", "Password set"),
    "role": _("Role"),
    "is_active": _("Is active"),
    "is_superuser": _("Superuser"),
    "email": _("Email"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "title": _("Title"),
    "description": _("Description"),
    "priority": _("Priority"),
}


def label(code: str) -> TranslationString | str:
    """The message that shows ``code`` (a status, a role, an event kind...); else ``code``."""
    return LABELS.get(code, code)


class Translator:
    """``_(message, name=value)``: the message, or a code's label, in the request's language.

    A value that is an enum member or a TranslationString is shown translated too: the
    admin writes ``DONE`` as "Done" where the API writes the code.
    """

    def __init__(self, request: Request):
        self.request = request
        self.locale = request.localizer.locale_name

    def __call__(self, message: str, **mapping) -> str:
        if isinstance(message, TranslationString):
            values = {**(message.mapping or {}), **mapping}
        else:
            message, values = label(message), mapping
        values = {name: self.value(value) for name, value in values.items()}
        return translate(self.request, message, values)

    def value(self, value: object) -> object:
        if isinstance(value, Enum):
            return self(value.name)
        return value

    def colander(self, message) -> str:
        """A colander message (domain ``colander``), translated by the catalogs."""
        return translate(self.request, message)


def translator(request: Request) -> Translator:
    """The translator for the request's language."""
    return Translator(request)
