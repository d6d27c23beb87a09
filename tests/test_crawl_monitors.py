"""The alarm machinery on its own: a broken monitor is an alarm, and stats map to exit codes."""

from __future__ import annotations

from scrapy import Spider
from scrapy.utils.test import get_crawler
from spidermon import MonitorSuite

from crawler.monitors import ALARMS, AlarmMonitor, Monitors
from crawler.exit_codes import EXIT_ALARM, EXIT_BLOCKED, EXIT_OK, EXIT_TIME_LIMIT
from crawler.runs import exit_code


class _Broken(AlarmMonitor):
    __test__ = False  # run by spidermon below, not collected by pytest

    def test_breaks(self) -> None:
        raise RuntimeError("stats key missing")


class _BrokenSuite(MonitorSuite):
    monitors = [_Broken]


def test_a_monitor_that_breaks_raises_an_alarm_instead_of_passing() -> None:
    crawler = get_crawler(Spider, {"SPIDERMON_ENABLED": True})
    crawler.spider = Spider("monitored")
    crawler.spider.crawler = crawler
    Monitors(crawler)._run_suites(crawler.spider, [_BrokenSuite(crawler=crawler)])
    alarms = crawler.stats.get_value(ALARMS)
    assert len(alarms) == 1
    assert alarms[0].startswith("monitor failed: ") and "stats key missing" in alarms[0]


def test_exit_codes_from_final_stats() -> None:
    finished = {"finish_reason": "finished"}
    assert exit_code(finished) == EXIT_OK
    assert exit_code({**finished, ALARMS: ["column shrank: …"]}) == EXIT_ALARM
    assert exit_code({**finished, "antibot/challenges": 3, ALARMS: ["blocked: …"]}) == EXIT_BLOCKED
    assert exit_code({"finish_reason": "closespider_timeout"}) == EXIT_TIME_LIMIT
    assert exit_code({"finish_reason": "shutdown"}) == EXIT_ALARM
