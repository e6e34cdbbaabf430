"""Adding and removing a ticket's files: the rows, the bytes, the history.

Bytes are content-addressed within a ticket (``tickets/<id>/<sha256>``): a second upload of
the same file to the same ticket stores nothing new. Whether bytes exist is decided by the
rows, under the ticket's row lock, which every upload and removal takes before it writes:

- transactional storage (the database) puts and deletes in the request's transaction;
- other storage (S3) puts before the commit; after a failed transaction, and after a
  removal commits, ``collect`` takes the ticket's lock again and deletes the object if no
  row names it, so that a failed upload leaves no orphan and a concurrent upload of the
  same bytes never loses them.
"""

import itertools
import logging
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .. import workflow
from ..exceptions import Conflict, InvalidInput
from ..i18n import _
from ..models import Attachment, Comment, Ticket, User, utcnow
from .names import BadFilename, clean_filename
from .sniff import sniff
from .storage import StorageUnavailable
from .upload import UnsupportedFileType, Upload, UploadedFile

log = logging.getLogger(__name__)

ADDED, REMOVED = "attachment_added", "attachment_removed"


def storage_key(ticket_id: int, sha256: str) -> str:
    return f"tickets/{ticket_id}/{sha256}"


def referenced(dbsession: Session, ticket_id: int, sha256: str) -> bool:
    query = select(Attachment.id).where(
        Attachment.ticket_id == ticket_id, Attachment.sha256 == sha256
    )
    return dbsession.execute(query.limit(1)).first() is not None


def checked_comment(
    dbsession: Session, ticket: Ticket, author: User, raw: str | None, see_internal: bool
) -> Comment | None:
    """The comment named by the form's ``comment_id``: on this ticket, visible to the
    caller, and the caller's own; else a 400 naming ``comment_id``."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 2**31:
        raise InvalidInput("comment_id", _("Must be the id of a comment."))
    comment = dbsession.get(Comment, int(raw))
    if (
        comment is None
        or comment.ticket_id != ticket.id
        or (comment.internal and not see_internal)
        or comment.author_id != author.id
    ):
        raise InvalidInput("comment_id", _("Must be the id of your own comment on this ticket."))
    return comment


def described(uploaded: UploadedFile, allowed_types: frozenset[str]) -> tuple[str, str]:
    """``(display name, sniffed type)`` of one file, or a 400/415."""
    try:
        name = clean_filename(uploaded.filename)
    except BadFilename as exc:
        raise InvalidInput("file", exc.message) from exc
    content_type = sniff(uploaded.file)
    if content_type not in allowed_types:
        raise UnsupportedFileType(
            _(
                "${name} is ${type}, which this desk does not accept.",
                mapping={"name": repr(name), "type": content_type},
            )
        )
    return name, content_type


def add_files(request, ticket: Ticket, upload: Upload, comment: Comment | None) -> list[Attachment]:
    """Store the upload's files on ``ticket`` (already locked) and record one event each."""
    settings = request.registry["attachment_settings"]
    storage = request.registry["attachment_storage"]
    dbsession = request.dbsession
    described_files = [(f, *described(f, settings.allowed_types)) for f in upload.files]
    present = dbsession.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)
    )
    if present + len(upload.files) > settings.max_per_ticket:
        raise Conflict(
            _(
                "A ticket holds at most ${limit} files; this one has ${present}.",
                mapping={"limit": settings.max_per_ticket, "present": present},
            )
        )
    internal = bool(comment and comment.internal)
    added = []
    stored = set()
    for uploaded, name, content_type in described_files:
        key = storage_key(ticket.id, uploaded.sha256)
        if uploaded.sha256 not in stored and not referenced(dbsession, ticket.id, uploaded.sha256):
            if not storage.transactional:
                _collect_if_failed(request, ticket.id, uploaded.sha256)
            try:
                storage.put(dbsession, key, uploaded.file)
            except Exception as exc:
                if storage.transactional:
                    raise
                log.error("could not store %s: %s", key, exc)
                raise StorageUnavailable(_("The file store is unavailable; try again.")) from exc
        stored.add(uploaded.sha256)
        attachment = Attachment(
            ticket_id=ticket.id,
            comment_id=comment.id if comment else None,
            uploader_id=request.user.id,
            uploader=request.user,
            filename=name,
            content_type=content_type,
            size=uploaded.size,
            sha256=uploaded.sha256,
            internal=internal,
            created_at=utcnow(),
        )
        dbsession.add(attachment)
        dbsession.flush()
        workflow.record_attachment(dbsession, ticket, request.user, ADDED, attachment)
        added.append(attachment)
    return added


def open_bytes(registry, attachment: Attachment, start: int, stop: int) -> Iterator[bytes]:
    """The bytes ``start``..``stop`` of a file, as pieces; the first is read here, so that a
    store that does not answer is a 503 before the response starts, not a cut download."""
    storage = registry["attachment_storage"]
    pieces = storage.read(storage_key(attachment.ticket_id, attachment.sha256), start, stop)
    try:
        first = next(pieces, b"")
    except Exception as exc:
        if isinstance(exc, DBAPIError):
            raise
        log.error("could not read attachment %s: %s", attachment.id, exc)
        raise StorageUnavailable(_("The file store is unavailable; try again.")) from exc
    return itertools.chain((first,), pieces)


def remove_file(request, attachment: Attachment) -> None:
    """Delete the row, record the event, and the bytes once no row names them."""
    dbsession = request.dbsession
    # The API holds the lock already: this returns at once.
    ticket = workflow.lock_ticket(dbsession, attachment.ticket_id)
    storage = request.registry["attachment_storage"]
    dbsession.delete(attachment)
    dbsession.flush()
    workflow.record_attachment(dbsession, ticket, request.user, REMOVED, attachment)
    if referenced(dbsession, ticket.id, attachment.sha256):
        return
    if storage.transactional:
        storage.delete(dbsession, storage_key(ticket.id, attachment.sha256))
    else:
        transaction = request.tm.get()
        transaction.addAfterCommitHook(
            lambda status: collect(request.registry, ticket.id, attachment.sha256)
        )


def _collect_if_failed(request, ticket_id: int, sha256: str) -> None:
    """If this transaction does not commit, remove the object ``put`` is about to write."""
    transaction = request.tm.get()
    registry = request.registry
    transaction.addAfterAbortHook(lambda: collect(registry, ticket_id, sha256))
    transaction.addAfterCommitHook(
        lambda status: None if status else collect(registry, ticket_id, sha256)
    )


def collect(registry, ticket_id: int, sha256: str) -> None:
    """Delete the bytes of ``(ticket, sha256)`` unless a row names them: under the ticket's
    lock, in a session of its own (the request's transaction is over). Never raises: a
    failure leaves an orphan object, logged, not a failed request."""
    session = registry["dbsession_factory"]()
    try:
        with session.begin():
            workflow.lock_ticket(session, ticket_id)
            if not referenced(session, ticket_id, sha256):
                registry["attachment_storage"].delete(session, storage_key(ticket_id, sha256))
    except Exception:
        log.exception("could not remove the bytes of %s", storage_key(ticket_id, sha256))
    finally:
        session.close()
