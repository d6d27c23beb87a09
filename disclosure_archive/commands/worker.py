"""``disclosure-archive worker SPIDER --redis URL``: one worker of a crawl shared through Redis.

Start the same command on as many machines as you like, with the same Redis, the same archive
(PostgreSQL) and the same ``--crawl-id``: they share one frontier and one seen-set
(``crawler/distributed.py``), and each stops once the crawl's frontier has been idle for
``--idle-timeout`` seconds. Prints this worker's share of the crawl; exits 0 when it finished
cleanly, 1 when the crawl saw problems, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

COUNTS = ("pages", "new_documents", "new_versions", "unchanged", "reposts", "failures")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "worker", help="run one worker of a crawl shared by several machines through Redis",
        description="Crawl SPIDER as one of several workers sharing a frontier in Redis.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spider", help="spider name, e.g. hangzhou")
    parser.add_argument("--redis", required=True, metavar="URL",
                        help="the shared Redis, e.g. redis://crawl-redis:6379/0")
    parser.add_argument("--crawl-id", metavar="ID",
                        help="workers with the same id share a crawl; a new id starts a new one "
                             "(default: today's UTC date, e.g. 20250301)")
    parser.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                        help="stop once the crawl's frontier has been idle this long (default 10)")
    parser.add_argument("--base-url", help="crawl this copy of the portal (e.g. a local replica)")
    parser.add_argument("--columns", help="comma-separated column ids instead of the spider's")
    parser.add_argument("--mode", choices=("incremental", "full"),
                        help="incremental (the spider's default) stops paging at archived reports; "
                             "full revisits every report with conditional requests")
    parser.add_argument("--database", metavar="URL",
                        help="archive database URL, the same for every worker "
                             "(default $DATABASE_URL, else sqlite:///archive.db)")
    parser.add_argument("--log-level", default="INFO", help="Scrapy log level (default INFO)")
    parser.add_argument("--log-file", help="write the crawl log to this file")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The Scrapy settings the arguments ask for; ValueError on a malformed ``-s``."""
    overrides: dict[str, Any] = {"LOG_LEVEL": args.log_level, "DISTRIBUTED": True,
                                 "REDIS_URL": args.redis}
    if args.crawl_id:
        overrides["DISTRIBUTED_CRAWL_ID"] = args.crawl_id
    if args.idle_timeout is not None:
        overrides["DISTRIBUTED_IDLE_TIMEOUT"] = args.idle_timeout
    if args.database:
        overrides["DATABASE_URL"] = args.database
    if args.log_file:
        overrides["LOG_FILE"] = args.log_file
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"-s expects NAME=VALUE, not {pair!r}")
        overrides[name] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    from redis import Redis
    from redis.exceptions import RedisError
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.distributed import DistributedConfigError, crawl_id_from

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    try:
        settings.setdict(settings_from(args), priority="cmdline")
        crawl_id = crawl_id_from(settings)
        Redis.from_url(args.redis, socket_connect_timeout=5).ping()
    except (ValueError, DistributedConfigError) as error:
        print(f"worker: {error}", file=sys.stderr)
        return 2
    except RedisError as error:
        print(f"worker: cannot reach Redis at {args.redis}: {error}", file=sys.stderr)
        return 2
    spider_args = {key: value for key, value in
                   (("base_url", args.base_url), ("columns", args.columns),
                                     ("mode", args.mode)) if value}
    process = CrawlerProcess(settings)
    try:
        crawler = process.create_crawler(args.spider)
    except KeyError:
        print(f"worker: no spider named {args.spider!r}", file=sys.stderr)
        return 2
    process.crawl(crawler, **spider_args)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return summary(stats, crawl_id)


def summary(stats: dict[str, Any], crawl_id: str) -> int:
    """Print this worker's share of the crawl; the exit code."""
    from crawler.spiders.hanweb import PROBLEM_STATS

    counts = ", ".join(f"{stats.get(f'archive/{name}', 0)} {name.replace('_', ' ')}"
                       for name in COUNTS)
    print(f"worker {stats.get('distributed/worker', '?')} of crawl {crawl_id} "
          f"{stats.get('finish_reason', 'unfinished')}: {counts}")
    problems = {key: stats[key] for key in PROBLEM_STATS if stats.get(key)}
    for key, value in problems.items():
        print(f"problem: {key} = {value}")
    return 0 if stats.get("finish_reason") == "finished" and not problems else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure-archive worker")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
