"""A file's bytes as an HTTP response, for the API and the admin alike: streamed, with a
strong ETag (the sha256), ``If-None-Match`` (304), one ``Range`` (206, or 416), and a
``Content-Disposition`` that shows only raster images inline."""

from pyramid.httpexceptions import HTTPNotModified
from pyramid.response import Response

from ..errors import problem
from ..models import Attachment
from . import files
from .names import content_disposition
from .ranges import UnsatisfiableRange, byte_range
from .sniff import INLINE_TYPES


def file_response(request, row: Attachment) -> Response:
    """The response that downloads ``row`` (the caller's permission already checked)."""
    etag = row.sha256
    if etag in request.if_none_match:
        return HTTPNotModified(headers={"ETag": f'"{etag}"'})
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if wanted is not None and if_range is not None and if_range.strip() != f'"{etag}"':
        wanted = None  # the client holds another version: send the whole file
    try:
        selected = byte_range(wanted, row.size)
    except UnsatisfiableRange:
        return problem(
            request,
            416,
            "The Range is malformed or past the end of the file.",
            slug="range-not-satisfiable",
            headers={"Content-Range": f"bytes */{row.size}"},
        )
    start, stop = selected or (0, row.size)
    pieces = files.open_bytes(request.registry, row, start, stop)
    response = Response(
        app_iter=pieces,
        status=206 if selected else 200,
        content_type=row.content_type,
        charset="utf-8" if row.content_type.startswith("text/") else None,
        conditional_response=False,
    )
    response.content_length = stop - start
    if selected:
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{row.size}"
    disposition = "inline" if row.content_type in INLINE_TYPES else "attachment"
    response.headers.update(
        {
            "Content-Disposition": content_disposition(disposition, row.filename),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{etag}"',
            "Accept-Ranges": "bytes",
            "Cache-Control": "private, no-cache",
            # Even if a browser renders it, nothing in it runs.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
    )
    return response
