"""``scrapy crawl hangzhou`` for real, over HTTP, against the replica portal, into a SQLite archive.

Each crawl runs in a subprocess (Twisted reactors cannot restart in one process); the replica
runs in this process, so the tests can see every request it answered. What a crawl should find
comes from the replica's manifest (what it generated), and the reference report's values from
``shared/domain.md`` §2: never from the crawler itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import Engine, select

from crawler.local import FAST_SETTINGS, REPO_ROOT, CrawlResult, run_crawl, settings_args
from replica.faults import FaultConfig
from replica.server import ReplicaConfig, RunningReplica, serve_replica
from storage.database import open_engine
from storage.export import iter_documents
from storage.models import RawPage, Version
from tests.conftest import SCHEMA_FILE

REPORTS = 40
SEED = "crawl-tests"
PER_PAGE = 20


# ---- helpers ------------------------------------------------------------------------------------


def manifest_reports(replica: RunningReplica) -> list[dict[str, Any]]:
    return [r for r in replica.manifest() if r["kind"] != "other"]


def report_columns(replica: RunningReplica) -> str:
    return ",".join(sorted({str(r["column_id"]) for r in manifest_reports(replica)}))


def crawl(replica: RunningReplica | str, database_url: str, columns: str = "", **options: Any) -> CrawlResult:
    options.setdefault("spider_args", {"columns": columns})
    result = run_crawl("hangzhou", str(replica), database_url=database_url, **options)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats.get("finish_reason") == "finished", result.stderr[-3000:]
    return result


def documents(engine: Engine) -> dict[str, dict[str, Any]]:
    """The archive's documents by index number (every replica report has one)."""
    docs = {d["archive"]["index_no"]: d for d in iter_documents(engine)}
    assert None not in docs
    return docs


def raw_pages(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(
            select(RawPage.url, RawPage.version_id, RawPage.parse_error, RawPage.http_status)
        ))


def version_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(list(connection.execute(select(Version.id))))


def article_requests(replica: RunningReplica) -> Counter[str]:
    """Article paths the replica answered, with how many times each."""
    return Counter(target for method, target, _, _ in replica.portal.log
                   if method == "GET" and target.startswith("/art/"))


def path_of(url: str, replica: RunningReplica) -> str:
    return url.removeprefix(str(replica))


# ---- one full crawl, looked at from every side ------------------------------------------------


class FirstCrawl:
    def __init__(self, replica: RunningReplica, result: CrawlResult, engine: Engine, feed: Path):
        self.replica = replica
        self.result = result
        self.engine = engine
        self.feed = feed
        self.reports = manifest_reports(replica)


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstCrawl]:
    tmp = tmp_path_factory.mktemp("crawl")
    database_url = f"sqlite:///{tmp / 'archive.db'}"
    feed = tmp / "reports.jsonl"
    with serve_replica(ReplicaConfig(reports=REPORTS, seed=SEED)) as replica:
        # Every deprecation warning printed, so the test below can insist there is none.
        result = crawl(replica, database_url, report_columns(replica), output=feed,
                       python_options=["-W", "always::DeprecationWarning"])
        engine = open_engine(database_url, create=False)
        try:
            yield FirstCrawl(replica, result, engine, feed)
        finally:
            engine.dispose()


def test_every_report_is_archived_exactly_once(first_crawl: FirstCrawl) -> None:
    expected = {r["index_no"] for r in first_crawl.reports}
    docs = documents(first_crawl.engine)
    assert set(docs) == expected
    assert all(d["archive"]["versions"] == 1 for d in docs.values())
    assert version_count(first_crawl.engine) == len(expected)
    pages = raw_pages(first_crawl.engine)
    assert Counter(p.url for p in pages) == Counter(r["url"] for r in first_crawl.reports)
    assert all(p.version_id is not None and p.parse_error is None for p in pages)
    assert first_crawl.result.stat("archive/new_documents") == len(expected)
    assert first_crawl.result.stat("archive/failures") == 0


