"""Render a report the way real portals publish it: the body HTML of ``div#zoom`` and a text form.

The markup copies what real pages show (``../shared/real-pages/``, domain.md §3): tables pasted
from Word, with ``MsoNormal`` paragraphs, labels split over several ``<span>`` runs, ``<o:p>``
and ``&nbsp;`` in blank cells, row-spanning group labels in table 3, a three-row header in
table 4. A ``Layout`` picks one of the variants seen across portals; ``Layout.random`` draws one.
Whatever the layout, parsing the page must give back exactly the report's numbers: a ``None``
cell is printed blank (or ``—``, ``-``, ``/``, ``／``), a zero as ``0`` or ``无``.

Both the replica portal (tens of thousands of pages) and the parser's property tests call this,
so it renders by joining precomputed string fragments: a few milliseconds per page.
"""

from __future__ import annotations

import functools
import html
import random
import re
import unicodedata
from decimal import Decimal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Literal, NamedTuple, get_args, get_type_hints

from parsers.report import Cell, Report
from parsers.template import (
    APPLICANT_COLUMNS,
    APPLICANT_GROUP_LABEL,
    BALANCE_NOTE,
    CONTENT_HEADER,
    HEADER_FIELDS,
    LITIGATION_LABEL,
    ORGANISATION_GROUP_LABEL,
    PROACTIVE_BLOCKS,
    RESULTS_LABEL,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    SECTIONS,
    Field,
    TemplateVersion,
    application_rows,
)

# Section headings of the free-form reports published before the 2019 template.
FREE_FORM_HEADINGS = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息情况",
    "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请提起行政复议、行政诉讼的情况",
    "六、政府信息公开工作存在的主要问题及改进措施",
    "七、其他需要报告的事项",
)

SplitLabels = Literal["none", "words", "chars"]
HeaderBreaks = Literal["none", "br", "paragraphs"]
LabelCells = Literal["merged", "repeated", "blank", "missing"]
ZeroStyle = Literal["0", "无", "mixed"]
BlankStyle = Literal["empty", "nbsp", "—", "-", "/", "／"]
Units = Literal["none", "amounts", "all"]
Traditional = Literal["none", "s2t", "s2tw", "s2hk"]


@dataclass(frozen=True)
class Layout:
    """How one published page lays its tables out. The defaults match the real Shuyang page.

    - ``word_paste``: Word's ``MsoNormal`` paragraphs and ``<o:p>`` runs in every cell (a ~60 KB
      page), else the bare cells of a web editor.
    - ``split_labels``: labels and headings cut into several ``<span>`` runs, at a few points
      (``words``) or one character per run (``chars``).
    - ``header_breaks``: column headers broken by ``<br>`` or into two paragraphs.
    - ``label_cells``: table 3's group labels as row-spanning cells (``merged``), repeated on every
      row (``repeated``), flattened into blank cells (``blank``, also for every merged header
      cell), or dropped from continuation rows by a CMS that lost the rowspan (``missing``).
    - ``zero``/``blank``: how a 0 and a missing value are printed.
    - ``fullwidth_digits``, ``thousands`` (1,234), ``units`` (万元/元 on amounts, 件 on counts).
    - ``traditional``: the whole page in traditional characters (a portal's 繁體版).
    - ``label_drift``: the aliases of ``parsers.template`` instead of the canonical labels.
    - ``halfwidth_punctuation``: labels and headings with ASCII brackets and colons ((一)予以公开).
    - ``signature``: the agency and date closing the report.
    - ``seed``: drives the per-cell choices (where a label is split, which zero is 无, ...).
    """

    word_paste: bool = True
    split_labels: SplitLabels = "words"
    header_breaks: HeaderBreaks = "paragraphs"
    label_cells: LabelCells = "merged"
    zero: ZeroStyle = "0"
    blank: BlankStyle = "empty"
    fullwidth_digits: bool = False
    thousands: bool = False
    units: Units = "none"
    traditional: Traditional = "none"
    label_drift: bool = False
    halfwidth_punctuation: bool = False
    signature: bool = True
    seed: int = 0

    @classmethod
    def random(cls, rng: random.Random) -> Layout:
        """A layout drawn with weights that favour what real pages show most."""
        return cls(
            word_paste=rng.random() < 0.75,
            split_labels=rng.choices(get_args(SplitLabels), (3, 5, 2))[0],
            header_breaks=rng.choices(get_args(HeaderBreaks), (4, 3, 3))[0],
            label_cells=rng.choices(get_args(LabelCells), (6, 2, 1, 1))[0],
            zero=rng.choices(get_args(ZeroStyle), (8, 1, 1))[0],
            blank=rng.choices(get_args(BlankStyle), (4, 3, 1, 1, 1, 1))[0],
            fullwidth_digits=rng.random() < 0.1,
            thousands=rng.random() < 0.2,
            units=rng.choices(get_args(Units), (8, 1, 1))[0],
            traditional=rng.choices(get_args(Traditional), (17, 1, 1, 1))[0],
            label_drift=rng.random() < 0.4,
            halfwidth_punctuation=rng.random() < 0.15,
            signature=rng.random() < 0.6,
            seed=rng.getrandbits(32),
        )

    @classmethod
    def choices(cls) -> dict[str, tuple[object, ...]]:
        """Every value each field can take (``seed`` aside), for tests that cover them all."""
        hints = get_type_hints(cls)
        out: dict[str, tuple[object, ...]] = {}
        for f in fields(cls):
            if f.name == "seed":
                continue
            hint = hints[f.name]
            out[f.name] = (False, True) if hint is bool else get_args(hint)
        return out


