"""What the replica portal publishes: a deterministic catalogue of articles, built lazily.

Every article occupies a *slot*; slot ``i`` is decided by ``random.Random(f"{seed}:{i}")`` and
by the slots before it, never by the slots after it. Slots run forward in time (slot 0 is the
oldest), so a catalogue of N+10 reports is the catalogue of N reports with newer articles on
top of every list: what "newly published" looks like to a crawler.

Building a catalogue costs a few microseconds per slot (a light skeleton: kind, column, date,
ids, agency, title); report contents are generated only when asked for, and cached.

What is in it (domain.md §3/§4):

- column 1229063423 holds the municipal departments' annual reports across years, the seed
  reference report at ``art_1229063423_4233305`` (slot 0), notices (通知/公告) and other kinds of
  report (法治政府建设年度报告, 政府网站工作年度报表 …) mixed in;
- column 1229063424 holds the district and county governments' reports, and some reposts;
- columns 1229063381 and 1229063382 hold only non-report articles;
- both template versions (data years 2019-2020 → "2019", 2021 on → "2021", and one 2022 report
  still on the 2019 form), free-form reports for 2018 and earlier (template "none"), a few reports
  reposted under a second index number (same column or the other report column), a few with a
  deliberately broken sum, some with zero cells left blank.

The first slots follow a fixed opening so that even a small catalogue (tests) holds one of every
case; later slots are drawn at random with the same ingredients.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cache
from itertools import accumulate
from threading import Lock
from typing import Any, Literal

from parsers.report import CheckRule, Report, Template
from replica.reports import (
    HANGZHOU_AGENCIES,
    TITLE_WORDINGS,
    BlankZeros,
    index_number,
    organisation_code,
    report_title,
    synthetic_report,
    template_for_year,
)

# --------------------------------------------------------------------------------------------
# The site and its columns
# --------------------------------------------------------------------------------------------

SITE_NAME = "杭州市人民政府门户网站"  # the dataproxy's ``webname`` as real crawlers post it
SITE_DOMAIN = "www.hangzhou.gov.cn"
SITE_ID_CODE = "3301000063"
WEBID = 149


@dataclass(frozen=True)
class Column:
    """A Hanweb column (栏目): its id, the id of its list unit, its name, what it holds."""

    column_id: int
    unit_id: int
    name: str
    holds_reports: bool

    @property
    def path(self) -> str:
        return f"/col/col{self.column_id}/index.html"


REPORT_COLUMN = Column(1229063423, 7123790, "部门政府信息公开年度报告", True)
DISTRICT_COLUMN = Column(1229063424, 7123791, "区、县（市）政府信息公开年度报告", True)
NORMATIVE_COLUMN = Column(1229063381, 7123773, "市政府行政规范性文件", False)
NOTICE_COLUMN = Column(1229063382, 7123774, "通知公告", False)
COLUMNS: dict[int, Column] = {
    c.column_id: c for c in (REPORT_COLUMN, DISTRICT_COLUMN, NORMATIVE_COLUMN, NOTICE_COLUMN)
}
REPORT_COLUMN_IDS: tuple[int, ...] = tuple(c.column_id for c in COLUMNS.values() if c.holds_reports)

# --------------------------------------------------------------------------------------------
# Who publishes
# --------------------------------------------------------------------------------------------

MUNICIPAL_AGENCIES: tuple[str, ...] = tuple(a.name for a in HANGZHOU_AGENCIES)
_ORG_CODES: dict[str, str] = {a.name: a.org_code for a in HANGZHOU_AGENCIES}
GENERAL_OFFICE = "杭州市人民政府办公厅"  # reposts other agencies' reports; issues the notices

_DISTRICTS: tuple[str, ...] = (
    "杭州市上城区人民政府", "杭州市拱墅区人民政府", "杭州市西湖区人民政府", "杭州市滨江区人民政府",
    "杭州市萧山区人民政府", "杭州市余杭区人民政府", "杭州市临平区人民政府", "杭州市钱塘区人民政府",
    "杭州市富阳区人民政府", "杭州市临安区人民政府", "桐庐县人民政府", "淳安县人民政府",
    "建德市人民政府",
)
DISTRICT_AGENCIES: tuple[str, ...] = _DISTRICTS
for _number, _name in enumerate(_DISTRICTS):
    _ORG_CODES[_name] = organisation_code(f"0025{_number + 10:02d}{_number * 7 % 100:02d}")


def org_code(agency: str) -> str:
    """The agency's organisation code (the first part of its index numbers)."""
    return _ORG_CODES[agency]


