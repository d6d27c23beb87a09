"""Crawls of the JavaScript-built portals, for real: Scrapy in a subprocess, headless Chromium.

Hangzhou's newer column (list from the jpaas endpoint) is crawled with the endpoint paging and
with it ignoring ``pageNo``; the gkmlpt portal's report bodies exist only after its script ran.
What a crawl should find comes from the replica's manifest; which requests needed the browser
from the replica's own request log and the crawl's stats.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.browser import CHROMIUM_PATH_ENV, launch_options
from crawler.local import CrawlResult, run_crawl
from parsers import parse_report
from replica import gkmlpt, jpaas
from replica.faults import FaultConfig
from replica.server import ReplicaConfig, RunningReplica, serve_replica
from storage.database import open_engine
from tests.test_crawl import documents

SEED = "browser-tests"
HANWEB_REPORTS = 12
JPAAS_REPORTS = 40
GKMLPT_REPORTS = 30


@pytest.fixture(scope="module")
def chromium() -> None:
    """Skip unless a headless Chromium can be launched with the crawler's own options."""
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            playwright.chromium.launch(**launch_options()).close()
    except Error as exc:
        pytest.skip(f"no launchable Chromium ({str(exc).splitlines()[0]}): set "
                    f"{CHROMIUM_PATH_ENV}=/usr/bin/chromium")


def reports_of(replica: RunningReplica, platform: str | None) -> list[dict[str, Any]]:
    return [r for r in replica.manifest() if r["kind"] != "other" and r.get("platform") == platform]


def requested(replica: RunningReplica, prefix: str) -> Counter[str]:
    return Counter(target for _, target, _, _ in replica.requests() if target.startswith(prefix))


class Crawl:
    def __init__(self, replica: RunningReplica, result: CrawlResult, docs: dict[str, Any]):
        self.replica, self.result, self.docs = replica, result, docs

    def stat(self, key: str) -> int:
        return int(self.result.stat(key, 0))


