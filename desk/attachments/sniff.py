"""A file's type, from its content: ``filetype`` reads the magic numbers of binary formats;
what has none is text when it is UTF-8 without NUL bytes, and markup (HTML, SVG, XML) when
it begins like it. The client's declared type is never used."""

import codecs
import re
from typing import BinaryIO

import filetype

#: How much of a file the sniffers look at.
HEAD_BYTES = 64 * 1024
OCTET_STREAM = "application/octet-stream"

#: Types that a browser may show inline: raster images, which run no script.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_MARKUP = (
    (
        re.compile(
            rb"^(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]", re.S | re.I
        ),
        "image/svg+xml",
    ),
    (
        re.compile(
            rb"^(<!--.*?-->\s*)*<(!doctype html|html|head|body|script|iframe)[\s>]", re.S | re.I
        ),
        "text/html",
    ),
    (re.compile(rb"^<\?xml[\s>]", re.I), "application/xml"),
)


def _is_text(head: bytes, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # A head cut inside a multi-byte character is still text: final only when complete.
        decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def sniff(source: BinaryIO) -> str:
    """The MIME type of the seekable file ``source``, which is left at its start."""
    source.seek(0)
    head = source.read(HEAD_BYTES)
    complete = not source.read(1)
    source.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not _is_text(head, complete):
        return OCTET_STREAM
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    for pattern, mime in _MARKUP:
        if pattern.match(start):
            return mime
    return "text/plain"
