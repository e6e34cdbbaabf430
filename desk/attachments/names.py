"""Filenames: cleaned for display when they arrive, quoted safely when they leave.

A filename is the client's word and only ever shown; storage never uses it. What arrives is
cut to its last path segment (browsers on Windows send ``C:\\Users\\...\\shot.png``),
normalised (NFC), trimmed and capped at ``MAX_LENGTH`` characters, its extension kept. A
name that can only be an attack is refused instead: a ``..`` segment, control characters
(NUL included), or Unicode format characters such as the right-to-left override U+202E
that make ``invoice‮fdp.exe`` read as ``invoiceexe.pdf``.
"""

import unicodedata
from urllib.parse import quote

from ..i18n import _, english

MAX_LENGTH = 255


class BadFilename(ValueError):
    """The name is refused; ``message`` says why (a message, ``str()`` its English)."""

    def __init__(self, message: str):
        super().__init__(english(message))
        self.message = message


def _refused_character(name: str) -> str | None:
    for character in name:
        category = unicodedata.category(character)
        if category == "Cc":
            return _("control characters")
        if category in ("Cf", "Cs", "Zl", "Zp"):
            return _("invisible or bidirectional formatting characters")
    return None


def clean_filename(raw: str) -> str:
    """The display name of an uploaded file, or BadFilename."""
    name = unicodedata.normalize("NFC", raw)
    problem = _refused_character(name)
    if problem:
        raise BadFilename(
            _("The filename must not contain ${problem}.", mapping={"problem": problem})
        )
    segments = name.replace("\\", "/").split("/")
    if ".." in (segment.strip() for segment in segments):
        raise BadFilename(_("The filename must not contain a '..' path segment."))
    name = segments[-1].strip().strip(".").strip()
    if not name:
        raise BadFilename(_("The filename is empty."))
    if len(name) > MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_LENGTH - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_LENGTH].rstrip()
    return name


def _ascii_fallback(name: str) -> str:
    """A plain ASCII rendering for clients that ignore ``filename*`` (RFC 6266 §4.3)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    safe = "".join(c if c.isalnum() or c in " ._-()[]" else "_" for c in folded).strip()
    return safe or "download"


def content_disposition(disposition: str, name: str) -> str:
    """``Content-Disposition`` with an ASCII ``filename`` and the exact ``filename*``
    (RFC 8187: UTF-8, percent-encoded), for any Unicode name."""
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
