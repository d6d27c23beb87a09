"""The scheduled run, for real: ``disclosure-archive crawl hangzhou`` against the replica over HTTP.

Incremental crawls of an unchanged portal, of newly published and of edited reports; anti-bot
challenges; the lock; every alarm; a flaky portal. Request counts come from the replica's own
stats (what it served), expected reports from its manifest, never from the crawler.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.local import FAST_SETTINGS, REPO_ROOT, settings_args
from replica.catalog import NOTICE_COLUMN
from replica.faults import FaultConfig
from replica.server import ReplicaConfig, RunningReplica, serve_replica
from storage.database import ArchiveMissingError, open_engine
from storage.models import CrawlRun, Document, RawPage, Version
from storage.runs import recent_runs
from tests.test_crawl import manifest_reports, report_columns

REPORTS = 30


class Run:
    """One finished ``disclosure-archive crawl`` and the replica's view of it."""

    def __init__(self, done: subprocess.CompletedProcess[str], served: dict[str, int]) -> None:
        self.code = done.returncode
        self.out = done.stdout + done.stderr
        self.served = served

    def alarms(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.startswith("alarm: ")]


def command(replica: RunningReplica | str, tmp: Path, *extra: str,
            columns: str | None = None) -> list[str]:
    return [sys.executable, "-m", "disclosure_archive", "crawl", "hangzhou",
            "--base-url", str(replica), "--columns", columns or report_columns(replica),
            "--database", f"sqlite:///{tmp / 'archive.db'}", "--lock-file", str(tmp / "crawl.lock"),
            "--log-file", str(tmp / "crawl.log"), *settings_args(FAST_SETTINGS), *extra]


