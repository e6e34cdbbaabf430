"""A ticket's files in the admin: the ticket page's panel, and downloads for superusers.

The download answers exactly as the API's (``desk.attachments.download``), under
``/admin/`` so that the admin's session authenticates it.
"""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from ..attachments.download import file_response
from ..models import Attachment, Ticket
from ..permissions import Permission
from ..resources import MAX_ID
from .i18n import translator
from .rendering import format_value
from .routes import PREFIX

CONTENT = "admin_attachment_content"


def human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def attachments(request: Request, ticket: Ticket) -> dict:
    """Every file of the ticket, internal ones included (the template marks them)."""
    rows = request.dbsession.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
    ).all()
    _ = translator(request)
    return {
        "attachments": [
            {
                "filename": row.filename,
                "href": request.route_path(CONTENT, id=row.id),
                "content_type": row.content_type,
                "size": human_size(row.size),
                "uploader": row.uploader.username,
                "when": format_value(row.created_at, _),
                "internal": row.internal,
            }
            for row in rows
        ]
    }


@view_config(route_name=CONTENT, request_method="GET", permission=Permission.ADMIN)
def download(request: Request) -> Response:
    attachment_id = int(request.matchdict["id"])
    row = request.dbsession.get(Attachment, attachment_id) if attachment_id <= MAX_ID else None
    if row is None:
        raise HTTPNotFound()
    return file_response(request, row)


def includeme(config) -> None:
    config.add_route(CONTENT, PREFIX + r"attachments/{id:\d+}/content")
    config.scan(__name__)
