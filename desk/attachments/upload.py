"""Reading a ``multipart/form-data`` upload as a stream, straight from ``wsgi.input``.

The body is fed to ``multipart``'s push parser 64 KiB at a time. Each file goes to a
spooled temporary file (memory up to 1 MiB, then disk) while its size and sha256 are
counted, so that a request never holds a whole file in memory. A file one byte past
``max_bytes``, or a body past ``max_request_bytes``, is refused there and then (413): the
rest of the body is never read. Any malformed input is a 400 naming what is wrong; the
caller stores nothing until the whole body has been read and checked.
"""

import hashlib
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile

from multipart import MultipartError, ParserLimitReached, PushMultipartParser, parse_options_header

from ..exceptions import BodyTooLarge, DeskError, InvalidInput, UnsupportedMediaType
from ..i18n import _
from .config import AttachmentSettings

READ_SIZE = 64 * 1024
#: A file's bytes stay in memory up to this size, then spill to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
#: Form fields other than files (``comment_id``) are short.
MAX_FIELD_BYTES = 64
#: The names under which files are sent (Swagger UI sends ``file``).
FILE_FIELDS = ("file", "files")
TEXT_FIELDS = ("comment_id",)


class UnsupportedFileType(UnsupportedMediaType):
    slug = "unsupported-file-type"
    title = _("File type not accepted")


class LengthRequired(DeskError):
    status = 411
    slug = "length-required"
    title = _("Length Required")


@dataclass
class UploadedFile:
    """One file of the upload, read to its end."""

    filename: str
    file: SpooledTemporaryFile
    size: int = 0
    sha256: str = ""


@dataclass
class Upload:
    files: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        for uploaded in self.files:
            uploaded.file.close()


def _boundary(request) -> str:
    kind, options = parse_options_header(request.headers.get("Content-Type", ""))
    if kind != "multipart/form-data":
        raise UnsupportedMediaType(_("Send the files as multipart/form-data."))
    boundary = options.get("boundary", "")
    if not boundary or len(boundary) > 70 or not boundary.isascii():
        raise InvalidInput(
            "Content-Type", _("A multipart boundary of 1 to 70 characters."), "header"
        )
    return boundary


def _body_length(request, settings: AttachmentSettings) -> int | None:
    """The declared length, or None for a body that ends where its stream does (chunked)."""
    length = request.content_length
    if length is None:
        if request.environ.get("wsgi.input_terminated"):
            return None
        raise LengthRequired(_("Send the upload with a Content-Length."))
    if length > settings.max_request_bytes:
        raise _request_too_large(settings)
    return length


def _request_too_large(settings: AttachmentSettings) -> BodyTooLarge:
    return BodyTooLarge(
        _(
            "The upload is over the limit of ${limit} bytes.",
            mapping={"limit": settings.max_request_bytes},
        )
    )


class _Reader:
    """Turns parser events into ``Upload``'s files and fields, checking limits as it goes."""

    def __init__(self, settings: AttachmentSettings):
        self.settings = settings
        self.upload = Upload()
        self.current: UploadedFile | None = None
        self.hash = None
        self.field_name: str | None = None
        self.field_value = b""

    def segment(self, segment) -> None:
        name = segment.name or ""
        if segment.filename is not None and name in FILE_FIELDS:
            if not segment.filename:
                raise InvalidInput(name, _("A file part needs a filename."))
            if len(self.upload.files) >= self.settings.max_per_ticket:
                raise InvalidInput(
                    name,
                    _(
                        "At most ${count} files at once.",
                        mapping={"count": self.settings.max_per_ticket},
                    ),
                )
            # Closed by Upload.close(), whatever happens to the request.
            spool = SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115
            self.current = UploadedFile(segment.filename, spool)
            self.upload.files.append(self.current)
            self.hash = hashlib.sha256()
        elif name in FILE_FIELDS:
            raise InvalidInput(name, _("A file part needs a filename."))
        elif name in TEXT_FIELDS and segment.filename is None:
            if name in self.upload.fields:
                raise InvalidInput(name, _("Give it once."))
            self.field_name, self.field_value = name, b""
        else:
            raise InvalidInput(name or "(unnamed part)", _("Unknown field."))

    def data(self, chunk: bytes) -> None:
        if self.current is not None:
            self.current.size += len(chunk)
            if self.current.size > self.settings.max_bytes:
                raise BodyTooLarge(
                    _(
                        "${filename} is over the limit of ${limit} bytes per file.",
                        mapping={
                            "filename": repr(self.current.filename),
                            "limit": self.settings.max_bytes,
                        },
                    )
                )
            self.hash.update(chunk)
            self.current.file.write(chunk)
            return
        self.field_value += chunk
        if len(self.field_value) > MAX_FIELD_BYTES:
            raise InvalidInput(self.field_name, _("Too long."))

    def end(self) -> None:
        if self.current is not None:
            if self.current.size == 0:
                raise InvalidInput(
                    "file",
                    _("${filename} is empty.", mapping={"filename": repr(self.current.filename)}),
                )
            self.current.sha256 = self.hash.hexdigest()
            self.current.file.seek(0)
            self.current = None
            return
        try:
            self.upload.fields[self.field_name] = self.field_value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(self.field_name, _("Not UTF-8.")) from exc


def _drain(stream, remaining: int) -> None:
    """Read what follows the closing boundary (an epilogue, at most the declared length):
    a body that ends before its Content-Length is broken, whatever it held."""
    while remaining:
        chunk = stream.read(min(READ_SIZE, remaining))
        if not chunk:
            raise InvalidInput("body", _("The body ended before its Content-Length."), "body")
        remaining -= len(chunk)


def read_upload(request, settings: AttachmentSettings) -> Upload:
    """The files and fields of the request's multipart body, or a 4xx DeskError."""
    boundary = _boundary(request)
    length = _body_length(request, settings)
    # Without a length, read one byte past the limit at most.
    remaining = length if length is not None else settings.max_request_bytes + 1
    stream = request.environ["wsgi.input"]
    reader = _Reader(settings)
    try:
        parser = PushMultipartParser(
            boundary,
            content_length=-1 if length is None else length,
            max_segment_count=settings.max_per_ticket + len(TEXT_FIELDS) + 1,
            strict=True,
        )
        with parser:
            while not parser.closed:
                chunk = stream.read(min(READ_SIZE, remaining)) if remaining else b""
                remaining -= len(chunk)
                if length is None and not remaining:
                    raise _request_too_large(settings)
                # An empty chunk ends the input: the parser then checks that it is complete.
                for event in parser.parse(chunk):
                    if event is None:
                        reader.end()
                    elif isinstance(event, bytes | bytearray):
                        reader.data(event)
                    else:
                        reader.segment(event)
                if not chunk:
                    break
        if length is not None:
            _drain(stream, remaining)
    except ParserLimitReached as exc:
        reader.upload.close()
        raise InvalidInput(
            "body", _("The multipart body is too complex: ${error}.", mapping={"error": str(exc)})
        ) from exc
    except MultipartError as exc:
        reader.upload.close()
        raise InvalidInput(
            "body", _("Not a valid multipart body: ${error}.", mapping={"error": str(exc)})
        ) from exc
    except BaseException:
        reader.upload.close()
        raise
    if not reader.upload.files:
        reader.upload.close()
        raise InvalidInput(
            "file", _("Send at least one file (a part named 'file' with a filename).")
        )
    return reader.upload
