"""Files on tickets and comments: their metadata, and (PostgreSQL storage) their bytes.

An attachment row names its bytes by content: ``sha256`` within its ticket. Two uploads of
the same file to one ticket share one copy of the bytes; the bytes go once no row names
them any more (``desk.attachments.files``).
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime, utcnow
from .user import User


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size > 0", name="size"),
        Index("ix_attachments_ticket_id_id", "ticket_id", "id"),
        Index("ix_attachments_ticket_id_sha256", "ticket_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: For display only, cleaned (``desk.attachments.names``); storage never uses it.
    filename: Mapped[str] = mapped_column(String(255))
    #: Sniffed from the content, never the client's word.
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Copied from the comment: a file on an internal note is internal.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped[User] = relationship(lazy="joined")


class AttachmentChunk(Base):
    """A slice of a stored file's bytes (``desk.attachments.storage = postgresql``).

    Fixed-size slices, so that a download streams one row at a time and a Range request
    reads only the rows it covers.
    """

    __tablename__ = "attachment_chunks"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
