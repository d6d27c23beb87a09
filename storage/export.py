"""Reading the archive out: every document's current version with the archive's facts about it.

Streams in constant memory: documents are read in id order through ``yield_per`` (a server-side
cursor on PostgreSQL), and the reposts of each partition are fetched with one more query, all in
one read transaction so the output is a consistent snapshot even while a crawl is writing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Text, select, type_coerce
from sqlalchemy.orm import aliased

from storage.models import Document, Version

PARTITION = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def iter_documents(engine: Engine, partition: int = PARTITION) -> Iterator[dict[str, Any]]:
    """One ``disclosure-report/1`` dict per document (its current version) plus key ``archive``.

    ``archive`` holds: key, key_kind, index_no, url (canonical, first seen), portal, versions
    (count), first_seen, last_seen, the current version's content_hash, parser_version and
    seen bounds, repost_of ({key, url} of the document this one repeats, or null) and reposts
    (the documents that repeat this one).
    """
    for row, reposts in _document_rows(engine, partition, raw=False):
        record = dict(row.report)
        record["archive"] = _archive_facts(row, reposts)
        yield record


def iter_document_lines(engine: Engine, partition: int = PARTITION) -> Iterator[str]:
    """``iter_documents`` as JSON text (``ensure_ascii=False``), one string per document.

    On SQLite the stored report text is used as it is (it was written by the same
    ``json.dumps``) and only the ``archive`` object is encoded: the output is the same, without
    decoding and re-encoding every report. Text stored with ``\\u`` escapes (archives written
    before reports were stored as UTF-8) takes the slow path, as does PostgreSQL (JSONB).
    """
    if engine.dialect.name != "sqlite":
        for record in iter_documents(engine, partition):
            yield json.dumps(record, ensure_ascii=False)
        return
    for row, reposts in _document_rows(engine, partition, raw=True):
        facts = _archive_facts(row, reposts)
        stored: str = row.report
        if "\\u" in stored or '"archive"' in stored or not stored.endswith("}") or stored == "{}":
            record = json.loads(stored)
            record["archive"] = facts
            yield json.dumps(record, ensure_ascii=False)
        else:
            yield stored[:-1] + ', "archive": ' + json.dumps(facts, ensure_ascii=False) + "}"


def _document_rows(
    engine: Engine, partition: int, *, raw: bool
) -> Iterator[tuple[Any, list[dict[str, str]]]]:
    """(row, reposts) per document in id order, in one read transaction; ``raw``: the report
    as its stored JSON text instead of a dict."""
    original = aliased(Document)
    repost = aliased(Document)
    report = type_coerce(Version.report, Text()).label("report") if raw else Version.report
    query = (
        select(
            Document.id, Document.key, Document.key_kind, Document.index_no, Document.url,
            Document.portal, Document.version_count, Document.first_seen, Document.last_seen,
            report, Version.content_hash, Version.parser_version,
            Version.first_seen.label("version_first_seen"),
            Version.last_seen.label("version_last_seen"),
            original.key.label("original_key"), original.url.label("original_url"),
        )
        .join(Version, Version.id == Document.current_version_id)
        .outerjoin(original, original.id == Document.repost_of_id)
        .order_by(Document.id)
    )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            result = connection.execution_options(yield_per=partition).execute(query)
            for rows in result.partitions():
                reposts: dict[int, list[dict[str, str]]] = defaultdict(list)
                for of_id, key, url in connection.execute(
                    select(repost.repost_of_id, repost.key, repost.url)
                    .where(repost.repost_of_id.in_([row.id for row in rows]))
                    .order_by(repost.id)
                ):
                    reposts[of_id].append({"key": key, "url": url})
                for row in rows:
                    yield row, reposts.get(row.id, [])


def _archive_facts(row: Any, reposts: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "key": row.key,
        "key_kind": row.key_kind,
        "index_no": row.index_no,
        "url": row.url,
        "portal": row.portal,
        "versions": row.version_count,
        "first_seen": _iso(row.first_seen),
        "last_seen": _iso(row.last_seen),
        "content_hash": row.content_hash,
        "parser_version": row.parser_version,
        "version_first_seen": _iso(row.version_first_seen),
        "version_last_seen": _iso(row.version_last_seen),
        "repost_of": (
            {"key": row.original_key, "url": row.original_url}
            if row.original_key is not None else None
        ),
        "reposts": reposts,
    }


# --------------------------------------------------------------------------------------------
# Flat forms for spreadsheets and data frames
# --------------------------------------------------------------------------------------------

DOCUMENT_COLUMNS: tuple[str, ...] = (
    "key", "index_no", "agency", "year", "template", "url", "versions", "first_seen", "last_seen",
)
LONG_COLUMNS: tuple[str, ...] = (
    "key", "index_no", "agency", "year", "template", "table", "row", "column", "value",
)


def _merge(first: list[str], second: list[str]) -> list[str]:
    """``first`` with the keys only ``second`` has, each placed after its predecessor there."""
    merged = list(first)
    previous: str | None = None
    for key in second:
        if key not in merged:
            merged.insert(merged.index(previous) + 1 if previous is not None else 0, key)
        previous = key
    return merged


def cell_columns() -> list[tuple[str, str, str]]:
    """Every (table, row, column) of either template version, in the template's declared order."""
    from parsers.template import (
        APPLICANT_COLUMNS, APPLICATION_ROWS, PROACTIVE_BLOCKS, REVIEW_COLUMNS, REVIEW_GROUPS,
    )

    blocks = {version: {b.key: [c.key for c in b.columns] for b in PROACTIVE_BLOCKS[version]}
              for version in ("2021", "2019")}
    cells: list[tuple[str, str, str]] = []
    for row in _merge(list(blocks["2021"]), list(blocks["2019"])):
        for column in _merge(blocks["2021"].get(row, []), blocks["2019"].get(row, [])):
            cells.append(("proactive", row, column))
    for application_row in APPLICATION_ROWS:
        cells.extend(("applications", application_row.key, c.key) for c in APPLICANT_COLUMNS)
    for group in REVIEW_GROUPS:
        cells.extend(("review_litigation", group.key, c.key) for c in REVIEW_COLUMNS)
    return cells


