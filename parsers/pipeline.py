"""From lines to a ``Report``: layout, header, title/agency/year, template, tables, checks.

Every decision that is a guess leaves a warning (year from the publish date, template from the
year, a table not found, a row that could not be placed). A page with no sign of being a report
(no report title, no section headings, no table labels) is refused with ``NotAReportError``.
"""

from __future__ import annotations

import re

from parsers.checks import run_checks
from parsers.document import Line, Source
from parsers.errors import NotAReportError
from parsers.header import read_header
from parsers.layout import BodyLayout, find_layout, section_text
from parsers.report import Report, Sections, Table
from parsers.specs import TABLES, table_spec, version_markers
from parsers.tables import read_table
from parsers.template import APPLICATION_ROWS, TemplateVersion
from parsers.textnorm import base_key, fold, label_key, tidy

# Years as printed (full-width digits too), so that positions stay those of the original title.
_YEAR_IN_TITLE = re.compile(r"([1１][9９][0-9０-９]{2}|[2２][0０][0-9０-９]{2})\s*年(度)?")
_YEAR_IN_BODY = re.compile(r"([1１][9９][0-9０-９]{2}|[2２][0０][0-9０-９]{2})\s*年度")
_TOP_HEADING = re.compile(r"[一二三四五六七八九十]{1,2}、[^。]{0,40}")
_TITLE_EXTRA_LABELS = ("名称", "标题", "文件名称")
_SUBJECT_WORDS = ("政府信息公开", "信息公开", "政务公开")
_TITLE_LINES = 3
_MAX_TITLE = 80
_BODY_YEAR_LINES = 60
_MIN_SIGNALS = 2
_AGENCY_TRIM = " ，,:：-—_|（(　"
# A notice *about* the annual reports (关于做好2023年度政府信息公开工作年度报告编制发布工作的通知):
# its title names the reports as its object and ends in a notice's document type.
_NOTICE_TITLE = re.compile(
    r"(年度报告|年报).*(通知|公告|通报|意见|方案)\s*(（[^）]*）|\([^)]*\))?\s*$")
# Page furniture inside a body: view counters (浏览次数：88, 访问量, 点击数).
_COUNTER = re.compile(r"(浏览次数|浏览量|访问量|点击数|阅读数|阅读次数)\s*[:：]?\s*\d*")


def _year_of_title(title: str | None) -> tuple[int | None, str | None, str | None]:
    """The report year, the agency (the text before the year) and, for titles that start with
    the year (2019年上海市人民政府办公厅政府信息公开…), the text between year and subject."""
    if not title:
        return None, None, None
    match = _YEAR_IN_TITLE.search(title)
    if not match:
        return None, None, None
    year = int(fold(match.group(1)))
    agency = title[: match.start()].strip(_AGENCY_TRIM).removeprefix("关于") or None
    after = None
    if agency is None:
        rest = title[match.end() :]
        cut = min((i for i in (rest.find(w) for w in _SUBJECT_WORDS) if i > 0), default=-1)
        if cut > 0:
            after = rest[:cut].strip(_AGENCY_TRIM) or None
    return year, agency, after


def _title_in_body(lines: list[Line]) -> str | None:
    """A body that opens with its own title (a centred first paragraph): that line."""
    for line in lines[:_TITLE_LINES]:
        text = tidy(line.text)
        if not text:
            continue
        folded = fold(text)
        if (len(text) <= _MAX_TITLE and "。" not in text and "信息公开" in folded
                and any(w in folded for w in ("报告", "年报"))):
            return text
    return None


def _year_of_body(lines: list[Line]) -> int | None:
    for line in lines[:_BODY_YEAR_LINES]:
        match = _YEAR_IN_BODY.search(line.text)
        if match:
            return int(fold(match.group(1)))
    return None


def _table_key(lines: list[Line]) -> str:
    return label_key("".join(line.text for line in lines))


def _only_2021_rows() -> tuple[str, ...]:
    """Table-3 row labels that only the 2021 form prints (long enough to be unmistakable)."""
    keys = (base_key(label_key(label)) for row in APPLICATION_ROWS if row.versions == ("2021",)
            for label in row.labels)
    return tuple(k for k in keys if len(k) >= 6)


