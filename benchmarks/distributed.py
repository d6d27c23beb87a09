"""Distributed crawl benchmark: 1 worker against 2 workers sharing a crawl through Redis, and the
archive's write rate on PostgreSQL against SQLite.

The replica adds ``--latency-ms`` (50) to every response, so a worker with a fixed number of
requests in flight (``--concurrency``, the same for every worker in both runs) is bound by
latency, as a crawl of a real portal is; a second worker should nearly double the rate. (Keep
the concurrency low on small machines: with many requests in flight a worker is bound by the CPU
parsing pages, and two workers on two cores then share that CPU instead.) Each run archives into
a fresh PostgreSQL schema through its own Redis keys (deleted afterwards).

Throughput is measured where every worker of a run is crawling: from the latest of the workers'
first report pages to the earliest of their last ones (``raw_pages.fetched_at`` per worker run),
so process start-up and the idle wait before stopping are left out. Prints reports per second
with 1 and 2 workers and their ratio (target: >= 1.7), then records per second written by the
archive pipeline (``storage.benchmark``) into PostgreSQL and into SQLite, and their ratio.
Usage::

    .venv/bin/python benchmarks/distributed.py [--reports 1500] [--concurrency 2]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from redis import Redis  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from crawler.local import scrapy_crawl_command  # noqa: E402
from replica.faults import FaultConfig  # noqa: E402
from replica.server import ReplicaConfig, ReplicaProcess  # noqa: E402
from storage.benchmark import write_rates  # noqa: E402

TARGET_RATIO = 1.7


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL on a fresh schema of ``base_url``'s database, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"disclosure-bench-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        server = Redis.from_url(redis_url)
        doomed = list(server.scan_iter(match=f"{prefix}:*", count=1000))
        if doomed:
            server.delete(*doomed)
        server.close()


def report_columns(manifest: Path) -> tuple[int, str]:
    reports, columns = 0, set()
    for line in manifest.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") != "other":
            reports += 1
            columns.add(str(record["column_id"]))
    return reports, ",".join(sorted(columns))


def crawl(workers: int, base_url: str, columns: str, database: str, redis_url: str,
          concurrency: int, workdir: Path) -> tuple[float, int]:
    """Reports per second while all ``workers`` crawl, and the reports archived."""
    with postgres_schema(database) as url, redis_prefix(redis_url) as prefix:
        settings = {
            "DISTRIBUTED": True, "REDIS_URL": redis_url, "DISTRIBUTED_KEY_PREFIX": prefix,
            "DISTRIBUTED_CRAWL_ID": "bench", "DISTRIBUTED_IDLE_TIMEOUT": 2,
            "DISTRIBUTED_TICK": 0.5, "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "LOG_LEVEL": "WARNING",
        }
        processes = []
        for n in range(workers):
            command = scrapy_crawl_command(
                "hangzhou", base_url, database_url=url, spider_args={"columns": columns},
                settings={**settings, "STATS_FILE": workdir / f"{workers}-{n}.json"})
            processes.append(subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.PIPE, text=True))
        for process in processes:
            _, errors = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"a worker failed ({process.returncode}): {errors[-2000:]}")
        return overlap_rate(url)


def overlap_rate(url: str) -> tuple[float, int]:
    """Report pages per second in the window where every worker run was fetching."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            spans = connection.execute(text(
                "SELECT run_id, min(fetched_at), max(fetched_at) FROM raw_pages GROUP BY run_id"
            )).all()
            start = max(first for _, first, _ in spans)
            end = min(last for _, _, last in spans)
            inside = connection.execute(
                text("SELECT count(*) FROM raw_pages WHERE fetched_at BETWEEN :a AND :b"),
                {"a": start, "b": end},
            ).scalar_one()
            total = connection.execute(text("SELECT count(DISTINCT url) FROM raw_pages")).scalar_one()
    finally:
        engine.dispose()
    seconds = (end - start).total_seconds()
    if seconds <= 0 or inside < 2:
        raise SystemExit("the workers never crawled at the same time: use more --reports")
    return (inside - 1) / seconds, int(total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2,
                        help="requests in flight per worker, the same in both runs")
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL database (each run gets a schema of its own)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--write-count", type=int, default=1000,
                        help="generated reports for the write-rate comparison")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as folder:
        workdir = Path(folder)
        manifest = workdir / "manifest.jsonl"
        config = ReplicaConfig(reports=args.reports, seed=args.seed,
                               faults=FaultConfig(slow_ms=args.latency_ms))
        with ReplicaProcess(config, manifest=manifest) as replica:
            reports, columns = report_columns(manifest)
            print(f"replica: {reports} reports, +{args.latency_ms} ms per response; "
                  f"{args.concurrency} requests in flight per worker")
            rates = {}
            for workers in (1, 2):
                rate, archived = crawl(workers, replica.base_url, columns, args.database,
                                       args.redis, args.concurrency, workdir)
                if archived != reports:
                    raise SystemExit(f"{workers} worker(s) archived {archived} of {reports} reports")
                rates[workers] = rate
                print(f"  {workers} worker{'s' if workers > 1 else ' '}: {rate:7.1f} reports/s "
                      f"({archived} archived)")
        ratio = rates[2] / rates[1]
        print(f"  ratio 2 workers / 1 worker: {ratio:.2f} (target >= {TARGET_RATIO})")

        with postgres_schema(args.database) as url:
            postgres = write_rates(url, args.write_count, 100)
        sqlite = write_rates(f"sqlite:///{workdir / 'write.db'}", args.write_count, 100)
    print(f"archive pipeline writes ({args.write_count} reports, batches of 100):")
    for name, measured in (("PostgreSQL", postgres), ("SQLite", sqlite)):
        print(f"  {name:10}: {measured.new:7.0f} new records/s, "
              f"{measured.unchanged:7.0f} unchanged re-fetches/s")
    print(f"  ratio PostgreSQL / SQLite: new {postgres.new / sqlite.new:.2f}, "
          f"unchanged {postgres.unchanged / sqlite.unchanged:.2f}")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
