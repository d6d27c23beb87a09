"""The archive pipeline: every fetched report page goes to the archive, feeds get the report.

Raw pages are recorded untouched beside what was parsed from them; a page that could not be
read as a report is still recorded (with its error) and dropped from feeds, so ``-O
reports.jsonl`` holds exactly the ``disclosure-report/1`` documents of the crawl.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ReportPage

logger = logging.getLogger(__name__)

STAT = "archive"

# Signal: commit what the archive has buffered now. Receivers return how many records are
# still uncommitted (0: everything recorded so far is in the database). Sent by components
# that must not act before a record is durable (crawler.distributed acknowledges requests).
archive_flush = object()


class ArchivePipeline:
    """Records ``ReportPage`` items in the archive (``DATABASE_URL``) and yields their report dict.

    The archive buffers and batches its writes in transactions; the run's counts are written
    when the spider closes and copied into the crawl stats as ``archive/<count>``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("ARCHIVE_ENABLED", True)
        self.database_url: str | None = crawler.settings.get("DATABASE_URL") or None
        self.archive: Any = None
        self.run_id: Any = None
        self.portal: str | None = None
        self.uncommitted = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.commit, signal=archive_flush)
        return pipeline

    def commit(self) -> int:
        """Write the archive's buffer now; records left uncommitted (0 when all are written)."""
        if self.archive is None:
            return self.uncommitted
        self.archive.flush()
        return int(self.archive.pending)

    def open_spider(self) -> None:
        if not self.enabled:
            return
        from storage.archive import Archive  # imported here: feeds-only crawls never need it

        spider = self.crawler.spider
        assert spider is not None
        self.portal = getattr(spider, "portal", None) or spider.name
        # Nothing larger than the downloader accepts may become a version.
        settings = self.crawler.settings
        options: dict[str, Any] = {}
        if settings.getint("DOWNLOAD_MAXSIZE"):
            options["max_body_bytes"] = settings.getint("DOWNLOAD_MAXSIZE")
        if settings.getint("ARCHIVE_BATCH_SIZE"):
            options["batch_size"] = settings.getint("ARCHIVE_BATCH_SIZE")
        if settings.getfloat("ARCHIVE_MAX_DELAY"):
            options["max_delay"] = settings.getfloat("ARCHIVE_MAX_DELAY")
        self.archive = Archive.open(self.database_url, **options)
        self.run_id = self.archive.start_run(spider.name, self.portal)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportPage):
            return item
        if self.archive is not None:
            self._record(item)
        if item.status == 304:
            raise DropItem(f"{item.url}: not modified since archived", log_level="DEBUG")
        if item.report is None:
            raise DropItem(f"{item.url}: not archived as a report ({item.error})")
        return item.report.to_dict()

    def _record(self, item: ReportPage) -> None:
        from storage.archive import FetchedPage

        page = FetchedPage(
            url=item.url,
            status=item.status,
            fetched_at=item.fetched_at,
            body=item.body,
            headers=item.headers,
            portal=self.portal,
            flags=tuple(item.flags),
        )
        self.archive.record(self.run_id, page, item.report, error=item.error)
        self.crawler.stats.inc_value(f"{STAT}/pages_recorded")

    def close_spider(self) -> None:
        if self.archive is None:
            return
        try:
            self.archive.flush()
            stats = self.crawler.stats.get_stats()
            summary = self.archive.finish_run(self.run_id, stats)
            for name, value in summary.as_dict().items():
                if isinstance(value, int) and name != "run_id":
                    self.crawler.stats.set_value(f"{STAT}/{name}", value)
            self.crawler.stats.set_value(f"{STAT}/run_id", summary.run_id)
            logger.info("archive run %s: %s", self.run_id, summary)
        finally:
            archive, self.archive = self.archive, None
            try:
                archive.close()
            finally:
                self.uncommitted = archive.pending  # what a failed last write left unsaved