# --------------------------------------------------------------------------------------------
# Articles that are not annual disclosure reports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OtherArticle:
    """A kind of article that is not an annual disclosure report, though it may sound like one.

    ``title`` takes {agency} and {year}; ``year_offset`` is the year it is about relative to its
    publication (-1: last year's work); ``publisher`` None means a random municipal agency.
    """

    kind: Literal["notice", "announcement", "other_report"]
    title: str
    year_offset: int = -1
    publisher: str | None = None


OTHER_ARTICLES: tuple[OtherArticle, ...] = (
    OtherArticle("notice", "关于做好{year}年度政府信息公开工作年度报告编制发布工作的通知",
                 publisher=GENERAL_OFFICE),
    OtherArticle("notice", "{agency}关于公布{year}年度行政许可事项目录的通知", 0),
    OtherArticle("notice", "关于开展{year}年度政务公开工作第三方评估的通知",
                 publisher=GENERAL_OFFICE),
    OtherArticle("announcement",
                 "{agency}关于公开征求《{year}年度重点工作计划（征求意见稿）》意见的公告", 0),
    OtherArticle("announcement", "{agency}关于{year}年度行政执法数据的公告"),
    OtherArticle("other_report", "{agency}{year}年法治政府建设年度报告"),
    OtherArticle("other_report", "{agency}{year}年度部门决算报告"),
    OtherArticle("other_report", "杭州市人民政府门户网站{year}年政府网站工作年度报表",
                 publisher=GENERAL_OFFICE),
    OtherArticle("other_report", "{agency}关于{year}年度人大代表建议和政协提案办理工作情况的报告"),
    OtherArticle("other_report", "{agency}{year}年政务公开工作要点", 0),
)
_NOTICE_OPENING: tuple[str, ...] = (
    "各区、县（市）人民政府，市政府各部门、各直属单位：",
    "为深入贯彻落实《中华人民共和国政府信息公开条例》，进一步做好相关工作，现将有关事项通知如下。",
)
_OTHER_PARAGRAPHS: tuple[str, ...] = (
    "本年度，{agency}坚持依法行政，各项工作有序推进，主要指标均完成年度目标。",
    "一、工作目标。坚持以人民为中心的发展思想，全面提升工作的规范化、标准化水平。",
    "二、主要任务。聚焦重点领域，强化统筹协调，推动各项任务落地见效。",
    "三、保障措施。加强组织领导，健全工作机制，强化督促检查，确保各项工作落到实处。",
)
_CONTACT = "联系人及电话：办公室，0571-8525{phone:04d}。"

# --------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------

Kind = Literal["report", "repost", "other"]
PORTAL_TZ = timezone(timedelta(hours=8), "CST")  # the portal's dates are China Standard Time
REFERENCE_PUBLISHED = datetime(2024, 1, 16, 9, 30)
REFERENCE_ARTICLE_ID = 4233305
REFERENCE_INDEX_NO = "002489604/2024-00117"
REFERENCE_AGENCY = "杭州市商务局"
REFERENCE_YEAR = 2023
_FAST_SLOTS = 400  # slots after this one follow each other by minutes, not days


@dataclass(frozen=True, slots=True)
class Entry:
    """One published article: what its list record and page header show, and how to make it."""

    slot: int
    kind: Kind
    column: Column
    article_id: int
    published: datetime
    agency: str
    index_no: str
    title: str
    year: int | None  # the report's data year (the year a non-report is about)
    template: Template
    topic: str = "政务公开"
    doc_no: str | None = None
    repost_of: int | None = None  # slot of the original report
    broken_sum: CheckRule | None = None
    blank_zeros: BlankZeros = "none"
    other_kind: str | None = None
    views: int = 0  # the view counter's value before the first request
    editable: bool = False  # may be changed by --edit (and so is never reposted)

    @property
    def is_report(self) -> bool:
        return self.kind != "other"

    @property
    def path(self) -> str:
        d = self.published
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.column.column_id}_{self.article_id}.html"

    @property
    def date(self) -> str:
        return self.published.strftime("%Y-%m-%d")

    @property
    def pub_time(self) -> str:
        """The PubDate meta tag's value, ``YYYY-MM-DD HH:mm``."""
        return self.published.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Edit:
    """How an edited report differs from what was first published."""

    slot: int
    kind: Literal["number", "paragraph"]
    modified: datetime
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Plan:
    """What a slot of the fixed opening must be; unset fields are drawn at random."""

    kind: Kind
    column: Column = REPORT_COLUMN
    year: int | None = None
    template: Template | None = None
    broken_sum: CheckRule | None = None
    blank_zeros: BlankZeros | None = None
    repost_of: int | None = None
    other: int | None = None  # index into OTHER_ARTICLES