def test_each_archived_report_holds_what_the_replica_published(first_crawl: FirstCrawl) -> None:
    docs = documents(first_crawl.engine)
    for published in first_crawl.reports:
        archived = docs[published["index_no"]]
        assert archived["agency"] == published["agency"], published["url"]
        assert archived["year"] == published["year"], published["url"]
        assert archived["template"] == published["template"], published["url"]
        if published["template"] != "none":
            assert archived["applications"] == published["report"]["applications"], published["url"]


def test_non_reports_are_skipped_without_being_fetched(first_crawl: FirstCrawl) -> None:
    replica = first_crawl.replica
    fetched = article_requests(replica)
    report_paths = {path_of(r["url"], replica) for r in first_crawl.reports}
    assert set(fetched) == report_paths
    assert all(count == 1 for count in fetched.values()), "a report page was fetched twice"
    crawled_columns = {r["column_id"] for r in first_crawl.reports}
    others = [r for r in replica.manifest() if r["kind"] == "other" and r["column_id"] in crawled_columns]
    assert others, "the replica should mix non-reports into the report columns"
    assert first_crawl.result.stat("hanweb/non_reports_skipped") == len(others)


def test_reference_report_values_are_right_in_the_database(first_crawl: FirstCrawl) -> None:
    # shared/domain.md §2
    docs = documents(first_crawl.engine)
    ref = docs["002489604/2024-00117"]
    assert ref["header"]["publisher"] == "杭州市商务局"
    assert ref["header"]["publish_date"] == "2024-01-16"
    assert ref["year"] == 2023 and ref["template"] == "2021"
    assert ref["proactive"]["normative_documents"] == {"issued": 9, "repealed": 1, "in_force": 33}
    assert ref["proactive"]["licensing"]["decisions"] == 470
    apps = ref["applications"]
    assert apps["new_received"]["total"] == 10
    assert apps["carried_over"]["total"] == 1
    assert apps["granted"]["total"] == 7
    assert apps["partially_granted"]["total"] == 2
    assert apps["withheld_security_stability"]["total"] == 1
    assert apps["other_misc"]["total"] == 1
    assert apps["total_handled"]["total"] == 11
    assert all(v == 0 for group in ref["review_litigation"].values() for v in group.values())
    assert ref["checks"] and all(check["ok"] for check in ref["checks"])


def test_reposts_are_linked_not_duplicated(first_crawl: FirstCrawl) -> None:
    reposts = [r for r in first_crawl.reports if r["kind"] == "repost"]
    assert reposts, "the replica should publish reposts"
    docs = documents(first_crawl.engine)
    for repost in reposts:
        linked = docs[repost["index_no"]]["archive"]["repost_of"]
        assert linked is not None and linked["key"] == repost["repost_of"], repost["url"]
    assert first_crawl.result.stat("archive/reposts") == len(reposts)


def test_feed_lines_are_disclosure_report_1(first_crawl: FirstCrawl) -> None:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    lines = first_crawl.feed.read_text("utf-8").splitlines()
    for line in lines:
        validator.validate(json.loads(line))
    assert sorted(json.loads(line)["url"] for line in lines) == sorted(
        r["url"] for r in first_crawl.reports
    )


def test_the_crawl_uses_no_deprecated_api(first_crawl: FirstCrawl) -> None:
    # Python's DeprecationWarning and Scrapy's ScrapyDeprecationWarning both name themselves.
    assert "DeprecationWarning" not in first_crawl.result.stderr


