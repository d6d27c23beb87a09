"""The alarms of a crawl, as a spidermon MonitorSuite run when the engine stops.

Scrapers fail quietly: a portal redesign, a WAF, a column emptied by mistake all look like "0
new reports" unless something compares the run with what it should have seen. Each monitor
below checks one thing against the crawl's stats (and the previous run's figures, which the
spider copies into ``previous/…`` stats when it starts) and raises one alarm line naming the
problem. Lines are collected in the ``alarms`` stat; ``crawler.runs`` turns them into the run's
row and exit code. Enabled in ``crawler/settings.py`` (``SPIDERMON_ENGINE_STOP_MONITORS``,
with ``Monitors`` below as the spidermon extension); thresholds are the ``ALARM_…`` settings.

Spidermon 1.27 works with Scrapy 2.19 and our ``async def start()`` spiders; its only friction
is logging through ``Spider.log()``, deprecated in Scrapy 2.19, so ``Monitors`` runs the same
suites with a result that logs through ``spider.logger``.
"""

from __future__ import annotations

import logging
from typing import Any

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner

from crawler.runs import problem_stats, reports_listed

logger = logging.getLogger(__name__)

ALARMS = "alarms"

PROBLEM_LINES: dict[str, str] = {
    "hanweb/site_changed": "site changed: {n} list page(s) no longer have the expected markup",
    "hanweb/list_fetch_failures": "list pages lost: {n} could not be fetched after retries",
    "hanweb/window_mismatch": "list windows short: {n} dataproxy window(s) held fewer records "
                              "than promised",
    "hanweb/columns_incomplete": "columns incomplete: {n} column(s) listed fewer records than "
                                 "they announce",
    "gkmlpt/site_changed": "site changed: {n} gkmlpt page(s) no longer have the expected shape",
    "gkmlpt/list_fetch_failures": "list pages lost: {n} could not be fetched after retries",
    "gkmlpt/categories_incomplete": "categories incomplete: {n} listed fewer records than they "
                                    "announce",
    "gkmlpt/categories_empty": "categories empty: {n} category list(s) held no record",
}


class AlarmMonitor(Monitor):
    """A monitor whose failures are alarm lines, gathered in the ``alarms`` stat."""

    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    def setting(self, name: str, default: float) -> float:
        return self.data.crawler.settings.getfloat(name, default)

    def alarm(self, line: str) -> None:
        alarms = list(self.data.crawler.stats.get_value(ALARMS) or [])
        alarms.append(line)
        self.data.crawler.stats.set_value(ALARMS, alarms)
        logger.error("ALARM %s", line)
        self.fail(line)


@monitors.name("Crawl finished")
class FinishedMonitor(AlarmMonitor):
    def test_finished(self) -> None:
        reason = self.stats.get("finish_reason")
        if reason == "closespider_timeout":
            self.alarm(f"time limit: the crawl was stopped after "
                       f"{self.data.crawler.settings.getfloat('CLOSESPIDER_TIMEOUT'):g} s, unfinished")
        elif reason != "finished":
            self.alarm(f"crawl did not finish: {reason}")


@monitors.name("Not blocked")
class BlockedMonitor(AlarmMonitor):
    def test_no_challenges(self) -> None:
        challenges = self.stats.get("antibot/challenges", 0)
        if challenges:
            kinds = ", ".join(f"{kind} {self.stats[f'antibot/{kind}']}"
                              for kind in ("ruishu", "jsl", "wzws") if self.stats.get(f"antibot/{kind}"))
            self.alarm(f"blocked: the portal answered {challenges} request(s) with anti-bot "
                       f"challenges ({kinds}); last: {self.stats.get('antibot/last')}")


@monitors.name("Listing whole")
class ListingMonitor(AlarmMonitor):
    def test_no_listing_problems(self) -> None:
        for key in problem_stats():
            if self.stats.get(key):
                line = PROBLEM_LINES.get(key, key + ": {n}").format(n=self.stats[key])
                reason = self.stats.get(key.replace("/site_changed", "/site_changed_reason"))
                if key.endswith("/site_changed") and reason:
                    line += f" (last: {reason})"
                self.alarm(line)


@monitors.name("Reports found")
class ReportsFoundMonitor(AlarmMonitor):
    def test_reports_listed(self) -> None:
        before = self.stats.get("previous/reports_listed", 0)
        now = reports_listed(self.stats)
        if before and not now:
            self.alarm(f"no reports: this run listed none, the previous run "
                       f"(#{self.stats.get('previous/run_id')}) listed {before}")


@monitors.name("Columns not shrinking")
class ColumnsMonitor(AlarmMonitor):
    def test_columns_did_not_shrink(self) -> None:
        for key, before in self.stats.items():
            if not key.startswith("previous/column_total/"):
                continue
            column = key.removeprefix("previous/column_total/")
            now = self.stats.get(f"hanweb/column_total/{column}")
            if now is not None and now < before:
                self.alarm(f"column shrank: column {column} lists {now} records, "
                           f"{before} in the previous run (#{self.stats.get('previous/run_id')})")


@monitors.name("Pages readable")
class ReadableMonitor(AlarmMonitor):
    def test_parse_failures(self) -> None:
        requested = self.stats.get("hanweb/reports_requested", 0)
        failed = (self.stats.get("hanweb/report_pages_unreadable", 0)
                  + self.stats.get("hanweb/report_fetch_failures", 0))
        limit = self.setting("ALARM_MAX_PARSE_FAILURES", 0.05)
        if requested and failed and failed / requested > limit:
            self.alarm(f"parse failures: {failed} of {requested} report pages could not be "
                       f"fetched or read ({failed / requested:.0%} > {limit:.0%})")

    def test_check_failures(self) -> None:
        archived = self.stats.get("archive/pages", 0) - self.stats.get("archive/failures", 0) \
            - self.stats.get("incremental/not_modified", 0)
        failed = self.stats.get("archive/check_failures", 0)
        limit = self.setting("ALARM_MAX_CHECK_FAILURES", 0.5)
        if archived > 0 and failed / archived > limit:
            self.alarm(f"failed checks: {failed} of {archived} reports fetched have sums that do "
                       f"not hold ({failed / archived:.0%} > {limit:.0%})")


class CrawlAlarms(MonitorSuite):
    """Every alarm of a scheduled crawl."""

    monitors = [FinishedMonitor, BlockedMonitor, ListingMonitor, ReportsFoundMonitor,
                ColumnsMonitor, ReadableMonitor]


class _LoggerResult(SpiderMonitorResult):
    """Spidermon's result, logging through ``spider.logger`` (``Spider.log`` is deprecated)."""

    def log(self, msg: str, level: int = logging.DEBUG) -> None:
        self.spider.logger.log(level, f"[Spidermon] {msg}")


class _Runner(SpiderMonitorRunner):
    def create_result(self) -> SpiderMonitorResult:
        return _LoggerResult(self.spider)


class Monitors(Spidermon):
    """Spidermon's extension (``SPIDERMON_*`` settings) without Scrapy deprecation warnings."""

    def _run_suites(self, spider: Any, suites: list[MonitorSuite]) -> None:
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            result = _Runner(spider=spider).run(suite, **data)
            # A monitor that breaks must not pass for a quiet run: its error is an alarm too.
            for monitor, trace in getattr(result, "errors", []):
                reason = trace.strip().splitlines()[-1] if trace.strip() else "unknown error"
                alarms = list(self.crawler.stats.get_value(ALARMS) or [])
                alarms.append(f"monitor failed: {getattr(monitor, 'name', monitor)}: {reason}")
                self.crawler.stats.set_value(ALARMS, alarms)
