"""The ``desk.attachments.*`` settings, parsed once into a frozen value."""

from dataclasses import dataclass

from pyramid.settings import aslist

MIB = 1024 * 1024

#: What is accepted unless the ini says otherwise: images, PDF, text, office documents and
#: archives. Executables, scripts and HTML are not among them.
DEFAULT_ALLOWED_TYPES = (
    "image/png image/jpeg image/gif image/webp image/svg+xml image/bmp image/tiff "
    "application/pdf text/plain text/csv "
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document "
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
    "application/vnd.openxmlformats-officedocument.presentationml.presentation "
    "application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet "
    "application/vnd.oasis.opendocument.presentation "
    "application/zip application/gzip application/x-7z-compressed application/x-tar"
)

DEFAULTS = {
    "desk.attachments.storage": "postgresql",
    "desk.attachments.max_bytes": str(10 * MIB),
    "desk.attachments.max_request_bytes": str(25 * MIB),
    "desk.attachments.max_per_ticket": "50",
    "desk.attachments.allowed_types": DEFAULT_ALLOWED_TYPES,
    "desk.attachments.s3.endpoint": "",
    "desk.attachments.s3.bucket": "",
    "desk.attachments.s3.region": "",
}

STORAGES = ("postgresql", "s3")


@dataclass(frozen=True)
class AttachmentSettings:
    storage: str
    #: The largest file accepted.
    max_bytes: int
    #: The largest upload request (several files, their part headers and boundaries).
    max_request_bytes: int
    max_per_ticket: int
    allowed_types: frozenset[str]
    s3_endpoint: str | None
    s3_bucket: str
    s3_region: str | None

    @classmethod
    def from_settings(cls, settings: dict) -> "AttachmentSettings":
        value = {**DEFAULTS, **{k: v for k, v in settings.items() if v not in (None, "")}}
        storage = value["desk.attachments.storage"].strip().lower()
        if storage not in STORAGES:
            raise ValueError(f"desk.attachments.storage must be one of {', '.join(STORAGES)}")
        parsed = cls(
            storage=storage,
            max_bytes=int(value["desk.attachments.max_bytes"]),
            max_request_bytes=int(value["desk.attachments.max_request_bytes"]),
            max_per_ticket=int(value["desk.attachments.max_per_ticket"]),
            allowed_types=frozenset(
                t.lower() for t in aslist(value["desk.attachments.allowed_types"])
            ),
            s3_endpoint=value["desk.attachments.s3.endpoint"] or None,
            s3_bucket=value["desk.attachments.s3.bucket"],
            s3_region=value["desk.attachments.s3.region"] or None,
        )
        if parsed.storage == "s3" and not parsed.s3_bucket:
            raise ValueError("desk.attachments.storage = s3 needs desk.attachments.s3.bucket")
        if min(parsed.max_bytes, parsed.max_request_bytes, parsed.max_per_ticket) < 1:
            raise ValueError("desk.attachments.max_* must be positive")
        return parsed
