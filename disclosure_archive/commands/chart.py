"""``disclosure-archive chart KIND --out FILE.png``: PNG charts of the common views of the archive."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, number, query_archive,
)
from disclosure_archive.commands.reports import _year

KIND_HELP = {
    "applications": "applications received and their outcomes, stacked per report year",
    "outcomes-by-agency": "outcome shares of the applications each agency handled (top N)",
    "check-failures": "reports failing each of the template's sums, per report year",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "chart", help="draw a PNG chart: applications, outcomes-by-agency, check-failures",
        description="Draw a PNG chart over each report's current version (reposts left out). "
                    + "; ".join(f"{kind}: {text}" for kind, text in KIND_HELP.items()) + ".",
    )
    parser.add_argument("kind", metavar="KIND", help=", ".join(KIND_HELP))
    parser.add_argument("--out", "-o", required=True, metavar="FILE.png", help="PNG file to write")
    parser.add_argument("--agency", metavar="TEXT", help="only agencies whose name contains TEXT")
    parser.add_argument("--year", help="only this report year")
    parser.add_argument("--portal", help="only this portal host, e.g. www.hangzhou.gov.cn")
    parser.add_argument("--top", default="15", metavar="N",
                        help="outcomes-by-agency: the N agencies that handled most (default: 15)")
    parser.add_argument("--data", action="store_true", help="also print the plotted numbers as CSV")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.chart_data import KINDS, ChartDataError, ChartFilter, chart_data

    if args.kind not in KINDS:
        return fail("chart", f"unknown chart {args.kind!r}; valid: {', '.join(KINDS)}")
    try:
        year = _year(args.year) if args.year is not None else None
    except argparse.ArgumentTypeError as error:
        return fail("chart", f"--year: {error}")
    try:
        top = int(args.top)
    except ValueError:
        return fail("chart", f"--top: not a number: {args.top!r}")
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        return fail("chart", f"--out: charts are PNG files; give a name ending in .png, not {out.name!r}")
    if not out.parent.is_dir():
        return fail("chart", f"--out: no such directory: {str(out.parent)!r}")
    try:
        from storage.charts import ChartsUnavailable, draw, font_family
    except ImportError:
        return fail("chart", "charts need matplotlib and mplfonts: pip install 'disclosure-archive[charts]'")
    try:
        font_family()
    except ChartsUnavailable as error:
        return fail("chart", str(error))
    where = ChartFilter(agency=args.agency, year=year, portal=args.portal)
    try:
        data = query_archive(args.database, lambda engine: chart_data(engine, args.kind, where, top=top),
                             user_errors=(ChartDataError,))
    except CommandError as error:
        return fail("chart", str(error))
    try:
        draw(data, out)
    except OSError as error:
        return fail("chart", f"cannot write {str(out)!r}: {error.strerror or error}")
    if args.data:
        _print_data(data)
    print(f"wrote {out}: {data.title} ({data.reports} reports)",
          file=sys.stderr if args.data else sys.stdout)
    return 0


def _print_data(data: Any) -> None:
    rows = [*data.series, *([data.markers] if data.markers else [])]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([data.category_name.lower().replace(" ", "_"), *(s.key for s in rows)])
    for n, category in enumerate(data.categories):
        writer.writerow(["" if category is None else category,
                         *(f"{s.values[n]:.4f}" if data.percent and s in data.series
                           else number(s.values[n]) for s in rows)])
