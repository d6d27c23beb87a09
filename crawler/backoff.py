"""Retries that wait: Scrapy's RetryMiddleware, with an exponential delay before each retry.

A portal answering 5xx or timing out is usually overloaded; retrying at once makes it worse.
Scrapy 2.19's RetryMiddleware retries immediately, so this subclass marks each retry with
``RETRY_BACKOFF_BASE * 2 ** (attempt - 1)`` seconds (at most ``RETRY_BACKOFF_MAX``) and holds
the retried request that long before it is downloaded. Other requests go on meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request

DELAY_KEY = "retry_backoff_delay"


class BackoffRetryMiddleware(RetryMiddleware):
    """``RetryMiddleware`` plus a growing wait before every retry (``RETRY_BACKOFF_*``)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop(DELAY_KEY, 0)
        if delay > 0:
            await asyncio.sleep(delay)

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None and self.base > 0:
            attempt = int(retry.meta.get("retry_times", 1))
            retry.meta[DELAY_KEY] = min(self.cap, self.base * 2 ** (attempt - 1))
            self.crawler.stats.inc_value("retry/backoff_seconds", retry.meta[DELAY_KEY])
        return retry