def wide_header() -> list[str]:
    return [*DOCUMENT_COLUMNS, *(".".join(cell) for cell in cell_columns())]


def iter_wide_rows(engine: Engine, partition: int = PARTITION) -> Iterator[list[Any]]:
    """One row per document (its current version) matching ``wide_header()``; blanks are None."""
    # The cell columns grouped by (table, row), so each row's dict is looked up once and its
    # columns read by one C-level map: 100,000 reports x ~260 cells stay cheap.
    groups: list[tuple[str, str, list[str]]] = []
    for table, row_key, column in cell_columns():
        if groups and groups[-1][:2] == (table, row_key):
            groups[-1][2].append(column)
        else:
            groups.append((table, row_key, [column]))
    empty: dict[str, Any] = {}
    for record in iter_documents(engine, partition):
        facts = record["archive"]
        row: list[Any] = [
            facts["key"], facts["index_no"], record.get("agency"), record.get("year"),
            record.get("template"), facts["url"], facts["versions"], facts["first_seen"],
            facts["last_seen"],
        ]
        tables = {key: record.get(key) or empty for key in ("proactive", "applications",
                                                            "review_litigation")}
        for table, row_key, columns in groups:
            row.extend(map((tables[table].get(row_key) or empty).get, columns))
        yield row


def iter_long_rows(engine: Engine, partition: int = PARTITION) -> Iterator[tuple[Any, ...]]:
    """One row per table cell of each document's current version, matching ``LONG_COLUMNS``."""
    from storage.models import TableCell

    query = (
        select(
            Document.key, Document.index_no, Version.agency, Version.year, Version.template,
            TableCell.table_key, TableCell.row_key, TableCell.column_key, TableCell.value,
        )
        .join(Version, Version.id == Document.current_version_id)
        .join(TableCell, TableCell.version_id == Version.id)
        .order_by(Document.id, TableCell.table_key, TableCell.row_key, TableCell.column_key)
    )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            result = connection.execution_options(yield_per=partition).execute(query)
            for rows in result.partitions():
                for row in rows:
                    yield tuple(row)


