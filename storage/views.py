"""Readable SQL views over the archive, for people who open the database directly.

- ``report_latest``: one row per document with its current version's facts;
- ``cells_labelled``: every table cell with the template's Chinese row and column labels
  beside its keys (labels come from ``parsers/template.py``, the one place that spells them);
- ``check_failures``: the sums that do not hold in each document's current version.

``create_views`` is idempotent (``CREATE OR REPLACE VIEW`` on PostgreSQL; on SQLite a view made
by an older release is dropped first, then ``CREATE VIEW IF NOT EXISTS``); the schema's creation
makes them, and the query commands make sure of them before reading an archive made before they
existed or changed. Computed columns are CAST to their
type so that they compare like table columns (``is_current = '1'``, as datasette filters).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine

from parsers.template import (
    APPLICANT_COLUMNS,
    PROACTIVE_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TEMPLATE_VERSIONS,
    application_rows,
)
from storage.database import WRITE_OPTION

VIEW_NAMES: tuple[str, ...] = ("report_latest", "cells_labelled", "check_failures")

LabelRow = tuple[str, str, str, str]  # template, table_key, key, label


def row_labels() -> Iterator[LabelRow]:
    """(template, table, row key, label) for every row the template declares."""
    for template in TEMPLATE_VERSIONS:
        for block in PROACTIVE_BLOCKS[template]:
            yield (template, "proactive", block.key, block.label)
        for row in application_rows(template):
            label = f"{row.group}{row.label}" if row.group and row.group != row.label else row.label
            yield (template, "applications", row.key, label)
        for group in REVIEW_GROUPS:
            yield (template, "review_litigation", group.key, group.label)


def column_labels() -> Iterator[LabelRow]:
    """(template, table, column key, label) for every column, first label of a key wins."""
    for template in TEMPLATE_VERSIONS:
        seen: set[str] = set()
        for block in PROACTIVE_BLOCKS[template]:
            for column in block.columns:
                if column.key not in seen:
                    seen.add(column.key)
                    yield (template, "proactive", column.key, column.label)
        for column in APPLICANT_COLUMNS:
            yield (template, "applications", column.key, column.label)
        for column in REVIEW_COLUMNS:
            yield (template, "review_litigation", column.key, column.label)


def _literal(value: str) -> str:
    """A SQL string literal of template data (constants of our own, never user input)."""
    return "'" + value.replace("'", "''") + "'"


def _positioned(rows: Iterator[LabelRow]) -> str:
    """The rows as VALUES with each key's 1-based place in its printed table (rows or columns)."""
    places: dict[tuple[str, str], int] = {}
    values = []
    for row in rows:
        place = places[row[:2]] = places.get(row[:2], 0) + 1
        values.append("(" + ", ".join(_literal(v) for v in row) + f", {place})")
    return ",\n    ".join(values)


def view_bodies() -> dict[str, str]:
    """The SELECT behind each view, portable between SQLite and PostgreSQL."""
    return {
        "report_latest": """
SELECT d.id AS document_id, d.key, d.index_no, v.agency, v.year, v.template, d.portal, d.url,
       v.title, v.publish_date, d.version_count AS versions, d.first_seen, d.last_seen,
       v.checks_failed, d.current_version_id AS version_id, d.repost_of_id
FROM documents d JOIN versions v ON v.id = d.current_version_id""",
        "cells_labelled": f"""
WITH row_labels(template, table_key, row_key, row_label, row_place) AS (VALUES
    {_positioned(row_labels())}),
column_labels(template, table_key, column_key, column_label, column_place) AS (VALUES
    {_positioned(column_labels())})
SELECT d.key, d.index_no, v.agency, v.year, v.template, c.version_id,
       CAST(CASE WHEN d.current_version_id = c.version_id THEN 1 ELSE 0 END AS INTEGER)
         AS is_current,
       c.table_key, c.row_key, r.row_label, c.column_key, l.column_label, c.value,
       r.row_place * 100 + l.column_place AS print_order
FROM table_cells c
JOIN versions v ON v.id = c.version_id
JOIN documents d ON d.id = v.document_id
LEFT JOIN row_labels r
  ON r.template = v.template AND r.table_key = c.table_key AND r.row_key = c.row_key
LEFT JOIN column_labels l
  ON l.template = v.template AND l.table_key = c.table_key AND l.column_key = c.column_key""",
        "check_failures": """
SELECT d.key, d.index_no, v.agency, v.year, v.template, f.version_id, f.position, f.rule,
       f.scope, f.detail
FROM documents d JOIN versions v ON v.id = d.current_version_id
JOIN check_findings f ON f.version_id = v.id
WHERE NOT f.ok""",
    }


def create_views(engine: Engine) -> None:
    """Create (SQLite: if missing; PostgreSQL: or replace) the readable views."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        with connection.begin():
            create_views_in(connection)


def create_views_in(connection: Connection) -> None:
    """The same, inside the caller's transaction (the schema's creation takes its lock first)."""
    postgresql = connection.dialect.name == "postgresql"
    verb = "CREATE OR REPLACE VIEW" if postgresql else "CREATE VIEW IF NOT EXISTS"
    for name, body in view_bodies().items():
        if not postgresql:
            _drop_if_outdated(connection, name, body)
        connection.exec_driver_sql(f"{verb} {name} AS {body}")


def _drop_if_outdated(connection: Connection, name: str, body: str) -> None:
    """SQLite has no CREATE OR REPLACE VIEW: drop a view made by an older release."""
    stored = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (name,)
    ).scalar()
    if stored is not None and not stored.endswith(body):
        connection.exec_driver_sql(f"DROP VIEW {name}")


def drop_views_in(connection: Connection) -> None:
    """Drop the views that exist, in the caller's transaction (before the tables they read change)."""
    for name in reversed(VIEW_NAMES):
        connection.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
