"""``Range: bytes=...`` (RFC 9110 §14): one range, or a refusal the caller answers with 416."""

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class UnsatisfiableRange(ValueError):
    """Malformed, or outside the file: answered 416 with ``Content-Range: bytes */size``."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` (stop exclusive) of the requested bytes, or None for the whole file.

    Several ranges at once are answered with the whole file (RFC 9110 lets a server ignore
    Range); anything else that is not one valid range is UnsatisfiableRange.
    """
    if header is None:
        return None
    header = header.strip()
    if header.startswith("bytes=") and "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        raise UnsatisfiableRange(header)
    first, last = match.groups()
    if len(first) > 19 or len(last) > 19:
        raise UnsatisfiableRange(header)
    if not first:
        if not last or int(last) == 0:
            raise UnsatisfiableRange(header)
        return max(size - int(last), 0), size  # the final N bytes
    start = int(first)
    stop = size if not last else int(last) + 1
    if start >= size or stop <= start:
        raise UnsatisfiableRange(header)
    return start, min(stop, size)
