"""``disclosure-archive history INDEX_NO``: every version of a report and the numbers that changed."""

from __future__ import annotations

import argparse
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, iso, number, query_archive,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history", help="versions of one report and the numbers changed between them",
        description="List every archived version of the report with this index number, oldest "
        "first, with the table cells that changed from the version before.",
    )
    parser.add_argument("index_no", metavar="INDEX_NO")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.queries import NotFoundError, version_history

    try:
        history = query_archive(
            args.database, lambda engine: version_history(engine, args.index_no),
            user_errors=(NotFoundError,),
        )
    except CommandError as error:
        return fail("history", str(error))
    for entry in history:
        print(f"version {entry.number}: seen {iso(entry.first_seen)} .. {iso(entry.last_seen)}, "
              f"{entry.checks_failed} checks failed, {len(entry.changes)} numbers changed")
        for (table, row, column), before, after in entry.changes:
            print(f"  {table}.{row}.{column}: {number(before)} -> {number(after)}")
    return 0
