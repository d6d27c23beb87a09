"""Writes are all-or-nothing per batch, survive SIGKILL, and concurrent writers never duplicate.

Every test runs on SQLite and, when DISCLOSURE_TEST_POSTGRES_URL is set, on PostgreSQL. The
killed and concurrent writers are real processes running ``WRITER`` below.
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
from sqlalchemy import text

import storage.writer
from parsers.report import Report
from storage.archive import Archive
from tests.conftest import REPO_ROOT
from tests.test_storage_support import (  # noqa: F401  (database_url is a fixture)
    PORTAL,
    database_url,
    later,
    make_report,
    page_for,
)

CELLS_2021 = sum(
    len(cells)
    for table in (Report.blank("2021").proactive, Report.blank("2021").applications,
                  Report.blank("2021").review_litigation)
    for cells in table.values()  # type: ignore[union-attr]
)

# argv: database URL, first serial, count, order ("forward"/"reverse"), reposts, batch size,
# go-file (wait for it before writing, so that two writers overlap).
WRITER = """
import json, os, sys, time
from storage.archive import Archive
from tests.test_storage_support import PORTAL, later, make_report, page_for
url, first, count, order, reposts, batch, go = sys.argv[1:8]
first, count, reposts, batch = int(first), int(count), int(reposts), int(batch)
items = [make_report(n) for n in range(first, first + count)]
items += [make_report(n, index_no=f"330000000/2024-{n:05d}", url=f"https://www.zj.gov.cn/{n}.html",
                      published="2024-06-30")
          for n in range(first, first + reposts)]
if order == "reverse":
    items.reverse()
archive = Archive.open(url, batch_size=batch, max_delay=3600)
run = archive.start_run("writer", PORTAL)
print(run, flush=True)
while go != "-" and not os.path.exists(go):
    time.sleep(0.01)
for n, report in enumerate(items):
    archive.record(run, page_for(report, at=later(n)), report)
print(json.dumps(archive.finish_run(run).as_dict()), flush=True)
archive.close()
"""


def start_writer(url: str, *args: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, *map(str, args)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def query(archive: Archive, sql: str, **params: Any) -> list[Any]:
    with archive.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def count(archive: Archive, table: str) -> int:
    return query(archive, f"SELECT count(*) FROM {table}")[0][0]


def assert_consistent(archive: Archive) -> None:
    """No half-written report: every version whole, every document's facts matching its rows."""
    broken_versions = query(
        archive,
        "SELECT v.id, (SELECT count(*) FROM table_cells c WHERE c.version_id = v.id), "
        "(SELECT count(*) FROM check_findings f WHERE f.version_id = v.id) FROM versions v",
    )
    assert all(cells == CELLS_2021 and checks == 25 for _, cells, checks in broken_versions)
    documents = query(
        archive,
        "SELECT d.id, d.version_count, d.current_version_id, "
        "(SELECT count(*) FROM versions v WHERE v.document_id = d.id) FROM documents d",
    )
    assert all(kept == counted and current is not None for _, kept, current, counted in documents)
    runs = query(
        archive,
        "SELECT r.pages, (SELECT count(*) FROM raw_pages p WHERE p.run_id = r.id), "
        "r.new_versions, (SELECT count(*) FROM versions) FROM crawl_runs r",
    )
    assert sum(pages for pages, *_ in runs) == sum(kept for _, kept, *_ in runs)
    assert all(pages == kept for pages, kept, *_ in runs)
    assert sum(new for *_, new, _ in runs) == count(archive, "versions")


