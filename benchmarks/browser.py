"""Browser benchmark: rendered report pages per second and peak memory, beside plain HTTP.

In one run, against one replica process (its own CPU share), four crawls:

- ``guangdong``: N gkmlpt reports, every report page rendered in headless Chromium;
- ``hangzhou`` on N Hanweb reports: the plain-HTTP baseline;
- the same with Scrapy's own HTTP handler instead of scrapy-playwright's: what installing the
  browser handler costs a crawl that never renders;
- ``hangzhou`` on the newer (jpaas) column with the list endpoint ignoring ``pageNo``: only the
  column page is rendered.

Prints, per crawl, reports archived, pages per second, peak memory (RSS of the Scrapy process
plus its children: Playwright's driver and Chromium's processes, sampled every 0.1 s), and the
requests that went through the browser vs plain HTTP; then the ratios of the rendered crawl to
the plain one. Set ``DISCLOSURE_CHROMIUM_PATH`` to use a system Chromium. Usage::

    DISCLOSURE_CHROMIUM_PATH=/usr/bin/chromium .venv/bin/python benchmarks/browser.py [--reports 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from crawler.local import scrapy_crawl_command  # noqa: E402
from replica import jpaas  # noqa: E402
from replica.faults import FaultConfig  # noqa: E402
from replica.server import ReplicaConfig, ReplicaProcess  # noqa: E402

PAGE_SIZE = 4096
HTTP11 = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
PLAIN_HANDLERS = {"http": HTTP11, "https": HTTP11}  # Scrapy's own, without scrapy-playwright


def _pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages (Chromium's processes share much) counted once."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """(PSS of a process and all its descendants, RSS of the process alone), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += _pss_bytes(pid)
        except (OSError, ValueError, IndexError):
            continue
        todo.extend(children.get(pid, ()))
    try:
        own = int(Path(f"/proc/{root}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        own = 0
    return total, own


@dataclass
class Run:
    name: str
    seconds: float  # inside Scrapy (elapsed_time_seconds)
    peak_mb: float  # PSS of Scrapy + Playwright's driver + Chromium
    peak_scrapy_mb: float  # RSS of the Scrapy process alone
    stats: dict[str, Any]

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    @property
    def archived(self) -> int:
        return self.stat("archive/pages") - self.stat("archive/failures")


def crawl(name: str, spider: str, base_url: str, workdir: Path,
          spider_args: dict[str, str] | None = None,
          settings: dict[str, object] | None = None) -> Run:
    stats_file = workdir / f"{name}.json"
    command = scrapy_crawl_command(
        spider, base_url, database_url=f"sqlite:///{workdir / (name + '.db')}",
        spider_args=spider_args,
        settings={"LOG_LEVEL": "WARNING", "STATS_FILE": stats_file, **(settings or {})},
    )
    peak = peak_own = 0
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    while process.poll() is None:
        tree, own = tree_memory(process.pid)
        peak, peak_own = max(peak, tree), max(peak_own, own)
        time.sleep(0.1)
    reader.join()
    if process.returncode != 0 or not stats_file.is_file():
        sys.stderr.write("".join(stderr)[-4000:])
        raise SystemExit(f"{name}: crawl failed with exit code {process.returncode}")
    stats = json.loads(stats_file.read_text("utf-8"))
    return Run(name, float(stats.get("elapsed_time_seconds", 0)), peak / 2**20,
               peak_own / 2**20, stats)


def hanweb_columns(manifest: Path) -> str:
    columns = set()
    with manifest.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("kind") != "other" and "platform" not in record:
                columns.add(str(record["column_id"]))
    return ",".join(sorted(columns))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    n = args.reports

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        workdir = Path(tmp)
        manifest = workdir / "manifest.jsonl"
        config = ReplicaConfig(reports=n, seed=args.seed, gkmlpt_reports=n, jpaas_reports=n,
                               faults=FaultConfig(jpaas_ignore_page_no=True))
        with ReplicaProcess(config, manifest=manifest, start_timeout=300) as replica:
            columns = hanweb_columns(manifest)
            rendered = crawl("gkmlpt", "guangdong", replica.base_url, workdir)
            plain = crawl("hanweb", "hangzhou", replica.base_url, workdir, {"columns": columns})
            bare = crawl("bare", "hangzhou", replica.base_url, workdir, {"columns": columns},
                         {"DOWNLOAD_HANDLERS": json.dumps(PLAIN_HANDLERS)})
            newer = crawl("jpaas", "hangzhou", replica.base_url, workdir,
                          {"columns": str(jpaas.COLUMN_ID)})

    print(f"{n} reports per platform, one replica process, seed {args.seed}")
    print("pages/s: rendered report pages per second (plain crawls: reports archived per"
          " second); peak MB: PSS of Scrapy + Playwright driver + Chromium (Scrapy's own RSS);"
          " browser/http: Scrapy requests by transport; in-browser: what Chromium fetched")
    print(f"{'crawl':34s} {'archived':>8s} {'seconds':>8s} {'pages/s':>8s} {'peak MB':>13s}"
          f" {'browser':>8s} {'http':>6s} {'in-browser (aborted)':>21s}")
    for label, run in (("guangdong (gkmlpt, rendered)", rendered),
                       ("hangzhou (Hanweb, plain)", plain),
                       ("hangzhou (Hanweb, no playwright)", bare),
                       ("hangzhou (jpaas, pageNo ignored)", newer)):
        pages = run.stat("requests/browser") if run is rendered else run.archived
        print(f"{label:34s} {run.archived:8d} {run.seconds:8.1f} {pages / run.seconds:8.2f}"
              f" {run.peak_mb:6.0f} ({run.peak_scrapy_mb:4.0f}) {run.stat('requests/browser'):8d}"
              f" {run.stat('requests/http'):6d}"
              f" {run.stat('playwright/request_count'):12d} ({run.stat('playwright/request_count/aborted')})")
    rendered_rate = rendered.stat("requests/browser") / rendered.seconds
    plain_rate = plain.archived / plain.seconds
    print()
    print(f"rendered pages/s / plain-HTTP reports/s             {rendered_rate / plain_rate:7.3f}")
    print(f"peak MB rendered / peak MB plain                    {rendered.peak_mb / plain.peak_mb:7.3f}")
    print(f"Hanweb reports/s with / without scrapy-playwright   "
          f"{plain_rate / (bare.archived / bare.seconds):7.3f}")
    print(f"Hanweb peak MB with / without scrapy-playwright     {plain.peak_mb / bare.peak_mb:7.3f}")
    complete = (rendered.archived == n and plain.archived == n and bare.archived == n
                and newer.archived == n and newer.stat("requests/browser") == 1
                and plain.stat("requests/browser") == 0)
    print(f"every report archived, jpaas rendered once: {'yes' if complete else 'NO'}")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
