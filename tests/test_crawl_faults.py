"""Crawls that go wrong: killed mid-way, truncated bodies, oversized pages.

The replica injects the faults (deterministic per seed and URL) and logs which request got
which; the tests check the archive against that log and the replica's manifest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from crawler.local import REPO_ROOT, scrapy_crawl_command
from replica.faults import FaultConfig
from replica.server import ReplicaConfig, RunningReplica, serve_replica
from storage.database import ArchiveMissingError, open_engine
from storage.models import Document, RawPage, TableCell, Version
from tests.test_crawl import crawl, documents, manifest_reports, raw_pages, report_columns


def faulted_paths(replica: RunningReplica, kind: str) -> set[str]:
    return {target for _, target, _, fault in replica.portal.log if fault == kind}


def test_a_crawl_killed_mid_way_and_restarted_ends_complete(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    config = ReplicaConfig(reports=60, seed="sigkill", faults=FaultConfig(slow_ms=40))
    with serve_replica(config) as replica:
        columns = report_columns(replica)
        expected = {r["index_no"] for r in manifest_reports(replica)}
        command = scrapy_crawl_command(
            "hangzhou", str(replica), database_url=database_url,
            spider_args={"columns": columns},
            settings={"CONCURRENT_REQUESTS": 2, "ARCHIVE_BATCH_SIZE": 4, "LOG_LEVEL": "WARNING"},
        )
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            archived_before_kill = _wait_for_versions(database_url, at_least=12, process=process)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(30)
        assert process.returncode == -signal.SIGKILL
        assert 12 <= archived_before_kill < len(expected), "the kill should land mid-crawl"
        _assert_whole_reports_only(database_url)

        crawl(replica, database_url, columns)

    engine = open_engine(database_url, create=False)
    try:
        docs = documents(engine)
        assert set(docs) == expected
        assert all(d["archive"]["versions"] == 1 for d in docs.values())
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Version)) == len(expected)
    finally:
        engine.dispose()
    _assert_whole_reports_only(database_url)


def _wait_for_versions(database_url: str, at_least: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be killed"
        if (count := _versions_so_far(database_url)) >= at_least:
            return count
        time.sleep(0.05)
    raise AssertionError("the crawl archived too little within a minute")


def _versions_so_far(database_url: str) -> int:
    if not Path(database_url.removeprefix("sqlite:///")).exists():
        return 0
    try:
        engine = open_engine(database_url, create=False)
    except ArchiveMissingError:  # the crawl is still creating the schema
        return 0
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Version)) or 0
    finally:
        engine.dispose()


def _assert_whole_reports_only(database_url: str) -> None:
    """Every version is complete: its document points at it, its table cells are all there."""
    engine = open_engine(database_url, create=False)
    try:
        with engine.connect() as connection:
            versions = connection.execute(
                select(Version.id, Version.document_id, Version.template, Version.report)
            ).all()
            cells = Counter(connection.execute(select(TableCell.version_id)).scalars())
            current = set(connection.execute(select(Document.current_version_id)).scalars())
            page_versions = set(connection.execute(select(RawPage.version_id)).scalars())
    finally:
        engine.dispose()
    for version in versions:
        assert version.id in current and version.id in page_versions
        if version.template != "none":
            report = version.report
            expected_cells = sum(
                len(cells_of_row)
                for table in ("proactive", "applications", "review_litigation")
                for cells_of_row in report[table].values()
            )
            assert cells[version.id] == expected_cells, f"version {version.id} half-written"


def test_truncated_pages_are_retried_and_never_stored_as_versions(tmp_path: Path) -> None:
    # Transient truncation (both kinds: short of Content-Length, and cut mid-table with a
    # matching Content-Length): retries get each page whole; nothing cut is ever a version.
    database_url = f"sqlite:///{tmp_path / 'transient.db'}"
    faults = FaultConfig(truncate_rate=0.4, truncate_mode="mixed", fault_attempts=1)
    with serve_replica(ReplicaConfig(reports=30, seed="truncate", faults=faults)) as replica:
        result = crawl(replica, database_url, report_columns(replica))
        truncated = faulted_paths(replica, "truncate")
        reports = manifest_reports(replica)
    assert len(truncated) >= 5, "the replica should have truncated some pages"
    engine = open_engine(database_url, create=False)
    try:
        docs = documents(engine)
        assert set(docs) == {r["index_no"] for r in reports}
        assert all(d["archive"]["versions"] == 1 for d in docs.values())
        for published in reports:
            if published["template"] != "none":
                archived = docs[published["index_no"]]
                assert archived["applications"] == published["report"]["applications"]
    finally:
        engine.dispose()
    assert result.stat("retry/count") >= len(truncated)


def test_pages_truncated_every_time_are_kept_raw_never_as_versions(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'persistent.db'}"
    faults = FaultConfig(truncate_rate=0.3, truncate_mode="mixed", fault_attempts=100)
    with serve_replica(ReplicaConfig(reports=30, seed="truncate", faults=faults)) as replica:
        crawl(replica, database_url, report_columns(replica))
        truncated = {str(replica) + path for path in faulted_paths(replica, "truncate")}
        reports = manifest_reports(replica)
    assert truncated
    engine = open_engine(database_url, create=False)
    try:
        pages = raw_pages(engine)
        docs = documents(engine)
    finally:
        engine.dispose()
    assert not [p for p in pages if p.url in truncated and p.version_id is not None]
    archived_urls = {d["archive"]["url"] for d in docs.values()}
    assert archived_urls == {r["url"] for r in reports} - truncated


def test_oversized_pages_are_refused_and_never_stored(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'oversize.db'}"
    faults = FaultConfig(oversize_rate=0.2, oversize_bytes=3_000_000)
    with serve_replica(ReplicaConfig(reports=30, seed="oversize", faults=faults)) as replica:
        result = crawl(replica, database_url, report_columns(replica),
                       settings={"DOWNLOAD_MAXSIZE": 1_000_000, "DOWNLOAD_WARNSIZE": 500_000})
        oversized = {str(replica) + path for path in faulted_paths(replica, "oversize")}
        reports = manifest_reports(replica)
    assert oversized
    engine = open_engine(database_url, create=False)
    try:
        pages = raw_pages(engine)
        docs = documents(engine)
    finally:
        engine.dispose()
    assert not [p for p in pages if p.url in oversized]
    assert {d["archive"]["url"] for d in docs.values()} == {r["url"] for r in reports} - oversized
    assert result.stat("hanweb/report_fetch_failures") == len(oversized)


def test_5xx_answers_and_timeouts_are_retried_to_a_complete_archive(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'retries.db'}"
    faults = FaultConfig(error_rate=0.2, timeout_rate=0.1, hang_seconds=2, fault_attempts=1)
    with serve_replica(ReplicaConfig(reports=30, seed="retries", faults=faults)) as replica:
        result = crawl(replica, database_url, report_columns(replica),
                       settings={"DOWNLOAD_TIMEOUT": 1})
        errors = faulted_paths(replica, "error")
        # A held request is logged when the replica lets it go, after hang_seconds.
        deadline = time.monotonic() + faults.hang_seconds + 2
        while not (timeouts := faulted_paths(replica, "timeout")) and time.monotonic() < deadline:
            time.sleep(0.1)
        reports = manifest_reports(replica)
    assert errors and timeouts, "the replica should have failed some requests"
    assert result.stat("retry/count") >= len(errors) + len(timeouts)
    engine = open_engine(database_url, create=False)
    try:
        docs = documents(engine)
    finally:
        engine.dispose()
    assert set(docs) == {r["index_no"] for r in reports}
    assert all(d["archive"]["versions"] == 1 for d in docs.values())
