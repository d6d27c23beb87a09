"""``disclosure-archive export``: every archived document, one line each, streamed.

Each JSON Lines record is the document's current version in the ``disclosure-report/1`` shape
plus an ``archive`` key with what the archive knows of it (versions, first/last seen, reposts).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

FORMATS: tuple[str, ...] = ("jsonl",)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the archived reports (latest version of each document)",
        description=(
            "Print one line per archived document: its latest version in the "
            "disclosure-report/1 shape plus an 'archive' key (versions, first/last seen, reposts)."
        ),
    )
    parser.add_argument(
        "--format", default="jsonl", choices=FORMATS, help="output format (default: jsonl)"
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
    from storage.export import iter_documents

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
            with open(args.output, "w", encoding="utf-8") as out:
                count = _write_jsonl(iter_documents(engine), out)
        else:
            count = _write_jsonl(iter_documents(engine), sys.stdout)
    except SQLAlchemyError as error:
        print(f"export: reading the archive failed: {_first_line(error)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.output:
        print(f"exported {count} documents to {args.output}", file=sys.stderr)
    return 0


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