# The opening: one of every case within the first sixteen slots (slot 0 is the reference).
_OPENING: tuple[_Plan, ...] = (
    _Plan("report", year=REFERENCE_YEAR, template="2021"),
    _Plan("report", year=2022, template="2021"),
    _Plan("other", other=0),
    _Plan("report", year=2017, template="none"),
    _Plan("report", year=2020, template="2019"),
    _Plan("report", year=2022, template="2019"),  # a 2022 report still on the 2019 form
    _Plan("report", year=2021, template="2021", broken_sum="balance"),
    _Plan("other", other=5),
    _Plan("report", column=DISTRICT_COLUMN, year=2019, template="2019"),
    _Plan("repost", column=DISTRICT_COLUMN, repost_of=1),
    _Plan("report", year=2023, template="2021", blank_zeros="org_columns"),
    _Plan("other", column=NORMATIVE_COLUMN, other=3),
    _Plan("report", year=2018, template="none"),
    _Plan("repost", repost_of=4),
    _Plan("report", year=2019, template="2019", broken_sum="results_sum"),
    _Plan("other", column=DISTRICT_COLUMN, other=7),
)

_OPENING_REPOSTED = frozenset(p.repost_of for p in _OPENING if p.repost_of is not None)
_EDITABLE_SHARE = 0.35

_YEAR_WEIGHTS: dict[int, float] = {
    2014: 0.5, 2015: 0.5, 2016: 0.8, 2017: 1.0, 2018: 1.2, 2019: 4.0, 2020: 4.0, 2021: 5.0,
    2022: 5.0, 2023: 6.0, 2024: 6.0,
}
_BLANK_ZEROS: tuple[BlankZeros, ...] = ("none", "org_columns", "scattered", "all")
_BLANK_ZEROS_WEIGHTS: tuple[float, ...] = (0.72, 0.15, 0.1, 0.03)
_BROKEN_RULES: tuple[CheckRule, ...] = ("balance", "results_sum", "row_total", "group_total")


