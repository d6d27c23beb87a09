"""Every query command over an archive filled by a real crawl of the replica (then an edited
re-crawl), checked against numbers computed from the replica's own manifest, never from the
archive; then ``reparse`` over stored pages made stale on purpose.

The crawl runs ``scrapy crawl hangzhou`` in a subprocess over HTTP (``crawler/local.py``).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crawler.local import run_crawl
from disclosure_archive.cli import main
from replica.server import ReplicaConfig, RunningReplica, serve_replica
from storage.archive import Archive, FetchedPage
from storage.database import open_engine
from storage.export import iter_documents

REPORTS = 80
SEED = "query-over-crawl"
EDITS = 4


def _reports(replica: RunningReplica) -> list[dict[str, Any]]:
    return [r for r in replica.manifest() if r["kind"] != "other"]


def _crawl(replica: RunningReplica, database_url: str) -> None:
    columns = ",".join(sorted({str(r["column_id"]) for r in _reports(replica)}))
    # Full mode: the re-crawl must revisit the archived reports to find the edits.
    result = run_crawl("hangzhou", str(replica), database_url=database_url,
                       spider_args={"columns": columns, "mode": "full"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats.get("finish_reason") == "finished", result.stderr[-3000:]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A replica crawled into SQLite, edited (``EDITS`` reports) and crawled again."""
    path = tmp_path_factory.mktemp("crawled") / "archive.db"
    url = f"sqlite:///{path}"
    with serve_replica(ReplicaConfig(reports=REPORTS, seed=SEED)) as replica:
        _crawl(replica, url)
        before = {r["index_no"]: r for r in _reports(replica)}
        replica.reconfigure(edit=EDITS)
        _crawl(replica, url)
        after = {r["index_no"]: r for r in _reports(replica)}
        yield {"replica": replica, "url": url, "path": path, "before": before, "current": after}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cell(report: dict[str, Any], table: str, row: str, column: str) -> float | None:
    return ((report.get(table) or {}).get(row) or {}).get(column)


def numbers(report: dict[str, Any]) -> dict[tuple[str, str, str], float | None]:
    return {
        (table, row, column): value
        for table in ("proactive", "applications", "review_litigation")
        for row, cells in (report.get(table) or {}).items()
        for column, value in cells.items()
    }


# ---- reports, show, history ---------------------------------------------------------------------


def test_reports_lists_every_crawled_report_and_filters_like_the_manifest(crawled, capsys) -> None:
    url, current = crawled["url"], crawled["current"]
    code, out, _ = run(capsys, "reports", "--format", "json", "--database", url)
    assert code == 0
    rows = json.loads(out)
    assert {row["index_no"] for row in rows} == set(current)
    assert {row["index_no"]: row["versions"] for row in rows} == {
        key: 2 if record["edited"] else 1 for key, record in current.items()
    }
    some = next(r for r in current.values() if r["agency"])
    agency_part, year = some["agency"][-3:], some["year"]
    code, out, _ = run(capsys, "reports", "--agency", agency_part, "--year", str(year),
                       "--format", "csv", "--database", url)
    expected = {k for k, r in current.items() if agency_part in r["agency"] and r["year"] == year}
    assert {row["index_no"] for row in csv.DictReader(io.StringIO(out))} == expected
    code, out, _ = run(capsys, "reports", "--template", "2019", "--format", "json", "--database", url)
    assert {r["index_no"] for r in json.loads(out)} == {
        k for k, r in current.items() if r["template"] == "2019"
    }
    code, out, _ = run(capsys, "reports", "--failing", "--format", "json", "--database", url)
    broken = {k for k, r in current.items() if r["broken_sum"] and not r["reference"]}
    failing = {r["index_no"] for r in json.loads(out)}
    assert broken and broken <= failing
    assert failing - broken <= {k for k, r in current.items() if r["reference"]}


def test_show_gives_the_served_report_and_where_it_came_from(crawled, capsys) -> None:
    url, current = crawled["url"], crawled["current"]
    key, record = next((k, r) for k, r in current.items() if r["edited"])
    code, out, _ = run(capsys, "show", key, "--json", "--database", url)
    assert code == 0
    detail = json.loads(out)
    assert detail["url"] == record["url"]
    assert (detail["version"], detail["versions"]) == (2, 2)
    assert numbers(detail["report"]) == numbers(record["report"])
    assert detail["report"]["agency"] == record["agency"]


