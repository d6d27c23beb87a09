"""``disclosure-archive stats``: sums (and shares) of a table row over current versions, grouped."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, number, query_archive,
)
from disclosure_archive.commands.reports import FORMATS, _width

TABLES: tuple[str, ...] = ("proactive", "applications", "review_litigation")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats", help="sums and shares of a table row, grouped by year, agency or portal",
        description="Sum one table row (one column of it, default total) over each document's "
                    "current version, grouped; optionally as a share of another row.",
    )
    parser.add_argument("--table", default="applications", help=f"table key ({', '.join(TABLES)})")
    parser.add_argument("--row", required=True, help="row key of parsers/template.py, e.g. granted")
    parser.add_argument("--column", help="column key (default: total)")
    parser.add_argument("--by", default="year", help="group by year, agency or portal (default: year)")
    parser.add_argument("--share-of", metavar="ROW", help="also give value / sum of this row")
    parser.add_argument("--year", help="only this report year")
    parser.add_argument("--agency", metavar="TEXT", help="agency name contains TEXT")
    parser.add_argument("--include-reposts", action="store_true",
                        help="also count reposts (copies of a report published on another portal); "
                             "by default each report is counted once")
    parser.add_argument("--format", default="table", choices=FORMATS, help="output format (default: table)")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.stats import StatsKeyError, StatsQuery, table_stats

    try:
        year = int(args.year) if args.year is not None else None
    except ValueError:
        return fail("stats", f"--year: not a year: {args.year!r}")
    query = StatsQuery(table=args.table, row=args.row, column=args.column, by=args.by,
                       share_of=args.share_of, year=year, agency=args.agency,
                       originals_only=not args.include_reposts)
    try:
        query = query.validated()
    except StatsKeyError as error:
        return fail("stats", str(error))
    try:
        rows = query_archive(args.database, lambda engine: table_stats(engine, query))
    except CommandError as error:
        return fail("stats", str(error))
    {"table": _table, "json": _json, "csv": _csv}[args.format](rows, query)
    return 0


def _json(rows: list[dict[str, Any]], query: Any) -> None:
    """One compact object in one ``json.dumps`` call: its C encoder writes thousands of groups
    in milliseconds, while ``json.dump``, ``indent`` or a call per group run in Python and cost
    far more. ``--format table`` is the one for reading."""
    sys.stdout.write(json.dumps({"table": query.table, "row": query.row, "column": query.column,
                                 "by": query.by, "share_of": query.share_of, "groups": rows},
                                ensure_ascii=False) + "\n")


def _csv(rows: list[dict[str, Any]], query: Any) -> None:
    from storage.stats import STATS_COLUMNS

    writer = csv.DictWriter(sys.stdout, fieldnames=STATS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _table(rows: list[dict[str, Any]], query: Any) -> None:
    heads = [query.by, f"{query.row}.{query.column}", "reports"]
    if query.share_of:
        heads += [f"{query.share_of}.{query.column}", "share"]
    cells = []
    for row in rows:
        line = ["" if row["group"] is None else str(row["group"]), number(row["value"]), str(row["reports"])]
        if query.share_of:
            line += [number(row["base"]), "-" if row["share"] is None else f"{row['share']:.2%}"]
        cells.append(line)
    widths = [max([_width(h)] + [_width(c[i]) for c in cells]) for i, h in enumerate(heads)]
    for line in [heads, *cells]:
        print("  ".join(v + " " * (w - _width(v)) for v, w in zip(line, widths)).rstrip())
