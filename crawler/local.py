"""Crawling the local replica: politeness off, and the ``scrapy crawl`` command line to do it.

Only for portals served on this machine (tests, the demo, benchmarks). Against a real portal
the polite defaults of ``crawler.settings`` apply.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

FAST_SETTINGS: dict[str, object] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 2,
    "DOWNLOAD_TIMEOUT": 20,
}


def scrapy_crawl_command(
    spider: str,
    base_url: str,
    *,
    database_url: str | None = None,
    output: str | Path | None = None,
    settings: Mapping[str, object] | None = None,
    spider_args: Mapping[str, str] | None = None,
    fast: bool = True,
) -> list[str]:
    """``python -m scrapy crawl SPIDER -a base_url=… -s …`` for a crawl of a local portal."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}"]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    merged: dict[str, object] = dict(FAST_SETTINGS) if fast else {}
    if database_url is not None:
        merged["DATABASE_URL"] = database_url
    merged.update(settings or {})
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    if output is not None:
        command += ["-O", str(output)]
    return command


def settings_args(settings: Mapping[str, object]) -> Sequence[str]:
    """``-s KEY=VALUE`` pairs for a command line."""
    return [part for key, value in settings.items() for part in ("-s", f"{key}={value}")]