def test_requests_stay_within_reports_plus_list_pages(first_crawl: FirstCrawl) -> None:
    stats = first_crawl.result.stats
    list_pages = -(-stats["hanweb/total_record"] // PER_PAGE)
    assert stats["downloader/request_count"] <= len(first_crawl.reports) + list_pages + 3
    assert stats["robotstxt/request_count"] == 1


# ---- re-crawls: unchanged, then edited ----------------------------------------------------------


def test_recrawl_adds_no_version_and_an_edit_adds_exactly_one(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve_replica(ReplicaConfig(reports=24, seed="recrawl")) as replica:
        columns = report_columns(replica)
        first = crawl(replica, database_url, columns)
        reports = len(manifest_reports(replica))
        assert first.stat("archive/new_versions") == reports

        # Full mode revisits every report (conditionally); the default incremental mode would
        # not fetch them at all (tests/test_crawl_scheduled.py).
        full = {"spider_args": {"columns": columns, "mode": "full"}}
        again = crawl(replica, database_url, **full)
        assert again.stat("archive/new_versions") == 0
        assert again.stat("archive/unchanged") == reports

        replica.reconfigure(edit=3)
        edited = {r["index_no"] for r in manifest_reports(replica) if r["edited"]}
        assert len(edited) == 3
        third = crawl(replica, database_url, **full)
        assert third.stat("archive/new_versions") == 3
        assert third.stat("archive/edited_documents") == 3
        assert third.stat("archive/unchanged") == reports - 3

    engine = open_engine(database_url, create=False)
    try:
        versions = {key: d["archive"]["versions"] for key, d in documents(engine).items()}
    finally:
        engine.dispose()
    assert {key for key, n in versions.items() if n == 2} == edited
    assert all(n == 1 for key, n in versions.items() if key not in edited)


# ---- only the official host counts -------------------------------------------------------------


class _Trap(BaseHTTPRequestHandler):
    """A server standing for a copy of the portal on another host: it must never be asked."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Trap.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def test_requests_to_other_hosts_are_dropped(tmp_path: Path) -> None:
    trap = ThreadingHTTPServer(("127.0.0.2", 0), _Trap)
    _serve(trap)
    offsite = f"http://127.0.0.2:{trap.server_address[1]}/art/2024/1/3/art_1229063423_1.html"
    with serve_replica(ReplicaConfig(reports=5, seed="offsite")) as replica:
        column = "1229063423"
        column_path = f"/col/col{column}/index.html"
        page = urllib.request.urlopen(replica.url(column_path)).read().decode()
        extra = (f'<record><![CDATA[<li><a title="杭州市某局2023年政府信息公开工作年度报告" '
                 f'href="{offsite}">x</a><b>2024-01-03</b></li>]]></record>\n</recordset>')
        doctored = page.replace("</recordset>", extra, 1).encode()

        class Front(BaseHTTPRequestHandler):
            """The portal, with one list record pointing at the copy on the other host."""

            def do_GET(self) -> None:  # noqa: N802
                if self.path == column_path:
                    body, status = doctored, 200
                else:
                    try:
                        with urllib.request.urlopen(replica.url(self.path)) as upstream:
                            body, status = upstream.read(), upstream.status
                    except urllib.error.HTTPError as error:
                        body, status = error.read(), error.code
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        front = ThreadingHTTPServer(("127.0.0.1", 0), Front)
        _serve(front)
        try:
            result = crawl(f"http://127.0.0.1:{front.server_address[1]}",
                           f"sqlite:///{tmp_path / 'archive.db'}", column)
        finally:
            front.shutdown()
            trap.shutdown()
    assert _Trap.hits == []
    assert result.stat("offsite/filtered") == 1
    assert result.stat("hanweb/reports_listed") == result.stat("archive/pages") + 1


# ---- a changed site is a loud failure, not a quiet empty crawl -------------------------------


def test_crawl_command_exits_non_zero_when_the_site_changed(tmp_path: Path) -> None:
    # The replica's redesign switch: column pages without <datastore>, dataproxy gone.
    config = ReplicaConfig(reports=10, seed="redesign", faults=FaultConfig(redesign=True))
    with serve_replica(config) as replica:
        done = subprocess.run(
            [sys.executable, "-m", "disclosure_archive.commands.crawl", "hangzhou",
             "--base-url", str(replica), "--columns", report_columns(replica),
             "--database", f"sqlite:///{tmp_path / 'archive.db'}", "--log-level", "ERROR",
             *settings_args(FAST_SETTINGS)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "alarm: site changed: 2 list page(s)" in done.stdout  # both columns
    assert "has no <datastore>" in done.stdout