# --------------------------------------------------------------------------------------------
# The table model: rows of cells as they appear in <tr>, before any markup
# --------------------------------------------------------------------------------------------

CellKind = Literal["label", "head", "value"]


class GridCell(NamedTuple):
    """One ``<td>``: its text (already formatted), role and spans. ``text`` "" is a blank cell.
    (A named tuple: pages are built from thousands of them, and tuples are cheap to make.)"""

    text: str
    kind: CellKind = "label"
    rowspan: int = 1
    colspan: int = 1


class GridTable(NamedTuple):
    """A table as rows of the cells each ``<tr>`` holds, and its width in grid columns."""

    rows: tuple[tuple[GridCell, ...], ...]
    width: int


_EMPTY = GridCell("", "label")
_FULLWIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


class _Formatter:
    """Turns labels and numbers into the text a layout prints (aliases, 无, units, digits)."""

    def __init__(self, layout: Layout, rng: random.Random) -> None:
        self.layout = layout
        self.rng = rng

    def label(self, field: Field | object) -> str:
        labels: tuple[str, ...] = field.labels  # type: ignore[attr-defined]
        if self.layout.label_drift and len(labels) > 1:
            return self.text(self.rng.choice(labels[1:]))
        return self.text(labels[0])

    def text(self, label: str) -> str:
        """A fixed label as printed: half-width brackets and colons if the layout says so."""
        return unicodedata.normalize("NFKC", label) if self.layout.halfwidth_punctuation else label

    def value(self, value: Cell, unit: str = "") -> GridCell:
        layout = self.layout
        if value is None:
            marker = layout.blank if layout.blank not in ("empty", "nbsp") else ""
            return GridCell(marker, "value")
        if value == 0 and (
            layout.zero == "无" or (layout.zero == "mixed" and self.rng.random() < 0.5)
        ):
            return GridCell("无", "value")
        if isinstance(value, float):
            # Every digit the report holds, in positional notation (never 1e-05, never rounded).
            text = format(Decimal(repr(value)), ",f" if layout.thousands else "f")
        else:
            text = f"{value:,}" if layout.thousands else str(value)
        if layout.fullwidth_digits:
            text = text.translate(_FULLWIDTH)
        if layout.units == "all" or (layout.units == "amounts" and unit != "件"):
            text += unit
        return GridCell(text, "value")


