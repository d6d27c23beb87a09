"""A report's tables and checks as rows for the long, queryable tables of the archive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsers.report import Report
from storage.fingerprint import TABLE_KEYS


def cell_rows(version_id: int, report: Report) -> Iterator[dict[str, Any]]:
    """One row per table cell (template keys, blank cells as None), in the report's order."""
    for table_key in TABLE_KEYS:
        table = getattr(report, table_key)
        if not table:
            continue
        for row_key, cells in table.items():
            for column_key, value in cells.items():
                if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
                    raise TypeError(f"{table_key}.{row_key}.{column_key}: not a number: {value!r}")
                yield {
                    "version_id": version_id,
                    "table_key": table_key,
                    "row_key": row_key,
                    "column_key": column_key,
                    "value": None if value is None else float(value),
                }


def check_rows(version_id: int, report: Report) -> Iterator[dict[str, Any]]:
    """One row per check finding, in the order the parser reported them."""
    for position, check in enumerate(report.checks):
        yield {
            "version_id": version_id,
            "position": position,
            "rule": check.rule,
            "scope": check.scope,
            "ok": check.ok,
            "detail": check.detail,
        }