@pytest.mark.parametrize("failing_step", ["_bounds", "_count"])
def test_a_failure_mid_flush_leaves_nothing_half_written(
    database_url: str, monkeypatch: pytest.MonkeyPatch, failing_step: str
) -> None:
    reports = [make_report(n) for n in range(8)]
    with Archive.open(database_url, batch_size=1000) as archive:
        run = archive.start_run("hangzhou", PORTAL)
        for n, report in enumerate(reports):
            archive.record(run, page_for(report, at=later(n)), report)

        def fail(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk on fire")

        # _bounds runs after documents, versions and cells are inserted; _count after raw pages.
        monkeypatch.setattr(storage.writer, failing_step, fail)
        with pytest.raises(RuntimeError, match="disk on fire"):
            archive.flush()
        for table in ("documents", "versions", "table_cells", "check_findings", "raw_pages",
                      "repost_keys"):
            assert count(archive, table) == 0, table
        assert archive.run_summary(run).pages == 0
        assert archive.pending == len(reports)  # kept for a retry

        monkeypatch.undo()
        summary = archive.finish_run(run)
        assert (summary.pages, summary.new_documents, summary.new_versions) == (8, 8, 8)
        assert count(archive, "documents") == 8
        assert_consistent(archive)


def test_sigkill_at_any_moment_leaves_a_consistent_archive_and_the_next_run_completes_it(
    database_url: str,
) -> None:
    total = 300
    with Archive.open(database_url) as archive:  # creates the schema before the writer starts
        writer = start_writer(database_url, 0, total, "forward", 0, 7, "-")
        deadline = time.monotonic() + 60
        while count(archive, "raw_pages") < 50:
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "writer made no progress"
            time.sleep(0.01)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.communicate()

        kept = count(archive, "documents")
        assert 50 <= kept < total
        assert_consistent(archive)
        assert query(archive, "SELECT status FROM crawl_runs")[0][0] == "running"

    rerun = start_writer(database_url, 0, total, "forward", 0, 50, "-")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert summary["new_documents"] == total - kept
    assert summary["unchanged"] == kept
    with Archive.open(database_url) as archive:
        assert count(archive, "documents") == total
        assert count(archive, "versions") == total
        assert_consistent(archive)


def test_two_writers_archiving_the_same_reports_make_no_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    reports, reposts = 60, 5
    go = tmp_path / "go"
    # Both open the empty database at once: creating the schema must not race either.
    writers = [
        start_writer(database_url, 100, reports, order, reposts, 7, go)
        for order in ("forward", "reverse")
    ]
    for writer in writers:  # both have started their runs: release them together
        assert writer.stdout is not None
        line = writer.stdout.readline().strip()
        assert line.isdigit(), writer.communicate()
    go.touch()
    with Archive.open(database_url) as archive:
        results = [writer.communicate(timeout=120) for writer in writers]
        for writer, (_, err) in zip(writers, results, strict=True):
            assert writer.returncode == 0, err
        summaries = [json.loads(out.splitlines()[-1]) for out, _ in results]

        documents = reports + reposts
        assert count(archive, "documents") == documents
        assert count(archive, "versions") == documents
        assert count(archive, "table_cells") == documents * CELLS_2021
        assert sum(s["new_documents"] for s in summaries) == documents
        assert sum(s["new_versions"] for s in summaries) == documents
        assert all(s["pages"] == documents for s in summaries)
        assert sum(s["unchanged"] for s in summaries) == documents
        # Each repost is linked to its original (published earlier), whichever writer came first.
        links = query(
            archive,
            "SELECT d.key, o.key FROM documents d JOIN documents o ON o.id = d.repost_of_id",
        )
        assert sorted(links) == sorted(
            (f"330000000/2024-{n:05d}", make_report(n).header.index_no)
            for n in range(100, 100 + reposts)
        )
        assert_consistent(archive)


def test_writer_processes_see_the_environment_database_url(tmp_path: Path) -> None:
    """Archive.open() without a URL honours DATABASE_URL, else archive.db in the cwd."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'from-env.db'}"}
    code = "from storage.archive import Archive; Archive.open().close()"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True)
    assert (tmp_path / "from-env.db").is_file()
    env.pop("DATABASE_URL")
    env["PYTHONPATH"] = str(REPO_ROOT)
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True)
    assert (tmp_path / "archive.db").is_file()