def _header_span_cells(cell: GridCell, blank: bool) -> list[GridCell]:
    """A merged header cell, or (flattened layout) the cell followed by blanks for its colspan."""
    if not blank or cell.colspan == 1:
        return [GridCell(cell.text, cell.kind, 1 if blank else cell.rowspan, cell.colspan)]
    return [GridCell(cell.text, cell.kind), *([_EMPTY] * (cell.colspan - 1))]


def _unit(column_key: str) -> str:
    """The unit an amount or count of table 2 may carry."""
    if column_key == "amount_10k_yuan":
        return "万元"
    if column_key == "amount_yuan":
        return "元"
    return "件"


def proactive_grid(table: dict[str, dict[str, Cell]], version: TemplateVersion,
                   fmt: _Formatter) -> GridTable:
    """Table 2: for each article-20 item a title row, a column header row, then its blocks."""
    flatten = fmt.layout.label_cells == "blank"
    width = 4
    rows: list[tuple[GridCell, ...]] = []
    blocks = PROACTIVE_BLOCKS[version]
    items: dict[str, list] = {}
    for block in blocks:
        items.setdefault(block.item, []).append(block)
    for item, item_blocks in items.items():
        title = GridCell(fmt.text(item), "label", colspan=width)
        rows.append(tuple(_header_span_cells(title, flatten)))
        columns = item_blocks[0].columns
        spans = _column_spans(len(columns), width - 1)
        head = [GridCell(fmt.text(CONTENT_HEADER), "head")]
        for column, span in zip(columns, spans):
            head += _header_span_cells(GridCell(fmt.label(column), "head", colspan=span), flatten)
        rows.append(tuple(head))
        for block in item_blocks:
            row = [GridCell(fmt.label(block), "label")]
            for column, span in zip(columns, spans):
                cell = fmt.value(table[block.key][column.key], _unit(column.key))
                if span > 1 and not flatten:
                    cell = GridCell(cell.text, "value", colspan=span)
                    row.append(cell)
                else:
                    row += [cell, *([_EMPTY] * (span - 1))]
            rows.append(tuple(row))
    return GridTable(tuple(rows), width)


def _column_spans(count: int, width: int) -> list[int]:
    """Spread ``count`` columns over ``width`` grid columns; the last one takes the rest."""
    return [1] * (count - 1) + [width - count + 1]


def applications_grid(table: dict[str, dict[str, Cell]], version: TemplateVersion,
                      fmt: _Formatter) -> GridTable:
    """Table 3: three header rows, then one row per template row under its group labels."""
    mode = fmt.layout.label_cells
    flatten = mode == "blank"
    parts = APPLICANT_COLUMNS[:-1]
    total = APPLICANT_COLUMNS[-1]
    width = 3 + len(APPLICANT_COLUMNS)
    rows: list[tuple[GridCell, ...]] = []
    if flatten:
        rows.append((GridCell(fmt.text(BALANCE_NOTE), "head"), _EMPTY, _EMPTY,
                     GridCell(APPLICANT_GROUP_LABEL, "head"), *([_EMPTY] * 6)))
        rows.append((_EMPTY, _EMPTY, _EMPTY, GridCell(fmt.label(parts[0]), "head"),
                     GridCell(ORGANISATION_GROUP_LABEL, "head"), *([_EMPTY] * 4),
                     GridCell(fmt.label(total), "head")))
        rows.append((_EMPTY, _EMPTY, _EMPTY, _EMPTY,
                     *(GridCell(fmt.label(c), "head") for c in parts[1:]), _EMPTY))
    else:
        rows.append((GridCell(fmt.text(BALANCE_NOTE), "head", 3, 3),
                     GridCell(APPLICANT_GROUP_LABEL, "head", colspan=len(APPLICANT_COLUMNS))))
        rows.append((GridCell(fmt.label(parts[0]), "head", rowspan=2),
                     GridCell(ORGANISATION_GROUP_LABEL, "head", colspan=len(parts) - 1),
                     GridCell(fmt.label(total), "head", rowspan=2)))
        rows.append(tuple(GridCell(fmt.label(c), "head") for c in parts[1:]))

    template_rows = application_rows(version)
    result_rows = [r for r in template_rows if r.group is not None]
    group_sizes: dict[str, int] = {}
    for row in result_rows:
        group_sizes[row.group] = group_sizes.get(row.group, 0) + 1  # type: ignore[index]
    seen_groups: set[str] = set()
    for row in template_rows:
        values = [fmt.value(table[row.key][c.key]) for c in APPLICANT_COLUMNS]
        label = GridCell(fmt.label(row), "label")
        if row.group is None:
            labels = [GridCell(label.text, "label", colspan=3)]
            if flatten:
                labels = [label, _EMPTY, _EMPTY]
        else:
            first_result = RESULTS_LABEL not in seen_groups
            seen_groups.add(RESULTS_LABEL)
            results = GridCell(fmt.text(RESULTS_LABEL), "label", rowspan=len(result_rows))
            if row.group == RESULTS_LABEL:
                inner = [GridCell(label.text, "label", colspan=2)]
                if flatten:
                    inner = [label, _EMPTY]
            else:
                first_of_group = row.group not in seen_groups
                seen_groups.add(row.group)
                group = GridCell(fmt.text(row.group), "label", rowspan=group_sizes[row.group])
                inner = _continued(mode, group, first_of_group) + [label]
            labels = _continued(mode, results, first_result) + inner
        rows.append(tuple(labels + values))
    return GridTable(tuple(rows), width)


