"""Files on tickets: upload (multipart, streamed), list, read, download and remove.

``/api/tickets/{id}/attachments/`` traverses to the ticket (a plain read, as for every
ticket route: the upload reads its body first and locks the ticket when it writes);
``/api/attachments/{id}/`` traverses to the file under its ticket. The ACLs decide; a
requester never learns of an internal file.
"""

from pyramid.httpexceptions import HTTPForbidden, HTTPNoContent
from sqlalchemy import select

from .. import schemas, workflow
from ..api import Service, responses
from ..attachments import files
from ..attachments.download import file_response
from ..attachments.upload import read_upload
from ..models import Attachment
from ..pagination import Ordering
from ..permissions import Permission
from ..representations import iso, user_ref
from ..resources import attachment_factory, ticket_factory
from .paging import page

TAGS = ["attachments"]
OLDEST_FIRST = Ordering("id", (Attachment.id,), descending=False)

ticket_attachments = Service(
    name="ticket_attachments",
    path="/api/tickets/{id}/attachments/",
    description="A ticket's files",
    factory=ticket_factory,
    traverse="/{id}",
)
attachment = Service(
    name="attachment",
    path="/api/attachments/{id}/",
    description="One file's metadata",
    factory=attachment_factory,
    traverse="/{id}",
)
attachment_content = Service(
    name="attachment_content",
    path="/api/attachments/{id}/content",
    description="One file's bytes",
    factory=attachment_factory,
    traverse="/{id}",
)
SERVICES = (ticket_attachments, attachment, attachment_content)

ATTACHMENT = schemas.AttachmentOut()


def attachment_json(request, row: Attachment) -> dict:
    return {
        "id": row.id,
        "ticket_id": row.ticket_id,
        "comment_id": row.comment_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "internal": row.internal,
        "uploader": user_ref(row.uploader),
        "created_at": iso(row.created_at),
        "content_url": request.route_url("attachment_content", id=row.id),
    }


def may_see_internal(request) -> bool:
    return bool(request.has_permission(Permission.TICKET_INTERNAL_NOTES, request.context))


def no_body(request) -> dict:
    """Cornice's deserializer for the upload: the view streams the body itself."""
    return {
        "querystring": request.GET.mixed(),
        "path": request.matchdict or {},
        "header": dict(request.headers),
    }


@ticket_attachments.get(
    schema=schemas.request_schema(querystring=schemas.PageQuery),
    permission=Permission.TICKET_VIEW,
    tags=TAGS,
    response_schemas=responses(
        {200: schemas.page_of(schemas.AttachmentOut, "AttachmentPage")}, 404
    ),
)
def list_attachments(request):
    """The ticket's files, oldest first; internal ones only for operators and executors."""
    query = select(Attachment).where(Attachment.ticket_id == request.context.ticket.id)
    if not may_see_internal(request):
        query = query.where(Attachment.internal.is_(False))
    return page(
        request, query, OLDEST_FIRST, lambda rows: [attachment_json(request, r) for r in rows]
    )


@ticket_attachments.post(
    permission=Permission.TICKET_COMMENT,
    deserializer=no_body,
    tags=TAGS,
    api_consumes=["multipart/form-data"],
    api_form=[
        {
            "name": "file",
            "type": "file",
            "required": True,
            "description": "The file (repeat the part for several)",
        },
        {
            "name": "comment_id",
            "type": "integer",
            "required": False,
            "description": "Your own comment on this ticket to attach it to",
        },
    ],
    response_schemas=responses(
        {201: schemas.UploadOut(description="The stored files")}, 400, 404, 409, 411, 413, 415
    ),
)
def upload_attachments(request):
    """Attach one or several files (multipart/form-data: parts named `file`, and an
    optional `comment_id` of your own comment on this ticket).

    Each file is at most `desk.attachments.max_bytes`; its type is sniffed from the content
    and must be one the desk accepts. Files on an internal note are internal.
    """
    settings = request.registry["attachment_settings"]
    upload = read_upload(request, settings)
    try:
        ticket = workflow.lock_ticket(request.dbsession, request.context.ticket.id)
        # Re-checked under the lock: the executor may have changed while the body arrived.
        if ticket is None or not request.has_permission(Permission.TICKET_COMMENT, request.context):
            raise HTTPForbidden()
        comment = files.checked_comment(
            request.dbsession,
            ticket,
            request.user,
            upload.fields.get("comment_id"),
            may_see_internal(request),
        )
        added = files.add_files(request, ticket, upload, comment)
    finally:
        upload.close()
    request.response.status = 201
    return {"results": [attachment_json(request, row) for row in added]}


@attachment.get(
    permission=Permission.ATTACHMENT_VIEW,
    tags=TAGS,
    response_schemas=responses({200: ATTACHMENT}, 404),
)
def get_attachment(request):
    """One file's metadata: whoever may see it."""
    return attachment_json(request, request.context.attachment)


@attachment.delete(
    permission=Permission.ATTACHMENT_VIEW,
    tags=TAGS,
    response_schemas=responses({204: None}, 404, 409),
)
def delete_attachment(request):
    """Remove a file: its uploader while the ticket is open, operators and superusers."""
    # Under the ticket's lock (it refreshes the context's ticket), so the status is current.
    workflow.lock_ticket(request.dbsession, request.context.ticket.id)
    workflow.REMOVE_ATTACHMENT.guard(request, request.context)
    files.remove_file(request, request.context.attachment)
    return HTTPNoContent()


@attachment_content.get(
    schema=schemas.request_schema(header=schemas.ContentHeaders),
    permission=Permission.ATTACHMENT_VIEW,
    tags=TAGS,
    # The file's own (sniffed) type, whatever the ini accepts; octet-stream first for tools.
    api_produces=["application/octet-stream", "image/*", "text/*", "application/*"],
    api_file_responses={200: "The file's bytes", 206: "The requested range of the bytes"},
    response_schemas=responses({304: None}, 404, 416),
)
def download_attachment(request):
    """The file's bytes, streamed. Strong ETag (the sha256), `If-None-Match` (304),
    `Range` (206; 416 when malformed or past the end). Raster images are shown inline,
    everything else (SVG and HTML included) is a download."""
    return file_response(request, request.context.attachment)
