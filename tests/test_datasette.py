"""Browsing the archive with datasette: the metadata file matches the schema, ``browse`` refuses
bad input in one line, and in a real headless Chromium the views of an archive filled by a
crawl of the replica show the Chinese labels, the published numbers and the descriptions."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from disclosure_archive.cli import main
from parsers.template import APPLICATION_GROUP_LABELS, RESULTS_LABEL, application_rows
from replica.server import RunningReplica
from storage.database import open_engine
from storage.datasette import datasette_command, has_pending_wal, load_metadata, metadata_for
from storage.views import VIEW_NAMES, create_views
from tests.test_charts import crawl_into

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DB_NAME = "replica-crawl"  # not the default "archive": browse renames the metadata's entry


# ---- the metadata and the command, without a browser -------------------------------------------


def test_metadata_describes_every_table_view_and_column(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    open_engine(url).dispose()
    with sqlite3.connect(tmp_path / "archive.db") as db:
        names = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        columns = {name: {row[1] for row in db.execute(f"PRAGMA table_info({name})")} for name in names}
    tables = load_metadata()["databases"]["archive"]["tables"]
    names = {n for n in names if not n.startswith("narrative_fts_")}  # FTS5's own shadow tables
    assert names <= set(tables), f"not described: {names - set(tables)}"
    assert set(VIEW_NAMES) <= names
    for name, entry in tables.items():
        assert entry["title"] and entry["description"]
        assert set(entry.get("columns", {})) <= columns[name], name
        wanted = [*entry.get("facets", []), *[entry[k] for k in ("sort", "sort_desc") if k in entry]]
        assert set(wanted) <= columns[name], name
    renamed = metadata_for("my-db")
    assert list(renamed["databases"]) == ["my-db"]
    assert "/my-db/report_latest" in renamed["description_html"]


def test_browse_is_read_only_and_waits_for_a_quiet_file(tmp_path) -> None:
    db = tmp_path / "archive.db"
    open_engine(f"sqlite:///{db}").dispose()
    command = datasette_command(db, tmp_path / "m.json", port=9999)
    assert command[command.index("-i") + 1] == str(db)
    assert not has_pending_wal(db)
    writer = sqlite3.connect(db)  # a crawl in progress: its writes sit in the WAL
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO repost_keys VALUES ('x', 1, NULL)")
        writer.commit()
        assert has_pending_wal(db)
    finally:
        writer.close()
    assert "-i" not in datasette_command(db, tmp_path / "m.json", immutable=False)


@pytest.mark.parametrize("argv, fragment", [
    (("--db", "missing.db"), "no archive at"),
    (("--db", "postgresql://u@127.0.0.1/x"), "datasette browses SQLite archives"),
    (("--db", "archive.db", "--port", "http"), "--port: not a port number"),
])
def test_browse_bad_input_gets_one_line(tmp_path, capsys, monkeypatch, argv, fragment) -> None:
    monkeypatch.chdir(tmp_path)
    open_engine(f"sqlite:///{tmp_path / 'archive.db'}").dispose()
    code = main(["browse", *argv])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1


# ---- datasette serving a crawled archive, in a real browser -----------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(process: subprocess.Popen[str], url: str, patience: float = 120) -> None:
    """Poll until datasette answers; fail with its output if it exits or never answers."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"browse exited with {process.returncode}: {process.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    pytest.fail(f"datasette did not answer at {url}")


class Served:
    def __init__(self, base: str, reports: list[dict[str, Any]], tmp: Path) -> None:
        self.base = base
        self.reports = reports
        self.tmp = tmp

    def url(self, path: str, **query: str) -> str:
        return f"{self.base}/{DB_NAME}/{path}" + (f"?{urlencode(query)}" if query else "")


@pytest.fixture(scope="module")
def crawled(replica: RunningReplica, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    db = tmp_path_factory.mktemp("datasette") / f"{DB_NAME}.db"
    return db, crawl_into(replica, f"sqlite:///{db}")


def example_queries() -> list[str]:
    text = (REPO_ROOT / "storage" / "README.md").read_text(encoding="utf-8")
    block = text.split("## Example queries", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_documented_example_queries_answer(crawled) -> None:
    db, reports = crawled
    queries = example_queries()
    assert len(queries) >= 5
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        answers = [connection.execute(query).fetchall() for query in queries]
    originals = [r for r in reports if r["repost_of"] is None and r["template"] != "none"]
    received = Counter()
    for report in originals:
        received[report["year"]] += report["report"]["applications"]["new_received"]["total"] or 0
    assert {year: total for year, total, _ in answers[0]} == dict(received)
    assert answers[2], "the reference report's table 3"
    assert {row[2] for row in answers[3]} == {r["index_no"] for r in reports if r["broken_sum"]}


def test_views_of_an_older_release_are_replaced(tmp_path) -> None:
    db = tmp_path / "old.db"
    open_engine(f"sqlite:///{db}").dispose()
    with sqlite3.connect(db) as connection:
        connection.execute("DROP VIEW cells_labelled")
        connection.execute("CREATE VIEW cells_labelled AS SELECT version_id FROM table_cells")
    engine = open_engine(f"sqlite:///{db}", create=False)
    try:
        create_views(engine)
    finally:
        engine.dispose()
    with sqlite3.connect(db) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(cells_labelled)")]
    assert "print_order" in columns and "row_label" in columns


@pytest.fixture(scope="module")
def served(crawled) -> Iterator[Served]:
    db, reports = crawled
    tmp = db.parent
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "disclosure_archive", "browse", "--db", str(db), "--port", str(port)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(process, base + "/")
        yield Served(base, reports, tmp)
    finally:
        process.terminate()  # browse passes it on to datasette
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not has_pending_wal(db)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("DISCLOSURE_CHROMIUM_PATH") or None
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                                  args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means: no browser here
            pytest.skip(f"no launchable Chromium ({str(error).splitlines()[0]}); "
                        "set DISCLOSURE_CHROMIUM_PATH=/usr/bin/chromium")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        yield opened
    finally:
        opened.close()


def visit(page: Any, url: str) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, url


def test_report_latest_lists_every_report(page: Any, served: Served, tmp_path: Path) -> None:
    visit(page, served.url("report_latest", _size="max"))
    metadata = load_metadata()["databases"]["archive"]["tables"]["report_latest"]
    assert page.locator("h1").inner_text().startswith(metadata["title"])
    text = page.locator("body").inner_text()
    assert metadata["description"] in text
    assert metadata["columns"]["checks_failed"] in text
    assert f"{len(served.reports)} rows" in page.locator("h3").first.inner_text()
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == len(served.reports)
    shown = {
        row.locator("td.col-index_no").inner_text(): row for row in rows.all()
    }
    for report in served.reports:
        row = shown[report["index_no"]]
        assert row.locator("td.col-agency").inner_text() == report["agency"]
        assert row.locator("td.col-year").inner_text() == str(report["year"])
        assert row.locator("td.col-template").inner_text() == report["template"]
    facet = {
        item.split()[0]: int(item.split()[-1])
        for item in page.locator("#facet-year li").all_inner_texts() if item.split()
    }
    assert facet == Counter(str(r["year"]) for r in served.reports)
    page.screenshot(path=str(tmp_path / "report_latest.png"), full_page=True)
    assert (tmp_path / "report_latest.png").stat().st_size > 10_000


def expected_label(row: Any) -> str:
    """The label the view shows for a table-3 row: the group heading, then the row's own."""
    if row.group and row.group != row.label:
        return f"{row.group}{row.label}"
    return row.label


def test_one_reports_cells_show_labels_and_numbers(page: Any, served: Served, tmp_path: Path) -> None:
    candidates = [r for r in served.reports if r["template"] == "2021" and r["repost_of"] is None]
    report = max(candidates, key=lambda r: r["report"]["applications"]["new_received"]["total"] or 0)
    published = report["report"]["applications"]
    assert published["new_received"]["total"], "a report with applications to look at"
    visit(page, served.url("cells_labelled", index_no=report["index_no"], is_current="1",
                           table_key="applications", column_key="total", _sort="print_order"))
    metadata = load_metadata()["databases"]["archive"]["tables"]["cells_labelled"]
    assert page.locator("h1").inner_text().startswith(metadata["title"])
    assert metadata["columns"]["row_label"] in page.locator("body").inner_text()
    rows = page.locator("table.rows-and-columns tbody tr").all()
    shown = [(row.locator("td.col-row_key").inner_text(), row.locator("td.col-row_label").inner_text(),
              row.locator("td.col-value").inner_text().strip()) for row in rows]
    template_rows = application_rows("2021")
    assert [key for key, _, _ in shown] == [r.key for r in template_rows]  # printed order
    for (key, label, value), row in zip(shown, template_rows):
        assert label == expected_label(row)
        number = published[key]["total"]
        assert (float(value) if value else None) == number, (key, value, number)
    labels = " ".join(label for _, label, _ in shown)
    for heading in (RESULTS_LABEL, *APPLICATION_GROUP_LABELS, "危及“三安全一稳定”"):
        assert heading in labels
    shot = tmp_path / "cells_labelled.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_home_page_links_to_the_views(page: Any, served: Served) -> None:
    visit(page, served.base + "/")
    for view in VIEW_NAMES:
        link = page.locator(f"a[href='/{DB_NAME}/{quote(view)}']").first
        assert link.inner_text() == view
    page.locator(f"a[href='/{DB_NAME}/check_failures']").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Sums that do not hold")
    failing = [r for r in served.reports if r["broken_sum"] and r["template"] != "none"]
    assert failing, "the replica publishes reports whose sums do not hold"
    shown = set(page.locator("table.rows-and-columns td.col-index_no").all_inner_texts())
    assert {r["index_no"] for r in failing} <= shown