def _continued(mode: LabelCells, cell: GridCell, first: bool) -> list[GridCell]:
    """The group label cell(s) a row carries, given where it sits in its group."""
    if mode == "merged":
        return [cell] if first else []
    if mode == "missing":
        return [GridCell(cell.text, "label")] if first else []
    if mode == "blank":
        return [GridCell(cell.text, "label") if first else _EMPTY]
    return [GridCell(cell.text, "label")]  # repeated


def review_grid(table: dict[str, dict[str, Cell]], fmt: _Formatter) -> GridTable:
    """Table 4: 行政复议 and 行政诉讼 over three header rows, then the fifteen numbers."""
    flatten = fmt.layout.label_cells == "blank"
    n = len(REVIEW_COLUMNS)
    review, direct, after = REVIEW_GROUPS
    col_labels = [fmt.label(c) for c in REVIEW_COLUMNS]
    if flatten:
        rows = [
            (GridCell(fmt.label(review), "head"), *([_EMPTY] * (n - 1)),
             GridCell(LITIGATION_LABEL, "head"), *([_EMPTY] * (2 * n - 1))),
            (*(GridCell(t, "head") for t in col_labels),
             GridCell(fmt.label(direct), "head"), *([_EMPTY] * (n - 1)),
             GridCell(fmt.label(after), "head"), *([_EMPTY] * (n - 1))),
            (*([_EMPTY] * n), *(GridCell(t, "head") for t in col_labels * 2)),
        ]
    else:
        rows = [
            (GridCell(fmt.label(review), "head", colspan=n),
             GridCell(LITIGATION_LABEL, "head", colspan=2 * n)),
            (*(GridCell(t, "head", rowspan=2) for t in col_labels),
             GridCell(fmt.label(direct), "head", colspan=n),
             GridCell(fmt.label(after), "head", colspan=n)),
            tuple(GridCell(t, "head") for t in col_labels * 2),
        ]
    rows.append(tuple(
        fmt.value(table[g.key][c.key]) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS
    ))
    return GridTable(tuple(tuple(r) for r in rows), 3 * n)


def report_grids(report: Report, layout: Layout, rng: random.Random) -> list[GridTable]:
    """Tables 2, 3 and 4 of a template report in the given layout (empty for free-form ones)."""
    if report.template == "none":
        return []
    if report.proactive is None or report.applications is None or report.review_litigation is None:
        raise ValueError("a template report needs all three tables to be rendered")
    fmt = _Formatter(layout, rng)
    return [
        proactive_grid(report.proactive, report.template, fmt),
        applications_grid(report.applications, report.template, fmt),
        review_grid(report.review_litigation, fmt),
    ]


# --------------------------------------------------------------------------------------------
# Narrative
# --------------------------------------------------------------------------------------------


