"""Where a file's bytes live, behind one small interface, and its two implementations.

``put`` stores a file under a key, ``read`` streams a byte range back, ``delete`` removes
it. Keys are chosen by ``desk.attachments.files`` (content addresses, never filenames).

- ``DatabaseStorage`` (``desk.attachments.storage = postgresql``, the default): fixed-size
  chunk rows in ``attachment_chunks``, written in the request's transaction, so that a
  failed upload leaves nothing behind and a database backup holds every file.
- ``S3Storage`` (``s3``): an S3-compatible object store through boto3; credentials come
  from the environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, or any source
  boto3 reads). Not transactional: ``desk.attachments.files`` removes what a failed
  transaction left.
"""

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..exceptions import DeskError
from ..i18n import _
from ..models import AttachmentChunk
from .config import AttachmentSettings

#: Bytes per chunk row, and per piece of a streamed download.
CHUNK_SIZE = 256 * 1024


class StorageUnavailable(DeskError):
    """The store did not answer (S3 down or refusing): the request fails cleanly."""

    status = 503
    slug = "storage-unavailable"
    title = _("Service Unavailable")


class Storage(Protocol):
    #: Whether ``put`` and ``delete`` commit or roll back with the request's transaction.
    transactional: bool

    def put(self, dbsession: Session, key: str, source: BinaryIO) -> None:
        """Store ``source`` (read to its end, a chunk at a time) under ``key``."""

    def read(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``stop`` (exclusive) of the file under ``key``, in pieces."""

    def delete(self, dbsession: Session, key: str) -> None:
        """Remove the file under ``key``, if it is there."""


class DatabaseStorage:
    """Bytes in ``attachment_chunks`` rows of ``chunk_size`` bytes, keyed by (key, seq)."""

    transactional = True

    def __init__(self, engine: Engine, chunk_size: int = CHUNK_SIZE):
        self.engine = engine
        self.chunk_size = chunk_size

    def put(self, dbsession: Session, key: str, source: BinaryIO) -> None:
        seq = 0
        while block := source.read(self.chunk_size):
            # One INSERT per chunk: the session never holds more than one chunk.
            dbsession.execute(insert(AttachmentChunk), [{"key": key, "seq": seq, "data": block}])
            seq += 1

    def read(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        """Reads only the chunks the range covers, each with its own short connection
        checkout, so that a slow client holds no database connection between chunks."""
        if stop <= start:
            return
        size = self.chunk_size
        first, last = start // size, (stop - 1) // size
        for seq in range(first, last + 1):
            query = select(AttachmentChunk.data).where(
                AttachmentChunk.key == key, AttachmentChunk.seq == seq
            )
            with self.engine.connect() as connection:
                data = connection.execute(query).scalar_one_or_none()
            if data is None:  # deleted meanwhile: the response ends short
                return
            low = start - seq * size if seq == first else 0
            high = stop - seq * size if seq == last else len(data)
            yield bytes(data[low:high])

    def delete(self, dbsession: Session, key: str) -> None:
        dbsession.execute(delete(AttachmentChunk).where(AttachmentChunk.key == key))


class S3Storage:
    """Objects in one bucket of an S3-compatible store."""

    transactional = False

    def __init__(self, client, bucket: str, chunk_size: int = CHUNK_SIZE):
        from boto3.s3.transfer import TransferConfig

        self.client = client
        self.bucket = bucket
        self.chunk_size = chunk_size
        # In the request's thread, in parts of 8 MiB: memory stays bounded per upload.
        self.transfer = TransferConfig(use_threads=False)

    @classmethod
    def from_settings(cls, settings: AttachmentSettings) -> "S3Storage":
        import boto3
        from botocore.config import Config

        # A request waits for the store a few seconds at most, then answers 503.
        config = Config(
            connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}
        )
        client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint, region_name=settings.s3_region, config=config
        )
        return cls(client, settings.s3_bucket)

    def put(self, dbsession: Session, key: str, source: BinaryIO) -> None:
        self.client.upload_fileobj(source, self.bucket, key, Config=self.transfer)

    def read(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        if stop <= start:
            return
        answer = self.client.get_object(
            Bucket=self.bucket, Key=key, Range=f"bytes={start}-{stop - 1}"
        )
        body = answer["Body"]
        try:
            yield from body.iter_chunks(self.chunk_size)
        finally:
            body.close()

    def delete(self, dbsession: Session, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def make_storage(settings: AttachmentSettings, engine: Engine) -> Storage:
    if settings.storage == "s3":
        return S3Storage.from_settings(settings)
    return DatabaseStorage(engine)