def test_history_after_an_edited_recrawl_lists_exactly_the_changed_numbers(crawled, capsys) -> None:
    url, before, current = crawled["url"], crawled["before"], crawled["current"]
    edited = [k for k, r in current.items() if r["edited"]]
    assert len(edited) == EDITS
    for key in edited:
        old, new = numbers(before[key]["report"]), numbers(current[key]["report"])
        changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        code, out, _ = run(capsys, "history", key, "--database", url)
        assert code == 0
        lines = out.splitlines()
        assert lines[0].startswith("version 1:") and f"{len(changed)} numbers changed" in out
        listed = {line.split(":")[0].strip() for line in lines if line.startswith("  ")}
        assert listed == {".".join(k) for k in changed}


# ---- stats ----------------------------------------------------------------------------------------


def _sums(current: dict[str, dict[str, Any]], by: str, row: str,
          *, reposts: bool = False) -> dict[Any, float]:
    """Sums over the replica's reports, each counted once unless ``reposts``."""
    sums: dict[Any, float] = defaultdict(float)
    for record in current.values():
        if record["repost_of"] is not None and not reposts:
            continue
        value = cell(record["report"], "applications", row, "total")
        if value is not None:
            sums[record[by]] += value
    return sums


def test_stats_sums_by_year_and_shares_by_agency_match_the_manifest(crawled, capsys) -> None:
    url, current = crawled["url"], crawled["current"]
    code, out, _ = run(capsys, "stats", "--row", "granted", "--by", "year", "--format", "json",
                       "--database", url)
    assert code == 0
    got = {row["group"]: row["value"] for row in json.loads(out)["groups"]}
    assert got == pytest.approx(dict(_sums(current, "year", "granted")))
    code, out, _ = run(capsys, "stats", "--row", "granted", "--by", "year", "--format", "json",
                       "--include-reposts", "--database", url)
    assert code == 0
    with_reposts = {row["group"]: row["value"] for row in json.loads(out)["groups"]}
    assert with_reposts == pytest.approx(dict(_sums(current, "year", "granted", reposts=True)))
    assert with_reposts != got  # the replica reposts reports with applications granted
    code, out, _ = run(capsys, "stats", "--row", "withheld_security_stability", "--by", "agency",
                       "--share-of", "new_received", "--format", "json", "--database", url)
    assert code == 0
    rows = {row["group"]: row for row in json.loads(out)["groups"]}
    withheld = _sums(current, "agency", "withheld_security_stability")
    received = _sums(current, "agency", "new_received")
    assert set(rows) == {r["agency"] for r in current.values()
                         if r["template"] != "none" and r["repost_of"] is None}
    for agency, row in rows.items():
        assert row["base"] == (pytest.approx(received[agency]) if agency in received else None)
        if received.get(agency):
            share = withheld[agency] / received[agency] if agency in withheld else None
            assert row["share"] == (pytest.approx(share) if share is not None else None)


# ---- search ---------------------------------------------------------------------------------------


def _containing(current: dict[str, dict[str, Any]], term: str) -> set[str]:
    return {
        key for key, record in current.items()
        if any(term.lower() in (text_ or "").lower()
               for text_ in (record["report"].get("sections") or {}).values())
    }


def _phrase(current: dict[str, dict[str, Any]]) -> str:
    """A 6-character piece of some report's "problems" section shared by several, not all."""
    for record in current.values():
        section = record["report"]["sections"].get("problems") or ""
        for start in range(0, max(0, len(section) - 6), 5):
            piece = section[start:start + 6]
            if piece.strip() == piece and 1 < len(_containing(current, piece)) < len(current):
                return piece
    raise AssertionError("the replica's reports share no phrase")


def test_search_finds_the_reports_whose_text_holds_a_phrase(crawled, capsys) -> None:
    url, current = crawled["url"], crawled["current"]
    phrase = _phrase(current)
    for term in (phrase, phrase[:2]):
        code, out, _ = run(capsys, "search", term, "--limit", "1000", "--format", "json",
                           "--database", url)
        assert code == 0
        assert {hit["index_no"] for hit in json.loads(out)} == _containing(current, term)