def _intro(report: Report) -> str:
    agency = report.agency or "本机关"
    if report.template == "none":
        return (
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{agency}编制。"
            "全文包括概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，"
            "因政府信息公开申请提起行政复议、行政诉讼的情况，政府信息公开工作存在的主要问题及改进措施，"
            "其他需要报告的事项。"
            + (f"本报告中所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。"
               if report.year else "")
        )
    period = (f"本报告所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。"
              if report.year else "")
    return (
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，"
        f"现向社会公布{agency}{report.year or '本'}年度政府信息公开工作年度报告。{period}"
        f"如对本报告有任何疑问，请与{agency}办公室联系。"
    )


def _blocks(report: Report, layout: Layout, rng: random.Random) -> Iterator[tuple[str, object]]:
    """The body in reading order: ("intro"|"heading"|"text"|"table"|"sign", payload)."""
    yield "intro", _intro(report)
    sections = report.sections
    if report.template == "none":
        overview = (sections.overview or "").split("\n")
        bodies = [overview[:1], overview[1:2], overview[2:3], overview[3:4], overview[4:],
                  (sections.problems or "").split("\n"),
                  (sections.other_matters or "").split("\n")]
        for heading, lines in zip(FREE_FORM_HEADINGS, bodies):
            yield "heading", heading
            for line in lines:
                if line:
                    yield "text", line
    else:
        grids = iter(report_grids(report, layout, rng))
        for section in SECTIONS:
            label = section.label
            if layout.label_drift and section.aliases:
                label = rng.choice(section.aliases)
            yield "heading", f"{section.number}、{label}"
            if section.key is None:
                yield "table", next(grids)
            else:
                for line in (getattr(sections, section.key) or "").split("\n"):
                    if line:
                        yield "text", line
    if layout.signature:
        yield "sign", report.header.publisher or report.agency or ""
        if report.header.publish_date:
            y, m, d = (int(p) for p in report.header.publish_date.split("-"))
            yield "sign", f"{y}年{m}月{d}日"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_FONT_BODY = "仿宋_GB2312"
_FONT_HEADING = "黑体"
_FONT_TABLE = "宋体"
_OP = "<o:p></o:p>"
_DIGIT_RUNS = re.compile(r"([0-9０-９]+)")


def _split(text: str, mode: SplitLabels, rng: random.Random) -> list[str]:
    """Cut a label into the runs Word would leave: at a few points, or one character each."""
    if mode == "none" or len(text) < 2:
        return [text]
    if mode == "chars":
        return list(text)
    inner = len(text) - 1
    cuts = sorted({1 + int(rng.random() * inner) for _ in range(1 + int(rng.random() * 3))})
    return [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)])]


