"""``disclosure-archive export``: every archived document, streamed in constant memory.

JSON Lines: each record is the document's current version in the ``disclosure-report/1`` shape
plus an ``archive`` key with what the archive knows of it (versions, first/last seen, reposts).
CSV wide: one row per document, one column per table cell (``table.row.column``).
CSV long: one row per table cell of each current version.
"""

from __future__ import annotations

import argparse
import json
import csv
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

FORMATS: tuple[str, ...] = ("jsonl", "csv")
SHAPES: tuple[str, ...] = ("wide", "long")
PROGRESS_EVERY = 1000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the archived reports (latest version of each document)",
        description=(
            "Print one line per archived document: its latest version in the "
            "disclosure-report/1 shape plus an 'archive' key (versions, first/last seen, reposts); "
            "or CSV, wide (one row per document, a column per table cell) or long (a row per "
            "cell). XLSX and Parquet are not supported yet (they need new dependencies)."
        ),
    )
    parser.add_argument(
        "--format", default="jsonl", choices=FORMATS,
        help="output format (default: jsonl; XLSX and Parquet are not supported yet)",
    )
    parser.add_argument(
        "--shape", default="wide", choices=SHAPES,
        help="CSV only: wide = a row per document, long = a row per table cell (default: wide)",
    )
    parser.add_argument(
        "--database", metavar="URL", default=None,
        help="archive database URL (default: $DATABASE_URL, else sqlite:///archive.db)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", default=None, help="write to FILE instead of stdout"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.database import ArchiveMissingError, open_engine

    try:
        engine = open_engine(args.database, create=False)
    except ArchiveMissingError as error:
        print(f"export: {error}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, ValueError) as error:
        print(f"export: cannot open the archive: {_first_line(error)}", file=sys.stderr)
        return 1
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = _write(args, engine, out)
        else:
            count = _write(args, engine, sys.stdout)
    except SQLAlchemyError as error:
        print(f"export: reading the archive failed: {_first_line(error)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.output:
        unit = "cells" if args.format == "csv" and args.shape == "long" else "documents"
        print(f"exported {count} {unit} to {args.output}", file=sys.stderr)
    return 0


def _write(args: argparse.Namespace, engine: Any, out: TextIO) -> int:
    from storage.export import (
        LONG_COLUMNS, iter_documents, iter_long_rows, iter_wide_rows, wide_header,
    )

    if args.format == "jsonl":
        return _write_jsonl(with_progress(iter_documents(engine), "documents"), out)
    if args.shape == "wide":
        return _write_csv(wide_header(), with_progress(iter_wide_rows(engine), "documents"), out)
    return _write_csv(LONG_COLUMNS, with_progress(iter_long_rows(engine), "cells"), out)


def with_progress(
    items: Iterable[Any], unit: str, stream: TextIO | None = None, every: int = PROGRESS_EVERY
) -> Iterator[Any]:
    """Pass ``items`` through, printing count and rate every ``every`` items to ``stream``
    (stderr) when it is a terminal; silent when it is piped or redirected."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield from items
        return
    start = time.monotonic()
    count = 0
    for count, item in enumerate(items, 1):
        yield item
        if count % every == 0:
            rate = count / max(time.monotonic() - start, 1e-9)
            print(f"export: {count} {unit}, {rate:.0f}/s", file=stream, flush=True)
    print(f"export: {count} {unit} done", file=stream, flush=True)


def _write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(_number(value) for value in row)
        count += 1
    out.flush()
    return count


def _number(value: Any) -> Any:
    """Whole floats as integers (table cells are stored as floats): 7 rather than 7.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _write_jsonl(records: Any, out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    out.flush()
    return count


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
