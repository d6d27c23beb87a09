"""``disclosure-archive show INDEX_NO``: one report with its provenance (URL, fetch, version, checks)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, iso, number, query_archive,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "show", help="show one archived report with its provenance",
        description="Show the latest version of the report with this index number (索引号) or key.",
    )
    parser.add_argument("index_no", metavar="INDEX_NO")
    parser.add_argument("--json", action="store_true", help="print the report and provenance as JSON")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from storage.queries import NotFoundError, show_report

    try:
        detail = query_archive(
            args.database, lambda engine: show_report(engine, args.index_no),
            user_errors=(NotFoundError,),
        )
    except CommandError as error:
        return fail("show", str(error))
    if args.json:
        record = {k: iso(v) for k, v in asdict(detail).items()}
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    report = detail.report
    header = report.get("header") or {}
    print(report.get("title") or detail.key)
    for label, value in (
        ("index_no", detail.index_no), ("agency", report.get("agency")), ("year", report.get("year")),
        ("template", report.get("template")), ("publish_date", header.get("publish_date")),
        ("url", detail.url), ("portal", detail.portal),
        ("fetched", f"{iso(detail.fetched_at)} from {detail.fetched_url}"),
        ("version", f"{detail.version} of {detail.versions} (parser {detail.parser_version})"),
        ("seen", f"{iso(detail.first_seen)} .. {iso(detail.last_seen)}"),
    ):
        print(f"  {label:<13}{'' if value is None else value}")
    failed = [c for c in detail.checks if c["ok"] is False]
    print(f"  {'checks':<13}{len(detail.checks)} checked, {len(failed)} failed")
    for check in failed:
        print(f"    FAIL {check['rule']} {check['scope']}: {check['detail']}")
    for table in ("proactive", "applications", "review_litigation"):
        rows = report.get(table) or {}
        if rows:
            print(f"  {table}:")
        for row, cells in rows.items():
            print(f"    {row}: " + ", ".join(f"{c}={number(v)}" for c, v in cells.items()))
    return 0
