"""``disclosure-archive search TEXT``: reports whose narrative sections contain TEXT."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, query_archive,
)
from disclosure_archive.commands.reports import FORMATS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search", help="full-text search over the reports' narrative sections",
        description="Find current report versions whose overview, problems or other matters "
                    "contain TEXT (Chinese works; 3+ characters use the index).",
    )
    parser.add_argument("text", metavar="TEXT")
    parser.add_argument("--limit", default="20", help="at most this many hits (default: 20)")
    parser.add_argument("--format", default="table", choices=FORMATS, help="output format (default: table)")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.search import SEARCH_COLUMNS, SearchError, lacks_search_index, search

    try:
        limit = int(args.limit)
    except ValueError:
        return fail("search", f"--limit: not a number: {args.limit!r}")

    def read(engine: Any) -> list[dict[str, Any]]:
        if lacks_search_index(engine):
            print("search: this archive has no search index yet, scanning every report "
                  "(any writing command builds it, e.g. disclosure-archive reparse)", file=sys.stderr)
        return [asdict(hit) for hit in search(engine, args.text, limit)]

    try:
        hits = query_archive(args.database, read, user_errors=(SearchError,))
    except CommandError as error:
        return fail("search", str(error))
    if args.format == "json":
        json.dump(hits, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=SEARCH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(hits)
    else:
        for hit in hits:
            print(f"{hit['index_no']}  {hit['agency']}  {hit['year']}  [{hit['section']}]  {hit['snippet']}")
        print(f"({len(hits)} hits)")
    return 0
