"""``disclosure-archive reports``: the archived reports matching filters, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, iso, query_archive,
)

FORMATS: tuple[str, ...] = ("table", "json", "csv")
TABLE_COLUMNS: tuple[str, ...] = ("index_no", "agency", "year", "template", "versions", "checks_failed", "portal")


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reports", help="list archived reports (latest version of each document)",
        description="List archived reports, filtered by agency, year, template, portal or failing checks.",
    )
    parser.add_argument("--agency", metavar="TEXT", help="agency name contains TEXT")
    parser.add_argument("--year", type=str, help="report year")
    parser.add_argument("--template", choices=("2019", "2021", "none"), help="template version")
    parser.add_argument("--portal", help="portal host, e.g. www.hangzhou.gov.cn")
    parser.add_argument("--failing", action="store_true", help="only reports whose sums do not hold")
    parser.add_argument("--format", default="table", choices=FORMATS, help="output format (default: table)")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.queries import ReportFilter, list_reports

    try:
        year = _year(args.year) if args.year is not None else None
    except argparse.ArgumentTypeError as error:
        return fail("reports", f"--year: {error}")
    wanted = ReportFilter(
        agency=args.agency, year=year, template=args.template, portal=args.portal,
        failing=args.failing,
    )
    try:
        rows = query_archive(args.database, lambda engine: list_reports(engine, wanted))
    except CommandError as error:
        return fail("reports", str(error))
    rows = [{k: iso(v) for k, v in row.items()} for row in rows]
    {"table": _table, "json": _json, "csv": _csv}[args.format](rows)
    return 0


def _json(rows: list[dict[str, Any]]) -> None:
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _csv(rows: list[dict[str, Any]]) -> None:
    from storage.queries import REPORT_COLUMNS

    writer = csv.DictWriter(sys.stdout, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _table(rows: list[dict[str, Any]]) -> None:
    cells = [[("" if row[c] is None else str(row[c])) for c in TABLE_COLUMNS] for row in rows]
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(TABLE_COLUMNS)]
    for line in [list(TABLE_COLUMNS), *cells]:
        print("  ".join(v + " " * (w - _width(v)) for v, w in zip(line, widths)).rstrip())
    print(f"({len(rows)} reports)")


def _width(text: str) -> int:
    """Terminal width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
