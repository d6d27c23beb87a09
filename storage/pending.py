"""One recorded fetch, prepared for writing: keys, hashes, compressed body and long-form rows.

All the CPU work (hashing, compressing, flattening tables) happens here, when the crawler hands
a page over, so the write transaction only talks to the database. A record is one of:

- ``version``: a 200 page with a parsed report, to be archived as a version of its document;
- ``not_modified``: a 304 answer to a conditional request: the stored version was seen again;
- ``failure``: anything else (parse error, non-200, truncated, oversized, no report): the raw
  page is kept with the reason, and no version is made from it.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

from parsers.report import Report
from storage.cells import CellRow, CheckRow, cell_rows, check_rows
from storage.fingerprint import fingerprints

Outcome = Literal["version", "not_modified", "failure"]

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
# zlib level 3: 10x smaller report pages at a third of the CPU time of the default level 6.
COMPRESSION_LEVEL = 3
_HEADER_COLUMNS = {"content-type": "content_type", "last-modified": "last_modified", "etag": "etag"}
_HEADER_LIMITS = {"content_type": 255, "last_modified": 64, "etag": 255}


@dataclass(frozen=True)
class FetchedPage:
    """A report page as the crawler received it.

    ``body`` is the raw bytes (after transfer decoding); ``flags`` are the response's flags, where
    Scrapy's ``dataloss`` marks a body cut short; ``portal`` defaults to the URL's host.
    """

    url: str
    status: int
    fetched_at: datetime
    body: bytes
    headers: Mapping[str, str] | None = None
    portal: str | None = None
    flags: tuple[str, ...] = ()


@dataclass
class PendingRecord:
    run_id: int
    outcome: Outcome
    url: str
    fetched_at: datetime
    page_row: dict[str, Any]  # raw_pages values except ids
    # Set for outcome == "version":
    key: str | None = None
    key_kind: str | None = None
    index_no: str | None = None
    canonical_url: str | None = None
    content_hash: str | None = None
    tables_hash: str | None = None
    version_row: dict[str, Any] = field(default_factory=dict)
    cells: list[CellRow] = field(default_factory=list)
    checks: list[CheckRow] = field(default_factory=list)
    # Set by reparse: the stored raw page this record re-reads (updated, not inserted again).
    raw_page_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failure"

    @property
    def has_failed_checks(self) -> bool:
        return self.version_row.get("checks_failed", 0) > 0


def canonical_url(url: str) -> str:
    """The URL a document falls back to as its key: no fragment, sorted query, lower-case host."""
    return canonicalize_url(url, keep_fragments=False)


def normalise_index_no(index_no: str | None) -> str | None:
    """索引号 as a key: full-width forms folded, whitespace removed."""
    if index_no is None:
        return None
    folded = "".join(unicodedata.normalize("NFKC", index_no).split())
    return folded or None


def _header_columns(headers: Mapping[str, str] | None) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys(_HEADER_COLUMNS.values())
    for name, value in (headers or {}).items():
        column = _HEADER_COLUMNS.get(name.lower())
        if column is not None:
            found[column] = str(value)[: _HEADER_LIMITS[column]]
    return found


def _truncation(page: FetchedPage) -> str | None:
    """Why the body is known to be incomplete, or None."""
    if "dataloss" in page.flags or "truncated" in page.flags:
        return "truncated response (connection closed before the whole body arrived)"
    headers = {k.lower(): v for k, v in (page.headers or {}).items()}
    length = headers.get("content-length")
    if length and not headers.get("content-encoding") and str(length).strip().isdigit():
        if len(page.body) < int(length):
            return f"truncated response: {len(page.body)} of {int(length)} bytes"
    return None


def failure_reason(
    page: FetchedPage, report: Report | None, error: str | None, max_body_bytes: int
) -> str | None:
    """Why this fetch must not become a version, or None if it may."""
    if error:
        return error
    if page.status != 200:
        return f"HTTP {page.status}"
    if len(page.body) > max_body_bytes:
        return f"oversized response: {len(page.body)} bytes > {max_body_bytes}"
    truncated = _truncation(page)
    if truncated:
        return truncated
    if report is None:
        return "no report parsed from the page"
    return None


def prepare(
    run_id: int,
    page: FetchedPage,
    report: Report | dict[str, Any] | None,
    error: str | None,
    parser_version: str,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> PendingRecord:
    """Turn one fetch into the rows it will add; raises on input that cannot be archived."""
    if page.fetched_at.tzinfo is None:
        raise ValueError(f"fetched_at of {page.url} is naive; pass an aware datetime")
    if isinstance(report, dict):
        report = Report.from_dict(report)
    oversized = len(page.body) > max_body_bytes
    not_modified = page.status == 304 and not error
    reason = None if not_modified else failure_reason(page, report, error, max_body_bytes)
    outcome: Outcome = "not_modified" if not_modified else ("failure" if reason else "version")
    page_row: dict[str, Any] = {
        "run_id": run_id,
        "url": page.url,
        "portal": page.portal or urlsplit(page.url).hostname or "",
        "fetched_at": page.fetched_at,
        "http_status": page.status,
        **_header_columns(page.headers),
        "body_size": len(page.body),
        "body_sha256": hashlib.sha256(page.body).hexdigest(),
        "body_encoding": "omitted" if oversized else "zlib",
        "body": None if oversized else zlib.compress(page.body, COMPRESSION_LEVEL),
        "parser_version": parser_version if report is not None or error else None,
        "parse_error": reason,
        "document_id": None,
        "version_id": None,
    }
    record = PendingRecord(run_id, outcome, page.url, page.fetched_at, page_row)
    if outcome != "version":
        return record
    assert report is not None
    index_no = normalise_index_no(report.header.index_no)
    record.canonical_url = canonical_url(page.url)
    record.index_no = index_no
    record.key, record.key_kind = (index_no, "index_no") if index_no else (record.canonical_url, "url")
    record.content_hash, record.tables_hash = fingerprints(report)
    record.version_row = {
        "content_hash": record.content_hash,
        "tables_hash": record.tables_hash,
        "parser_version": parser_version,
        "title": report.title,
        "agency": report.agency,
        "year": report.year,
        "template": report.template,
        "publish_date": report.header.publish_date,
        "checks_failed": len(report.failed_checks),
        "report": report.to_dict(),
    }
    record.cells = list(cell_rows(report))
    record.checks = list(check_rows(report))
    return record
