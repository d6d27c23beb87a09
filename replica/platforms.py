"""What the replica's other platforms publish: Hangzhou's newer (jpaas) pages and a gkmlpt portal.

Each platform gets its own small deterministic catalogue of articles, drawn like the Hanweb
catalogue (``replica.catalog``): slot ``i`` depends only on the seed, the platform and ``i``,
newest last, and the report contents come from the same generator (``synthetic_report``) and
are drawn by the same renderer (``render_report_html``) so the one parser reads every platform.
A few non-report articles are mixed in so that a spider's title filter is exercised.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from parsers.report import Report, Template
from replica.catalog import PORTAL_TZ
from replica.hanweb import paragraphs_html
from replica.render import Layout, render_report_html
from replica.reports import (
    TITLE_WORDINGS,
    index_number,
    report_title,
    synthetic_report,
    template_for_year,
)

_OTHER_TITLES: tuple[str, ...] = (
    "{agency}关于{year}年度政府信息公开工作年度报告编制工作的通知",
    "{agency}{year}年法治政府建设年度报告",
    "{agency}{year}年政务公开工作要点",
)
_OTHER_SHARE = 0.12


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """One article of a platform: what its list record and its page header show."""

    slot: int
    key: str  # the platform's article id: 32 hex digits (jpaas) or a post number (gkmlpt)
    published: datetime  # portal time (China Standard Time), naive
    agency: str
    index_no: str
    title: str
    year: int
    template: Template
    is_report: bool
    topic: str = "政务公开"

    @property
    def date(self) -> str:
        return self.published.strftime("%Y-%m-%d")

    @property
    def pub_time(self) -> str:
        return self.published.strftime("%Y-%m-%d %H:%M")


class PlatformCatalog:
    """``reports`` annual reports (plus a few other articles) of one platform, newest last.

    ``agencies`` are (name, organisation code) pairs; ``first`` is when the oldest article was
    published; ``years`` the data years its reports may cover; ``key_of(seed, slot)`` makes the
    platform's article id.
    """

    def __init__(self, platform: str, reports: int, seed: int | str,
                 agencies: tuple[tuple[str, str], ...], first: datetime,
                 years: tuple[int, ...], numeric_keys: bool = False) -> None:
        self.platform = platform
        self.seed = f"{seed}:{platform}"
        self.entries: list[PlatformEntry] = []
        self._reports: OrderedDict[int, Report] = OrderedDict()
        self._lock = Lock()
        published, serials = first, {}
        count = 0
        while count < reports:
            slot = len(self.entries)
            rng = random.Random(f"{self.seed}:{slot}")
            published += timedelta(minutes=rng.randint(30, 2000))
            agency, code = rng.choice(agencies)
            is_report = slot == 0 or rng.random() >= _OTHER_SHARE
            covered = [y for y in years if y < published.year] or [published.year - 1]
            year = rng.choice(covered) if is_report else published.year
            serial = serials.get((code, published.year), rng.randint(1, 40))
            serials[(code, published.year)] = serial + rng.randint(1, 9)
            if is_report:
                title = report_title(agency, year, rng.choice(TITLE_WORDINGS))
            else:
                title = rng.choice(_OTHER_TITLES).format(agency=agency, year=year)
            key = (str(4_100_000 + slot * 7 + rng.randint(0, 6)) if numeric_keys else
                   hashlib.blake2b(f"{self.seed}:{slot}".encode(), digest_size=16).hexdigest())
            self.entries.append(PlatformEntry(
                slot=slot, key=key, published=published, agency=agency,
                index_no=index_number(code, published.year, serial), title=title, year=year,
                template=template_for_year(year) if is_report else "none", is_report=is_report,
                topic=rng.choice(("政务公开", "综合政务")),
            ))
            count += is_report
        self.report_count = count
        self.by_key: dict[str, PlatformEntry] = {e.key: e for e in self.entries}

    # ---- lists --------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.entries)

    def window(self, start: int, end: int) -> list[PlatformEntry]:
        """Records ``start``..``end`` (1-based, inclusive) of the list, newest first."""
        total = len(self.entries)
        return [self.entries[total - n] for n in range(max(start, 1), min(end, total) + 1)]

    # ---- contents -----------------------------------------------------------------------------

    def report(self, entry: PlatformEntry) -> Report:
        """The report an entry publishes (read-only: shared through a small cache)."""
        with self._lock:
            cached = self._reports.get(entry.slot)
            if cached is not None:
                return cached
        report = synthetic_report(
            random.Random(f"{self.seed}:{entry.slot}:report"), agency=entry.agency,
            year=entry.year, template=entry.template, index_no=entry.index_no,
            publish_date=entry.date, title=entry.title,
        )
        report.header.topic = entry.topic
        with self._lock:
            self._reports[entry.slot] = report
            while len(self._reports) > 128:
                self._reports.popitem(last=False)
        return report

    def body_html(self, entry: PlatformEntry) -> str:
        """The article's body: a rendered report (simplified characters), or plain paragraphs."""
        if not entry.is_report:
            return paragraphs_html([f"{entry.agency}发布{entry.title}，请各单位认真贯彻执行。",
                                    "联系人及电话：办公室，0571-85250000。"])
        layout = Layout.random(random.Random(f"{self.seed}:{entry.slot}:layout"))
        return render_report_html(self.report(entry), replace(layout, traditional="none"))

    def header_values(self, entry: PlatformEntry) -> dict[str, str | None]:
        """The header table's values (索引号, 公开方式, 文号, 公开日期, 发布单位, 主题分类)."""
        return {"索引号": entry.index_no, "公开方式": "主动公开", "文号": None,
                "公开日期": entry.date, "发布单位": entry.agency, "主题分类": entry.topic}

    def manifest(self, url_of: Any, extra_of: Any = None) -> Iterator[dict[str, Any]]:
        """One record per article, in the shape of ``Catalog.manifest`` plus ``platform``."""
        for entry in self.entries:
            record: dict[str, Any] = {
                "kind": "report" if entry.is_report else "other", "platform": self.platform,
                "index_no": entry.index_no, "url": url_of(entry), "article_id": entry.key,
                "publish_date": entry.date, "title": entry.title, "agency": entry.agency,
                "year": entry.year,
            }
            if extra_of is not None:
                record.update(extra_of(entry))
            if entry.is_report:
                data = self.report(entry).to_dict()
                data["url"] = record["url"]
                del data["checks"], data["warnings"]
                record.update({
                    "template": entry.template, "repost_of": None, "broken_sum": None,
                    "blank_zeros": "none", "reference": False, "edited": False,
                    "last_modified": entry.published.replace(tzinfo=PORTAL_TZ).isoformat(),
                    "report": data,
                })
            yield record


@dataclass(frozen=True)
class Answer:
    """A platform's reply to one request, before the server sends it."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


HTML = "text/html; charset=UTF-8"
JSON = "application/json; charset=UTF-8"


def json_answer(data: Any, status: int = 200) -> Answer:
    return Answer(status, JSON, json.dumps(data, ensure_ascii=False).encode())


def not_found() -> Answer:
    return Answer(404, HTML, "<!DOCTYPE html><html><head><title>404</title></head><body>"
                             "<p>页面不存在</p></body></html>".encode())