def detect_version(body: list[Line], layout: BodyLayout) -> TemplateVersion | None:
    """The template version the tables are printed in, from their column headers."""
    zone = layout.zones.get("proactive")
    key = _table_key(body[zone[0] : zone[1]] if zone else body)
    hits: dict[TemplateVersion, int] = {}
    for marker, version in version_markers().items():
        if marker in key:
            hits[version] = hits.get(version, 0) + 1
    if hits:
        return max(hits, key=lambda v: hits[v])
    zone = layout.zones.get("applications")
    if zone:
        key = _table_key(body[zone[0] : zone[1]])
        if any(label in key for label in _only_2021_rows()):
            return "2021"
    return None


def _template_by_year(year: int | None) -> str:
    if year is None or year <= 2018:
        return "none"
    return "2019" if year <= 2020 else "2021"


def _signals(title: str | None, layout: BodyLayout, version: str | None) -> int:
    score = len(layout.headings) + len(layout.zones) + (version is not None)
    if title:
        folded = fold(title)
        if "信息公开" in folded and ("报告" in folded or "年报" in folded):
            score += 1 + bool(_YEAR_IN_TITLE.search(title))
    return score


def _read_tables(report: Report, body: list[Line], layout: BodyLayout) -> frozenset[str]:
    """Fill the report's tables; returns the rows not read in full (``table.row``)."""
    template: TemplateVersion = report.template  # type: ignore[assignment]
    tables: dict[str, Table] = {}
    unread: set[str] = set()
    for name in TABLES:
        spec = table_spec(name, template)
        zone = layout.zones.get(name)
        if zone is None:
            tables[name] = {row: dict.fromkeys(cols) for row, cols in spec.rows.items()}
            report.warnings.append(f"{name}: table not found")
            unread.update(f"{name}.{row}" for row in spec.rows)
            continue
        start, end = zone
        ends_input = end >= len(body)
        read = read_table(body[start:end], spec, ends_input=ends_input)
        tables[name] = read.values
        report.warnings += read.warnings
        missing = [row for row in spec.rows if row not in read.rows_found]
        unread.update(f"{name}.{row}" for row in [*missing, *read.rows_cut])
        if not read.rows_found:
            report.warnings.append(f"{name}: no rows found")
        elif missing:
            where = "the text ends inside the table; " if ends_input else ""
            report.warnings.append(f"{name}: {where}rows not found: {', '.join(missing)}")
    report.proactive = tables["proactive"]
    report.applications = tables["applications"]
    report.review_litigation = tables["review_litigation"]
    return frozenset(unread)


def _is_notice_about_reports(title: str | None, layout: BodyLayout) -> bool:
    """A notice, announcement or plan whose object is the annual reports, on a page with none of
    the template's tables or section headings (a real report missing its tables keeps them)."""
    if not title or layout.headings or layout.zones:
        return False
    return bool(_NOTICE_TITLE.search(fold(tidy(title))))


def _narrative_start(body: list[Line], title: str | None) -> int:
    """The first line of the narrative: before it sit the header block, the title and the
    date/source/view-counter line, none of which is a sentence."""
    for index, line in enumerate(body):
        text = tidy(line.text)
        if (not line.is_row and "。" in text and text != title
                and not _COUNTER.search(text)):
            return index
    return len(body)


def _free_text(body: list[Line], layout: BodyLayout, title: str | None,
               names: tuple[str, ...]) -> str | None:
    """A free-form report's body text up to its problems section (or the end), so that the
    archive's version hash sees every edit even when no numbered section was found."""
    start = _narrative_start(body, title)
    end = min((layout.headings[n] for n in ("五", "六") if n in layout.headings),
              default=len(body))
    skip = {i for i in range(start, end)
            if _TOP_HEADING.fullmatch(tidy(body[i].text)) or _COUNTER.search(body[i].text)
            or tidy(body[i].text) == title}
    signature = names if end == len(body) else ()
    return section_text(body, start, end, skip_headings=skip, signature=signature)


