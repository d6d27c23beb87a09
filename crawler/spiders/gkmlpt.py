"""The reusable spider of gkmlpt portals (Guangdong's government information disclosure platform).

Lists come as JSON from ``/gkmlpt/api/all/{category}?page=N&sid=S`` over plain HTTP; an article
page is a shell whose script fetches the body and header and injects them, so every report page
is rendered in the browser (scrapy-playwright), waited on until its script has settled, and the
rendered DOM is parsed by the same parser and archived like any other page. A site subclass
states its base URL, site id and categories.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.browser import close_page, rendered
from crawler.items import ReportPage
from crawler.pages import ListedRecord, SiteChangedError, read_report
from crawler.platform_pages import GKMLPT_SETTLED, GkmlptList, gkmlpt_render_error
from crawler.spiders.hanweb import HanwebSpider
from parsers import parse_html

STAT = "gkmlpt"
# Crawl stats that mean the archive may be missing reports the portal lists.
PROBLEM_STATS: tuple[str, ...] = (
    f"{STAT}/site_changed",
    f"{STAT}/list_fetch_failures",
    f"{STAT}/categories_incomplete",
    f"{STAT}/categories_empty",
)


class GkmlptSpider(scrapy.Spider):
    """Base spider of gkmlpt portals; subclasses set ``name``, ``base_url``, ``sid``,
    ``categories``."""

    base_url: str = ""
    sid: str = ""
    categories: tuple[str, ...] = ()
    render_timeout_ms: ClassVar[int] = 30_000
    # The same title filter as Hanweb portals: annual disclosure reports, not notices about them.
    report_title: ClassVar[re.Pattern[str]] = HanwebSpider.report_title
    report_title_excludes: ClassVar[tuple[str, ...]] = HanwebSpider.report_title_excludes
    _is_report_title = HanwebSpider._is_report_title
    _parse_headers = HanwebSpider._parse_headers

    def __init__(self, *args: Any, base_url: str | None = None, categories: str | None = None,
                 sid: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = (base_url or type(self).base_url).rstrip("/")
        host = urlsplit(self.base_url).hostname
        if not host:
            raise ValueError(f"{type(self).__name__}: base_url {self.base_url!r} has no host name")
        if categories:
            self.categories = tuple(c.strip() for c in categories.split(",") if c.strip())
        if not self.categories:
            raise ValueError(f"{type(self).__name__}: no categories to crawl")
        self.sid = sid or type(self).sid
        self.allowed_domains = [host]
        self.total_by_category: dict[str, int] = {}
        self.listed_by_category: dict[str, int] = {}

    @property
    def portal(self) -> str:
        return urlsplit(self.base_url).netloc

    def _list_url(self, category: str, page: int) -> str:
        return f"{self.base_url}/gkmlpt/api/all/{category}?page={page}&sid={self.sid}"

    # ---- lists (plain HTTP) -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for category in self.categories:
            yield self._list_request(category, 1)

    def _list_request(self, category: str, page: int) -> Request:
        return Request(self._list_url(category, page), callback=self.parse_list,
                       errback=self.list_fetch_failed,
                       cb_kwargs={"category": category, "page": page})

    def parse_list(self, response: Response, category: str, page: int) -> Iterator[Request]:
        try:
            listing = GkmlptList.from_json(response.text, response.url)
        except SiteChangedError as exc:
            self._site_changed(str(exc))
            return
        for reason in listing.unreadable:
            self._site_changed(reason)
        if page == 1:
            self.total_by_category[category] = listing.total
            self.crawler.stats.inc_value(f"{STAT}/total_record", listing.total)
            if listing.total == 0:
                self.crawler.stats.inc_value(f"{STAT}/categories_empty")
                self.logger.error("category %s lists nothing (wrong category or sid?)", category)
            per_page = len(listing.records) + len(listing.unreadable)
            if per_page and listing.total > per_page:
                for later in range(2, math.ceil(listing.total / per_page) + 1):
                    yield self._list_request(category, later)
        yield from self._listed(listing.records, category)

    def _listed(self, records: Iterable[ListedRecord], category: str) -> Iterator[Request]:
        """Browser requests for the records that are annual reports; the rest are skipped."""
        stats = self.crawler.stats
        for record in records:
            self.listed_by_category[category] = self.listed_by_category.get(category, 0) + 1
            stats.inc_value(f"{STAT}/records_listed")
            if not self._is_report_title(record.title):
                stats.inc_value(f"{STAT}/non_reports_skipped")
                continue
            stats.inc_value(f"{STAT}/reports_listed")
            yield Request(
                record.url, callback=self.parse_report_page, errback=self.report_fetch_failed,
                cb_kwargs={"record": record, "category": category},
                meta=rendered(wait_until=GKMLPT_SETTLED, timeout_ms=self.render_timeout_ms),
            )

    # ---- report pages (rendered) --------------------------------------------------------------

    def parse_report_page(self, response: Response, record: ListedRecord,
                          category: str) -> Iterator[ReportPage | Request]:
        """A rendered article: parse the DOM the script built, keep it raw either way.

        A page whose script did not fill it is retried (Scrapy's retry budget), then archived
        raw as a failure, never as a version.
        """
        report = None
        error = gkmlpt_render_error(response.text)
        if error is not None:
            retry = get_retry_request(response.request, spider=self, reason="not_rendered")
            if retry is not None:
                retry.meta.pop("download_latency", None)
                yield retry
                return
        else:
            report, error = read_report(parse_html, response.text, response.url)
        if error is not None:
            self.crawler.stats.inc_value(f"{STAT}/report_pages_unreadable")
            self.logger.warning("report page %s kept raw, not parsed: %s", response.url, error)
        yield self._item(response, record, category, report, error)

    def _item(self, response: Response, record: ListedRecord | None, category: str | None,
              report: Any, error: str | None) -> ReportPage:
        return ReportPage(
            url=response.url, status=response.status, fetched_at=datetime.now(UTC),
            body=response.body, headers=self._parse_headers(response), report=report,
            error=error, listed_title=record.title if record else None,
            listed_date=record.date if record else None, column_id=category,
            flags=list(response.flags),
        )

    # ---- failures -----------------------------------------------------------------------------

    def list_fetch_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value(f"{STAT}/list_fetch_failures")
        self.logger.error("list page %s could not be fetched: %s", failure.request.url,
                          failure.getErrorMessage())

    async def report_fetch_failed(self, failure: Failure) -> AsyncIterator[ReportPage]:
        """A report page that could not be rendered (after retries): close its browser page;
        an HTTP error page is archived raw as a failure, anything else is counted and logged."""
        await close_page(failure)
        self.crawler.stats.inc_value(f"{STAT}/report_fetch_failures")
        request = failure.request
        self.logger.error("report page %s could not be rendered: %s", request.url,
                          failure.getErrorMessage()[:300])
        response = getattr(failure.value, "response", None)
        if isinstance(failure.value, HttpError) and response is not None:
            yield self._item(response, request.cb_kwargs.get("record"),
                             request.cb_kwargs.get("category"), None, f"HTTP {response.status}")

    def _site_changed(self, reason: str) -> None:
        self.crawler.stats.inc_value(f"{STAT}/site_changed")
        self.crawler.stats.set_value(f"{STAT}/site_changed_reason", reason)
        self.logger.error("site changed: %s", reason)

    def closed(self, reason: str) -> None:
        """Fewer records listed than a category announced is a loud error."""
        for category, total in self.total_by_category.items():
            listed = self.listed_by_category.get(category, 0)
            if listed < total:
                self.crawler.stats.inc_value(f"{STAT}/categories_incomplete")
                self.logger.error("category %s: listed %d of %d records", category, listed, total)
