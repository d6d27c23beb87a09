"""What a scheduled crawl costs: requests of full, incremental and conditional crawls.

Against one replica of ``--reports`` reports (5,000 by default), four crawls into one archive,
each counted by the replica (what it served, robots.txt included):

1. first crawl: the archive is empty, every list page and report is fetched (the baseline);
2. incremental, nothing new: robots.txt and the column pages only;
3. incremental after ``--new`` (10) reports were published: those and the list page holding them;
4. full mode after ``--edit`` reports were edited: every list page, every report asked for
   conditionally; only the edited ones are downloaded (200), the rest answer 304.

Prints each crawl's requests, the ratio to the first crawl, and bytes downloaded. Politeness is
off (local replica only). Usage::

    .venv/bin/python benchmarks/incremental.py [--reports 5000] [--new 10] [--edit 10] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from crawler.local import run_crawl  # noqa: E402
from replica.catalog import REPORT_COLUMN_IDS  # noqa: E402
from replica.server import ReplicaConfig, RunningReplica, serve_replica  # noqa: E402


def crawl(replica: RunningReplica, database_url: str, mode: str) -> dict[str, object]:
    """One crawl; the replica's request counts and the crawl's own figures."""
    replica.reset_stats()
    started = time.perf_counter()
    result = run_crawl(
        "hangzhou", str(replica), database_url=database_url, timeout=3600,
        spider_args={"columns": ",".join(str(c) for c in REPORT_COLUMN_IDS), "mode": mode},
        settings={"LOG_LEVEL": "WARNING"},
    )
    if result.returncode != 0 or result.stat("exit_code", 0) != 0:
        sys.exit(f"crawl failed (exit {result.returncode}): {result.stderr[-2000:]}")
    served = replica.stats()["requests"]
    return {
        "requests": served.get("total", 0),
        "list": served.get("robots", 0) + served.get("column", 0) + served.get("dataproxy", 0),
        "article 200": served.get("article 200", 0),
        "article 304": served.get("article 304", 0),
        "bytes": result.stat("downloader/response_bytes"),
        "new": result.stat("archive/new_versions"),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--edit", type=int, default=10)
    parser.add_argument("--seed", default="7")
    args = parser.parse_args()

    rows: list[tuple[str, dict[str, object]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp, \
            serve_replica(ReplicaConfig(reports=args.reports, seed=args.seed)) as replica:
        database_url = f"sqlite:///{Path(tmp) / 'archive.db'}"
        rows.append((f"first crawl, {replica.catalog.report_count} reports", crawl(replica, database_url, "incremental")))
        rows.append(("incremental, nothing new", crawl(replica, database_url, "incremental")))
        replica.reconfigure(reports=args.reports + args.new)
        rows.append((f"incremental, {args.new} new reports", crawl(replica, database_url, "incremental")))
        replica.reconfigure(edit=args.edit)
        rows.append((f"full mode, {args.edit} edited", crawl(replica, database_url, "full")))

    baseline = rows[0][1]["requests"] or 1
    print(f"{'crawl':34s} {'requests':>8} {'ratio':>7} {'list':>6} {'art 200':>8} {'art 304':>8}"
          f" {'MB down':>8} {'new':>5} {'s':>7}")
    for label, row in rows:
        print(f"{label:34s} {row['requests']:>8} {row['requests'] / baseline:>7.4f} {row['list']:>6}"
              f" {row['article 200']:>8} {row['article 304']:>8}"
              f" {int(row['bytes'] or 0) / 2**20:>8.2f} {row['new']:>5} {row['seconds']:>7.1f}")


if __name__ == "__main__":
    main()
