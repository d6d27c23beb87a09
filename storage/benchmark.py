"""How fast the archive writes: ``python -m storage.benchmark [--database URL] [-n N]``.

Archives N generated reports (pages of realistic size) twice: first as new documents, then as
unchanged re-fetches, and prints records per second for each beside the baseline measured in the
same run: preparing the same records (hashing, compressing, flattening) with no database at all.
The ratio says how much of the cost is the database's. Uses a temporary SQLite file unless
``--database`` names another archive (use an empty one: it is filled with generated reports).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from parsers.report import Report
from parsers.template import APPLICANT_PARTS
from storage.archive import Archive, FetchedPage
from storage.database import display_url, resolve_url
from storage.pending import prepare

PORTAL = "bench.example.gov.cn"
PAGE_BYTES = 110_000  # a real Word-pasted report page is about 110 KB of HTML
CHARS = "政府信息公开工作年度报告本年新收申请数量予以部分不处理行政复议诉讼结果维持纠正其他尚未审结总计"


def generated(serial: int, rng: random.Random) -> tuple[Report, FetchedPage]:
    report = Report.blank(
        "2021", url=f"https://{PORTAL}/art/2024/1/1/art_1_{serial}.html",
        agency=f"测试市第{serial}局", year=2023, title=f"测试市第{serial}局2023年年度报告",
    )
    report.header.index_no = f"000000000/2024-{serial:06d}"
    for table in (report.proactive, report.applications, report.review_litigation):
        for cells in (table or {}).values():
            for column in cells:
                cells[column] = rng.randint(0, 50)
    for cells in (report.applications or {}).values():
        cells["total"] = sum(cells[c] or 0 for c in APPLICANT_PARTS)
    cells = []
    while sum(len(c) for c in cells) < PAGE_BYTES // 2:
        label = "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 12)))
        cells.append(f'<td style="width:{rng.randint(40, 90)}pt"><span lang="EN-US" '
                     f'style="font-family:宋体">{label}</span></td><td>{rng.randint(0, 999)}</td>')
    page = FetchedPage(
        url=report.url or "", status=200, fetched_at=datetime(2024, 3, 1, tzinfo=UTC),
        body=("<html><body><table><tr>" + "</tr><tr>".join(cells) + "</tr></table>").encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    return report, page


@dataclass(frozen=True)
class WriteRates:
    """Records per second: preparing only (no database), new documents, unchanged re-fetches."""

    baseline: float
    new: float
    unchanged: float
    page_bytes: int


def write_rates(url: str, count: int, batch_size: int) -> WriteRates:
    """Archive ``count`` generated reports twice into the (empty) archive at ``url``."""
    rng = random.Random(1)
    items = [generated(n, rng) for n in range(count)]

    start = time.perf_counter()
    for report, page in items:
        prepare(0, page, report, None, "bench")
    baseline = count / (time.perf_counter() - start)

    rates: list[float] = []
    with Archive.open(url, batch_size=batch_size, max_delay=3600) as archive:
        for round_ in range(2):
            run = archive.start_run("benchmark", PORTAL)
            start = time.perf_counter()
            for n, (report, page) in enumerate(items):
                seen = page.fetched_at + timedelta(days=round_, seconds=n)
                archive.record(run, replace(page, fetched_at=seen), report)
            archive.flush()
            rates.append(count / (time.perf_counter() - start))
            summary = archive.finish_run(run)
            assert summary.pages == count, summary
    return WriteRates(baseline, rates[0], rates[1], len(items[0][1].body))


def measure(url: str, count: int, batch_size: int) -> None:
    rates = write_rates(url, count, batch_size)
    print(f"archive: {display_url(resolve_url(url))}  ({count} reports, batch {batch_size}, "
          f"pages of {rates.page_bytes // 1000} KB)")
    print(f"  baseline, prepare only (no database): {rates.baseline:8.0f} records/s")
    print(f"  new documents:                        {rates.new:8.0f} records/s  "
          f"(ratio to baseline {rates.new / rates.baseline:.2f})")
    print(f"  unchanged re-fetches:                 {rates.unchanged:8.0f} records/s  "
          f"(ratio to baseline {rates.unchanged / rates.baseline:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", metavar="URL", help="an EMPTY archive (default: temp SQLite)")
    parser.add_argument("-n", "--count", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.count, args.batch_size)
        return
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.count, args.batch_size)


if __name__ == "__main__":
    main()
