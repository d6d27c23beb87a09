"""A one-line progress report every few seconds, for runs whose log level hides Scrapy's LogStats."""

from __future__ import annotations

import sys
import time
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call


class ProgressLine:
    """Prints pages fetched, reports archived and failures so far every ``PROGRESS_INTERVAL`` s."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.print_line)
        self.task.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def print_line(self) -> None:
        stats = self.crawler.stats
        line = (
            f"  {time.monotonic() - self.started:5.0f}s  "
            f"{stats.get_value('response_received_count', 0)} pages fetched, "
            f"{stats.get_value('hanweb/reports_listed', 0)} reports listed, "
            f"{stats.get_value('archive/pages_recorded', 0)} archived, "
            f"{stats.get_value('hanweb/report_pages_unreadable', 0)} unreadable"
        )
        print(line, file=sys.stdout, flush=True)
