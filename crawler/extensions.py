"""Small crawl extensions: a progress line for quiet runs, and the final stats as a JSON file."""

from __future__ import annotations

import json
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


class StatsFile:
    """Writes the crawl's final stats as JSON to ``STATS_FILE``: how scripts read a crawl's counts."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, path)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # Written again when the engine stops: the alarms and exit code come after spider_closed.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.spider_closed(str(self.crawler.stats.get_value("finish_reason", "unfinished")))

    def spider_closed(self, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        with open(self.path, "w", encoding="utf-8") as out:
            json.dump(stats, out, ensure_ascii=False, indent=1, sort_keys=True, default=str)
