"""``disclosure-archive demo``: the main job end to end, on this machine alone.

Starts the replica portal in-process on a free 127.0.0.1 port, runs the ``hangzhou`` spider
against it into the archive (``archive.db`` in the working directory, or ``$DATABASE_URL``), and
prints what was archived. Run it twice: the second run finds nothing new (0 new versions);
``--edit K`` makes the replica change K published reports, which the next run archives as new
versions.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

DEMO_REPORTS = 200
DEMO_SEED = "2024"
EXAMPLE_ROWS = 5


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "demo", help="crawl a local replica portal into the archive and show what was archived",
        description=__doc__.splitlines()[0].strip("`") if __doc__ else None,
    )
    parser.add_argument("--reports", type=int, default=DEMO_REPORTS,
                        help=f"report pages the replica publishes (default {DEMO_REPORTS})")
    parser.add_argument("--seed", default=DEMO_SEED, help=f"replica seed (default {DEMO_SEED})")
    parser.add_argument("--edit", type=int, default=0, metavar="K",
                        help="the replica edits K published reports (new versions on re-crawl)")
    parser.add_argument("--database", metavar="URL",
                        help="archive database URL (default $DATABASE_URL, else sqlite:///archive.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Heavy imports here, so other commands never pay for Scrapy.
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.local import FAST_SETTINGS
    from crawler.spiders.hangzhou import HangzhouSpider
    from crawler.spiders.hanweb import PROBLEM_STATS
    from replica.catalog import REPORT_COLUMN_IDS
    from replica.server import ReplicaConfig, serve_replica
    from storage.database import display_url, resolve_url

    database = display_url(resolve_url(args.database))
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({
        **FAST_SETTINGS,
        "LOG_LEVEL": "WARNING",
        "PROGRESS_INTERVAL": 2,
        "DATABASE_URL": args.database,
    }, priority="cmdline")

    config = ReplicaConfig(reports=args.reports, seed=args.seed, edit=args.edit)
    with serve_replica(config) as replica:
        print(f"replica portal: {replica.catalog.report_count} report pages "
              f"(seed {args.seed}, {args.edit} edited) at {replica}")
        print(f"crawling it with the hangzhou spider into {database} "
              "(politeness off: local replica only)")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(HangzhouSpider)
        items: list[dict[str, Any]] = []

        def collect(item: dict[str, Any]) -> None:
            items.append(item)

        crawler.signals.connect(collect, signal=signals.item_scraped)
        started = time.monotonic()
        process.crawl(crawler, base_url=str(replica),
                      columns=",".join(str(c) for c in REPORT_COLUMN_IDS),
                      mode="full")  # every report revisited: a re-run shows them unchanged
        process.start()
        elapsed = time.monotonic() - started

    stats = crawler.stats.get_stats() if crawler.stats else {}
    print_summary(stats, elapsed)
    print_examples(items)
    print("\nnext: `disclosure-archive export --format jsonl` prints the archive; run the demo "
          "again and it archives 0 new versions.")
    ok = stats.get("finish_reason") == "finished" and "archive/pages" in stats
    return 0 if ok and not any(stats.get(key) for key in PROBLEM_STATS) else 1


def print_summary(stats: dict[str, Any], elapsed: float) -> None:
    rows = [
        ("pages fetched", stats.get("response_received_count", 0)),
        ("report pages archived", stats.get("archive/pages", 0)),
        ("new documents", stats.get("archive/new_documents", 0)),
        ("new versions", stats.get("archive/new_versions", 0)),
        ("unchanged", stats.get("archive/unchanged", 0)),
        ("reposts linked", stats.get("archive/reposts", 0)),
        ("failures (kept raw)", stats.get("archive/failures", 0)),
        ("check failures", stats.get("archive/check_failures", 0)),
        ("non-reports skipped", stats.get("hanweb/non_reports_skipped", 0)),
    ]
    print(f"\narchived in {elapsed:.1f} s:")
    for label, value in rows:
        print(f"  {label:24s}{value:>7}")
    from crawler.spiders.hanweb import PROBLEM_STATS

    for key in (*PROBLEM_STATS, "hanweb/report_fetch_failures"):
        if stats.get(key):
            print(f"  problem: {key} = {stats[key]} (see the log)")


def _total(report: dict[str, Any], row: str) -> Any:
    return ((report.get("applications") or {}).get(row) or {}).get("total")


def print_examples(items: list[dict[str, Any]]) -> None:
    """A few reports as archived: the seed reference report, one per template version, and one
    whose sums do not hold."""
    if not items:
        return
    from replica.catalog import REFERENCE_INDEX_NO

    chosen = [i for i in items if (i.get("header") or {}).get("index_no") == REFERENCE_INDEX_NO]
    for wanted in ("2021", "2019", "none"):
        if not any(c.get("template") == wanted for c in chosen):
            chosen += [i for i in items if i.get("template") == wanted][:1]
    chosen += [i for i in items if i not in chosen
               and any(c.get("ok") is False for c in i.get("checks", []))][:1]
    chosen += [i for i in items if i not in chosen][: max(0, EXAMPLE_ROWS - len(chosen))]
    print("\nexamples:")
    print(f"  {'index number':24s} {'year':>4}  {'tmpl':4s} {'new apps':>8}  {'checks':8s} agency")
    for report in chosen[:EXAMPLE_ROWS]:
        checks = report.get("checks") or []
        failed = sum(1 for c in checks if c.get("ok") is False)
        verdict = f"{failed} failed" if failed else ("all ok" if checks else "-")
        new_received = _total(report, "new_received")
        print(f"  {(report['header'] or {}).get('index_no') or '-':24s} {report.get('year') or '-':>4}"
              f"  {report.get('template'):4s} {'-' if new_received is None else new_received:>8}"
              f"  {verdict:8s} {report.get('agency') or '-'}")