def _sections(body: list[Line], layout: BodyLayout, template: str,
              names: tuple[str, ...], title: str | None = None) -> Sections:
    headings = layout.headings
    sections = Sections()
    if "一" not in headings and template == "none":
        sections.overview = _free_text(body, layout, title, names)
    if "一" in headings:
        start = headings["一"]
        if template == "none":
            # Free-form reports: everything up to the problems section tells the year's work.
            end = min((headings[n] for n in ("五", "六") if n in headings), default=len(body))
            skip = {i for i in range(start, end) if _TOP_HEADING.fullmatch(tidy(body[i].text))}
            sections.overview = section_text(body, start + 1, end, skip_headings=skip)
        else:
            sections.overview = section_text(body, start + 1, layout.boundaries_after(start))
    if "五" in headings:
        start = headings["五"]
        sections.problems = section_text(body, start + 1, layout.boundaries_after(start))
    if "六" in headings:
        sections.other_matters = section_text(body, headings["六"] + 1, len(body),
                                              signature=names)
    return sections


def _year_and_agency(report: Report, body: list[Line]) -> None:
    """The data year (title, else body, else publication year - 1) and the agency (title text
    before the year, else the header's publisher, else title text after the year)."""
    header = report.header
    year, agency, agency_after_year = _year_of_title(report.title)
    if year is None:
        year = _year_of_body(body)
    if year is None and header.publish_date:
        year = int(header.publish_date[:4]) - 1
        report.warnings.append(
            f"year: not in the title or body; taken as the year before publication ({year})")
    if year is None:
        report.warnings.append("year: not found")
    report.year = year
    report.agency = agency or header.publisher
    if report.agency is None and agency_after_year:
        report.agency = agency_after_year
        report.warnings.append("agency: taken from the title after its year")
    if report.agency is None:
        report.warnings.append("agency: no title with a year and no publisher in the header")


def _decide_template(report: Report, version: TemplateVersion | None, has_tables: bool) -> None:
    """The table headers decide; failing them, the year (with a warning)."""
    if version is not None:
        report.template = version
        return
    if report.year is None and has_tables:
        report.template = "2021"
        report.warnings.append("template: neither table headers nor a year tell the version; "
                               "2021 assumed")
        return
    report.template = _template_by_year(report.year)  # type: ignore[assignment]
    report.warnings.append(f"template: no table headers tell the version; {report.template} "
                           f"assumed from the year {report.year}")


def read_source(source: Source) -> Report:
    """The report in ``source``; ``NotAReportError`` when nothing in it looks like one."""
    body = source.body
    layout = find_layout(body)
    if source.has_body_root and not (layout.headings or layout.zones):
        # The marked body holds none of the report (a widget reusing the id): read the page.
        source.body_start, source.body_end, source.has_body_root = 0, None, False
        body = source.body
        layout = find_layout(body)
    first = min([*layout.headings.values(), *(s for s, _ in layout.zones.values())],
                default=min(len(body), 12))
    header, header_warnings = read_header(source.outside + body[:first], source.meta)

    title = source.title
    if not title:
        title = next((header.extra[k] for k in _TITLE_EXTRA_LABELS if k in header.extra), None)
    if not title:
        title = _title_in_body(body)
    version = detect_version(body, layout)
    if _signals(title, layout, version) < _MIN_SIGNALS:
        raise NotAReportError("no report title, section headings or table labels found")
    if _is_notice_about_reports(title, layout):
        raise NotAReportError(f"a notice about the annual reports, not a report: {tidy(title)}")

    report = Report(url=source.url, title=title, header=header, warnings=header_warnings)
    _year_and_agency(report, body)
    _decide_template(report, version, bool(layout.zones))
    unread: frozenset[str] = frozenset()
    if report.template != "none":
        unread = _read_tables(report, body, layout)
    names = tuple(n for n in (report.agency, header.publisher) if n)
    report.sections = _sections(body, layout, report.template, names, title)
    report.checks = run_checks(report.template, report.applications, report.review_litigation,
                               unread)
    return report
