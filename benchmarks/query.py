"""How fast the archive answers: ``python benchmarks/query.py [--reports N] [--db PATH]``.

Builds (once, cached in the temp folder; or reuses ``--db``) an archive of N generated reports
(``replica/reports.py`` synthetic reports, 2019-2024 templates, ~17,000 agencies) written
through the storage Archive API, then runs each command in a fresh process and prints its wall
time and peak memory (RSS):

- ``stats`` (by year, and a share by agency), a filtered ``reports``, ``search`` for a 3+
  character phrase (trigram index) and a 2-character term (LIKE scan), each beside a baseline
  run in the same process: a plain ``SELECT count(*) FROM versions`` with the stdlib sqlite3;
- ``export`` of everything (JSON Lines, CSV wide, Parquet wide and long), each beside a
  baseline that reads the same rows with raw sqlite3 and does nothing with them; and the same
  exports on an archive a tenth the size, to show memory stays flat.

Targets: each query under 0.5 s; export of everything under 60 s with flat memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

BUILD_VERSION = 3  # bump when the generated archive changes, so cached ones are rebuilt
YEARS = tuple(range(2019, 2025))
PORTAL = "bench.example.gov.cn"

QUERIES: dict[str, list[str]] = {
    "stats by year": ["stats", "--row", "granted", "--by", "year", "--format", "json"],
    "stats share by agency": ["stats", "--row", "withheld_security_stability", "--by", "agency",
                              "--share-of", "new_received", "--format", "json"],
    "reports --agency --year": ["reports", "--agency", "第7市", "--year", "2023",
                                "--format", "json"],
    "search 数字消费券 (3+ chars)": ["search", "数字消费券", "--format", "json"],
    "search 营商 (2 chars)": ["search", "营商", "--format", "json"],
}
EXPORTS: dict[str, tuple[list[str], str]] = {
    "export jsonl": (["export", "--format", "jsonl"], "documents"),
    "export csv wide": (["export", "--format", "csv"], "documents"),
    "export parquet wide": (["export", "--format", "parquet"], "documents"),
}
LONG_EXPORTS: dict[str, tuple[list[str], str]] = {
    "export parquet long": (["export", "--format", "parquet", "--shape", "long"], "cells"),
}
BASELINE_SQL = {
    "count": "SELECT count(*) FROM versions",
    "documents": "SELECT d.id, d.key, v.report FROM documents d "
                 "JOIN versions v ON v.id = d.current_version_id ORDER BY d.id",
    "cells": "SELECT d.key, v.agency, v.year, c.table_key, c.row_key, c.column_key, c.value "
             "FROM documents d JOIN versions v ON v.id = d.current_version_id "
             "JOIN table_cells c ON c.version_id = v.id ORDER BY d.id",
}


# ---- building the archive ------------------------------------------------------------------------


def generated_reports(count: int, seed: int = 1) -> Any:
    """(report, page) pairs: every HANGZHOU department in many cities, six years each."""
    from replica.reports import HANGZHOU_AGENCIES, synthetic_report, template_for_year
    from storage.archive import FetchedPage

    rng = random.Random(seed)
    departments = [a.name.removeprefix("杭州市") for a in HANGZHOU_AGENCIES]
    at = datetime(2025, 3, 1, tzinfo=UTC)
    for serial in range(count):
        year = YEARS[serial % len(YEARS)]
        slot = serial // len(YEARS)
        agency = f"第{slot // len(departments)}市{departments[slot % len(departments)]}"
        url = f"https://{PORTAL}/art/{year + 1}/1/20/art_{serial}.html"
        report = synthetic_report(
            rng, agency=agency, year=year, template=template_for_year(year),
            index_no=f"{slot:09d}/{year + 1}-{serial % 100000:05d}",
            publish_date=f"{year + 1}-01-20", url=url,
        )
        body = f"<html><body><h1>{report.title}</h1></body></html>".encode()
        yield report, FetchedPage(url, 200, at + timedelta(seconds=serial), body,
                                  {"Content-Type": "text/html; charset=utf-8"}, portal=PORTAL)


def documents_in(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])


def build(path: Path, count: int) -> float:
    """Fill a new archive at ``path`` with ``count`` generated reports; seconds taken."""
    from storage.archive import Archive

    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    start = time.perf_counter()
    with Archive.open(f"sqlite:///{partial}", batch_size=1000, max_delay=3600) as archive:
        run_id = archive.start_run("benchmark", PORTAL)
        for n, (report, page) in enumerate(generated_reports(count), 1):
            archive.record(run_id, page, report)
            if n % 10000 == 0:
                print(f"  built {n}/{count} reports, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
        archive.finish_run(run_id)
    with contextlib.closing(sqlite3.connect(partial)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    return time.perf_counter() - start


def archive_for(count: int, given: str | None) -> Path:
    """``given``, else the cached archive of ``count`` reports (built when missing)."""
    if given:
        return Path(given)
    folder = Path(tempfile.gettempdir()) / "disclosure-archive-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"query-v{BUILD_VERSION}-{count}.db"
    if path.is_file() and documents_in(path) == count:
        print(f"reusing {path}", file=sys.stderr)
        return path
    print(f"building {path} ({count} reports)…", file=sys.stderr, flush=True)
    seconds = build(path, count)
    print(f"built {count} reports in {seconds:.0f} s ({count / seconds:.0f} reports/s)",
          file=sys.stderr)
    return path


# ---- measuring, one fresh process per measurement --------------------------------------------------


def child(kind: str, name: str, database: Path, output: str | None) -> None:
    """Run one measurement in this (fresh) process and print its seconds as JSON.

    Imports happen before the clock starts: the figures are the commands' work, not Python's
    start-up.
    """
    import pyarrow.parquet  # noqa: F401

    import storage.export
    import storage.queries
    import storage.search
    import storage.stats  # noqa: F401
    from disclosure_archive.cli import build_parser, main
    from storage.database import open_engine

    build_parser()
    open_engine(f"sqlite:///{database}", read_only=True).dispose()  # dialect, pragmas

    if kind == "baseline":
        sql = BASELINE_SQL[name]
        start = time.perf_counter()
        with contextlib.closing(sqlite3.connect(database)) as connection:
            for _ in connection.execute(sql):
                pass
    else:
        argv = (QUERIES.get(name) or {**EXPORTS, **LONG_EXPORTS}[name][0]) + ["--database", f"sqlite:///{database}"]
        if output:
            argv += ["-o", output]
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            start = time.perf_counter()
            code = main(argv)
        if code != 0:
            raise SystemExit(f"{name} failed with exit code {code}")
    print(json.dumps({"seconds": time.perf_counter() - start}))


def measure(kind: str, name: str, database: Path, output: str | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one measurement in a fresh process."""
    command = [sys.executable, __file__, "--child", kind, name, "--db", str(database)]
    if output:
        command += ["--output", output]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO_ROOT)
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"measuring {name} failed (exit {process.returncode})")
    return json.loads(out)["seconds"], usage.ru_maxrss / 1024


