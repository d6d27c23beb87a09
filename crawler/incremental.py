"""What a spider asks the archive before it fetches: incremental and full crawls, for any platform.

A scheduled crawl must cost almost nothing when nothing changed. Lists are newest first, so in
the default ``incremental`` mode a spider pages a column only until one whole list page holds
no report it has not archived, and fetches only the reports it has not archived. ``full`` mode
(``-a mode=full``) pages every list and revisits every archived report with a conditional
request (If-None-Match / If-Modified-Since from the archive): edits are found, unchanged pages
answer 304 and are not downloaded again.

A listing is only trusted to stop early when the previous run of the spider listed its columns
to the end (or stopped at archived records itself): after a run was killed, blocked or failed
mid-list, the next run walks every list page again (fetching only what is missing), so an
interrupted run resumes cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

MODES: tuple[str, ...] = ("incremental", "full")
STAT = "incremental"
LISTING_COMPLETE = "hanweb/listing_complete"

logger = logging.getLogger(__name__)


class IncrementalCrawl:
    """Mixin for spiders that list records newest first: what to fetch, and when to stop paging.

    The spider calls ``open_archive_state()`` when it starts, ``unknown()`` to pick the records
    to fetch, ``page_is_known()`` to decide whether to page on, ``conditional()`` for request
    headers, and ``close_archive_state()`` when it closes. Without an archive
    (``ARCHIVE_ENABLED = False``) every record is new and nothing is conditional.
    """

    mode: str = "incremental"
    crawler: Any
    name: str

    def init_mode(self, mode: str | None) -> None:
        self.mode = (mode or "incremental").strip().lower()
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.started_at = datetime.now(UTC)
        self._archive: Any = None
        self.resume_listing = False
        self.previous_run: dict[str, Any] | None = None

    @property
    def stops_early(self) -> bool:
        """Whether list paging may stop at a page of archived records."""
        return self.mode == "incremental" and not self.resume_listing and self._archive is not None

    def open_archive_state(self, portal: str) -> None:
        """Read what the archive knows: the previous run of this spider, and archived URLs."""
        settings = self.crawler.settings
        stats = self.crawler.stats
        stats.set_value(f"{STAT}/mode", self.mode)
        if not settings.getbool("ARCHIVE_ENABLED", True):
            return
        from storage.archive import Archive

        self._archive = Archive.open(settings.get("DATABASE_URL") or None)
        self.previous_run = self._archive.previous_run(self.name, portal, self.started_at)
        previous = self.previous_run
        if previous is None:
            return
        previous_stats = previous.get("stats") or {}
        stats.set_value("previous/run_id", previous["id"])
        stats.set_value("previous/reports_listed", previous.get("reports_listed") or
                        previous_stats.get("hanweb/reports_listed", 0))
        for key, value in previous_stats.items():
            if key.startswith("hanweb/column_total/"):
                stats.set_value("previous/" + key.removeprefix("hanweb/"), value)
        complete = previous.get("status") == "finished" and previous_stats.get(LISTING_COMPLETE)
        if self.mode == "incremental" and not complete:
            self.resume_listing = True
            stats.set_value(f"{STAT}/resumed_listing", 1)
            logger.warning("run %s did not list every column to the end (%s): listing them all",
                           previous["id"], previous.get("status"))

    def close_archive_state(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def unknown(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` not archived as a version yet (every one without an archive)."""
        wanted = set(urls)
        if self._archive is None or not wanted:
            return wanted
        return wanted - self._archive.known_urls(wanted)

    def page_is_known(self, report_urls: list[str], unknown: set[str]) -> bool:
        """A list page whose reports are all archived: older pages were archived before it."""
        return bool(report_urls) and not unknown.intersection(report_urls)

    def conditional(self, url: str) -> dict[str, str]:
        """Validators for revisiting an archived page in full mode, else no headers."""
        if self.mode != "full" or self._archive is None:
            return {}
        return self._archive.conditional_headers(url)
