"""Browser benchmark: rendered report pages per second and peak memory, beside plain HTTP.

In one run, against one replica process (its own CPU share), three crawls:

- ``guangdong``: N gkmlpt reports, every report page rendered in headless Chromium;
- ``hangzhou`` on N Hanweb reports: the plain-HTTP baseline;
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


def tree_rss_bytes(root: int) -> int:
    """RSS of a process and all its descendants, from /proc (0 once it is gone)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pages = int((entry / "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        pid = int(entry.name)
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * PAGE_SIZE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class Run:
    name: str
    seconds: float  # inside Scrapy (elapsed_time_seconds)
    peak_rss_mb: float
    stats: dict[str, Any]

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    @property
    def archived(self) -> int:
        return self.stat("archive/pages") - self.stat("archive/failures")


def crawl(name: str, spider: str, base_url: str, workdir: Path,
          spider_args: dict[str, str] | None = None) -> Run:
    stats_file = workdir / f"{name}.json"
    command = scrapy_crawl_command(
        spider, base_url, database_url=f"sqlite:///{workdir / (name + '.db')}",
        spider_args=spider_args,
        settings={"LOG_LEVEL": "WARNING", "STATS_FILE": stats_file},
    )
    peak = 0
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss_bytes(process.pid))
        time.sleep(0.1)
    reader.join()
    if process.returncode != 0 or not stats_file.is_file():
        sys.stderr.write("".join(stderr)[-4000:])
        raise SystemExit(f"{name}: crawl failed with exit code {process.returncode}")
    stats = json.loads(stats_file.read_text("utf-8"))
    return Run(name, float(stats.get("elapsed_time_seconds", 0)), peak / 2**20, stats)


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
            newer = crawl("jpaas", "hangzhou", replica.base_url, workdir,
                          {"columns": str(jpaas.COLUMN_ID)})

    print(f"{n} reports per platform, one replica process, seed {args.seed}")
    print(f"{'crawl':28s} {'archived':>8s} {'seconds':>8s} {'pages/s':>8s} {'peak MB':>8s}"
          f" {'browser':>8s} {'http':>6s} {'in-browser fetches':>18s}")
    for label, run in (("guangdong (gkmlpt, rendered)", rendered),
                       ("hangzhou (Hanweb, plain)", plain),
                       ("hangzhou (jpaas, pageNo off)", newer)):
        pages = run.stat("requests/browser") or run.archived
        print(f"{label:28s} {run.archived:8d} {run.seconds:8.1f} {pages / run.seconds:8.2f}"
              f" {run.peak_rss_mb:8.0f} {run.stat('requests/browser'):8d}"
              f" {run.stat('requests/http'):6d}"
              f" {run.stat('playwright/request_count'):8d}"
              f" ({run.stat('playwright/request_count/aborted')} aborted)")
    rendered_rate = rendered.stat("requests/browser") / rendered.seconds
    plain_rate = plain.archived / plain.seconds
    print()
    print(f"rendered pages/s / plain-HTTP reports/s   {rendered_rate / plain_rate:7.3f}")
    print(f"peak MB rendered / peak MB plain          {rendered.peak_rss_mb / plain.peak_rss_mb:7.3f}")
    complete = (rendered.archived == n and plain.archived == n and newer.archived == n
                and newer.stat("requests/browser") == 1)
    print(f"every report archived, jpaas rendered once: {'yes' if complete else 'NO'}")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
