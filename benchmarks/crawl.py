"""Crawl benchmark: the hangzhou spider against a 5,000-report replica, beside ``scrapy bench``.

Prints reports archived per second, requests per report, the crawl process's peak memory, and
``scrapy bench``'s pages per second measured in the same run, with the ratios to the targets:

- archived reports/s >= 0.5 x scrapy bench pages/s (a report costs a fetch, a parse and a write;
  scrapy bench only follows links);
- requests <= reports + list pages + 3 (no page fetched twice, nothing fetched that is not needed);
- peak RSS of the crawl process < 250 MB.

Politeness is off (local replica only). Usage::

    .venv/bin/python benchmarks/crawl.py [--reports 5000] [--seed 7] [--bench-seconds 10]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from crawler.local import scrapy_crawl_command  # noqa: E402
from replica.server import ReplicaConfig, ReplicaProcess  # noqa: E402

PER_PAGE = 20  # records per list page on Hanweb portals


def report_columns(manifest: Path) -> tuple[int, list[str]]:
    """Reports the replica serves, and the columns that list them."""
    reports, columns = 0, set()
    with manifest.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("kind") != "other":
                reports += 1
                columns.add(str(record["column_id"]))
    return reports, sorted(columns)


def run_crawl(base_url: str, columns: list[str], workdir: Path) -> tuple[float, dict[str, object]]:
    """Wall time and final stats of one ``scrapy crawl hangzhou`` subprocess."""
    stats_file = workdir / "stats.json"
    command = scrapy_crawl_command(
        "hangzhou", base_url,
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        spider_args={"columns": ",".join(columns)},
        settings={"LOG_LEVEL": "WARNING", "STATS_FILE": stats_file},
    )
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not stats_file.is_file():
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"crawl failed with exit code {done.returncode}")
    return elapsed, json.loads(stats_file.read_text("utf-8"))


def scrapy_bench(seconds: int) -> float:
    """Pages per second of ``scrapy bench`` (Scrapy's defaults, outside our project settings)."""
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMECOUNT={seconds}"],
            cwd=tmp, capture_output=True, text=True,
        )
    log = done.stdout + done.stderr
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not pages or not elapsed:
        sys.stderr.write(log[-3000:])
        raise SystemExit("could not read scrapy bench's stats")
    return int(pages.group(1)) / float(elapsed.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bench-seconds", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        manifest = workdir / "manifest.jsonl"
        replica = ReplicaProcess(ReplicaConfig(reports=args.reports, seed=args.seed),
                                 manifest=manifest, start_timeout=300)
        base_url = replica.start()  # its own process: it must not share the crawler's CPU
        try:
            reports, columns = report_columns(manifest)
            elapsed, stats = run_crawl(base_url, columns, workdir)
            # ru_maxrss of waited-for children: the crawl is the only one waited for so far.
            peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        finally:
            replica.stop()
    bench_pps = scrapy_bench(args.bench_seconds)

    requests = int(stats.get("downloader/request_count", 0))
    archived = int(stats.get("archive/pages", 0)) - int(stats.get("archive/failures", 0))
    listed = int(stats.get("hanweb/total_record", 0))
    list_pages = math.ceil(listed / PER_PAGE)
    crawl_seconds = float(stats.get("elapsed_time_seconds", elapsed))
    reports_per_s = archived / elapsed
    request_budget = reports + list_pages + 3

    print(f"replica: {reports} reports in columns {', '.join(columns)} ({listed} records listed,"
          f" {list_pages} list pages of {PER_PAGE})")
    print(f"crawl:   {archived} reports archived in {elapsed:.1f} s wall"
          f" ({crawl_seconds:.1f} s inside Scrapy): {reports_per_s:.1f} reports/s")
    print(f"         {requests} requests = {requests / max(reports, 1):.3f} per report"
          f" (budget reports + list pages + 3 = {request_budget})")
    print(f"         failures {stats.get('archive/failures', 0)},"
          f" check failures {stats.get('archive/check_failures', 0)},"
          f" new documents {stats.get('archive/new_documents', 0)},"
          f" reposts {stats.get('archive/reposts', 0)}")
    print(f"         peak RSS {peak_rss_mb:.0f} MB")
    print(f"scrapy bench: {bench_pps:.1f} pages/s ({args.bench_seconds} s)")
    print()
    checks = [
        ("archived reports/s / scrapy bench pages/s", reports_per_s / bench_pps, ">= 0.5",
         reports_per_s >= 0.5 * bench_pps),
        ("requests / (reports + list pages + 3)", requests / request_budget, "<= 1.0",
         requests <= request_budget),
        ("peak RSS MB / 250", peak_rss_mb / 250, "< 1.0", peak_rss_mb < 250),
        ("reports archived / reports served", archived / max(reports, 1), "= 1.0",
         archived == reports),
    ]
    for name, ratio, target, ok in checks:
        print(f"{name:45s} {ratio:7.3f}  target {target:7s} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
