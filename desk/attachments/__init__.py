"""Files on tickets and comments: streamed in, sniffed, stored safely, seen only by those
who may see them.

- ``config``: the ``desk.attachments.*`` settings;
- ``upload``: the multipart body read as a stream, with its limits;
- ``names`` and ``sniff``: display names and content types;
- ``storage``: where bytes live (the database, or S3);
- ``files``: adding and removing files, their history, and their bytes' lifetime;
- ``ranges``: byte ranges of downloads.

The routes are ``desk.services.attachments``; the ACLs ``desk.resources``.
"""

import re

from .config import AttachmentSettings
from .storage import make_storage

#: ``POST /api/tickets/{id}/attachments/`` (the trailing slash is optional here: this is
#: matched before the trailing-slash tween).
UPLOAD_PATH = re.compile(r"^/api/tickets/[^/]+/attachments/?$")


def upload_body_limit(request) -> int | None:
    """The body limit of a streamed upload, or None for any other request."""
    # The raw WSGI path: this runs before the URL's encoding is checked (pyramid_retry's
    # hook), and ``request.path_info`` would raise on bytes that are not UTF-8.
    if request.method == "POST" and UPLOAD_PATH.match(request.environ.get("PATH_INFO", "")):
        return request.registry["attachment_settings"].max_request_bytes
    return None


def includeme(config) -> None:
    settings = AttachmentSettings.from_settings(config.get_settings())
    config.registry["attachment_settings"] = settings
    config.registry["attachment_storage"] = make_storage(settings, config.registry["db_engine"])
    # The body limit tween and pyramid_retry leave these bodies to the view's stream.
    config.registry.setdefault("desk.streamed_bodies", []).append(upload_body_limit)
