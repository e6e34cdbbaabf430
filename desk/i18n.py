"""Translations: Pyramid's i18n with gettext catalogs, for the API's problems and the admin.

Messages are ``TranslationString``s of the domain ``desk`` whose message id is their English
text (``_("Not found.")``, ``${name}`` for a value); ``C_("status", "Done")`` adds a gettext
context where one English word needs two translations. The catalogs are
``desk/locale/<lang>/LC_MESSAGES/desk.po`` (and ``colander.po``, for the colander messages
the schemas give), compiled to ``.mo`` at install (setup.py); English needs none.

The locale of a request: the authenticated user's ``language``, else the best of LOCALES for
its ``Accept-Language``, else English.
"""

from collections.abc import Mapping
from enum import Enum

from pyramid.config import Configurator
from pyramid.i18n import TranslationString, TranslationStringFactory
from pyramid.request import Request
from sqlalchemy.exc import DBAPIError

DOMAIN = "desk"
LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"
#: Where the compiled catalogs are (an asset spec).
TRANSLATION_DIRS = "desk:locale/"

_ = TranslationStringFactory(DOMAIN)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction only; it is translated where it is shown."""
    return message


def C_(context: str, message: str, mapping: Mapping | None = None) -> TranslationString:  # noqa: N802
    """``message`` in a gettext context (``msgctxt``): ``C_("audit", "Created")``."""
    return TranslationString(message, domain=DOMAIN, mapping=mapping, context=context)


def user_language(request: Request) -> str | None:
    """The language of the user this request has authenticated already, if set.

    Never a query of its own: an error answered before authentication (a body too large,
    in a tween outside the transaction) or while the database fails still gets its words.
    """
    if isinstance(getattr(request, "exception", None), DBAPIError):
        return None  # the user's row may need a reload that would fail again
    identity = request.registry["security_policy"].known_identity(request)
    return identity.caller.language if identity is not None else None


def negotiate_locale(request: Request) -> str:
    """Pyramid's locale negotiator: the user's language, then Accept-Language, then English."""
    language = user_language(request)
    if language in LOCALES:
        return language
    return request.accept_language.lookup(language_tags=list(LOCALES), default=DEFAULT_LOCALE)


def translate(request: Request, message: str, mapping: Mapping | None = None) -> str:
    """``message`` in the request's language, its values translated first.

    A plain string is looked up in the ``desk`` domain; a value that is a TranslationString
    is translated (``${action}`` of a refusal), an enum member is written as its code.
    """
    if not isinstance(message, TranslationString):
        message = TranslationString(message, domain=DOMAIN)
    values = {**(message.mapping or {}), **(mapping or {})}
    values = {name: shown(request, value) for name, value in values.items()}
    return request.localizer.translate(message, mapping=values or None)


def shown(request: Request, value: object) -> object:
    """A message's value as the text puts it: translated when it is a message."""
    if isinstance(value, TranslationString):
        return translate(request, value)
    if isinstance(value, Enum):
        return value.value if isinstance(value.value, str) else value.name
    return value


def includeme(config: Configurator) -> None:
    config.add_translation_dirs(TRANSLATION_DIRS)
    config.set_locale_negotiator(negotiate_locale)


def english(message: str) -> str:
    """The message's English text, without a request (logs, ``str(error)``)."""
    if isinstance(message, TranslationString):
        return message.interpolate()
    return message