def test_search_without_index_scans_with_a_hint_and_reparse_builds_it(crawled, capsys, tmp_path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(crawled["path"], copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("DROP TABLE narrative_fts")
    url, phrase = f"sqlite:///{copy}", _phrase(crawled["current"])
    code, out, err = run(capsys, "search", phrase, "--limit", "1000", "--format", "json", "--database", url)
    assert code == 0 and "no search index" in err and "reparse" in err
    assert {h["index_no"] for h in json.loads(out)} == _containing(crawled["current"], phrase)
    assert run(capsys, "reparse", "--limit", "1", "--database", url)[0] == 0
    code, out, err = run(capsys, "search", phrase, "--limit", "1000", "--format", "json", "--database", url)
    assert code == 0 and err == ""
    assert {h["index_no"] for h in json.loads(out)} == _containing(crawled["current"], phrase)


def test_query_engines_cannot_write(crawled) -> None:
    engine = open_engine(crawled["url"], read_only=True)
    try:
        with engine.connect() as connection, pytest.raises(Exception, match="readonly|read-only"):
            connection.execute(text("DELETE FROM documents"))
    finally:
        engine.dispose()
    with sqlite3.connect(crawled["path"]) as connection:
        assert connection.execute("SELECT count(*) FROM documents").fetchone()[0] == len(crawled["current"])


# ---- export, every format -------------------------------------------------------------------------


def test_export_every_format_carries_the_manifest_numbers(crawled, capsys, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    parquet = pytest.importorskip("pyarrow.parquet")
    url, current = crawled["url"], crawled["current"]
    code, out, _ = run(capsys, "export", "--database", url)
    records = {r["archive"]["index_no"]: r for r in map(json.loads, out.splitlines())}
    assert set(records) == set(current)
    assert all(numbers(records[k]) == numbers(current[k]["report"]) for k in current)
    engine = open_engine(url, read_only=True)
    try:  # the stored-text fast path gives exactly what encoding each document would
        assert out.splitlines() == [json.dumps(d, ensure_ascii=False) for d in iter_documents(engine)]
    finally:
        engine.dispose()

    wide_csv, long_csv = tmp_path / "wide.csv", tmp_path / "long.csv"
    assert run(capsys, "export", "--format", "csv", "-o", str(wide_csv), "--database", url)[0] == 0
    assert run(capsys, "export", "--format", "csv", "--shape", "long", "-o", str(long_csv),
               "--database", url)[0] == 0
    with wide_csv.open(encoding="utf-8") as handle:
        wide = list(csv.reader(handle))
    header, body = wide[0], wide[1:]
    column = header.index("applications.granted.total")
    granted = {row[header.index("index_no")]: row[column] for row in body}
    assert {k: float(v) if v else None for k, v in granted.items()} == {
        k: cell(r["report"], "applications", "granted", "total") for k, r in current.items()
    }
    with long_csv.open(encoding="utf-8") as handle:
        long_rows = list(csv.reader(handle))
    expected_cells = sum(len(numbers(r["report"])) for r in current.values())
    assert len(long_rows) - 1 == expected_cells

    def as_text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return str(value)

    for shape, rows in (("wide", wide), ("long", long_rows)):
        xlsx, pq = tmp_path / f"{shape}.xlsx", tmp_path / f"{shape}.parquet"
        assert run(capsys, "export", "--format", "xlsx", "--shape", shape, "-o", str(xlsx),
                   "--database", url)[0] == 0
        assert run(capsys, "export", "--format", "parquet", "--shape", shape, "-o", str(pq),
                   "--database", url)[0] == 0
        sheet = openpyxl.load_workbook(xlsx, read_only=True).worksheets[0]
        width = len(rows[0])  # read-only openpyxl drops a row's trailing empty cells
        assert [[as_text(v) for v in row] + [""] * (width - len(row))
                for row in sheet.iter_rows(values_only=True)] == rows
        table = parquet.read_table(pq)
        assert table.column_names == rows[0]
        assert [[as_text(v) for v in row.values()] for row in table.to_pylist()] == rows[1:]


def test_jsonl_of_reports_stored_with_ascii_escapes_is_the_same(crawled, capsys, tmp_path) -> None:
    copy = tmp_path / "escaped.db"
    shutil.copy(crawled["path"], copy)
    url = f"sqlite:///{copy}"
    before = run(capsys, "export", "--database", url)[1]
    with sqlite3.connect(copy) as connection:  # as archives written before UTF-8 storage hold them
        for version_id, report in connection.execute("SELECT id, report FROM versions").fetchall():
            connection.execute("UPDATE versions SET report = ? WHERE id = ?",
                               (json.dumps(json.loads(report)), version_id))
    assert run(capsys, "export", "--database", url)[1] == before


def test_binary_formats_need_an_output_file(crawled, capsys) -> None:
    code, _, err = run(capsys, "export", "--format", "parquet", "--database", crawled["url"])
    assert code == 1 and err.strip() == "export: --format parquet writes a file: pass --output FILE"


# ---- reparse --------------------------------------------------------------------------------------


def _summary(out: str) -> dict[str, int]:
    """The counts of reparse's one-line summary."""
    words = out.replace(",", " ").replace("(", " ").replace(")", " ").replace(":", " ").split()
    found = {}
    for name, after in (("pages", "re-parsed"), ("changed", None), ("newly", None),
                        ("still", None), ("unchanged", None)):
        if after:
            found[name] = int(words[words.index(after) + 1])
        else:
            at = words.index(name)
            found[name] = int(words[at - 1] if name != "changed" else words[at - 2])
    return found


def test_reparse_of_a_fresh_crawl_changes_nothing(crawled, capsys, tmp_path) -> None:
    copy = tmp_path / "fresh.db"
    shutil.copy(crawled["path"], copy)
    code, out, _ = run(capsys, "reparse", "--database", f"sqlite:///{copy}")
    assert code == 0
    counts = _summary(out)
    with sqlite3.connect(copy) as connection:
        pages = connection.execute(
            # 304 answers of the full re-crawl have no body to read again
            "SELECT count(*) FROM raw_pages WHERE version_id IS NOT NULL AND body IS NOT NULL"
            " AND http_status = 200"
        ).fetchone()[0]
    assert counts == {"pages": pages, "changed": 0, "newly": 0, "still": 0, "unchanged": pages}


def test_reparse_restores_stale_versions_and_reads_pages_that_failed(crawled, capsys, tmp_path) -> None:
    copy = tmp_path / "stale.db"
    shutil.copy(crawled["path"], copy)
    url, current, replica = f"sqlite:///{copy}", crawled["current"], crawled["replica"]
    stale = sorted(k for k, r in current.items() if not r["edited"] and r["template"] != "none")[:2]
    with sqlite3.connect(copy) as connection:
        # An older parser misread 予以公开 of two reports: their current versions say 999999.
        for key in stale:
            version_id = connection.execute(
                "SELECT current_version_id FROM documents WHERE index_no = ?", (key,)
            ).fetchone()[0]
            report = json.loads(connection.execute(
                "SELECT report FROM versions WHERE id = ?", (version_id,)).fetchone()[0])
            report["applications"]["granted"]["total"] = 999999
            connection.execute(
                "UPDATE versions SET report = ?, content_hash = ?, parser_version = '0.9' WHERE id = ?",
                (json.dumps(report, ensure_ascii=False), f"{version_id:064d}", version_id))
            connection.execute(
                "UPDATE table_cells SET value = 999999 WHERE version_id = ? AND table_key = "
                "'applications' AND row_key = 'granted' AND column_key = 'total'", (version_id,))
    # Pages an older parser could not read: a report's page (fetched again
    # under another URL), one non-report,
    # and one truncated fetch (not the parser's business: left alone).
    served = {r["index_no"]: r for r in _reports(replica)}
    newcomer = next(k for k in sorted(served) if k not in stale and not current[k]["edited"])
    body = urllib.request.urlopen(served[newcomer]["url"], timeout=10).read()
    at = datetime(2020, 1, 1, tzinfo=UTC)
    with Archive.open(url) as store:
        run_id = store.start_run("older-parser", "replica")
        store.record(run_id, FetchedPage(served[newcomer]["url"] + "?copy=1", 200, at, body,
                                         {"Content-Type": "text/html; charset=utf-8"}),
                     None, error="parse error: table not recognised")
        store.record(run_id, FetchedPage(str(replica) + "/about.html", 200, at,
                                         b"<html><body><p>about us</p></body></html>"),
                     None, error="not a report: no tables")
        store.record(run_id, FetchedPage(str(replica) + "/cut.html", 200, at, body[:500],
                                         {"Content-Length": str(len(body))}), None)
        store.finish_run(run_id, {})
    code, out, _ = run(capsys, "reparse", "--database", url)
    assert code == 0, out
    counts = _summary(out)
    assert (counts["changed"], counts["newly"], counts["still"]) == (2, 1, 1)
    for key in stale:
        code, out, _ = run(capsys, "show", key, "--json", "--database", url)
        detail = json.loads(out)
        assert numbers(detail["report"]) == numbers(current[key]["report"])
        assert detail["parser_version"] != "0.9" and detail["versions"] == 2
    # The newly read page joined its document: same content, so no new version.
    code, out, _ = run(capsys, "show", newcomer, "--json", "--database", url)
    assert json.loads(out)["versions"] == 1
    with sqlite3.connect(copy) as connection:
        errors = dict(connection.execute(
            "SELECT url, parse_error FROM raw_pages WHERE version_id IS NULL").fetchall())
    assert errors[str(replica) + "/cut.html"].startswith("truncated")
    assert errors[str(replica) + "/about.html"].startswith("not a report")
    again = _summary(run(capsys, "reparse", "--database", url)[1])
    assert (again["changed"], again["newly"], again["still"]) == (0, 0, 1)
    assert run(capsys, "reparse", "--only-failed", "--database", url)[1].startswith("re-parsed 1 pages")


def test_reparse_bad_input(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "reparse", "--limit", "x", "--database", f"sqlite:///{tmp_path / 'a.db'}")
    assert code == 1 and "--limit" in err
    code, _, err = run(capsys, "reparse", "--database", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1 and "no archive" in err and len(err.strip().splitlines()) == 1
