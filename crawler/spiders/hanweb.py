"""The reusable spider of Hanweb (大汉 JCMS) portals: column lists in, annual reports out.

A Hanweb column page embeds its first records in ``<datastore>`` and names the form fields of
its list in ``var param_{unitid}``; later records come from ``POST /module/jpage/dataproxy.jsp``
in 1-based inclusive windows, three pages per call as the browser asks. A site subclass states
its base URL and column ids (and, where known, webid/unitid/webname); everything else is here,
in small ``_parse_…``/``_…`` hooks a subclass can override.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.incremental import LISTING_COMPLETE, IncrementalCrawl
from crawler.items import ReportPage
from crawler.pages import (
    ColumnPage,
    DataproxyPage,
    ListedRecord,
    SiteChangedError,
    article_completeness_error,
    read_report,
)
from parsers import parse_report

STAT = "hanweb"
# Crawl stats that mean the archive may be missing reports the portal lists.
PROBLEM_STATS: tuple[str, ...] = (
    f"{STAT}/site_changed",
    f"{STAT}/list_fetch_failures",
    f"{STAT}/window_mismatch",
    f"{STAT}/columns_incomplete",
)


class HanwebSpider(IncrementalCrawl, scrapy.Spider):
    """Base spider of Hanweb JCMS portals; subclasses set ``name``, ``base_url``, ``column_ids``.

    Incremental by default (see ``crawler.incremental``): ``-a mode=full`` revisits every report.
    """

    base_url: str = ""
    column_ids: tuple[str, ...] = ()
    # Form fields of the dataproxy; the column page's ``var param_…`` block wins when it has them.
    webid: ClassVar[str | None] = None
    unitid: ClassVar[str | None] = None
    webname: ClassVar[str | None] = None
    dataproxy_path: ClassVar[str] = "/module/jpage/dataproxy.jsp"
    per_page: ClassVar[int] = 20
    pages_per_call: ClassVar[int] = 3

    # Annual information-disclosure reports, by list title; notices about them and other reports
    # (法治政府建设年度报告, 工作报告 without 信息公开) are not.
    report_title: ClassVar[re.Pattern[str]] = re.compile(
        r"信息公开.{0,16}?(年度报告|年报|年度工作报告|工作报告)"
    )
    report_title_excludes: ClassVar[tuple[str, ...]] = (
        "通知", "关于", "解读", "图解", "意见", "方案", "公告", "征集", "评议", "目录", "指南",
    )

    def __init__(self, *args: Any, base_url: str | None = None, columns: str | None = None,
                 mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_mode(mode)
        self.base_url = (base_url or type(self).base_url).rstrip("/")
        host = urlsplit(self.base_url).hostname
        if not host:
            raise ValueError(f"{type(self).__name__}: base_url {self.base_url!r} has no host name")
        if columns:
            self.column_ids = tuple(c.strip() for c in columns.split(",") if c.strip())
        if not self.column_ids:
            raise ValueError(f"{type(self).__name__}: no column ids to crawl")
        # Only the official host counts as a source: copies on other hosts are dropped by
        # Scrapy's OffsiteMiddleware.
        self.allowed_domains = [host]
        self.listed_by_column: dict[str, int] = {}
        self.total_by_column: dict[str, int] = {}
        self.stopped_columns: set[str] = set()  # paging stopped at a page of archived reports

    # ---- URLs ---------------------------------------------------------------------------------

    @property
    def portal(self) -> str:
        """The portal's host: what the archive files this crawl's run under."""
        return urlsplit(self.base_url).netloc

    def _column_url(self, column_id: str) -> str:
        return f"{self.base_url}/col/col{column_id}/index.html"

    def _dataproxy_url(self, proxy_path: str | None, start: int, end: int, per_page: int) -> str:
        path = proxy_path or self.dataproxy_path
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.base_url}{path}?startrecord={start}&endrecord={end}&perpage={per_page}"

    # ---- the crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        self.open_archive_state(self.portal)
        for column_id in self.column_ids:
            yield Request(
                self._column_url(column_id),
                callback=self.parse_column,
                cb_kwargs={"column_id": column_id},
                errback=self.list_fetch_failed,
            )

    def parse_column(self, response: Response, column_id: str) -> Iterator[Request]:
        """The column page: list its embedded records, then ask the dataproxy for the rest."""
        try:
            page = ColumnPage.from_html(response.text, response.url)
            form = self._parse_form_fields(page, column_id)
        except SiteChangedError as exc:
            self._site_changed(str(exc))
            return
        self._report_unreadable(page.unreadable)
        self.total_by_column[column_id] = page.total_record
        self.crawler.stats.inc_value(f"{STAT}/total_record", page.total_record)
        self.crawler.stats.set_value(f"{STAT}/column_total/{column_id}", page.total_record)
        known = yield from self._listed(page.records, column_id)

        paging = {"form": form, "proxy": page.proxy_url, "per_page": page.per_page or self.per_page}
        embedded = len(page.records) + len(page.unreadable)
        windows = list(self._windows(embedded, page.total_record, paging["per_page"]))
        if not self.stops_early:
            for start, end in windows:
                yield self._window_request(column_id, start, end, paging, chained=False)
        elif known:
            self._stop_paging(column_id, embedded)
        elif windows:
            # One window at a time: the next is asked for only if this one held new reports.
            yield self._window_request(column_id, *windows[0], paging, chained=True)

    def _window_request(self, column_id: str, start: int, end: int, paging: dict[str, Any],
                        *, chained: bool) -> Request:
        """The dataproxy POST for records ``start``..``end`` of a column."""
        return Request(
            self._dataproxy_url(paging["proxy"], start, end, paging["per_page"]),
            method="POST",
            body=urlencode(paging["form"]),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
            callback=self.parse_dataproxy,
            errback=self.list_fetch_failed,
            cb_kwargs={"column_id": column_id, "start": start, "end": end,
                       "paging": paging if chained else None},
        )

    def _stop_paging(self, column_id: str, listed_to: int) -> None:
        self.stopped_columns.add(column_id)
        self.crawler.stats.inc_value("incremental/columns_stopped_early")
        self.logger.info("column %s: records up to %d already archived, paging stops",
                         column_id, listed_to)

    def _windows(self, embedded: int, total: int, per_page: int) -> Iterator[tuple[int, int]]:
        """1-based inclusive record windows after the embedded ones, ``pages_per_call`` pages each."""
        size = per_page * self.pages_per_call
        for start in range(embedded + 1, total + 1, size):
            yield start, start + size - 1

    def parse_dataproxy(self, response: Response, column_id: str, start: int,
                        end: int, paging: dict[str, Any] | None = None) -> Iterator[Request]:
        """One window of the list; a window shorter than promised is reported, not ignored."""
        try:
            page = DataproxyPage.from_xml(response.text, response.url, self.base_url)
        except SiteChangedError as exc:
            self._site_changed(str(exc))
            return
        self._report_unreadable(page.unreadable)
        expected = max(0, min(end, page.total_record) - start + 1)
        got = len(page.records) + len(page.unreadable)
        if got != expected:
            self.crawler.stats.inc_value(f"{STAT}/window_mismatch")
            self.logger.error(
                "column %s: dataproxy window %d-%d held %d records, expected %d (totalrecord %d)",
                column_id, start, end, got, expected, page.total_record,
            )
        known = yield from self._listed(page.records, column_id)
        if paging is None:
            return
        if known:
            self._stop_paging(column_id, end)
        elif end < page.total_record:
            size = end - start + 1
            yield self._window_request(column_id, end + 1, end + size, paging, chained=True)

    def _listed(self, records: Iterable[ListedRecord],
                column_id: str) -> Generator[Request, None, bool]:
        """Requests for the reports to fetch; non-reports are counted and skipped.

        Incremental mode skips archived reports, full mode revisits them conditionally.
        Returns whether every report of this list page was archived already.
        """
        stats = self.crawler.stats
        reports: list[ListedRecord] = []
        for record in records:
            self.listed_by_column[column_id] = self.listed_by_column.get(column_id, 0) + 1
            stats.inc_value(f"{STAT}/records_listed")
            if not self._is_report_title(record.title):
                stats.inc_value(f"{STAT}/non_reports_skipped")
                continue
            stats.inc_value(f"{STAT}/reports_listed")
            reports.append(record)
        unknown = self.unknown(r.url for r in reports)
        for record in reports:
            headers: dict[str, str] = {}
            if record.url not in unknown:
                if self.mode != "full":
                    stats.inc_value("incremental/archived_skipped")
                    continue
                headers = self.conditional(record.url)
            stats.inc_value(f"{STAT}/reports_requested")
            yield Request(
                record.url,
                headers=headers,
                meta={"handle_httpstatus_list": [304]} if headers else {},
                callback=self.parse_report_page,
                errback=self.report_fetch_failed,
                cb_kwargs={"record": record, "column_id": column_id},
            )
        return self.page_is_known([r.url for r in reports], unknown)

    def parse_report_page(self, response: Response, record: ListedRecord,
                          column_id: str) -> Iterator[ReportPage | Request]:
        """An article the list called a report: parse it, and keep the page raw either way.

        A page cut off before its end is first retried (Scrapy's retry budget); only when the
        retries are spent is it archived raw as a failure, never as a version.
        """
        fetched_at = datetime.now(UTC)
        report = None
        if response.status == 304:  # a conditional revisit: the archived version is current
            self.crawler.stats.inc_value("incremental/not_modified")
            yield ReportPage(url=response.url, status=304, fetched_at=fetched_at, body=b"",
                             headers=self._parse_headers(response), report=None,
                             listed_title=record.title, listed_date=record.date,
                             column_id=column_id, flags=list(response.flags))
            return
        error = self._incomplete_reason(response)
        if error is not None:
            retry = get_retry_request(response.request, spider=self, reason="incomplete_page")
            if retry is not None:
                yield retry
                return
        else:
            report, error = read_report(parse_report, response.text, response.url)
        if error is not None:
            self.crawler.stats.inc_value(f"{STAT}/report_pages_unreadable")
            self.logger.warning("report page %s kept raw, not parsed: %s", response.url, error)
        yield ReportPage(
            url=response.url,
            status=response.status,
            fetched_at=fetched_at,
            body=response.body,
            headers=self._parse_headers(response),
            report=report,
            error=error,
            listed_title=record.title,
            listed_date=record.date,
            column_id=column_id,
            flags=list(response.flags),
        )

    # ---- failures -----------------------------------------------------------------------------

    def list_fetch_failed(self, failure: Failure) -> None:
        """A list page that could not be fetched (after retries) loses records: say so loudly."""
        self.crawler.stats.inc_value(f"{STAT}/list_fetch_failures")
        self.logger.error("list page %s could not be fetched: %s", failure.request.url,
                          failure.getErrorMessage())

    def report_fetch_failed(self, failure: Failure) -> Iterator[ReportPage]:
        """A report page that could not be fetched whole (after retries): no version is made.

        An HTTP error page is still archived raw as a failure; a timeout, a truncated or an
        oversized body leaves nothing to keep, so it is counted and logged.
        """
        self.crawler.stats.inc_value(f"{STAT}/report_fetch_failures")
        request = failure.request
        self.logger.error("report page %s could not be fetched: %s", request.url,
                          failure.getErrorMessage())
        response = getattr(failure.value, "response", None)
        if isinstance(failure.value, HttpError) and response is not None:
            record: ListedRecord | None = request.cb_kwargs.get("record")
            yield ReportPage(
                url=response.url,
                status=response.status,
                fetched_at=datetime.now(UTC),
                body=response.body,
                headers=self._parse_headers(response),
                report=None,
                error=f"HTTP {response.status}",
                listed_title=record.title if record else None,
                listed_date=record.date if record else None,
                column_id=request.cb_kwargs.get("column_id"),
                flags=list(response.flags),
            )

    def _site_changed(self, reason: str) -> None:
        self.crawler.stats.inc_value(f"{STAT}/site_changed")
        self.crawler.stats.set_value(f"{STAT}/site_changed_reason", reason)
        self.logger.error("site changed: %s", reason)

    def _report_unreadable(self, reasons: list[str]) -> None:
        for reason in reasons:
            self._site_changed(reason)

    def closed(self, reason: str) -> None:
        """Compare what was listed with what the columns announced: fewer is a loud error.

        A column whose paging stopped at archived reports is complete by construction; the
        run's listing is complete (and the next incremental run may stop early) only when
        every column was read and nothing was lost or changed.
        """
        stats = self.crawler.stats
        for column_id, total in self.total_by_column.items():
            listed = self.listed_by_column.get(column_id, 0)
            if listed < total and column_id not in self.stopped_columns:
                stats.inc_value(f"{STAT}/columns_incomplete")
                self.logger.error("column %s: listed %d of %d records", column_id, listed, total)
        complete = (reason == "finished" and set(self.total_by_column) == set(self.column_ids)
                    and not any(stats.get_value(key) for key in PROBLEM_STATS))
        stats.set_value(LISTING_COMPLETE, int(complete))
        self.close_archive_state()

    # ---- hooks ----------------------------------------------------------------------------------

    def _is_report_title(self, title: str) -> bool:
        """Whether a list title names an annual information-disclosure report."""
        compact = re.sub(r"\s+", "", title)
        return bool(self.report_title.search(compact)) and not any(
            word in compact for word in self.report_title_excludes
        )

    def _parse_form_fields(self, page: ColumnPage, column_id: str) -> dict[str, str]:
        """The dataproxy's form fields, as the browser posts them (values from ``var param_…``)."""
        params = page.params
        webid = params.get("webid") or self.webid
        if not webid:
            raise SiteChangedError(f"column {column_id}: no webid in the page's list parameters")
        return {
            "col": params.get("col", "1"),
            "appid": params.get("appid", "1"),
            "webid": webid,
            "path": params.get("path", "/"),
            "columnid": params.get("columnid", column_id),
            "sourceContentType": params.get("sourceContentType", "1"),
            "unitid": params.get("unitid") or page.unitid or self.unitid or "",
            "webname": params.get("webname") or self.webname or "",
            "permissiontype": params.get("permissiontype", "0"),
        }

    def _parse_headers(self, response: Response) -> dict[str, str]:
        return {
            key.decode("latin-1"): ", ".join(v.decode("utf-8", "replace") for v in values)
            for key, values in response.headers.items()
        }

    def _incomplete_reason(self, response: Response) -> str | None:
        """Why a response cannot be a whole report page (never stored as a version), else None."""
        if "dataloss" in response.flags:
            return "response body incomplete (data loss)"
        return article_completeness_error(response.body)
