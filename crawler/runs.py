"""The end of a run: its exit code, and its row in ``crawl_runs`` with the final counts.

Runs when the engine stops, after the monitors (``crawler.monitors``) have raised their alarms,
so the archive's row holds what the run really ended with: mode, requests sent, reports listed,
anti-bot challenges met, the alarm lines, the exit code (``crawler.exit_codes``) and the final
stats (which tell the next incremental run whether this one listed every column to the end).
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.exit_codes import EXIT_ALARM, EXIT_BLOCKED, EXIT_OK, EXIT_TIME_LIMIT

logger = logging.getLogger(__name__)

PLATFORMS: tuple[str, ...] = ("hanweb", "gkmlpt")


def problem_stats() -> tuple[str, ...]:
    """Stats that mean the archive may be missing reports a portal lists, on every platform."""
    from crawler.spiders.gkmlpt import PROBLEM_STATS as GKMLPT
    from crawler.spiders.hanweb import PROBLEM_STATS as HANWEB

    return (*HANWEB, *GKMLPT)


def reports_listed(stats: dict[str, Any]) -> int:
    """Reports the run's lists named, whatever the platform."""
    return sum(int(stats.get(f"{platform}/reports_listed", 0)) for platform in PLATFORMS)


def exit_code(stats: dict[str, Any]) -> int:
    """The exit code of a run from its final stats (its ``alarms`` included)."""
    if stats.get("finish_reason") == "closespider_timeout":
        return EXIT_TIME_LIMIT
    if stats.get("antibot/challenges"):
        return EXIT_BLOCKED
    if stats.get("alarms") or stats.get("finish_reason") != "finished":
        return EXIT_ALARM
    return EXIT_OK


def outcome(stats: dict[str, Any]) -> dict[str, Any]:
    """The outcome columns of a run's row, from its final stats."""
    code = exit_code(stats)
    return {
        "mode": stats.get("incremental/mode"),
        "requests": int(stats.get("downloader/request_count", 0)),
        "reports_listed": reports_listed(stats),
        "blocked": int(stats.get("antibot/challenges", 0)),
        "alarms": list(stats.get("alarms") or []),
        "exit_code": code,
        "status": "finished" if stats.get("finish_reason") == "finished" else "failed",
        "stats": stats,
    }


class RunRecorder:
    """Writes the run's outcome into its ``crawl_runs`` row when the engine stops."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured
        recorder = cls(crawler)
        crawler.signals.connect(recorder.engine_stopped, signal=signals.engine_stopped)
        return recorder

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats()
        code = exit_code(stats)
        self.crawler.stats.set_value("exit_code", code)
        run_id = stats.get("archive/run_id")
        if run_id is None:
            return
        from storage.archive import Archive

        with Archive.open(self.crawler.settings.get("DATABASE_URL") or None) as archive:
            archive.record_outcome(int(run_id), **outcome(dict(stats)))
        logger.info("run %s recorded: exit code %d, %d alarm(s)", run_id, code,
                    len(stats.get("alarms") or []))
