"""Files in the admin: the ticket page's panel, the attachments' own list, and downloads.

The download answers exactly as the API's (``desk.attachments.download``), under
``/admin/`` so that the admin's session authenticates it. ``ATTACHMENTS`` is the
registry's declaration: every file, filtered by ticket, each page with its download link.
"""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from ..attachments.download import file_response
from ..i18n import N_
from ..models import Attachment, Ticket
from ..permissions import Permission
from ..resources import MAX_ID, parse_id
from .i18n import Translator, translator
from .registry import Column, Filter, ModelAdmin, Panel
from .rendering import format_value
from .routes import PREFIX
from .users import is_true, yes_no

CONTENT = "admin_attachment_content"


def human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def file_view(request: Request, row: Attachment, _: Translator) -> dict:
    """One file as ``panel_attachments.jinja2`` lists it, with its download link."""
    return {
        "filename": row.filename,
        "href": request.route_path(CONTENT, id=row.id),
        "content_type": row.content_type,
        "size": human_size(row.size),
        "uploader": row.uploader.username,
        "when": format_value(row.created_at, _),
        "internal": row.internal,
    }


def attachments(request: Request, ticket: Ticket) -> dict:
    """Every file of the ticket, internal ones included (the template marks them)."""
    rows = request.dbsession.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
    ).all()
    _ = translator(request)
    return {"attachments": [file_view(request, row, _) for row in rows]}


def ticket_ref(request: Request, row: Attachment) -> str:
    return f"#{row.ticket_id}"


ATTACHMENTS = ModelAdmin(
    name="attachments",
    model=Attachment,
    label=N_("Attachments"),
    label_singular=N_("File"),
    permission=Permission.ADMIN,
    title=lambda row: row.filename,
    columns=(
        Column("id", N_("ID"), sort="id"),
        Column("filename", N_("File"), link=True),
        Column("ticket_id", N_("Ticket"), display=ticket_ref, sort="ticket"),
        Column("uploader", N_("Who"), display=lambda r, row: row.uploader.username),
        Column("size", N_("Size"), display=lambda r, row: human_size(row.size)),
        Column("internal", N_("Internal note")),
        Column("created_at", N_("When"), sort="id"),
    ),
    filters=(
        Filter("ticket_id", N_("Ticket (id)"), Attachment.ticket_id, None, convert=parse_id),
        Filter("internal", N_("Internal note"), Attachment.internal, yes_no, convert=is_true),
    ),
    search_fields=(Attachment.filename,),
    orderings={"id": (Attachment.id,), "ticket": (Attachment.ticket_id, Attachment.id)},
    default_ordering="-id",
    readonly_fields=(
        Column("id", N_("ID")),
        Column("filename", N_("File")),
        Column("ticket_id", N_("Ticket"), display=ticket_ref),
        Column("uploader", N_("Who"), display=lambda r, row: row.uploader.username),
        Column("size", N_("Size"), display=lambda r, row: human_size(row.size)),
        Column("internal", N_("Internal note")),
        Column("created_at", N_("When")),
        Column("content_type", N_("Type")),
        Column("sha256", "SHA-256"),
    ),
    panels=(
        Panel(
            N_("File"),
            "panel_attachments.jinja2",
            lambda request, row: {"attachments": [file_view(request, row, translator(request))]},
        ),
    ),
)


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
