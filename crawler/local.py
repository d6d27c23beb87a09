"""Crawling the local replica: politeness off, and the ``scrapy crawl`` command line to do it.

Only for portals served on this machine (tests, the demo, benchmarks). Against a real portal
the polite defaults of ``crawler.settings`` apply.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

FAST_SETTINGS: dict[str, object] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 2,
    "DOWNLOAD_TIMEOUT": 20,
    "RETRY_BACKOFF_BASE": 0.2,
    "ANTIBOT_BACKOFF_DELAY": 0.2,
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
    python_options: Sequence[str] = (),
) -> list[str]:
    """``python -m scrapy crawl SPIDER -a base_url=… -s …`` for a crawl of a local portal."""
    command = [sys.executable, *python_options, "-m", "scrapy", "crawl", spider,
               "-a", f"base_url={base_url}"]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    merged: dict[str, object] = dict(FAST_SETTINGS) if fast else {}
    if database_url is not None:
        merged["DATABASE_URL"] = database_url
    merged.update(settings or {})
    command += settings_args(merged)
    if output is not None:
        command += ["-O", str(output)]
    return command


@dataclass(frozen=True)
class CrawlResult:
    """A finished ``scrapy crawl`` subprocess: exit code, final stats, and its output."""

    returncode: int
    stats: dict[str, Any]
    stdout: str
    stderr: str

    def stat(self, key: str, default: int = 0) -> Any:
        return self.stats.get(key, default)


def run_crawl(
    spider: str,
    base_url: str,
    *,
    database_url: str | None = None,
    output: str | Path | None = None,
    settings: Mapping[str, object] | None = None,
    spider_args: Mapping[str, str] | None = None,
    timeout: float = 300,
    cwd: str | Path = REPO_ROOT,
    python_options: Sequence[str] = (),
) -> CrawlResult:
    """Run a crawl of a local portal in a subprocess (Twisted reactors cannot restart in one)."""
    with tempfile.TemporaryDirectory(prefix="crawl-stats-") as tmp:
        stats_file = Path(tmp) / "stats.json"
        command = scrapy_crawl_command(
            spider, base_url, database_url=database_url, output=output,
            settings={"STATS_FILE": stats_file, **(settings or {})}, spider_args=spider_args,
            python_options=python_options,
        )
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        stats = json.loads(stats_file.read_text("utf-8")) if stats_file.is_file() else {}
    return CrawlResult(done.returncode, stats, done.stdout, done.stderr)


def settings_args(settings: Mapping[str, object]) -> list[str]:
    """``-s NAME=VALUE`` pairs for a command line."""
    return [part for name, value in settings.items() for part in ("-s", f"{name}={value}")]
