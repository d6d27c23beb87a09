"""Sums of one table row over documents' current versions, grouped, with an optional share.

Answers questions like "how many applications were granted per year" or "what share of new
applications was withheld for 三安全一稳定, by agency". Keys are validated against
``parsers/template.py`` before any SQL runs; user values reach SQL only as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, case, func, select

from parsers.template import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    PROACTIVE_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
)
from storage.models import Document, TableCell

GROUPINGS: tuple[str, ...] = ("year", "agency", "portal")
STATS_COLUMNS: tuple[str, ...] = ("group", "value", "reports", "base", "share")


class StatsKeyError(ValueError):
    """A table, row, column or grouping the template does not declare (message lists valid keys)."""


def _unique(keys: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def table_keys() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """table key -> (row keys, column keys), as the template declares them (all versions)."""
    blocks = [b for template_blocks in PROACTIVE_BLOCKS.values() for b in template_blocks]
    return {
        "proactive": (
            _unique([b.key for b in blocks]),
            _unique([c.key for b in blocks for c in b.columns]),
        ),
        "applications": (
            _unique([r.key for r in APPLICATION_ROWS]), tuple(c.key for c in APPLICANT_COLUMNS),
        ),
        "review_litigation": (
            tuple(g.key for g in REVIEW_GROUPS), tuple(c.key for c in REVIEW_COLUMNS),
        ),
    }


@dataclass(frozen=True)
class StatsQuery:
    table: str
    row: str
    column: str | None = None  # None: "total" where the table has one
    by: str = "year"
    share_of: str | None = None  # a row of the same table, same column
    year: int | None = None
    agency: str | None = None  # substring
    portal: str | None = None
    # Leave out reposts (copies of a report archived elsewhere): counting both would add one
    # agency's numbers twice.
    originals_only: bool = True

    def validated(self) -> StatsQuery:
        """The query with its column resolved; StatsKeyError on any key the template lacks."""
        tables = table_keys()
        if self.table not in tables:
            raise StatsKeyError(f"unknown table {self.table!r}; valid: {', '.join(tables)}")
        rows, columns = tables[self.table]
        for name, value in (("row", self.row), ("share-of row", self.share_of)):
            if value is not None and value not in rows:
                raise StatsKeyError(
                    f"unknown {name} {value!r} in table {self.table}; valid: {', '.join(rows)}"
                )
        column = self.column if self.column is not None else ("total" if "total" in columns else None)
        if column is None:
            raise StatsKeyError(f"table {self.table} needs --column; valid: {', '.join(columns)}")
        if column not in columns:
            raise StatsKeyError(
                f"unknown column {column!r} in table {self.table}; valid: {', '.join(columns)}"
            )
        if self.by not in GROUPINGS:
            raise StatsKeyError(f"unknown grouping {self.by!r}; valid: {', '.join(GROUPINGS)}")
        return replace(self, column=column)


def table_stats(engine: Engine, query: StatsQuery) -> list[dict[str, Any]]:
    """One dict per group: summed value, reports with a number there, base (share-of sum), share.

    Blank cells (NULL) are left out of sums; a group whose cells are all blank sums to None,
    and a share whose base is None or 0 is None rather than a made-up number.
    """
    query = query.validated()
    group = _group_column(query.by)
    is_row = TableCell.row_key == query.row
    value = func.sum(case((is_row, TableCell.value))).label("value")
    reports = func.count(case((is_row, TableCell.value))).label("reports")
    columns: list[Any] = [group.label("group"), value, reports]
    row_keys = [query.row]
    if query.share_of is not None:
        columns.append(func.sum(case((TableCell.row_key == query.share_of, TableCell.value))).label("base"))
        row_keys.append(query.share_of)
    statement = _current_cells(select(*columns), query, row_keys).group_by(group).order_by(group)
    with engine.connect() as connection:
        result = connection.execute(statement).all()
    with_base = query.share_of is not None
    out: list[dict[str, Any]] = []
    for name, total, counted, *rest in result:
        base = rest[0] if with_base else None
        share = total / base if total is not None and base else None
        out.append({"group": name, "value": total, "reports": counted,
                    "base": base, "share": share})
    return out


def _group_column(by: str) -> Any:
    # Documents carry their current version's agency and year: grouping and filtering on them
    # reaches the cells without reading the (wide) version rows.
    return {"year": Document.year, "agency": Document.agency, "portal": Document.portal}[by]


def _current_cells(statement: Any, query: StatsQuery, row_keys: list[str]) -> Any:
    """``statement`` over the current versions' cells of the query's table, column and rows,
    with its filters applied."""
    statement = (
        statement.select_from(Document)
        .join(TableCell, TableCell.version_id == Document.current_version_id)
        .where(TableCell.table_key == query.table, TableCell.column_key == query.column,
               TableCell.row_key.in_(row_keys))
    )
    if query.year is not None:
        statement = statement.where(Document.year == query.year)
    if query.agency:
        statement = statement.where(Document.agency.contains(query.agency, autoescape=True))
    if query.portal:
        statement = statement.where(Document.portal == query.portal)
    if query.originals_only:
        # Not ``repost_of_id IS NULL`` on each joined document: that reads every document's
        # row, while the reposts' ids come once from their own index and the rest of the join
        # stays within the (current_version_id, agency, year) index.
        reposts = select(Document.id).where(Document.repost_of_id.is_not(None))
        statement = statement.where(Document.id.not_in(reposts.correlate(None).scalar_subquery()))
    return statement


def row_sums(engine: Engine, query: StatsQuery, rows: list[str]) -> dict[str, dict[Any, tuple[float | None, int]]]:
    """Several rows of one table in one pass: row -> {group: (sum, reports with a number)}.

    The same sums as ``table_stats`` gives row by row (``query.row`` is validated, the other
    rows must be keys of the same table), for charts that stack many rows.
    """
    query = query.validated()
    known = table_keys()[query.table][0]
    unknown = [row for row in rows if row not in known]
    if unknown:
        raise StatsKeyError(f"unknown row {unknown[0]!r} in table {query.table}; valid: {', '.join(known)}")
    group = _group_column(query.by)
    statement = _current_cells(
        select(group.label("group"), TableCell.row_key, func.sum(TableCell.value),
               func.count(TableCell.value)),
        query, list(rows),
    ).group_by(group, TableCell.row_key)
    sums: dict[str, dict[Any, tuple[float | None, int]]] = {row: {} for row in rows}
    with engine.connect() as connection:
        for group_value, row, value, reports in connection.execute(statement):
            sums[row][group_value] = (value, reports)
    return sums
