"""Real published pages (``../shared/real-pages``) match their hand-extracted values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_html, parse_report
from parsers.report import Report
from tests.conftest import REAL_PAGES

PAGES = sorted(REAL_PAGES.glob("*.html"))
SHUYANG = REAL_PAGES / "shuyang-development-reform-2023.html"


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every key the expected JSON gives, compared value and type (1 is not 1.0, None is not 0)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out: list[str] = []
        for key, value in expected.items():
            out += _differences(value, actual.get(key, "<missing>"), f"{path}.{key}")
        return out
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_matches_its_expected_json(page: Path, shared_dir: Path) -> None:
    expected = json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = parse_report(page.read_bytes())
    assert _differences(expected, report.to_dict()) == []


@pytest.fixture(scope="module")
def shuyang(shared_dir) -> Report:
    return parse_report(SHUYANG.read_bytes())


def test_shuyang_sums_hold_with_blanks_as_zero(shuyang: Report) -> None:
    # real-pages/README: "every sum holds when blank cells count as zero"
    assert shuyang.failed_checks == []
    # The 法人或其他组织 columns are blank throughout: those checks have nothing to say.
    unknown = {(c.rule, c.scope) for c in shuyang.checks if c.ok is None}
    assert unknown == {(rule, f"applications.{col}") for rule in ("balance", "results_sum")
                       for col in ("commercial", "research", "nonprofit", "legal_services",
                                   "other_org")}


def test_shuyang_sections_and_drifted_labels(shuyang: Report) -> None:
    # Section 五 is headed 存在的主要问题及整改措施; table 2 prints 规范性文件.
    assert shuyang.sections.problems.startswith("（一）存在的主要问题。")
    assert shuyang.sections.other_matters == "2023年度，县发展和改革局政府信息公开未发生收费情况。"
    assert shuyang.sections.overview.startswith("2023年，县发展和改革局认真贯彻执行")
    assert shuyang.proactive["normative_documents"] == {"issued": 8, "repealed": 0, "in_force": 18}
    assert shuyang.warnings == []


def test_shuyang_as_a_gbk_page(shuyang: Report) -> None:
    """Many portals serve GB2312/GBK: the same page in that charset parses the same."""
    html = SHUYANG.read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    html = html.replace('<meta charset="utf-8" />', '<meta charset="gb2312" />')
    data = html.encode("gb18030")
    assert data.decode("gb18030") == html
    assert parse_report(data).to_dict() == shuyang.to_dict()


def test_shuyang_body_alone_gives_the_same_tables(shuyang: Report) -> None:
    """The ``<ucapcontent>`` fragment without the page around it: same numbers, no header."""
    html = SHUYANG.read_text(encoding="utf-8")
    start = html.index("<ucapcontent>")
    end = html.index("</ucapcontent>") + len("</ucapcontent>")
    fragment = parse_html(html[start:end])
    assert fragment.applications == shuyang.applications
    assert fragment.proactive == shuyang.proactive
    assert fragment.review_litigation == shuyang.review_litigation
    assert fragment.header.index_no is None
    assert fragment.year == 2023  # from the body's "2023年度"
