"""The end of a run: its exit code, and its row in ``crawl_runs`` with the final counts.

Runs when the engine stops, after the monitors (``crawler.monitors``) have raised their alarms,
so the archive's row holds what the run really ended with: mode, requests sent, reports listed,
anti-bot challenges met, the alarm lines, the exit code and the final stats (which tell the
next incremental run whether this one listed every column to the end).

Exit codes of a crawl (``disclosure-archive crawl`` returns them):
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.spiders.gkmlpt import PROBLEM_STATS as GKMLPT_PROBLEMS
from crawler.spiders.hanweb import PROBLEM_STATS as HANWEB_PROBLEMS

logger = logging.getLogger(__name__)

EXIT_OK = 0          # finished, no alarm
EXIT_ALARM = 1       # an alarm: site changed, no reports, a column shrank, failures, lost pages
EXIT_USAGE = 2       # bad arguments, unknown spider
EXIT_BLOCKED = 3     # the portal answered with anti-bot challenges
EXIT_TIME_LIMIT = 4  # the run hit its time limit (stopped, or killed when it overran)
EXIT_LOCKED = 5      # another run of the same spider holds the lock: this one did not start
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "finished, no alarm",
    EXIT_ALARM: "alarm (site changed, no reports, column shrank, parse/check failures, lost pages)",
    EXIT_USAGE: "usage error",
    EXIT_BLOCKED: "blocked by anti-bot challenges",
    EXIT_TIME_LIMIT: "time limit reached",
    EXIT_LOCKED: "another run holds the lock",
}
__doc__ = (__doc__ or "") + "\n".join(f"    {code}: {text}" for code, text in EXIT_CODES.items())


# Stats that mean the archive may be missing reports a portal lists, on every platform.
PROBLEM_STATS: tuple[str, ...] = (*HANWEB_PROBLEMS, *GKMLPT_PROBLEMS)
PLATFORMS: tuple[str, ...] = ("hanweb", "gkmlpt")


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
