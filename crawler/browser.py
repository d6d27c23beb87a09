"""The browser behind ``meta={"playwright": True}`` requests: launch options, what it may load.

Only requests that need JavaScript go through scrapy-playwright's headless Chromium; every
other request stays plain HTTP through the same download handler. """

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import asyncio

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

CHROMIUM_PATH_ENV = "DISCLOSURE_CHROMIUM_PATH"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)
# What a rendered page never needs: its text is in the DOM, not in pictures, fonts or styles.
ABORTED_RESOURCE_TYPES = frozenset({"image", "font", "media", "stylesheet"})
STAT = "requests"


def launch_options(environ: os._Environ[str] | dict[str, str] = os.environ) -> dict[str, Any]:
    """Headless Chromium: the system's when ``$DISCLOSURE_CHROMIUM_PATH`` names it (Debian's
    ``/usr/bin/chromium`` in CI), else Playwright's own browser."""
    options: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    path = environ.get(CHROMIUM_PATH_ENV, "").strip()
    if path:
        options["executable_path"] = path
    return options


def abort_request(request: Any) -> bool:
    """Whether the browser should not load a sub-request: images, fonts, media, stylesheets,
    and anything on another host than the page's (analytics, CDNs: no business of ours)."""
    if request.resource_type in ABORTED_RESOURCE_TYPES:
        return True
    if request.is_navigation_request():
        return False
    try:
        page_host = urlsplit(request.frame.url).netloc
    except Exception:  # a request without a frame (e.g. a service worker's)
        return True
    return bool(page_host) and urlsplit(request.url).netloc != page_host


def rendered(meta: dict[str, Any] | None = None, *, wait_for: str | None = None,
             wait_until: str | None = None, timeout_ms: int = 20_000,
             keep_page: bool = False) -> dict[str, Any]:
    """Request meta that renders the page in the browser, waiting for selector ``wait_for`` to
    appear or JavaScript predicate ``wait_until`` to hold; ``keep_page`` hands the page to the
    callback (which must close it, as must its errback)."""
    methods = []
    if wait_for:
        methods.append(PageMethod("wait_for_selector", wait_for, timeout=timeout_ms))
    if wait_until:
        methods.append(PageMethod("wait_for_function", wait_until, timeout=timeout_ms))
    return {**(meta or {}), "playwright": True, "playwright_include_page": keep_page,
            "playwright_page_methods": methods}


async def close_page(failure: Failure) -> None:
    """Close the browser page a failed request kept open (errbacks call this first)."""
    page = failure.request.meta.get("playwright_page") if hasattr(failure, "request") else None
    if page is not None and not page.is_closed():
        await page.close()


class BrowserRequestStats:
    """Counts requests by transport: ``requests/browser`` (rendered in Chromium) and
    ``requests/http`` (plain HTTP), retries included; scrapy-playwright's own
    ``playwright/request_count`` counts what the browser itself fetched."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRequestStats:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        kind = "browser" if request.meta.get("playwright") else "http"
        self.stats.inc_value(f"{STAT}/{kind}")
        return None


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, starting Playwright at the first request that needs a
    browser instead of with every crawl: a crawl that renders nothing (Hanweb) never pays for
    Playwright's driver process (startup seconds, about 200 MB)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._start_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start (the base class launches here): at the first rendered request."""

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)