def crawl(tmp: Path, spider: str, spider_args: dict[str, str] | None = None,
          **config: Any) -> Iterator[Crawl]:
    database_url = f"sqlite:///{tmp / 'archive.db'}"
    with serve_replica(ReplicaConfig(seed=SEED, **config)) as replica:
        result = run_crawl(spider, str(replica), database_url=database_url,
                           spider_args=spider_args, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stats.get("finish_reason") == "finished", result.stderr[-3000:]
        engine = open_engine(database_url, create=False)
        try:
            yield Crawl(replica, result, documents(engine))
        finally:
            engine.dispose()


def hangzhou_columns(replica: RunningReplica) -> str:
    hanweb = {str(r["column_id"]) for r in reports_of(replica, None)}
    return ",".join(sorted(hanweb) + [str(jpaas.COLUMN_ID)])


def hangzhou_crawl(tmp: Path, ignore_page_no: bool) -> Iterator[Crawl]:
    faults = FaultConfig(jpaas_ignore_page_no=ignore_page_no)
    with serve_replica(ReplicaConfig(reports=HANWEB_REPORTS, seed=SEED)) as probe:
        columns = hangzhou_columns(probe)
    yield from crawl(tmp, "hangzhou", {"columns": columns}, reports=HANWEB_REPORTS,
                     jpaas_reports=JPAAS_REPORTS, faults=faults)


# ---- Hangzhou, the endpoint paging: no browser at all --------------------------------------------


@pytest.fixture(scope="module")
def paging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    yield from hangzhou_crawl(tmp_path_factory.mktemp("paging"), ignore_page_no=False)


def test_both_hangzhou_platforms_are_archived_exactly_once(paging: Crawl) -> None:
    expected = {r["index_no"] for r in paging.replica.manifest() if r["kind"] != "other"}
    assert len(reports_of(paging.replica, "jpaas")) == JPAAS_REPORTS
    assert set(paging.docs) == expected
    assert all(d["archive"]["versions"] == 1 for d in paging.docs.values())


def test_a_paging_endpoint_is_read_over_plain_http(paging: Crawl) -> None:
    assert paging.stat("requests/browser") == 0
    assert paging.stat("playwright/page_count") == 0
    assert paging.stat("requests/http") == paging.stat("downloader/request_count")
    total = paging.stat("jpaas/total_record")
    assert total == sum(r.get("platform") == "jpaas" for r in paging.replica.manifest())
    unit = requested(paging.replica, jpaas.UNIT_PATH)
    assert len(unit) == math.ceil(total / jpaas.ROWS)  # each list page once
    assert set(unit.values()) == {1}
    articles = requested(paging.replica, f"/col/col{jpaas.COLUMN_ID}/art/")
    assert sorted(articles) == sorted(r["url"].removeprefix(str(paging.replica))
                                      for r in reports_of(paging.replica, "jpaas"))
    assert set(articles.values()) == {1}


# ---- Hangzhou, the endpoint ignoring pageNo: the column page alone goes through the browser ------


@pytest.fixture(scope="module")
def ignoring(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    yield from hangzhou_crawl(tmp_path_factory.mktemp("ignoring"), ignore_page_no=True)


def test_with_pageno_ignored_every_report_is_still_archived_once(ignoring: Crawl) -> None:
    expected = {r["index_no"] for r in ignoring.replica.manifest() if r["kind"] != "other"}
    assert set(ignoring.docs) == expected
    assert all(d["archive"]["versions"] == 1 for d in ignoring.docs.values())
    assert ignoring.stat("jpaas/page_no_ignored") == 1
    assert ignoring.stat("hanweb/columns_incomplete") == 0


def test_only_the_column_page_is_rendered(ignoring: Crawl) -> None:
    assert ignoring.stat("requests/browser") == 1
    assert ignoring.stat("playwright/page_count") == 1
    assert ignoring.stat("requests/http") == ignoring.stat("downloader/request_count") - 1
    pages = math.ceil(ignoring.stat("jpaas/total_record") / jpaas.ROWS)
    assert ignoring.stat("jpaas/browser_list_pages") == pages - 1
    articles = requested(ignoring.replica, f"/col/col{jpaas.COLUMN_ID}/art/")
    assert len(articles) == JPAAS_REPORTS and set(articles.values()) == {1}


def test_without_the_browser_the_endpoint_hides_later_pages() -> None:
    """The switch does what the crawl above had to get around: plain page 2 is page 1."""
    import json
    import urllib.request

    with serve_replica(ReplicaConfig(reports=3, seed=SEED, jpaas_reports=JPAAS_REPORTS,
                                     faults=FaultConfig(jpaas_ignore_page_no=True))) as replica:
        base = f"{replica}{jpaas.UNIT_PATH}?pageId={jpaas.COLUMN_ID}&rows={jpaas.ROWS}&pageNo="
        first, second = (json.load(urllib.request.urlopen(base + n))["data"]["html"]
                         for n in ("1", "2"))
    assert first == second


# ---- Guangdong's gkmlpt: every report page rendered, lists plain -------------------------------


@pytest.fixture(scope="module")
def guangdong(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    yield from crawl(tmp_path_factory.mktemp("gkmlpt"), "guangdong", reports=3,
                     gkmlpt_reports=GKMLPT_REPORTS)


def test_every_gkmlpt_report_is_archived_exactly_once(guangdong: Crawl) -> None:
    expected = {r["index_no"] for r in reports_of(guangdong.replica, "gkmlpt")}
    assert len(expected) == GKMLPT_REPORTS
    assert set(guangdong.docs) == expected
    assert all(d["archive"]["versions"] == 1 for d in guangdong.docs.values())
    manifest = {r["index_no"]: r["report"] for r in reports_of(guangdong.replica, "gkmlpt")}
    for index_no, doc in guangdong.docs.items():  # the rendered DOM parsed to the published data
        report = doc
        assert report["agency"] == manifest[index_no]["agency"]
        assert report["year"] == manifest[index_no]["year"]
        assert report["applications"] == manifest[index_no]["applications"]


def test_report_pages_and_only_they_used_the_browser(guangdong: Crawl) -> None:
    total = guangdong.stat("gkmlpt/total_record")
    list_pages = math.ceil(total / gkmlpt.PAGE_SIZE)
    assert guangdong.stat("requests/browser") == GKMLPT_REPORTS
    assert guangdong.stat("playwright/page_count") == GKMLPT_REPORTS
    assert guangdong.stat("playwright/page_count/closed") == GKMLPT_REPORTS
    assert guangdong.stat("requests/http") == list_pages + 1  # + robots.txt
    assert guangdong.stat("playwright/request_count/navigation") == GKMLPT_REPORTS
    # Each body was fetched by a page's script, once; images and other hosts were not loaded.
    content = requested(guangdong.replica, gkmlpt.CONTENT_API_PREFIX)
    assert len(content) == GKMLPT_REPORTS and set(content.values()) == {1}
    assert guangdong.stat("playwright/request_count/aborted") >= 2 * GKMLPT_REPORTS
    assert not requested(guangdong.replica, "/gkmlpt/static/")


def test_a_gkmlpt_page_without_its_script_holds_no_report() -> None:
    with serve_replica(ReplicaConfig(reports=3, seed=SEED, gkmlpt_reports=3)) as replica:
        import urllib.request

        url = reports_of(replica, "gkmlpt")[0]["url"]
        shell = urllib.request.urlopen(url).read()
    report = parse_report(shell, url=url)  # a title and nothing else: what a plain fetch gets
    assert report.header.index_no is None
    assert "applications: table not found" in report.warnings


def test_a_body_that_failed_to_load_is_rendered_again(chromium: None, tmp_path: Path) -> None:
    """The content endpoint fails once for some pages: those are retried, pages are closed."""
    faults = FaultConfig(error_rate=0.3, fault_attempts=1)
    for run in crawl(tmp_path, "guangdong", reports=3, gkmlpt_reports=12, faults=faults):
        expected = {r["index_no"] for r in reports_of(run.replica, "gkmlpt")}
        assert set(run.docs) == expected
        assert run.stat("retry/reason_count/not_rendered") + run.stat("retry/count") > 0
        assert run.stat("playwright/page_count") == run.stat("playwright/page_count/closed")