def report_queries(database: Path) -> None:
    print(f"{'query':32} {'time':>8} {'baseline':>9} {'ratio':>7} {'peak RSS':>9}")
    for name in QUERIES:
        seconds, rss = measure("query", name, database)
        base, _ = measure("baseline", "count", database)
        verdict = "ok" if seconds < 0.5 else "OVER 0.5 s"
        print(f"{name:32} {seconds:7.3f}s {base:8.3f}s {seconds / base:6.1f}x {rss:7.0f}MB  {verdict}")


def report_exports(database: Path, small: Path | None, folder: Path, long: bool) -> None:
    print(f"{'export':22} {'time':>8} {'baseline':>9} {'ratio':>7} {'peak RSS':>9}"
          + (f" {'RSS at 1/10':>12}" if small else ""))
    for name, (argv, rows) in (EXPORTS | (LONG_EXPORTS if long else {})).items():
        suffix = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}[argv[2]]
        output = str(folder / f"out{suffix}")
        seconds, rss = measure("export", name, database, output)
        base, _ = measure("baseline", rows, database)
        small_rss = measure("export", name, small, output)[1] if small else None
        verdict = "ok" if seconds < 60 else "OVER 60 s"
        print(f"{name:22} {seconds:7.1f}s {base:8.1f}s {seconds / base:6.1f}x {rss:7.0f}MB"
              + (f" {small_rss:10.0f}MB" if small_rss else "") + f"  {verdict}")
        Path(output).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="archive size (default 100000)")
    parser.add_argument("--db", metavar="PATH", help="reuse this SQLite archive instead of building")
    parser.add_argument("--no-export", action="store_true", help="time the queries only")
    parser.add_argument("--no-queries", action="store_true", help="time the exports only")
    parser.add_argument("--no-small", action="store_true",
                        help="skip the 1/10-size archive (memory flatness check)")
    parser.add_argument("--long", action="store_true",
                        help="also export the long form (a row per table cell: ~200 per report)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.db), args.output)
        return
    database = archive_for(args.reports, args.db)
    count = documents_in(database)
    print(f"archive: {database} ({count} reports, {database.stat().st_size / 2**20:.0f} MB)")
    if not args.no_queries:
        report_queries(database)
    if args.no_export:
        return
    small = None if args.no_small or args.db else archive_for(max(1, args.reports // 10), None)
    with tempfile.TemporaryDirectory() as folder:
        report_exports(database, small, Path(folder), args.long)


if __name__ == "__main__":
    main()