def scheduled(replica: RunningReplica, tmp: Path, *extra: str, columns: str | None = None,
              expect: int | None = 0) -> Run:
    replica.reset_stats()
    done = subprocess.run(command(replica, tmp, *extra, columns=columns), cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    run = Run(done, dict(replica.stats()["requests"]))
    if expect is not None:
        assert run.code == expect, run.out[-4000:]
    return run


def count(tmp: Path, model: Any) -> int:
    engine = open_engine(f"sqlite:///{tmp / 'archive.db'}", create=False)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def runs(tmp: Path) -> list[dict[str, Any]]:
    engine = open_engine(f"sqlite:///{tmp / 'archive.db'}", create=False)
    try:
        return recent_runs(engine)
    finally:
        engine.dispose()


def fetched_articles(replica: RunningReplica, status: int | None = None) -> set[str]:
    return {target for method, target, code, _ in replica.requests()
            if "/art/" in target and (status is None or code == status)}


# ---- incremental ------------------------------------------------------------------------------


def test_unchanged_portal_costs_three_requests_and_new_reports_exactly_theirs(tmp_path: Path) -> None:
    with serve_replica(ReplicaConfig(reports=REPORTS, seed="incremental")) as replica:
        first = scheduled(replica, tmp_path)
        assert "exit 0" in first.out
        reports = len(manifest_reports(replica))
        assert count(tmp_path, Document) == reports
        pages_before = count(tmp_path, RawPage)

        unchanged = scheduled(replica, tmp_path)
        # robots.txt and one column page per column (two columns here): nothing else.
        assert unchanged.served["total"] <= 3, unchanged.served
        assert "article" not in unchanged.served
        assert count(tmp_path, RawPage) == pages_before
        assert count(tmp_path, Version) == reports
        latest = runs(tmp_path)[0]
        assert (latest["requests"], latest["mode"], latest["exit_code"]) == (
            unchanged.served["total"], "incremental", 0)

        old = {r["url"] for r in manifest_reports(replica)}
        replica.reconfigure(reports=REPORTS + 7)
        new = {r["url"].removeprefix(str(replica)) for r in manifest_reports(replica)
               if r["url"] not in old}
        assert len(new) >= 7
        scheduled(replica, tmp_path)
        assert fetched_articles(replica) == new
        assert count(tmp_path, Document) == reports + len(new)
        assert runs(tmp_path)[0]["new_documents"] == len(new)

    shown = subprocess.run([sys.executable, "-m", "disclosure_archive", "runs", "--format", "json",
                            "--database", f"sqlite:///{tmp_path / 'archive.db'}"],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    listed = json.loads(shown.stdout)
    assert [r["new_documents"] for r in listed] == [len(new), 0, reports]
    assert [r["requests"] for r in listed][1] == unchanged.served["total"]
    assert all(r["exit_code"] == 0 and r["alarms"] == [] for r in listed)


def test_full_mode_downloads_only_the_edited_reports(tmp_path: Path) -> None:
    with serve_replica(ReplicaConfig(reports=REPORTS, seed="edits")) as replica:
        scheduled(replica, tmp_path)
        reports = len(manifest_reports(replica))
        replica.reconfigure(edit=4)
        edited = {r["url"].removeprefix(str(replica)) for r in manifest_reports(replica)
                  if r["edited"]}
        assert len(edited) == 4

        quiet = scheduled(replica, tmp_path)  # incremental: edits of archived reports unseen
        assert "article" not in quiet.served

        full = scheduled(replica, tmp_path, "--mode", "full")
        assert fetched_articles(replica, 200) == edited
        assert full.served["article 304"] == reports - len(edited)
        latest = runs(tmp_path)[0]
        assert (latest["mode"], latest["edited_documents"], latest["new_versions"]) == ("full", 4, 4)
        assert latest["unchanged"] == reports - 4


# ---- anti-bot challenges ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ruishu", "jsl", "wzws"])
def test_a_challenge_is_reported_as_blocked_and_not_hammered(tmp_path: Path, kind: str) -> None:
    config = ReplicaConfig(reports=REPORTS, seed=f"waf-{kind}", faults=FaultConfig(challenge=kind))
    with serve_replica(config) as replica:
        run = scheduled(replica, tmp_path, "-s", "ANTIBOT_MAX_CHALLENGES=3", expect=3)
    assert any(line.startswith("alarm: blocked:") and f"{kind} 3" in line
               for line in run.alarms()), run.out[-3000:]
    # robots.txt, then the two column pages: three challenges and the host is left alone.
    assert run.served["total"] <= 3 + 1, run.served
    assert count(tmp_path, RawPage) == 0 and count(tmp_path, Version) == 0
    latest = runs(tmp_path)[0]
    assert latest["blocked"] == 3 and latest["exit_code"] == 3


def test_every_challenge_kind_is_detected_and_none_is_archived(tmp_path: Path) -> None:
    faults = FaultConfig(challenge="mixed", challenge_rate=0.25)
    with serve_replica(ReplicaConfig(reports=60, seed="waf-mixed", faults=faults)) as replica:
        run = scheduled(replica, tmp_path, "-s", "ANTIBOT_MAX_CHALLENGES=1000",
                        "-s", "ANTIBOT_BACKOFF_DELAY=0.01", "-s", "ANTIBOT_BACKOFF_MAX_DELAY=0.02",
                        expect=3)
        challenged = {target for _, target, _, fault in replica.requests() if fault == "challenge"}
    blocked = next(line for line in run.alarms() if line.startswith("alarm: blocked:"))
    for kind in ("ruishu", "jsl", "wzws"):
        assert kind in blocked
    assert f"answered {len(challenged)} request(s)" in blocked
    engine = open_engine(f"sqlite:///{tmp_path / 'archive.db'}", create=False)
    try:
        with engine.connect() as connection:
            stored = {url.removeprefix(str(replica)) for url in
                      connection.execute(select(RawPage.url)).scalars()}
    finally:
        engine.dispose()
    assert stored and not stored & challenged


# ---- the lock, kills, time limits -------------------------------------------------------------


def _wait_for(predicate: Any, timeout: float = 60) -> None:
    """Poll ``predicate``; an archive file whose schema is still being created counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except ArchiveMissingError:
            pass
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_overlapping_runs_are_refused_and_a_killed_run_resumes(tmp_path: Path) -> None:
    config = ReplicaConfig(reports=REPORTS, seed="lock", faults=FaultConfig(slow_ms=150))
    with serve_replica(config) as replica:
        slow = command(replica, tmp_path, "-s", "CONCURRENT_REQUESTS=1", "-s", "ARCHIVE_BATCH_SIZE=2")
        first = subprocess.Popen(slow, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_for(lambda: (tmp_path / "archive.db").is_file()
                      and count(tmp_path, Version) >= 4)
            second = subprocess.run(command(replica, tmp_path), cwd=REPO_ROOT,
                                    capture_output=True, text=True, timeout=120)
            assert second.returncode == 5, second.stdout + second.stderr
            assert "another crawl is running" in second.stdout
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # the command and its crawl, mid-way
            first.wait(30)
        archived = count(tmp_path, Version)
        reports = len(manifest_reports(replica))
        assert archived < reports

        replica.reconfigure(faults=FaultConfig())
        resumed = scheduled(replica, tmp_path)
    assert "never finished" in resumed.out
    assert count(tmp_path, Version) == reports
    killed, latest = runs(tmp_path)[1], runs(tmp_path)[0]
    assert killed["status"] == "failed" and "never finished" in killed["alarms"][-1]
    assert latest["exit_code"] == 0 and latest["new_documents"] == reports - archived


def test_time_limit_stops_the_crawl_with_its_own_exit_code(tmp_path: Path) -> None:
    config = ReplicaConfig(reports=REPORTS, seed="slow", faults=FaultConfig(slow_ms=400))
    with serve_replica(config) as replica:
        run = scheduled(replica, tmp_path, "--time-limit", "2", "-s", "CONCURRENT_REQUESTS=1",
                        expect=4)
    assert any("time limit" in line for line in run.alarms()), run.out[-3000:]
    assert runs(tmp_path)[0]["exit_code"] == 4
    assert "alarm: time limit" in (tmp_path / "crawl.log").read_text("utf-8")


def test_a_crawl_that_overruns_its_time_limit_is_killed(tmp_path: Path) -> None:
    # Every page hangs longer than limit and grace: Scrapy cannot close in time, so it is killed.
    # (The limit leaves the crawl time to start and record its run.)
    faults = FaultConfig(timeout_rate=1.0, hang_seconds=30, fault_attempts=100)
    with serve_replica(ReplicaConfig(reports=REPORTS, seed="hang", faults=faults)) as replica:
        run = scheduled(replica, tmp_path, "--time-limit", "8", "--kill-grace", "1",
                        "-s", "DOWNLOAD_TIMEOUT=25", expect=4)
    assert any("was killed" in line for line in run.alarms()), run.out[-3000:]
    latest = runs(tmp_path)[0]
    assert latest["status"] == "failed" and latest["alarms"][-1].startswith("time limit: killed")


# ---- alarms -----------------------------------------------------------------------------------


def test_no_reports_where_the_last_run_found_some(tmp_path: Path) -> None:
    with serve_replica(ReplicaConfig(reports=REPORTS, seed="none")) as replica:
        scheduled(replica, tmp_path)
        run = scheduled(replica, tmp_path, columns=str(NOTICE_COLUMN.column_id), expect=1)
    assert any(line.startswith("alarm: no reports:") for line in run.alarms()), run.out[-3000:]


def test_a_column_that_shrank(tmp_path: Path) -> None:
    with serve_replica(ReplicaConfig(reports=REPORTS + 10, seed="shrink")) as replica:
        scheduled(replica, tmp_path)
        replica.reconfigure(reports=REPORTS)
        run = scheduled(replica, tmp_path, expect=1)
    assert any(line.startswith("alarm: column shrank:") for line in run.alarms()), run.out[-3000:]


def test_parse_failures_and_failed_checks_above_their_thresholds(tmp_path: Path) -> None:
    faults = FaultConfig(truncate_rate=0.3, truncate_mode="cut", fault_attempts=100)
    with serve_replica(ReplicaConfig(reports=REPORTS, seed="unreadable", faults=faults)) as replica:
        run = scheduled(replica, tmp_path, "--max-check-failures", "0", expect=1)
    lines = run.alarms()
    assert any(line.startswith("alarm: parse failures:") for line in lines), run.out[-3000:]
    assert any(line.startswith("alarm: failed checks:") for line in lines), run.out[-3000:]
    assert runs(tmp_path)[0]["alarms"] == [line.removeprefix("alarm: ") for line in lines]


# ---- a flaky portal ---------------------------------------------------------------------------


def test_a_flaky_portal_still_ends_with_a_complete_archive(tmp_path: Path) -> None:
    faults = FaultConfig(error_rate=0.10, timeout_rate=0.05, hang_seconds=3, fault_attempts=1)
    with serve_replica(ReplicaConfig(reports=60, seed="flaky", faults=faults)) as replica:
        run = scheduled(replica, tmp_path, "-s", "DOWNLOAD_TIMEOUT=2")
        assert any(k.startswith("fault error") for k in run.served), run.served
        assert run.served.get("fault timeout"), run.served
        expected = {r["index_no"] for r in manifest_reports(replica)}
    engine = open_engine(f"sqlite:///{tmp_path / 'archive.db'}", create=False)
    try:
        with engine.connect() as connection:
            archived = set(connection.execute(select(Document.index_no)).scalars())
            run_row = connection.execute(select(CrawlRun.exit_code, CrawlRun.failures)).one()
    finally:
        engine.dispose()
    assert archived == expected
    assert tuple(run_row) == (0, 0)


def test_the_newer_jpaas_column_is_incremental_too(tmp_path: Path) -> None:
    from replica import jpaas

    config = ReplicaConfig(reports=REPORTS, seed="jpaas-incremental", jpaas_reports=40)
    with serve_replica(config) as replica:
        columns = f"{report_columns(replica)},{jpaas.COLUMN_ID}"
        scheduled(replica, tmp_path, columns=columns)
        reports = len(manifest_reports(replica))
        unchanged = scheduled(replica, tmp_path, columns=columns)
    # robots.txt, three column pages, the jpaas list's first page: nothing else.
    assert unchanged.served["total"] <= 5, unchanged.served
    assert not fetched_articles(replica)
    assert count(tmp_path, Version) == reports
