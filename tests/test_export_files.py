"""XLSX and Parquet writers: streamed in bounded pieces, read back the same, clear without the
optional dependencies."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import storage.export as export
from disclosure_archive.cli import main

HEADER = ("key", "year", "value")
ROWS = [(f"k{n}", 2020 + n % 3, None if n % 4 == 0 else n * 1.5) for n in range(10)]


def test_xlsx_continues_on_new_sheets_past_the_row_limit(tmp_path: Path, monkeypatch) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 4)  # header + 3 rows per sheet
    path = tmp_path / "cells.xlsx"
    assert export.write_xlsx(str(path), HEADER, iter(ROWS), sheet="cells") == len(ROWS)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["cells", "cells (2)", "cells (3)", "cells (4)"]
    rows = []
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == HEADER
        rows += [tuple(r) + (None,) * (3 - len(r)) for r in values[1:]]  # trailing blanks dropped
    assert rows == [(k, y, export.whole(v)) for k, y, v in ROWS]


def test_parquet_writes_record_batches_and_types(tmp_path: Path, monkeypatch) -> None:
    parquet = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr(export, "PARQUET_BATCH_CELLS", 6)  # two rows per batch
    path = tmp_path / "cells.parquet"
    assert export.write_parquet(str(path), HEADER, iter(ROWS)) == len(ROWS)
    table = parquet.read_table(path)
    assert [str(t) for t in table.schema.types] == ["string", "int64", "double"]
    assert parquet.ParquetFile(path).metadata.num_row_groups == 5
    assert [tuple(r.values()) for r in table.to_pylist()] == ROWS


def test_wide_parquet_has_timestamps_and_float_cells(tmp_path: Path) -> None:
    parquet = pytest.importorskip("pyarrow.parquet")
    header = export.wide_header()
    row = ["k", None, "局", 2023, "2021", "u", 1, "2024-03-01T08:00:00+00:00",
           "2024-03-02T08:00:00+00:00"] + [None] * (len(header) - 9)
    row[9] = 7.0
    path = tmp_path / "wide.parquet"
    export.write_parquet(str(path), header, iter([row]))
    back = parquet.read_table(path).to_pylist()[0]
    assert back["first_seen"] == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert back[header[9]] == 7.0 and back["year"] == 2023


@pytest.mark.parametrize("fmt, module", [("xlsx", "openpyxl"), ("parquet", "pyarrow")])
def test_missing_dependency_is_one_line_naming_the_extra(
    fmt: str, module: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    from storage.archive import Archive

    url = f"sqlite:///{tmp_path / 'a.db'}"
    Archive.open(url).close()
    monkeypatch.setitem(sys.modules, module, None)  # import now fails, as when not installed
    monkeypatch.setitem(sys.modules, f"{module}.parquet", None)
    code = main(["export", "--format", fmt, "-o", str(tmp_path / f"out.{fmt}"), "--database", url])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "pip install 'disclosure-archive[export]'" in err and module in err
