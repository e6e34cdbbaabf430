"""Files and multipart bodies for the attachment tests, built by hand where a test needs
exactly the bytes a hostile or broken client would send, and what the database then holds."""

import io
import zipfile

from sqlalchemy import func, select

from desk.models import Attachment, AttachmentChunk

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 500
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TEXT = "Printer says: PC LOAD LETTER — ёжик\n".encode()
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def big(size: int) -> bytes:
    """``size`` bytes of a PNG-looking file whose every position is distinguishable."""
    body = PNG + bytes(i % 251 for i in range(65536))
    repeated = body * (size // len(body) + 1)
    return repeated[:size]


BOUNDARY = "deskboundary7MA4YWxkTrZu0gW"


def part(
    name: str,
    value: bytes,
    filename: str | None = None,
    content_type: str | None = None,
    disposition: str | None = None,
) -> bytes:
    if disposition is None:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return f"--{BOUNDARY}\r\n".encode() + head.encode() + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def stored_rows(registry) -> tuple[int, int]:
    """How many attachments, and how many chunk rows of their bytes, the database holds."""
    session = registry["dbsession_factory"]()
    try:
        return (
            session.scalar(select(func.count()).select_from(Attachment)),
            session.scalar(select(func.count()).select_from(AttachmentChunk)),
        )
    finally:
        session.close()