class _HtmlWriter:
    """Serialises the body blocks in one layout's markup into a list of string fragments."""

    def __init__(self, layout: Layout, rng: random.Random) -> None:
        self.layout = layout
        self.rng = rng
        self.out: list[str] = []

    # -- text runs ------------------------------------------------------------------------
    def runs(self, text: str, font: str, split: bool) -> str:
        pieces = _split(text, self.layout.split_labels, self.rng) if split else [text]
        if self.layout.word_paste:
            return "".join([f'<span style="font-family:{font}">{_esc(p)}</span>' for p in pieces])
        if len(pieces) == 1:
            return _esc(pieces[0])
        return "".join(f"<span>{_esc(p)}</span>" for p in pieces)

    def narrative_runs(self, text: str, font: str) -> str:
        if not self.layout.word_paste:
            return _esc(text)
        # Word starts a new run where the script changes (digits get a Latin font).
        return "".join(
            f'<span lang="EN-US">{p}</span>' if i % 2
            else f'<span style="font-family:{font}">{_esc(p)}</span>'
            for i, p in enumerate(_DIGIT_RUNS.split(text)) if p
        )

    # -- paragraphs -----------------------------------------------------------------------
    def paragraph(self, inner: str, *, indent: bool = True, right: bool = False) -> None:
        if self.layout.word_paste:
            style = "text-align:right" if right else "text-indent:32.0pt;line-height:28.0pt"
            align = ' align="right"' if right else ""
            self.out.append(
                f'<p class="MsoNormal"{align} style="{style}">{inner}'
                f'<span style="font-family:{_FONT_BODY}">{_OP}</span></p>\n'
            )
        else:
            style = ' style="text-align: right;"' if right else (
                ' style="text-indent: 2em;"' if indent else "")
            self.out.append(f"<p{style}>{inner}</p>\n")

    def heading(self, text: str) -> None:
        inner = self.runs(text, _FONT_HEADING, split=True)
        self.paragraph(f"<b>{inner}</b>" if not self.layout.word_paste else inner)

    def text(self, text: str) -> None:
        self.paragraph(self.narrative_runs(text, _FONT_BODY))

    # -- tables ---------------------------------------------------------------------------
    def table(self, grid: GridTable) -> None:
        out = self.out
        if self.layout.word_paste:
            out.append(
                '<div align="center"><table class="MsoNormalTable" border="1" cellspacing="0" '
                'cellpadding="0" style="border-collapse:collapse;border:none">\n<tbody>\n'
            )
        else:
            out.append('<table border="1" cellspacing="0" cellpadding="0" '
                       'style="border-collapse:collapse;">\n<tbody>\n')
        for row in grid.rows:
            out.append("<tr>\n")
            for cell in row:
                out.append(self.cell(cell))
            out.append("</tr>\n")
        if self.layout.word_paste:
            # Word leaves an empty paragraph after a table (the real page has one after each).
            out.append("</tbody>\n</table></div>\n" + _SPACER)
        else:
            out.append("</tbody>\n</table>\n")

    def cell(self, cell: GridCell) -> str:
        layout = self.layout
        attrs = ""
        if cell.rowspan > 1:
            attrs += f' rowspan="{cell.rowspan}"'
        if cell.colspan > 1:
            attrs += f' colspan="{cell.colspan}"'
        if not cell.text:
            blank = "&nbsp;" if layout.blank == "nbsp" else ""
            if layout.word_paste:
                inner = (f'<p class="MsoNormal" align="center"><span style="font-family:'
                         f'{_FONT_TABLE}"><o:p>{blank or " "}</o:p></span></p>')
                return f'<td{attrs} style="{_TD_STYLE}">{inner}</td>\n'
            return f"<td{attrs}>{blank}</td>\n"
        if cell.kind == "value":  # the bulk of every page: no runs to split, nothing to escape
            if layout.word_paste:
                return (f'<td{attrs} style="{_TD_STYLE}"><p class="MsoNormal" align="center">'
                        f'<span style="font-family:{_FONT_TABLE}">{cell.text}{_OP}</span>'
                        "</p></td>\n")
            return f"<td{attrs}>{cell.text}</td>\n"
        content = self.label_lines(cell)
        if layout.word_paste:
            # Word closes a cell's paragraph with an empty <o:p> inside its last run.
            paragraphs = "".join(
                f'<p class="MsoNormal" align="center">{c[:-7]}{_OP}</span></p>' for c in content
            )
            if cell.kind == "head" and self.rng.random() < 0.1:
                # An empty paragraph above a header label, as in the real page's 自然人 cell.
                paragraphs = _EMPTY_CELL_PARAGRAPH + paragraphs
            return f'<td{attrs} style="{_TD_STYLE}">{paragraphs}</td>\n'
        if len(content) > 1:
            return f"<td{attrs}>" + "".join(f"<p>{c}</p>" for c in content) + "</td>\n"
        return f"<td{attrs}>{content[0]}</td>\n"

    def label_lines(self, cell: GridCell) -> list[str]:
        """A label's runs; a column header may be broken by <br> or into two paragraphs."""
        text = cell.text
        mode = self.layout.header_breaks
        if cell.kind != "head" or mode == "none" or len(text) < 4 or len(text) > 12:
            return [self.runs(text, _FONT_TABLE, split=True)]
        cut = len(text) // 2
        first = self.runs(text[:cut], _FONT_TABLE, split=True)
        second = self.runs(text[cut:], _FONT_TABLE, split=True)
        if mode == "br":
            return [f"{first}<br>{second}"]
        return [first, second]


