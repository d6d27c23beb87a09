"""``disclosure-archive export``: every archived document, streamed in constant memory.

JSON Lines: each record is the document's current version in the ``disclosure-report/1`` shape
plus an ``archive`` key with what the archive knows of it (versions, first/last seen, reposts).
CSV, XLSX and Parquet, wide: one row per document, one column per table cell
(``table.row.column``); long: one row per table cell of each current version.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from disclosure_archive.commands._archive import CommandError, fail, first_line, open_archive
from disclosure_archive.commands._progress import PROGRESS_EVERY, with_progress

FORMATS: tuple[str, ...] = ("jsonl", "csv", "xlsx", "parquet")
BINARY_FORMATS: tuple[str, ...] = ("xlsx", "parquet")
SHAPES: tuple[str, ...] = ("wide", "long")

__all__ = ["FORMATS", "PROGRESS_EVERY", "SHAPES", "register", "run", "with_progress"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the archived reports (latest version of each document)",
        description=(
            "Print one line per archived document: its latest version in the "
            "disclosure-report/1 shape plus an 'archive' key (versions, first/last seen, reposts); "
            "or a table, wide (one row per document, a column per table cell) or long (a row per "
            "cell), as CSV, XLSX or Parquet (XLSX and Parquet need --output and the 'export' "
            "extra)."
        ),
    )
    parser.add_argument(
        "--format", default="jsonl", choices=FORMATS, help="output format (default: jsonl)",
    )
    parser.add_argument(
        "--shape", default="wide", choices=SHAPES,
        help="csv/xlsx/parquet: wide = a row per document, long = a row per table cell "
             "(default: wide)",
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

    from storage.export import MissingExtraError

    if args.format in BINARY_FORMATS and not args.output:
        return fail("export", f"--format {args.format} writes a file: pass --output FILE")
    try:
        engine = open_archive(args.database)
    except CommandError as error:
        return fail("export", str(error))
    try:
        if args.format in BINARY_FORMATS:
            count = _write_file(args, engine)
        elif args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = _write(args, engine, out)
        else:
            count = _write(args, engine, sys.stdout)
    except MissingExtraError as error:
        return fail("export", str(error))
    except SQLAlchemyError as error:
        return fail("export", f"reading the archive failed: {first_line(error)}")
    except OSError as error:
        return fail("export", f"cannot write {args.output}: {error.strerror or error}")
    finally:
        engine.dispose()
    if args.output:
        print(f"exported {count} {_unit(args)} to {args.output}", file=sys.stderr)
    return 0


def _unit(args: argparse.Namespace) -> str:
    return "cells" if args.format != "jsonl" and args.shape == "long" else "documents"


def _table(args: argparse.Namespace, engine: Any) -> tuple[list[str], Iterable[Any]]:
    """Header and (progress-reporting) rows of the wide or long table."""
    from storage.export import LONG_COLUMNS, iter_long_rows, iter_wide_rows, wide_header

    if args.shape == "wide":
        return wide_header(), with_progress(iter_wide_rows(engine), "documents")
    return list(LONG_COLUMNS), with_progress(iter_long_rows(engine), "cells")


def _write(args: argparse.Namespace, engine: Any, out: TextIO) -> int:
    from storage.export import iter_document_lines

    if args.format == "jsonl":
        return _write_jsonl(with_progress(iter_document_lines(engine), "documents"), out)
    return _write_csv(*_table(args, engine), out)


def _write_file(args: argparse.Namespace, engine: Any) -> int:
    from storage.export import write_parquet, write_xlsx

    header, rows = _table(args, engine)
    if args.format == "xlsx":
        return write_xlsx(args.output, header, iter(rows), sheet="cells" if args.shape == "long" else "reports")
    return write_parquet(args.output, header, iter(rows))


def _write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], out: TextIO) -> int:
    from storage.export import whole_row

    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(whole_row(row))
        count += 1
    out.flush()
    return count


def _write_jsonl(lines: Iterable[str], out: TextIO) -> int:
    count = 0
    for line in lines:
        out.write(line)
        out.write("\n")
        count += 1
    out.flush()
    return count
