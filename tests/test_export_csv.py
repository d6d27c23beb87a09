"""``disclosure-archive export --format csv``: wide and long forms whose numbers equal the
input reports', valid CSV with a header, and progress that stays silent when not on a terminal.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from disclosure_archive.commands.export import with_progress
from parsers.report import Report
from tests.test_export import filled, run_export  # noqa: F401  (filled is a fixture)
from tests.test_storage_support import database_url  # noqa: F401  (a fixture)


def input_cells(report: Report) -> dict[str, float | int | None]:
    """``table.row.column`` -> value, straight from the input report."""
    cells: dict[str, float | int | None] = {}
    for table in ("proactive", "applications", "review_litigation"):
        for row, columns in (getattr(report, table) or {}).items():
            for column, value in columns.items():
                cells[f"{table}.{row}.{column}"] = value
    return cells


def as_text(value: float | int | None) -> str:
    return "" if value is None else str(value)


def exported_csv(tmp_path: Path, url: str, *argv: str) -> list[dict[str, str]]:
    out = tmp_path / "export.csv"
    assert run_export("--database", url, "--format", "csv", "-o", str(out), *argv) == 0
    text = out.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(len(row) == len(header) and None not in row for row in rows)
    return rows


def test_wide_rows_carry_each_input_reports_numbers(filled: dict[str, Any], tmp_path: Path) -> None:
    rows = exported_csv(tmp_path, filled["url"])
    latest = {report.header.index_no: report for report in filled["latest"]}
    assert sorted(row["key"] for row in rows) == sorted(latest)
    header = list(rows[0])
    assert header[:9] == ["key", "index_no", "agency", "year", "template", "url", "versions",
                          "first_seen", "last_seen"]
    for row in rows:
        report = latest[row["key"]]
        assert (row["agency"], row["year"], row["template"]) == (
            report.agency, str(report.year), report.template)
        cells = input_cells(report)
        assert set(cells) <= set(header)
        for column in header[9:]:
            assert row[column] == as_text(cells.get(column)), column
    reference = next(row for row in rows if row["key"] == "002489604/2024-00117")
    assert reference["applications.granted.natural_person"] == "7"
    assert reference["applications.withheld_security_stability.total"] == "1"
    assert reference["versions"] == "2"
    free_form = next(row for row in rows if row["template"] == "none")
    assert all(free_form[column] == "" for column in header[9:])


def test_wide_header_holds_both_templates_cells_once(filled: dict[str, Any], tmp_path: Path) -> None:
    header = list(exported_csv(tmp_path, filled["url"])[0])
    assert len(header) == len(set(header))
    for template in ("2019", "2021"):
        assert set(input_cells(Report.blank(template))) <= set(header)


def test_long_rows_are_the_cells_of_current_versions(filled: dict[str, Any], tmp_path: Path) -> None:
    rows = exported_csv(tmp_path, filled["url"], "--shape", "long")
    assert list(rows[0]) == ["key", "index_no", "agency", "year", "template", "table", "row",
                             "column", "value"]
    expected = {
        (report.header.index_no, *cell.split(".")): as_text(value)
        for report in filled["latest"] for cell, value in input_cells(report).items()
    }
    got = {(row["key"], row["table"], row["row"], row["column"]): row["value"] for row in rows}
    assert len(rows) == len(expected)
    assert got == expected


def test_stdout_csv_and_unknown_shape(filled: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export("--database", filled["url"], "--format", "csv", "--shape", "long") == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # not a terminal: no progress
    assert len(list(csv.DictReader(io.StringIO(captured.out)))) > 0
    with pytest.raises(SystemExit) as exited:
        run_export("--format", "csv", "--shape", "tall")
    assert exited.value.code == 2
    assert "invalid choice: 'tall'" in capsys.readouterr().err


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_only_on_a_terminal() -> None:
    piped, terminal = Terminal(False), Terminal(True)
    assert list(with_progress(range(25), "documents", piped, every=10)) == list(range(25))
    assert piped.getvalue() == ""
    assert list(with_progress(range(25), "documents", terminal, every=10)) == list(range(25))
    lines = terminal.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines[:2]] == ["export: 10 documents", "export: 20 documents"]
    assert lines[-1] == "export: 25 documents done"
