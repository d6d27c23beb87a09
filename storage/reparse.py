"""Re-running the current parser over the stored raw pages, so parser fixes reach old crawls.

Each stored 200 page that was parsed before, or failed for a reason of the parser's ("not a
report", "parse error", "no report parsed"), is decoded as the crawler decodes it (HTTP charset,
BOM, ``<meta>``, w3lib's detection: what Scrapy's ``response.text`` does) and parsed again:

- same content hash as its stored version: only the page's ``parser_version`` is updated;
- different content (or a page that failed and now parses): written through the archive writer
  as a new version (the page is re-pointed at it, not stored again), so documents, current
  versions, reposts, cells, checks and the search index follow exactly as for a crawl;
- still failing: the page keeps no version and gets the current parser's error and version;
- parsed before but failing now: the stored version is kept, the page counted as a regression.

Pages that failed for reasons outside the parser (HTTP errors, truncated or oversized bodies)
are left alone. Running it twice changes nothing the second time. Work is written in batches,
one transaction each, recorded as a crawl run of spider ``reparse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Engine, bindparam, func, select, update

from storage.archive import Archive, current_parser_version
from storage.models import RawPage, Version
from storage.pending import FetchedPage, PendingRecord, prepare
from storage.raw import StoredPage, iter_raw_pages
from storage.writer import write_batch

PARSER_ERRORS: tuple[str, ...] = ("not a report", "parse error", "no report parsed")
BATCH = 200

raw_pages = RawPage.__table__


@dataclass
class ReparseSummary:
    """What one reparse did, in pages and documents."""

    pages: int = 0  # pages parsed again
    unchanged: int = 0  # pages whose content hash is that of their stored version
    changed_pages: int = 0  # pages that had a version and now give different content
    changed_reports: int = 0  # documents that got a new version from such pages
    newly_parsed: int = 0  # pages that had failed and now give a report
    still_failing: int = 0  # pages that had failed and still do
    now_failing: int = 0  # pages that had a version and now fail (the version is kept)
    _documents: set[int] = field(default_factory=set, repr=False)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def __str__(self) -> str:
        return (
            f"re-parsed {self.pages} pages: {self.changed_reports} reports changed "
            f"({self.changed_pages} pages), {self.newly_parsed} newly parsed, "
            f"{self.still_failing} still fail, {self.unchanged} unchanged"
            + (f", {self.now_failing} parsed before but fail now (versions kept)"
               if self.now_failing else "")
        )


def parse_stored(page: StoredPage) -> tuple[Any, str | None]:
    """(report, None) or (None, error) for a stored body, as the spider reports them."""
    from w3lib.encoding import html_to_unicode

    from parsers import parse_report
    from parsers.errors import NotAReportError, ParseError

    assert page.body is not None
    _, text = html_to_unicode(page.content_type, page.body)
    try:
        return parse_report(text, url=page.url), None
    except NotAReportError as exc:
        return None, f"not a report: {exc}"
    except ParseError as exc:
        return None, f"parse error: {exc}"


def reparsable(page: StoredPage) -> bool:
    """Parsed before, or failed because of the parser (not of the fetch)."""
    if page.body is None:
        return False
    if page.version_id is not None:
        return True
    return (page.parse_error or "").startswith(PARSER_ERRORS)


def reparse(
    engine: Engine,
    *,
    only_failed: bool = False,
    limit: int | None = None,
    parser_version: str | None = None,
    progress: Callable[[Iterator[StoredPage]], Iterator[StoredPage]] | None = None,
    batch: int = BATCH,
) -> ReparseSummary:
    """Parse the stored pages again and archive what changed; the counts of what happened."""
    version = parser_version or current_parser_version()
    summary = ReparseSummary()
    archive = Archive(engine, parser_version=version)
    run_id = archive.start_run("reparse", "*")
    pages = (p for p in iter_raw_pages(engine, failed_only=only_failed) if reparsable(p))
    if limit is not None:
        pages = (p for n, p in zip(range(limit), pages))
    if progress is not None:
        pages = progress(pages)
    chunk: list[StoredPage] = []
    status = "failed"
    try:
        for page in pages:
            chunk.append(page)
            if len(chunk) >= batch:
                _reparse_chunk(archive, run_id, version, chunk, summary)
                chunk = []
        _reparse_chunk(archive, run_id, version, chunk, summary)
        status = "finished"
    finally:
        archive.finish_run(run_id, {"reparse": summary.as_dict()}, status=status)
    return summary


def _reparse_chunk(
    archive: Archive, run_id: int, version: str, chunk: list[StoredPage], summary: ReparseSummary
) -> None:
    if not chunk:
        return
    records: list[tuple[StoredPage, PendingRecord]] = []
    # A version a later 304 confirmed was current until then: its re-read replaces it as of then.
    with archive.engine.connect() as connection:
        confirmed = dict(connection.execute(
            select(raw_pages.c.version_id, func.max(raw_pages.c.fetched_at))
            .where(raw_pages.c.version_id.in_([p.version_id for p in chunk if p.version_id]),
                   raw_pages.c.http_status == 304)
            .group_by(raw_pages.c.version_id)
        ).all())
    for page in chunk:
        report, error = parse_stored(page)
        seen = max(page.fetched_at, confirmed.get(page.version_id) or page.fetched_at)
        fetched = FetchedPage(url=page.url, status=page.http_status, fetched_at=seen,
                              body=page.body or b"", portal=page.portal,
                              headers={"Content-Type": page.content_type or ""})
        record = prepare(run_id, fetched, report, error, version)
        record.raw_page_id = page.id
        records.append((page, record))
    with archive._write() as connection:
        stored = dict(connection.execute(
            select(Version.id, Version.content_hash)
            .where(Version.id.in_([p.version_id for p in chunk if p.version_id is not None]))
        ).all())
        new: list[PendingRecord] = []
        touched: list[dict[str, Any]] = []
        for page, record in records:
            summary.pages += 1
            if page.version_id is not None:
                if record.failed:
                    summary.now_failing += 1
                    touched.append({"row_id": page.id, "error": None})
                elif record.content_hash == stored.get(page.version_id):
                    summary.unchanged += 1
                    touched.append({"row_id": page.id, "error": None})
                else:
                    summary.changed_pages += 1
                    new.append(record)
                    if page.document_id is not None:
                        summary._documents.add(page.document_id)
            elif record.failed:
                summary.still_failing += 1
                touched.append({"row_id": page.id, "error": record.page_row["parse_error"]})
            else:
                summary.newly_parsed += 1
                new.append(record)
        if new:
            write_batch(connection, new)
        if touched:
            connection.execute(
                update(raw_pages).where(raw_pages.c.id == bindparam("row_id")).values(
                    parser_version=version,
                    parse_error=_keep_or(raw_pages.c.parse_error, bindparam("error")),
                ),
                touched,
            )
        summary.changed_reports = len(summary._documents)


def _keep_or(column: Any, value: Any) -> Any:
    """The new error where one is given; pages that keep their version keep parse_error NULL."""
    return func.coalesce(value, column)
