"""Hangzhou's newer platform (2025 onward) as a mixin of the Hanweb spider.

A newer column page is a shell whose script fetches the list from the jpaas unit endpoint
(JSON ``{success, data: {html}}``, ``rows`` records per ``pageNo``). The spider asks that
endpoint directly, over plain HTTP, while it pages. It has been seen ignoring ``pageNo`` (page 2
answers page 1's records): then, and only then, the column page is rendered in the browser
(scrapy-playwright) and its pager clicked through to the last page. Articles stay plain HTTP.

Compose it before the base: ``class HangzhouSpider(JpaasMixin, HanwebSpider)``. Column ids are
shared with the Hanweb ones; each column page says which platform it is on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.browser import close_page, rendered
from crawler.pages import SiteChangedError
from crawler.platform_pages import (
    JPAAS_NEXT,
    JPAAS_PAGER,
    JpaasColumnPage,
    JpaasList,
    is_jpaas_column,
    jpaas_pager_at,
    jpaas_unit_reply,
)

STAT = "jpaas"


class JpaasMixin:
    """Newer-platform columns for a Hanweb spider (it provides ``_listed``, ``_site_changed``…)."""

    jpaas_rows: ClassVar[int] = 15
    jpaas_click_timeout_ms: ClassVar[int] = 15_000
    jpaas_max_pages: ClassVar[int] = 1000  # a pager that never ends is a site change

    crawler: Any
    logger: Any

    def parse_column(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """A column page of either platform: the shell of the newer one, else Hanweb's."""
        if is_jpaas_column(response.text):
            yield from self.parse_jpaas_column(response, **kwargs)
        else:
            yield from super().parse_column(response, **kwargs)  # type: ignore[misc]

    def parse_jpaas_column(self, response: Response, column_id: str,
                           **_: Any) -> Iterator[Request]:
        try:
            column = JpaasColumnPage.from_html(response.text, response.url)
        except SiteChangedError as exc:
            self._site_changed(str(exc))  # type: ignore[attr-defined]
            return
        self.crawler.stats.inc_value(f"{STAT}/columns")
        yield self._unit_request(column, 1, column_id, response.url, None)

    def _unit_request(self, column: JpaasColumnPage, page_no: int, column_id: str,
                      column_url: str, first: list[str] | None) -> Request:
        return Request(
            column.page_url(page_no, self.jpaas_rows),
            callback=self.parse_jpaas_unit,
            errback=self.list_fetch_failed,  # type: ignore[attr-defined]
            cb_kwargs={"column": column, "page_no": page_no, "column_id": column_id,
                       "column_url": column_url, "first": first},
        )

    def parse_jpaas_unit(self, response: Response, column: JpaasColumnPage, page_no: int,
                         column_id: str, column_url: str,
                         first: list[str] | None) -> Iterator[Request]:
        """One page of the list endpoint; page 2 also tells whether the endpoint pages at all."""
        try:
            page = jpaas_unit_reply(response.text, response.url)
        except SiteChangedError as exc:
            self._site_changed(str(exc))  # type: ignore[attr-defined]
            return
        self._report_unreadable(page.unreadable)  # type: ignore[attr-defined]
        urls = [record.url for record in page.records]
        if page_no == 1:
            self.total_by_column[column_id] = page.total  # type: ignore[attr-defined]
            self.crawler.stats.inc_value(f"{STAT}/total_record", page.total)
            known = yield from self._listed(page.records, column_id)  # type: ignore[attr-defined]
            if known and self.stops_early:  # type: ignore[attr-defined]
                self._stop_paging(column_id, len(urls))  # type: ignore[attr-defined]
                return
            if page.pages > 1:
                yield self._unit_request(column, 2, column_id, column_url, urls)
            return
        if page_no == 2 and (page.page != 2 or urls == first):
            self.crawler.stats.set_value(f"{STAT}/page_no_ignored", 1)
            self.logger.warning("column %s: the list endpoint ignores pageNo (page 2 = page 1); "
                                "rendering the column page in the browser", column_id)
            yield self._browser_request(column_url, column_id, first or [])
            return
        yield from self._listed(page.records, column_id)  # type: ignore[attr-defined]
        if page_no == 2:
            for later in range(3, page.pages + 1):
                yield self._unit_request(column, later, column_id, column_url, None)

    def _browser_request(self, column_url: str, column_id: str, listed: list[str]) -> Request:
        return Request(
            column_url, dont_filter=True,  # fetched once already, over plain HTTP
            callback=self.parse_jpaas_rendered, errback=self.jpaas_browser_failed,
            cb_kwargs={"column_id": column_id, "listed": listed},
            meta=rendered(wait_for=JPAAS_PAGER, keep_page=True),
        )

    async def parse_jpaas_rendered(self, response: Response, column_id: str,
                                   listed: list[str]) -> AsyncIterator[Request]:
        """The column page in the browser: read each list page, click 下一页, until the last."""
        from playwright.async_api import Error as PlaywrightError

        page = response.meta["playwright_page"]
        seen = set(listed)
        html, page_no = response.text, 1
        try:
            while True:
                shown = JpaasList.from_html(html, response.url)
                if shown.page != page_no:
                    raise SiteChangedError(f"column {column_id}: the browser shows list page "
                                           f"{shown.page}, expected {page_no}")
                self._report_unreadable(shown.unreadable)  # type: ignore[attr-defined]
                new = [r for r in shown.records if r.url not in seen]
                seen.update(r.url for r in new)
                for request in self._listed(new, column_id):  # type: ignore[attr-defined]
                    yield request
                if page_no >= shown.pages:
                    break
                if page_no >= self.jpaas_max_pages:
                    raise SiteChangedError(f"column {column_id}: pager past {page_no} pages")
                page_no += 1
                await page.click(JPAAS_NEXT, timeout=self.jpaas_click_timeout_ms)
                await page.wait_for_selector(jpaas_pager_at(page_no),
                                             timeout=self.jpaas_click_timeout_ms)
                html = await page.content()
                self.crawler.stats.inc_value(f"{STAT}/browser_list_pages")
        except SiteChangedError as exc:
            self._site_changed(str(exc))  # type: ignore[attr-defined]
        except PlaywrightError as exc:
            self.crawler.stats.inc_value("hanweb/list_fetch_failures")
            self.logger.error("column %s: list page %d did not render: %s", column_id, page_no,
                              exc.message.splitlines()[0] if exc.message else exc)
        finally:
            await page.close()

    async def jpaas_browser_failed(self, failure: Failure) -> None:
        """The rendered column page failed: close its browser page, count the lost list."""
        await close_page(failure)
        self.list_fetch_failed(failure)  # type: ignore[attr-defined]