# --------------------------------------------------------------------------------------------
# Spreadsheet and columnar files: XLSX (openpyxl) and Parquet (pyarrow), both streamed
# --------------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header row included
PARQUET_BATCH_CELLS = 500_000  # values per record batch: bounds memory whatever the shape
EXTRA_HINT = "pip install 'disclosure-archive[export]'"


class MissingExtraError(ImportError):
    """An optional dependency of a file format is not installed (message says how to get it)."""


def _require(module: str, fmt: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"{fmt} export needs {module.split('.')[0]}: {EXTRA_HINT}") from None


def whole(value: Any) -> Any:
    """Whole floats as integers (table cells are stored as floats): 7 rather than 7.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole_row(row: Iterable[Any]) -> list[Any]:
    """``whole`` over a row, in one comprehension (the CSV writer calls it 26 million times)."""
    return [int(v) if type(v) is float and v.is_integer() else v for v in row]


def write_xlsx(path: str, header: list[str] | tuple[str, ...], rows: Iterator[Any],
               sheet: str = "reports") -> int:
    """Rows into an XLSX workbook in write-only mode (rows go to disk as they come).

    A worksheet holds at most 1,048,576 rows; longer exports continue on ``sheet (2)`` …, each
    with the header. Returns the number of data rows.
    """
    openpyxl = _require("openpyxl", "XLSX")
    workbook = openpyxl.Workbook(write_only=True)
    count = 0
    worksheet = None
    for row in rows:
        if count % (XLSX_MAX_ROWS - 1) == 0:
            number = count // (XLSX_MAX_ROWS - 1) + 1
            worksheet = workbook.create_sheet(sheet if number == 1 else f"{sheet} ({number})")
            worksheet.append(list(header))
        worksheet.append([whole(value) for value in row])  # type: ignore[union-attr]
        count += 1
    if worksheet is None:
        workbook.create_sheet(sheet).append(list(header))
    workbook.save(path)
    return count


def _parquet_types(header: list[str] | tuple[str, ...]) -> list[Any]:
    pa = _require("pyarrow", "Parquet")
    known = {
        "year": pa.int64(), "versions": pa.int64(), "value": pa.float64(),
        "first_seen": pa.timestamp("us", tz="UTC"), "last_seen": pa.timestamp("us", tz="UTC"),
    }
    cells = set(header[len(DOCUMENT_COLUMNS):]) if list(header[:len(DOCUMENT_COLUMNS)]) == list(
        DOCUMENT_COLUMNS) else set()
    return [known.get(name, pa.float64() if name in cells else pa.string()) for name in header]


def write_parquet(path: str, header: list[str] | tuple[str, ...], rows: Iterator[Any]) -> int:
    """Rows into a Parquet file, one record batch at a time (memory bounded by the batch).

    Cells are float64 (blank = null), year and versions int64, first/last seen UTC timestamps,
    the rest strings. Returns the number of rows.
    """
    pa = _require("pyarrow", "Parquet")
    parquet = _require("pyarrow.parquet", "Parquet")
    types = _parquet_types(header)
    schema = pa.schema([pa.field(name, kind) for name, kind in zip(header, types)])
    stamps = [i for i, kind in enumerate(types) if pa.types.is_timestamp(kind)]
    per_batch = max(1, PARQUET_BATCH_CELLS // len(header))
    count = 0
    with parquet.ParquetWriter(path, schema, compression="zstd") as writer:
        batch: list[list[Any]] = []
        for row in rows:
            row = list(row)
            for i in stamps:
                if isinstance(row[i], str):
                    row[i] = datetime.fromisoformat(row[i])
            batch.append(row)
            if len(batch) >= per_batch:
                count += _write_batch(writer, schema, batch)
                batch = []
        count += _write_batch(writer, schema, batch)
    return count


def _write_batch(writer: Any, schema: Any, batch: list[list[Any]]) -> int:
    import pyarrow as pa

    if not batch:
        return 0
    columns = list(zip(*batch))
    arrays = [pa.array(column, type=field.type) for column, field in zip(columns, schema)]
    writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
    return len(batch)
