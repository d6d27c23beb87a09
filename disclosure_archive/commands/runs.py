"""``disclosure-archive runs``: the recent crawl runs, what they found and what went wrong."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from disclosure_archive.commands._archive import (
    CommandError, add_database_option, fail, iso, query_archive,
)

TABLE_COLUMNS: tuple[str, ...] = (
    "id", "spider", "started_at", "minutes", "status", "mode", "requests", "new_documents",
    "new_versions", "edited_documents", "unchanged", "failures", "blocked", "exit_code", "alarms",
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "runs", help="recent crawl runs with their counts, alarms and exit codes",
        description="List the most recent crawl runs, newest first.",
    )
    parser.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("--spider", help="only runs of this spider")
    parser.add_argument("--format", default="table", choices=("table", "json"),
                        help="output format (default: table)")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from storage.runs import recent_runs

    if args.limit < 1:
        return fail("runs", f"--limit must be at least 1, not {args.limit}")
    try:
        rows = query_archive(args.database,
                             lambda engine: recent_runs(engine, args.limit, args.spider))
    except CommandError as error:
        return fail("runs", str(error))
    if args.format == "json":
        json.dump([{k: iso(v) for k, v in row.items()} for row in rows], sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _table(rows)
    return 0


def _cell(row: dict[str, Any], column: str) -> str:
    if column == "minutes":
        start, end = row.get("started_at"), row.get("finished_at")
        return f"{(end - start).total_seconds() / 60:.1f}" if start and end else ""
    if column == "started_at":
        return row["started_at"].strftime("%Y-%m-%d %H:%M") if row.get("started_at") else ""
    if column == "alarms":
        alarms = row.get("alarms") or []
        return f"{alarms[0]}" + (f" (+{len(alarms) - 1} more)" if len(alarms) > 1 else "") if alarms else ""
    value = row.get(column)
    return "" if value is None else str(value)


def _table(rows: list[dict[str, Any]]) -> None:
    cells = [[_cell(row, c) for c in TABLE_COLUMNS] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(TABLE_COLUMNS[:-1])]
    for line in [list(TABLE_COLUMNS), *cells]:
        fixed = "  ".join(v.ljust(w) for v, w in zip(line[:-1], widths))
        print(f"{fixed}  {line[-1]}".rstrip())
    print(f"({len(rows)} runs)")
