"""Reading stored raw pages back, exactly as they were received (for ``reparse`` and audits)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from storage.models import RawPage


@dataclass(frozen=True)
class StoredPage:
    """One archived fetch; ``body`` is None when it was too large to keep."""

    id: int
    run_id: int | None
    url: str
    portal: str
    fetched_at: datetime
    http_status: int
    content_type: str | None
    body: bytes | None
    parser_version: str | None
    parse_error: str | None
    document_id: int | None
    version_id: int | None


def decompress(encoding: str, body: bytes | None) -> bytes | None:
    """The body as received from its stored form."""
    if body is None or encoding == "omitted":
        return None
    if encoding == "zlib":
        return zlib.decompress(body)
    raise ValueError(f"unknown body encoding {encoding!r}")


def iter_raw_pages(
    engine: Engine, *, failed_only: bool = False, status: int | None = 200, partition: int = 200
) -> Iterator[StoredPage]:
    """Stored fetches in id order, streamed; ``failed_only`` keeps those without a version."""
    pages = RawPage.__table__
    query = select(pages).order_by(pages.c.id)
    if failed_only:
        query = query.where(pages.c.version_id.is_(None))
    if status is not None:
        query = query.where(pages.c.http_status == status)
    fields = [name for name in StoredPage.__dataclass_fields__ if name != "body"]
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=partition).execute(query).mappings()
        for row in result:
            yield StoredPage(
                body=decompress(row["body_encoding"], row["body"]),
                **{name: row[name] for name in fields},
            )