_TD_STYLE = "border:solid windowtext 1pt"
_SPACER = (f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt"><span style='
           f'"font-family:{_FONT_BODY}"><o:p>&nbsp;</o:p></span></p>\n')
_EMPTY_CELL_PARAGRAPH = (f'<p class="MsoNormal" align="center"><span style="font-family:'
                         f'{_FONT_TABLE}"><o:p>&nbsp;</o:p></span></p>')


def _esc(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return html.escape(text, quote=False)
    return text


@functools.lru_cache(maxsize=None)
def _converter(config: str) -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC(config).convert


def render_report_html(report: Report, layout: Layout | None = None) -> str:
    """The report's body as a portal shows it inside ``div#zoom``: sections and tables."""
    layout = layout or Layout()
    rng = random.Random(layout.seed)
    writer = _HtmlWriter(layout, rng)
    for kind, payload in _blocks(report, layout, rng):
        if kind == "intro":
            writer.text(str(payload))
        elif kind == "heading":
            writer.heading(str(payload))
        elif kind == "text":
            writer.text(str(payload))
        elif kind == "table":
            assert isinstance(payload, GridTable)
            writer.table(payload)
        else:
            writer.paragraph(writer.narrative_runs(str(payload), _FONT_BODY), right=True)
    body = "".join(writer.out)
    if layout.traditional != "none":
        body = _converter(layout.traditional)(body)
    return body


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def _text_row(cells: list[str], width: int, pad: bool) -> str:
    """One table row as the seed prints it: each cell closed by ``|``, blanks as bare bars."""
    texts = cells + ([""] * (width - len(cells)) if pad else [])
    return "".join(f"{t} | " if t else "|" for t in texts).rstrip()


def _text_header(report: Report, fmt: _Formatter) -> list[str]:
    """The three header lines (索引号/公开方式, 文号/公开日期, 发布单位/主题分类)."""
    by_key = {f.key: f for f in HEADER_FIELDS}
    header = report.header
    lines = []
    for left, right in (("index_no", "disclosure_method"), ("doc_no", "publish_date"),
                        ("publisher", "topic")):
        cells = []
        for key in (left, right):
            cells += [fmt.label(by_key[key]) + "：", getattr(header, key) or ""]
        # Blank cells of the header drift to the end of the line, as in the seed.
        filled = [c for c in cells if c]
        lines.append(_text_row(filled, len(cells), pad=True))
    return lines


TextShape = Literal["rows", "cells"]


def render_report_text(report: Report, layout: Layout | None = None, *,
                       title: bool = False, shape: TextShape = "rows") -> str:
    """The report in the plain-text form of ``shared/seed/``: header lines, paragraphs, and one
    line per table row with cells closed by `` | `` (merged cells printed once, blank cells as
    bare ``|``, rows padded to the table's width except the last).

    ``shape="cells"`` prints one table cell per line instead (a blank cell as an empty line), as
    text copied out of a browser's table comes. Without a layout the text is in the seed's own
    typography (half-width punctuation); with one, its value, label and character choices apply
    (markup choices have no text form).
    """
    seed_form = layout is None
    layout = layout or Layout(split_labels="none", header_breaks="none", signature=False)
    rng = random.Random(layout.seed)
    fmt = _Formatter(layout, rng)
    lines: list[str] = []
    if title and report.title:
        lines.append(report.title)
    lines += _text_header(report, fmt)
    for _, payload in _blocks(report, layout, rng):
        if not isinstance(payload, GridTable):
            lines.append(str(payload))
        elif shape == "cells":
            lines += [cell.text for row in payload.rows for cell in row]
        else:
            rows = payload.rows
            for i, row in enumerate(rows):
                lines.append(_text_row([c.text for c in row], payload.width, i < len(rows) - 1))
    text = "\n".join(lines) + "\n"
    if seed_form:
        text = unicodedata.normalize("NFKC", text)
    if layout.traditional != "none":
        text = _converter(layout.traditional)(text)
    return text