@cache
def _years_before(year: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Data years a report published in ``year`` can cover, with cumulative weights."""
    years = tuple(y for y in _YEAR_WEIGHTS if y < year)
    return years, tuple(accumulate(_YEAR_WEIGHTS[y] for y in years))


class _SlotBuilder:
    """Makes the entry of each slot in turn; its state is what earlier slots left behind."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.published = REFERENCE_PUBLISHED
        self.article_id = REFERENCE_ARTICLE_ID
        self.used_pairs: dict[tuple[str, ...], set[tuple[str, int]]] = {}
        self.next_serial: dict[tuple[str, int], int] = {}
        self.originals: list[Entry] = []  # reports that may be reposted (never an editable one)
        self.entries: list[Entry] = []

    def build(self, slot: int) -> Entry:
        rng = random.Random(f"{self.seed}:{slot}")
        if slot > 0:
            minutes = rng.randint(240, 2880) if slot < _FAST_SLOTS else rng.randint(1, 9)
            self.published += timedelta(minutes=minutes)
            self.article_id += 1 + (minutes // 20 if slot < _FAST_SLOTS else rng.randint(0, 4))
        plan = _OPENING[slot] if slot < len(_OPENING) else self._random_plan(rng)
        if slot == 0:
            entry = self._reference()
        elif plan.kind == "report":
            entry = self._report(slot, rng, plan)
        elif plan.kind == "repost":
            entry = self._repost(slot, rng, plan)
        else:
            entry = self._other(slot, rng, plan)
        self.entries.append(entry)
        return entry

    # ---- kinds ------------------------------------------------------------------------------

    def _random_plan(self, rng: random.Random) -> _Plan:
        roll = rng.random()
        if roll < 0.10:
            column = rng.choices(
                (REPORT_COLUMN, DISTRICT_COLUMN, NORMATIVE_COLUMN, NOTICE_COLUMN), (45, 10, 25, 20)
            )[0]
            return _Plan("other", column=column)
        if roll < 0.13 and self.originals:  # reposts copy reports that --edit never changes
            return _Plan("repost")
        column = DISTRICT_COLUMN if rng.random() < 0.12 else REPORT_COLUMN
        return _Plan("report", column=column)

    def _reference(self) -> Entry:
        serial = int(REFERENCE_INDEX_NO.rsplit("-", 1)[1])
        self.next_serial[(org_code(REFERENCE_AGENCY), REFERENCE_PUBLISHED.year)] = serial + 1
        self.used_pairs[MUNICIPAL_AGENCIES] = {(REFERENCE_AGENCY, REFERENCE_YEAR)}
        return Entry(
            slot=0, kind="report", column=REPORT_COLUMN, article_id=REFERENCE_ARTICLE_ID,
            published=REFERENCE_PUBLISHED, agency=REFERENCE_AGENCY, index_no=REFERENCE_INDEX_NO,
            title=report_title(REFERENCE_AGENCY, REFERENCE_YEAR), year=REFERENCE_YEAR,
            template="2021", views=1986,
        )

    def _report(self, slot: int, rng: random.Random, plan: _Plan) -> Entry:
        pool = DISTRICT_AGENCIES if plan.column is DISTRICT_COLUMN else MUNICIPAL_AGENCIES
        years, cum_weights = _years_before(self.published.year)
        used = self.used_pairs.setdefault(pool, set())

        def draw() -> tuple[str, int]:
            return rng.choice(pool), plan.year or rng.choices(years, cum_weights=cum_weights)[0]

        agency, year = draw()
        if len(used) < len(pool) * len(years):  # prefer an (agency, year) not yet published
            for _ in range(12):
                if (agency, year) not in used:
                    break
                agency, year = draw()
        used.add((agency, year))
        template = plan.template or template_for_year(year)
        if plan.template is None and year == 2022 and rng.random() < 0.004:
            template = "2019"
        broken = plan.broken_sum
        if broken is None and plan.kind == "report" and slot >= len(_OPENING):
            broken = rng.choice(_BROKEN_RULES) if rng.random() < 0.02 else None
        blank = plan.blank_zeros or rng.choices(_BLANK_ZEROS, _BLANK_ZEROS_WEIGHTS)[0]
        if template == "none":
            broken, blank = None, "none"
        entry = Entry(
            slot=slot, kind="report", column=plan.column, article_id=self.article_id,
            published=self.published, agency=agency,
            index_no=self._index_no(org_code(agency), rng),
            title=report_title(agency, year, rng.choice(TITLE_WORDINGS)), year=year,
            template=template, topic=rng.choice(("政务公开", "政务公开", "综合政务")),
            broken_sum=broken, blank_zeros=blank, views=rng.randint(40, 4000),
            editable=slot not in _OPENING_REPOSTED and rng.random() < _EDITABLE_SHARE,
        )
        if not entry.editable:
            self.originals.append(entry)
        return entry

    def _repost(self, slot: int, rng: random.Random, plan: _Plan) -> Entry:
        if plan.repost_of is not None:
            source = self.entries[plan.repost_of]
            column = plan.column
        else:
            source = rng.choice(self.originals)
            other = DISTRICT_COLUMN if source.column is REPORT_COLUMN else REPORT_COLUMN
            column = source.column if rng.random() < 0.6 else other
        reposter = source.agency if rng.random() < 0.5 else GENERAL_OFFICE
        return replace(
            source, slot=slot, kind="repost", column=column, article_id=self.article_id,
            published=self.published, index_no=self._index_no(org_code(reposter), rng),
            repost_of=source.slot, views=rng.randint(10, 800), editable=False,
        )

    def _other(self, slot: int, rng: random.Random, plan: _Plan) -> Entry:
        number = plan.other if plan.other is not None else rng.randrange(len(OTHER_ARTICLES))
        article = OTHER_ARTICLES[number]
        agency = article.publisher or rng.choice(MUNICIPAL_AGENCIES)
        year = self.published.year + article.year_offset
        doc_no = None
        if article.kind == "notice" and agency == GENERAL_OFFICE:
            doc_no = f"杭政办函〔{self.published.year}〕{rng.randint(1, 160)}号"
        return Entry(
            slot=slot, kind="other", column=plan.column, article_id=self.article_id,
            published=self.published, agency=agency,
            index_no=self._index_no(org_code(agency), rng),
            title=article.title.format(agency=agency, year=year), year=year, template="none",
            topic="综合政务", doc_no=doc_no, other_kind=article.kind, views=rng.randint(40, 9000),
        )

    def _index_no(self, code: str, rng: random.Random) -> str:
        key = (code, self.published.year)
        serial = self.next_serial.get(key)
        if serial is None:
            serial = random.Random(f"{self.seed}:serial:{code}:{key[1]}").randint(1, 60)
        self.next_serial[key] = serial + rng.randint(1, 12)
        return index_number(code, self.published.year, serial)


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


class Catalog:
    """The articles of one replica portal: ``reports`` annual-report pages plus the rest.

    ``reports`` counts report pages (originals and reposts); non-report articles come on top.
    ``edit`` changes that many published reports (the oldest editable ones; see
    ``Entry.editable``) so that a re-crawl sees a new version of each. ``reference`` is the seed
    reference report (parsed from ``shared/seed``), served at slot 0 with its values intact;
    without it slot 0 is synthetic.
    """

    def __init__(self, reports: int, seed: int | str = 0, edit: int = 0,
                 reference: Report | None = None, report_cache: int = 256) -> None:
        if reports < 1:
            raise ValueError(f"a replica publishes at least one report, not {reports}")
        self.seed = str(seed)
        self.reference = reference
        builder = _SlotBuilder(self.seed)
        count = 0
        while count < reports:
            count += builder.build(len(builder.entries)).is_report
        self.entries: list[Entry] = builder.entries
        self.report_count = count
        self.by_path: dict[str, Entry] = {e.path: e for e in self.entries}
        # Slots of each column, oldest first: the list shows them newest first.
        self.column_slots: dict[int, list[int]] = {c: [] for c in COLUMNS}
        for entry in self.entries:
            self.column_slots[entry.column.column_id].append(entry.slot)
        self.edits: dict[int, Edit] = self._choose_edits(edit)
        self._reports: OrderedDict[int, Report] = OrderedDict()
        self._report_cache = report_cache
        self._lock = Lock()

    # ---- lists --------------------------------------------------------------------------------

    def column_total(self, column_id: int) -> int:
        return len(self.column_slots.get(column_id, ()))

    def column_window(self, column_id: int, start: int, end: int) -> list[Entry]:
        """Records ``start``..``end`` (1-based, inclusive) of a column's list, newest first."""
        slots = self.column_slots.get(column_id, [])
        total = len(slots)
        start, end = max(start, 1), min(end, total)
        return [self.entries[slots[total - n]] for n in range(start, end + 1)]

    def newest_in_column(self, column_id: int) -> Entry | None:
        slots = self.column_slots.get(column_id)
        return self.entries[slots[-1]] if slots else None

    # ---- articles -----------------------------------------------------------------------------

    def entry_at(self, path: str) -> Entry | None:
        return self.by_path.get(path)

    def last_modified(self, entry: Entry) -> datetime:
        """When the article's page last changed: its edit, else its publication."""
        edit = self.edits.get(entry.slot)
        return edit.modified if edit else entry.published

    def report(self, entry: Entry) -> Report:
        """The report an entry publishes, exactly as its page shows it (edits applied).

        Treat the result as read-only: it is shared through a small cache.
        """
        if not entry.is_report:
            raise ValueError(f"slot {entry.slot} is not a report: {entry.title}")
        with self._lock:
            cached = self._reports.get(entry.slot)
            if cached is not None:
                self._reports.move_to_end(entry.slot)
                return cached
        report = self._make_report(entry)
        with self._lock:
            self._reports[entry.slot] = report
            while len(self._reports) > self._report_cache:
                self._reports.popitem(last=False)
        return report

    def other_paragraphs(self, entry: Entry) -> list[str]:
        """The body of a non-report article, as paragraphs."""
        rng = random.Random(f"{self.seed}:{entry.slot}:body")
        picked = rng.sample(_OTHER_PARAGRAPHS, rng.randint(2, len(_OTHER_PARAGRAPHS)))
        if entry.other_kind == "notice":
            picked = [*_NOTICE_OPENING, *picked]
        picked.append(_CONTACT)
        return [p.format(agency=entry.agency, phone=rng.randint(0, 9999)) for p in picked]

    def layout_seed(self, entry: Entry) -> str:
        """Seed of the page layout; a repost copies its original's page, so it shares it."""
        base = entry.repost_of if entry.repost_of is not None else entry.slot
        return f"{self.seed}:{base}:layout"

    def _make_report(self, entry: Entry) -> Report:
        base = self.entries[entry.repost_of] if entry.repost_of is not None else entry
        if base.slot == 0 and self.reference is not None:
            report = Report.from_dict(self.reference.to_dict())
            report.title = report.title or base.title
        else:
            report = synthetic_report(
                random.Random(f"{self.seed}:{base.slot}:report"),
                agency=base.agency, year=base.year or 0, template=base.template,
                index_no=base.index_no, publish_date=base.date, title=base.title,
                broken_sum=base.broken_sum, blank_zeros=base.blank_zeros,
            )
            report.header.topic = base.topic
        report.header.index_no = entry.index_no
        report.header.publish_date = entry.date
        report.header.doc_no = entry.doc_no
        report.checks, report.warnings = [], []
        edit = self.edits.get(entry.slot)
        if edit is not None:
            _apply_edit(report, edit)
        return report

    # ---- edits --------------------------------------------------------------------------------

    def _choose_edits(self, count: int) -> dict[int, Edit]:
        """The ``count`` oldest editable reports (never the reference, never one reposted).

        Editability is decided per slot when the slot is made, so the same reports are edited
        whatever the catalogue's size: a grown catalogue edits the same ones.
        """
        if count <= 0:
            return {}
        eligible = [e.slot for e in self.entries if e.editable]
        if count > len(eligible):
            raise ValueError(f"cannot edit {count} reports: only {len(eligible)} can be edited")
        return {slot: self._plan_edit(self.entries[slot]) for slot in eligible[:count]}

    def _plan_edit(self, entry: Entry) -> Edit:
        rng = random.Random(f"{self.seed}:{entry.slot}:edit")
        modified = entry.published + timedelta(days=rng.randint(3, 40), minutes=rng.randint(0, 600))
        if entry.template != "none" and rng.random() < 0.6:
            return Edit(entry.slot, "number", modified, {
                "table": "proactive", "row": "licensing", "column": "decisions",
                "add": rng.randint(1, 40),
            })
        return Edit(entry.slot, "paragraph", modified, {
            "section": "problems",
            "text": rng.choice(_EDIT_SENTENCES).format(date=modified.strftime("%Y年%m月%d日")),
        })

    # ---- what is served -----------------------------------------------------------------------

    def manifest(self, base_url: str = "",
                 report_of: Callable[[Entry], Report] | None = None) -> Iterator[dict[str, Any]]:
        """One record per article (reports first-class, others flagged ``kind: "other"``)."""
        make = report_of or self.report
        for entry in self.entries:
            url = base_url.rstrip("/") + entry.path
            record: dict[str, Any] = {
                "kind": entry.kind if entry.is_report else "other",
                "index_no": entry.index_no, "url": url, "column_id": entry.column.column_id,
                "article_id": entry.article_id, "publish_date": entry.date,
                "title": entry.title, "agency": entry.agency, "year": entry.year,
            }
            if not entry.is_report:
                record["other_kind"] = entry.other_kind
                yield record
                continue
            report = make(entry)
            original = self.entries[entry.repost_of] if entry.repost_of is not None else None
            edit = self.edits.get(entry.slot)
            data = report.to_dict()
            data["url"] = url
            del data["checks"], data["warnings"]  # what a parser finds, not what is published
            record.update({
                "template": report.template,
                "repost_of": original.index_no if original is not None else None,
                "broken_sum": entry.broken_sum, "blank_zeros": entry.blank_zeros,
                "reference": entry.slot == 0 and self.reference is not None,
                "edited": edit is not None,
                "last_modified": self.last_modified(entry).replace(tzinfo=PORTAL_TZ).isoformat(),
                "report": data,
            })
            yield record


_EDIT_SENTENCES: tuple[str, ...] = (
    "（{date}更正：第二部分行政许可处理决定数量有误，已予更正。）",
    "下一步，将进一步加强政策解读工作，提升政务新媒体的传播力和影响力。（{date}补充）",
    "针对上述问题，已于{date}前完成整改。",
)


def _apply_edit(report: Report, edit: Edit) -> None:
    detail = edit.detail
    if edit.kind == "number":
        table = getattr(report, detail["table"])
        cells = table[detail["row"]]
        cells[detail["column"]] = (cells[detail["column"]] or 0) + detail["add"]
    else:
        section = detail["section"]
        old = getattr(report.sections, section) or ""
        setattr(report.sections, section, f"{old}\n{detail['text']}" if old else detail["text"])

