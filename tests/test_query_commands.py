"""``reports``, ``show`` and ``history`` over an archive filled through storage's API, checked
against the input reports; the readable views; clear one-line messages on bad input."""

from __future__ import annotations

import copy
import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from disclosure_archive.cli import main
from parsers.report import Check, Report
from parsers.template import APPLICATION_ROWS
from storage.archive import Archive
from tests.test_storage_support import PORTAL, later, make_report, page_for

AGENCIES = ("杭州市商务局", "杭州市民政局", "宁波市商务局")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Report], Report, Report]:
    url = f"sqlite:///{tmp_path_factory.mktemp('q') / 'archive.db'}"
    reports = [
        make_report(serial, agency=AGENCIES[serial % 3], year=2022 + serial % 2)
        for serial in range(1, 7)
    ]
    failing = reports[1]
    failing.checks[0] = Check("row_total", failing.checks[0].scope, False, "total != sum")
    original = reports[0]
    edited = copy.deepcopy(original)
    assert edited.applications
    edited.applications["granted"]["natural_person"] += 5  # type: ignore[operator]
    edited.applications["granted"]["total"] += 5  # type: ignore[operator]
    with Archive.open(url) as store:
        run_id = store.start_run("test", PORTAL)
        for n, report in enumerate(reports):
            store.record(run_id, page_for(report, at=later(n)), report)
        store.record(run_id, page_for(edited, at=later(60)), edited)
        store.finish_run(run_id, {})
    return url, reports, original, edited


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_filters_match_input(archive, capsys) -> None:
    url, reports, _, edited = archive
    current = {r.header.index_no: r for r in reports} | {edited.header.index_no: edited}
    code, out, _ = run(capsys, "reports", "--agency", "商务局", "--year", "2023",
                       "--format", "json", "--database", url)
    assert code == 0
    expected = {k for k, r in current.items() if "商务局" in (r.agency or "") and r.year == 2023}
    rows = json.loads(out)
    assert {row["index_no"] for row in rows} == expected and expected
    code, out, _ = run(capsys, "reports", "--failing", "--format", "csv", "--database", url)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["index_no"] for row in rows] == [reports[1].header.index_no]
    assert rows[0]["checks_failed"] == "1"
    code, out, _ = run(capsys, "reports", "--database", url)
    assert code == 0 and f"({len(current)} reports)" in out
    versions = {row["index_no"]: int(row["versions"]) for row in json.loads(
        run(capsys, "reports", "--format", "json", "--database", url)[1])}
    assert versions[edited.header.index_no] == 2
    assert sum(versions.values()) == len(current) + 1


def test_show_gives_provenance(archive, capsys) -> None:
    url, reports, _, edited = archive
    code, out, _ = run(capsys, "show", edited.header.index_no or "", "--json", "--database", url)
    assert code == 0
    detail = json.loads(out)
    assert detail["url"] == edited.url and detail["version"] == 2 and detail["versions"] == 2
    assert detail["fetched_at"] == later(60).isoformat()
    assert detail["report"]["applications"]["granted"] == edited.applications["granted"]  # type: ignore[index]
    assert len(detail["checks"]) == len(edited.checks)
    code, out, _ = run(capsys, "show", reports[1].header.index_no or "", "--database", url)
    assert code == 0 and "1 failed" in out and reports[1].agency in out


def test_history_lists_changed_numbers(archive, capsys) -> None:
    url, _, original, edited = archive
    code, out, _ = run(capsys, "history", original.header.index_no or "", "--database", url)
    assert code == 0
    changed = [
        f"applications.granted.{column}: {original.applications['granted'][column]} -> {value}"  # type: ignore[index]
        for column, value in edited.applications["granted"].items()  # type: ignore[union-attr]
        if original.applications["granted"][column] != value  # type: ignore[index]
    ]
    assert len(changed) == 2
    assert "version 1:" in out and f"version 2:" in out and "2 numbers changed" in out
    for line in changed:
        assert line in out


def test_views_label_cells_and_list_failures(archive, capsys) -> None:
    url, reports, _, edited = archive
    run(capsys, "reports", "--database", url)  # creates the views
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        label = next(r.label for r in APPLICATION_ROWS if r.key == "withheld_security_stability")
        rows = db.execute(
            "SELECT row_label, column_label, value FROM cells_labelled WHERE index_no = ? AND "
            "is_current = 1 AND row_key = 'withheld_security_stability' AND column_key = 'total'",
            (reports[2].header.index_no,),
        ).fetchall()
        assert len(rows) == 1 and label in rows[0][0] and rows[0][1] == "总计"
        assert rows[0][2] == reports[2].applications["withheld_security_stability"]["total"]  # type: ignore[index]
        assert db.execute("SELECT count(*) FROM cells_labelled WHERE row_label IS NULL").fetchone() == (0,)
        failures = db.execute("SELECT index_no, rule FROM check_failures").fetchall()
        assert failures == [(reports[1].header.index_no, "row_total")]
        latest = db.execute("SELECT count(*), sum(versions) FROM report_latest").fetchone()
        assert latest == (len(reports), len(reports) + 1)
    finally:
        db.close()


@pytest.mark.parametrize("argv, message", [
    (("reports", "--year", "abc"), "reports: --year: not a year: 'abc'"),
    (("show", "0000/none"), "show: no archived report with index number '0000/none'"),
    (("history", "0000/none"), "history: no archived report with index number '0000/none'"),
])
def test_bad_input_gets_one_line(archive, capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv, "--database", archive[0])
    assert code == 1 and out == "" and err.strip() == message


def test_missing_database(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    for command in (("reports",), ("show", "x"), ("history", "x")):
        code, _, err = run(capsys, *command)
        assert code == 1 and len(err.strip().splitlines()) == 1 and "no archive at" in err
