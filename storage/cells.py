"""A report's tables and checks as rows for the long, queryable tables of the archive.

Rows are plain tuples in column order (see ``CELL_COLUMNS``/``CHECK_COLUMNS``) because the writer
bulk-loads them: a report has about 200 cells, and this is the hot path of archiving.
"""

from __future__ import annotations

from collections.abc import Iterator

from parsers.report import Report
from storage.fingerprint import TABLE_KEYS

CellRow = tuple[str, str, str, float | None]
CheckRow = tuple[int, str, str, bool | None, str]
CELL_COLUMNS: tuple[str, ...] = ("table_key", "row_key", "column_key", "value")
CHECK_COLUMNS: tuple[str, ...] = ("position", "rule", "scope", "ok", "detail")


def cell_rows(report: Report) -> Iterator[CellRow]:
    """One row per table cell (template keys, blank cells as None), in the report's order."""
    for table_key in TABLE_KEYS:
        table = getattr(report, table_key)
        if not table:
            continue
        for row_key, cells in table.items():
            for column_key, value in cells.items():
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                    raise TypeError(f"{table_key}.{row_key}.{column_key}: not a number: {value!r}")
                yield (table_key, row_key, column_key, None if value is None else float(value))


def check_rows(report: Report) -> Iterator[CheckRow]:
    """One row per check finding, in the order the parser reported them."""
    for position, check in enumerate(report.checks):
        yield (position, check.rule, check.scope, check.ok, check.detail)
