"""``disclosure-archive crawl SPIDER``: one polite crawl into the archive, its counts, an exit code.

The same crawl as ``scrapy crawl SPIDER`` (project settings: robots.txt, AutoThrottle, one
request at a time per host), runnable from any directory, printing the run's summary and
exiting non-zero when the crawl saw the site change or lost list pages: a scraper that quietly
stops producing data is the failure this command exists to make loud. Also runnable as
``python -m disclosure_archive.commands.crawl``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "crawl", help="crawl one portal into the archive (polite defaults) and print the counts",
        description="Run a spider (e.g. hangzhou) into the archive and print what was archived.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spider", help="spider name, e.g. hangzhou")
    parser.add_argument("--base-url", help="crawl this copy of the portal (e.g. a local replica)")
    parser.add_argument("--columns", help="comma-separated column ids instead of the spider's")
    parser.add_argument("--database", metavar="URL",
                        help="archive database URL (default $DATABASE_URL, else sqlite:///archive.db)")
    parser.add_argument("-O", "--output", metavar="FILE",
                        help="also write the reports as disclosure-report/1 JSON Lines to FILE")
    parser.add_argument("--log-level", default="INFO", help="Scrapy log level (default INFO)")
    parser.add_argument("--log-file", help="write the crawl log to this file")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")


def run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, Any] = {"LOG_LEVEL": args.log_level}
    if args.database:
        overrides["DATABASE_URL"] = args.database
    if args.log_file:
        overrides["LOG_FILE"] = args.log_file
    if args.output:
        overrides["FEEDS"] = {args.output: {"format": "jsonlines", "overwrite": True}}
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"crawl: -s expects NAME=VALUE, not {pair!r}")
            return 2
        overrides[name] = value
    settings.setdict(overrides, priority="cmdline")

    spider_args = {key: value for key, value in
                   (("base_url", args.base_url), ("columns", args.columns)) if value}
    process = CrawlerProcess(settings)
    try:
        crawler = process.create_crawler(args.spider)
    except KeyError:
        print(f"crawl: no spider named {args.spider!r}")
        return 2
    process.crawl(crawler, **spider_args)
    process.start()

    stats = crawler.stats.get_stats() if crawler.stats else {}
    return report(stats)


def report(stats: dict[str, Any]) -> int:
    """Print the run's counts and problems; the exit code (0 only for a clean, finished crawl)."""
    from crawler.spiders.gkmlpt import PROBLEM_STATS as GKMLPT_PROBLEM_STATS
    from crawler.spiders.hanweb import PROBLEM_STATS

    counts = ", ".join(
        f"{stats.get(f'archive/{name}', 0)} {name.replace('_', ' ')}"
        for name in ("pages", "new_documents", "new_versions", "unchanged", "reposts", "failures",
                     "check_failures")
    )
    print(f"crawl {stats.get('finish_reason', 'unfinished')}: {counts}")
    problems = {key: stats[key] for key in (*PROBLEM_STATS, *GKMLPT_PROBLEM_STATS)
                if stats.get(key)}
    for key, value in problems.items():
        print(f"problem: {key} = {value}")
    for platform in ("hanweb", "gkmlpt"):
        if stats.get(f"{platform}/site_changed_reason"):
            print(f"  last site change: {stats[f'{platform}/site_changed_reason']}")
    finished = stats.get("finish_reason") == "finished"
    return 0 if finished and not problems else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure-archive crawl")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
