"""The archive's face to the crawler: open, start a run, record fetched pages, finish the run.

``record`` only prepares and buffers; ``flush`` writes the buffer in ONE transaction (see
``storage.writer``), so a crawl killed at any moment leaves whole reports or none, and the next
run refetches what was lost. Flushes happen every ``batch_size`` records, when the oldest buffered
record is ``max_delay`` seconds old, and on ``finish_run``/``close``.

    archive = Archive.open()                      # $DATABASE_URL, else sqlite:///archive.db
    run_id = archive.start_run("hangzhou", "www.hangzhou.gov.cn")
    archive.record(run_id, FetchedPage(url, 200, fetched_at, body, headers), report)
    summary = archive.finish_run(run_id, stats)
    archive.close()
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from importlib import metadata
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError

from parsers.report import Report
from storage.database import WRITE_OPTION, display_url, open_engine
from storage.models import CrawlRun, Document, RawPage
from storage.pending import (
    DEFAULT_MAX_BODY_BYTES,
    FetchedPage,
    PendingRecord,
    canonical_url,
    normalise_index_no,
    prepare,
)
from storage.writer import write_batch

__all__ = ["Archive", "FetchedPage", "RunSummary"]

_RETRYABLE_PGCODES = {"40001", "40P01"}  # serialization failure, deadlock detected
_RETRIES = 5


def current_parser_version() -> str:
    """``parsers.PARSER_VERSION`` when the parser declares one, else the package version."""
    import parsers

    declared = getattr(parsers, "PARSER_VERSION", None)
    if declared:
        return str(declared)
    try:
        return f"disclosure-archive {metadata.version('disclosure-archive')}"
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class RunSummary:
    """What one crawl run added to the archive.

    ``new_versions`` counts every version created, a new document's first one included;
    ``edited_documents`` counts the versions that changed a document archived before.
    ``unchanged`` counts fetches whose content was already archived (also 304 answers);
    ``failures`` fetches kept raw only; ``check_failures`` archived fetches with a failed sum.
    """

    run_id: int
    spider: str
    portal: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    pages: int
    new_documents: int
    new_versions: int
    edited_documents: int
    unchanged: int
    reposts: int
    failures: int
    check_failures: int

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("started_at", "finished_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out

    def __str__(self) -> str:
        return (
            f"run {self.run_id} ({self.spider} on {self.portal}, {self.status}): "
            f"{self.pages} pages, {self.new_documents} new documents, "
            f"{self.new_versions} new versions ({self.edited_documents} edits), "
            f"{self.unchanged} unchanged, {self.reposts} reposts linked, "
            f"{self.failures} failures, {self.check_failures} with failed checks"
        )


class Archive:
    """A handle on the archive database for one writer (one process or thread)."""

    def __init__(
        self,
        engine: Engine,
        *,
        batch_size: int = 100,
        max_delay: float = 5.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        parser_version: str | None = None,
    ) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.max_body_bytes = max_body_bytes
        self.parser_version = parser_version or current_parser_version()
        self._buffer: list[PendingRecord] = []
        self._oldest: float | None = None

    @classmethod
    def open(cls, database_url: str | None = None, **options: Any) -> Archive:
        """Open (and create if missing) the archive at ``database_url``, ``$DATABASE_URL`` or
        ``sqlite:///archive.db``. Options: batch_size, max_delay, max_body_bytes, parser_version.
        """
        return cls(open_engine(database_url, create=True), **options)

    def __repr__(self) -> str:
        return f"Archive({display_url(self.engine.url)!r})"

    # -- runs ------------------------------------------------------------------------------

    def start_run(self, spider: str, portal: str) -> int:
        """Record the start of a crawl; returns the run id to pass to ``record``."""
        with self._write() as connection:
            return int(
                connection.execute(
                    CrawlRun.__table__.insert()
                    .values(spider=spider, portal=portal, started_at=datetime.now(UTC),
                            status="running")
                    .returning(CrawlRun.__table__.c.id)
                ).scalar_one()
            )

    def finish_run(
        self, run_id: int, stats: dict[str, Any] | None = None, *, status: str = "finished"
    ) -> RunSummary:
        """Flush, mark the run finished (or ``failed``) with the crawler's stats; its summary."""
        self.flush()
        runs = CrawlRun.__table__
        with self._write() as connection:
            connection.execute(
                update(runs).where(runs.c.id == run_id).values(
                    finished_at=datetime.now(UTC), status=status,
                    stats=_jsonable(stats) if stats is not None else None,
                )
            )
        return self.run_summary(run_id)

    def run_summary(self, run_id: int) -> RunSummary:
        """The counts of a run as committed so far."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(CrawlRun.__table__).where(CrawlRun.__table__.c.id == run_id)
            ).mappings().one_or_none()
        if row is None:
            raise KeyError(f"no crawl run {run_id}")
        return RunSummary(run_id=row["id"], **{
            f.name: row[f.name] for f in fields(RunSummary) if f.name != "run_id"
        })

    # -- recording -------------------------------------------------------------------------

    def record(
        self,
        run_id: int,
        page: FetchedPage,
        report: Report | dict[str, Any] | None,
        error: str | None = None,
        *,
        parser_version: str | None = None,
    ) -> None:
        """Buffer one fetched report page with what the parser made of it.

        A version is archived only from a complete 200 page with a report and no error; anything
        else keeps the raw page with the reason, for ``reparse`` to retry later.
        """
        pending = prepare(
            run_id, page, report, error, parser_version or self.parser_version,
            self.max_body_bytes,
        )
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(pending)
        if len(self._buffer) >= self.batch_size or (
            self._oldest is not None and time.monotonic() - self._oldest >= self.max_delay
        ):
            self.flush()

    @property
    def pending(self) -> int:
        """Records buffered and not yet written."""
        return len(self._buffer)

    def flush(self) -> None:
        """Write the buffer in one transaction; on error nothing is written and it stays buffered."""
        if not self._buffer:
            return
        batch = list(self._buffer)
        for attempt in range(_RETRIES):
            try:
                with self._write() as connection:
                    write_batch(connection, batch)
                break
            except DBAPIError as error:
                code = getattr(error.orig, "sqlstate", None)
                if code not in _RETRYABLE_PGCODES or attempt == _RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        del self._buffer[: len(batch)]
        self._oldest = time.monotonic() if self._buffer else None

    # -- questions an incremental crawl asks -----------------------------------------------

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` already archived as a version (buffered records included).

        Pages that failed are not "known": an incremental crawl must fetch them again.
        """
        wanted = list(dict.fromkeys(urls))
        known = {r.url for r in self._buffer if r.outcome != "failure" and r.url in set(wanted)}
        pages = RawPage.__table__
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                known.update(
                    connection.execute(
                        select(pages.c.url).distinct()
                        .where(pages.c.url.in_(chunk), pages.c.version_id.is_not(None))
                    ).scalars()
                )
        return known

    def has_document(self, key: str) -> bool:
        """Whether a document with this index number (or canonical URL) is archived."""
        candidates = {normalise_index_no(key) or key, canonical_url(key) if "://" in key else key}
        documents = Document.__table__
        with self.engine.connect() as connection:
            found = connection.execute(
                select(documents.c.id).where(documents.c.key.in_(candidates)).limit(1)
            ).first()
        return found is not None or any(r.key in candidates for r in self._buffer)

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for re-fetching ``url``, from its last archived fetch."""
        pages = RawPage.__table__
        with self.engine.connect() as connection:
            row = connection.execute(
                select(pages.c.etag, pages.c.last_modified)
                .where(pages.c.url == url, pages.c.version_id.is_not(None),
                       pages.c.http_status == 200)
                .order_by(pages.c.fetched_at.desc()).limit(1)
            ).first()
        headers: dict[str, str] = {}
        if row is not None and row.etag:
            headers["If-None-Match"] = row.etag
        if row is not None and row.last_modified:
            headers["If-Modified-Since"] = row.last_modified
        return headers

    def previous_run(self, spider: str, portal: str, started_before: datetime) -> dict[str, Any] | None:
        """The last run of ``spider`` on ``portal`` before this one (see ``storage.runs``)."""
        from storage.runs import previous_run

        with self.engine.connect() as connection:
            return previous_run(connection, spider, portal, started_before)

    def record_outcome(self, run_id: int, **values: Any) -> None:
        """Set a run's outcome (mode, requests, alarms, exit code…; see ``storage.runs``)."""
        from storage.runs import record_outcome

        if "stats" in values and values["stats"] is not None:
            values["stats"] = _jsonable(values["stats"])
        with self._write() as connection:
            record_outcome(connection, run_id, **values)

    def mark_interrupted(self, spider: str, portal: str | None = None,
                         reason: str = "interrupted: the run never finished") -> list[int]:
        """Mark this spider's runs left 'running' by a crash or kill as failed; their ids."""
        from storage.runs import mark_interrupted

        with self._write() as connection:
            return mark_interrupted(connection, spider, portal, reason)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Flush what is buffered and release the database."""
        try:
            self.flush()
        finally:
            self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, taking the write lock up front (see storage.database)."""
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
            with connection.begin():
                yield connection


def _jsonable(value: Any) -> Any:
    """Crawler stats as JSON: datetimes and other objects become strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
