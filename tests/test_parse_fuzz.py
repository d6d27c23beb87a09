"""Robustness: mutated pages (cut off, rows dropped, swapped or repeated, cells replaced by
garbage) never make the parser raise anything but its own ``ParseError``s, never make it
return a number that the input does not print, and always give a valid document."""

from __future__ import annotations

import html
import random
import re
import unicodedata
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse_report
from parsers.errors import ParseError
from parsers.report import Report
from tests.conftest import REAL_PAGES, SEED_REPORT
from tests.test_parse_schema import FIXTURES, assert_schema_valid

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces that look like what belongs in a cell, or like labels, or like markup gone wrong.
TRICKY = ["无", "—", "-", "/", "", " ", "1,2", "１２", "12件", "3.5万元", "-7", "0.00", "见附件",
          "总计", "其他", "3.其他", "一、本年新收政府信息公开申请数量", "行政复议", "自然人",
          "第二十条第（一）项", "12 3", "2023年度", "<br>", "&nbsp;", "<td>", "</table>", "|"]
GARBAGE = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))


@cache
def base(name: str) -> tuple[str, bool]:
    """A base input and whether it is HTML."""
    if name == "seed":
        return SEED_REPORT.read_text(encoding="utf-8"), False
    if name == "shuyang":
        return (REAL_PAGES / "shuyang-development-reform-2023.html").read_text(encoding="utf-8"), True
    if name == "rendered":
        from replica.render import Layout, render_report_html
        from replica.reports import synthetic_report

        report = synthetic_report(random.Random(11), agency="杭州市商务局", year=2022,
                                  template="2021", index_no="002489604/2023-00007",
                                  publish_date="2023-01-12")
        return render_report_html(report, Layout(label_cells="missing", blank="—")), True
    path = FIXTURES / name
    return path.read_text(encoding="utf-8"), path.suffix == ".html"


BASES = ["seed", "shuyang", "rendered", "hanweb-traditional-2022.html",
         "govcn-2019-form-2022.html", "pdf-stacked-headers.txt"]
_UNIT = {True: re.compile(r"<tr\b.*?</tr>|<p\b.*?</p>", re.S), False: re.compile(r"[^\n]*\n")}
_CELL = {True: re.compile(r"(<td\b[^>]*>)(.*?)(</td>)", re.S), False: re.compile(r"[^|\n]+")}


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(BASES))
    text, is_html = base(name)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "drop", "swap", "repeat", "garbage", "garbage"]))
        if op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        if op == "garbage":
            cells = _spans(_CELL[is_html], text)
            if not cells:
                continue
            start, end = cells[draw(st.integers(0, len(cells) - 1))]
            junk = draw(GARBAGE)
            if is_html:
                match = _CELL[True].match(text, start)
                assert match is not None
                start, end = match.span(2)
                junk = html.escape(junk) if draw(st.booleans()) else junk
            text = text[:start] + junk + text[end:]
            continue
        units = _spans(_UNIT[is_html], text)
        if len(units) < 2:
            continue
        i = draw(st.integers(0, len(units) - 1))
        a, b = units[i]
        if op == "drop":
            text = text[:a] + text[b:]
        elif op == "repeat":
            text = text[:b] + text[a:b] + text[b:]
        else:
            j = draw(st.integers(0, len(units) - 1))
            (a, b), (c, d) = sorted([units[i], units[j]])
            if b <= c:
                text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
    return name, text


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_printed(text: str) -> set[float]:
    """Every number the input prints (full-width folded, entities decoded), either sign;
    0 too when it prints 无."""
    found: set[float] = set()
    for variant in (text, html.unescape(text)):
        folded = unicodedata.normalize("NFKC", variant)
        for match in _NUMBER.finditer(folded):
            for piece in (match.group(), *match.group().split(",")):
                value = float(piece.replace(",", ""))
                found |= {value, -value}
        if "无" in folded or "無" in folded:
            found.add(0.0)
    return found


def numbers_returned(report: Report) -> list[tuple[str, float]]:
    out = []
    for name in ("proactive", "applications", "review_litigation"):
        table = getattr(report, name)
        for row, cells in (table or {}).items():
            out += [(f"{name}.{row}.{col}", v) for col, v in cells.items() if v is not None]
    return out


@FUZZ
@given(case=mutated())
def test_mutated_pages_never_invent_numbers(case: tuple[str, str], shared_dir) -> None:
    name, text = case
    for content in (text, text.encode("utf-8")):
        try:
            report = parse_report(content)
        except ParseError as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        printed = numbers_printed(text)
        invented = [(cell, v) for cell, v in numbers_returned(report) if float(v) not in printed]
        assert not invented, f"{name}: numbers not in the input: {invented[:5]}"
        assert_schema_valid(report)
        assert all(isinstance(w, str) and w for w in report.warnings)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_arbitrary_input_gives_a_report_or_a_parse_error(data: bytes | str) -> None:
    try:
        report = parse_report(data)
    except ParseError:
        return
    assert_schema_valid(report)
