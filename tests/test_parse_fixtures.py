"""Hand-written pages and texts for the odd cases real portals produce (``tests/fixtures``).

Each fixture's expected values are the numbers printed in it; the comments say which oddity
each one carries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parsers import parse_html, parse_report, parse_text
from parsers.errors import NotAReportError
from parsers.report import Report
from parsers.template import APPLICANT_COLUMNS, application_rows

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = [c.key for c in APPLICANT_COLUMNS]


def load(name: str) -> Report:
    return parse_report((FIXTURES / name).read_bytes())


def applications(version: str, rows: dict[str, list[int | None]]) -> dict:
    """A full table 3: the given rows, every other row printed as zeros."""
    return {r.key: dict(zip(COLUMNS, rows.get(r.key, [0] * 7))) for r in application_rows(version)}


def review(*groups: list[int]) -> dict:
    keys = ("upheld", "corrected", "other", "pending", "total")
    names = ("review", "litigation_direct", "litigation_after_review")
    return {name: dict(zip(keys, values)) for name, values in zip(names, groups)}


# --------------------------------------------------------------------------------------------
# Hanweb page in traditional characters (a portal's 繁體版), Word-paste markup: labels one
# character per <span>, <o:p>, &nbsp; blanks, <br> inside headers, rowspan/colspan, full-width
# digits, 1,234, a unit (56件), 无, 规范性文件 for 行政规范性文件, section 五's longer wording.
# --------------------------------------------------------------------------------------------
HANWEB_T3 = {
    "new_received": [30, 5, 0, 0, 1, 0, 36], "carried_over": [2, 0, 0, 0, 0, 0, 2],
    "granted": [15, 2, 0, 0, 1, 0, 18], "partially_granted": [3, 1, 0, 0, 0, 0, 4],
    "unavailable_not_held": [4, 1, 0, 0, 0, 0, 5], "unavailable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "not_processed_petition": [2, 0, 0, 0, 0, 0, 2], "not_processed_duplicate": [1, 0, 0, 0, 0, 0, 1],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "total_handled": [31, 5, 0, 0, 1, 0, 37], "carried_forward": [1, 0, 0, 0, 0, 0, 1],
    # The withheld rows leave the 科研机构 and 社会公益组织 cells blank.
    "withheld_state_secret": [0, 0, None, None, 0, 0, 0],
    "withheld_prohibited_by_law": [1, 0, None, None, 0, 0, 1],
    "withheld_security_stability": [0, 0, None, None, 0, 0, 0],
    "withheld_third_party_rights": [2, 0, None, None, 0, 0, 2],
    "withheld_internal_affairs": [0, 0, None, None, 0, 0, 0],
    "withheld_process_information": [1, 1, None, None, 0, 0, 2],
    "withheld_enforcement_files": [0, 0, None, None, 0, 0, 0],
    "withheld_administrative_query": [0, 0, None, None, 0, 0, 0],
}


def test_hanweb_page_in_traditional_characters() -> None:
    report = load("hanweb-traditional-2022.html")
    assert report.title == "杭州市文化廣電旅遊局2022年政府信息公開工作年度報告"
    assert report.agency == "杭州市文化廣電旅遊局"  # as printed: values are never folded
    assert (report.year, report.template) == (2022, "2021")
    header = report.header
    assert header.index_no == "002489700/2023-00031"
    assert header.publisher == "杭州市文化廣電旅遊局"  # label 發布單位
    assert header.publish_date == "2023-01-18"
    assert header.doc_no is None  # empty 文號 cell
    assert header.disclosure_method == "主動公開"
    assert report.proactive == {
        "regulations": {"issued": 1, "repealed": 0, "in_force": 5},  # ５ full-width
        "normative_documents": {"issued": 12, "repealed": 3, "in_force": 40},  # 規範性文件
        "licensing": {"decisions": 1234},  # 1,234
        "penalties": {"decisions": 56},  # 56件
        "coercive_measures": {"decisions": 0},  # 无
        "fees": {"amount_10k_yuan": 3.5},
    }
    assert report.applications == applications("2021", HANWEB_T3)
    assert report.review_litigation == review([1, 0, 0, 1, 2], [0, 1, 0, 0, 1], [0] * 5)
    assert report.failed_checks == []
    assert report.warnings == []
    assert report.sections.problems.startswith("一是政策解讀形式較爲單一")
    # The closing signature (agency, date) is not part of section 六.
    assert report.sections.other_matters == "本年度未收取信息處理費。"


def test_hanweb_page_served_as_gbk() -> None:
    html = (FIXTURES / "hanweb-traditional-2022.html").read_text(encoding="utf-8")
    gbk = html.replace("charset=utf-8", "charset=gbk").encode("gb18030")
    assert parse_report(gbk).to_dict() == load("hanweb-traditional-2022.html").to_dict()


# --------------------------------------------------------------------------------------------
# gov.cn-style page (<td><b>索引号：</b></td>, #UCAP-CONTENT), a 2022 report on the 2019 form;
# plain cells, the (四) group label cell lost its rowspan (missing on continuation rows), a
# stray empty cell after one row label, a garbage cell, 本年增/减 with signs, 251000元.
# --------------------------------------------------------------------------------------------


def test_govcn_page_2022_report_on_the_2019_form() -> None:
    report = load("govcn-2019-form-2022.html")
    assert report.title == "某某市生态环境局2022年政府信息公开工作年度报告"
    assert (report.agency, report.year, report.template) == ("某某市生态环境局", 2022, "2019")
    header = report.header
    assert header.index_no == "11330000MB0000000X/2023-00012"  # label 索  引  号 with &nbsp;
    assert header.publisher == "某某市生态环境局"  # 发文机关
    assert header.doc_no == "某环〔2023〕3号"  # 发文字号
    assert header.written_date == "2023-01-19"  # 成文日期 2023年01月19日
    assert header.publish_date == "2023-01-20"  # 发布日期
    assert header.topic == "环境监测、保护与治理"
    assert report.proactive == {
        "regulations": {"produced": 0, "published": 0, "total_published": 2},
        "normative_documents": {"produced": 3, "published": 3, "total_published": 25},
        "licensing": {"previous_items": 45, "change": -2, "decisions": 1580},
        "other_services": {"previous_items": 12, "change": 1, "decisions": 300},
        "penalties": {"previous_items": 8, "change": 0, "decisions": 96},
        "coercive_measures": {"previous_items": 2, "change": 0, "decisions": 5},
        "fees": {"previous_items": 1, "change": 0},
        "procurement": {"items": 6, "amount_yuan": 251000},
    }
    assert report.applications == applications("2019", {
        "new_received": [9, 3, 0, 0, 0, 1, 13],
        "granted": [5, 1, 0, 0, 0, 1, 7],
        "partially_granted": [1, 0, 0, 0, 0, 0, 1],
        "withheld_state_secret": [0, 0, None, 0, 0, 0, 0],  # 见附件: blank, with a warning
        "withheld_third_party_rights": [1, 0, 0, 0, 0, 0, 1],
        "unavailable_not_held": [1, 1, 0, 0, 0, 0, 2],
        "unavailable_needs_creation": [0, 1, 0, 0, 0, 0, 1],  # no group cell on this row
        "not_processed_duplicate": [1, 0, 0, 0, 0, 0, 1],  # a stray empty cell before the values
        "total_handled": [9, 3, 0, 0, 0, 1, 13],
    })
    assert report.review_litigation == review([1, 0, 0, 0, 1], [0] * 5, [0] * 5)
    assert report.warnings == [
        "applications.withheld_state_secret.research: unreadable cell '见附件', left blank"]
    assert report.failed_checks == []
    assert report.sections.problems == "政策解读的针对性还需加强。"  # 存在的主要问题及整改措施


# --------------------------------------------------------------------------------------------
# Text shapes: one cell per line; PDF text (headers stacked one character per line, rows as
# "label n n n", a label wrapped over two lines, a page footer inside a table).
# --------------------------------------------------------------------------------------------
TEXT_T3 = {
    "new_received": [6, 1, 0, 0, 0, 0, 7], "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "granted": [4, 1, 0, 0, 0, 0, 5], "partially_granted": [1, 0, 0, 0, 0, 0, 1],
    "withheld_process_information": [1, 0, 0, 0, 0, 0, 1],
    "total_handled": [6, 1, 0, 0, 0, 0, 7], "carried_forward": [1, 0, 0, 0, 0, 0, 1],
}
TEXT_T2 = {
    "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 2, "repealed": 0, "in_force": 14},
    "licensing": {"decisions": 88}, "penalties": {"decisions": 12},
    "coercive_measures": {"decisions": 0}, "fees": {"amount_10k_yuan": 0},
}


@pytest.mark.parametrize("name", ["one-cell-per-line.txt", "pdf-stacked-headers.txt"])
def test_text_shapes(name: str) -> None:
    report = load(name)
    assert report.title == "杭州市西湖区文化和广电旅游体育局2023年政府信息公开工作年度报告"
    assert (report.agency, report.year, report.template) == (
        "杭州市西湖区文化和广电旅游体育局", 2023, "2021")
    assert report.header.index_no == "002489XYZ/2024-00008"
    assert report.header.publish_date == "2024-01-25"
    assert report.header.publisher == "杭州市西湖区文化和广电旅游体育局"
    assert report.proactive == TEXT_T2
    assert report.applications == applications("2021", TEXT_T3)
    assert report.review_litigation == review([0] * 5, [0] * 5, [0, 0, 0, 1, 1])
    assert report.warnings == []
    assert all(check.ok is True for check in report.checks)
    assert report.sections.problems == "信息公开的及时性仍需提高。"


def test_truncated_text_keeps_what_is_there_and_says_so() -> None:
    report = load("truncated.txt")
    assert report.proactive == TEXT_T2
    expected = applications("2021", TEXT_T3)
    kept = [r.key for r in application_rows("2021")][: 1 + [
        r.key for r in application_rows("2021")].index("unavailable_not_held")]
    for row, cells in report.applications.items():
        if row == "unavailable_not_held":  # cut after three cells
            assert list(cells.values()) == [0, 0, 0, None, None, None, None]
        elif row in kept:
            assert cells == expected[row]
        else:
            assert set(cells.values()) == {None}, row  # missing rows are None, never 0
    assert {v for g in report.review_litigation.values() for v in g.values()} == {None}
    assert any("text ends" in w for w in report.warnings)
    assert "review_litigation: table not found" in report.warnings
    # Sums over rows the text does not hold are not checked, so nothing fails.
    assert report.failed_checks == []
    balance = [c for c in report.checks if c.rule == "balance"]
    assert balance and all(c.ok is None for c in balance)


def test_broken_sums_are_reported_and_the_numbers_kept() -> None:
    report = load("broken-sums.txt")
    assert report.applications["total_handled"]["total"] == 6  # printed 6, the parts add to 5
    assert report.review_litigation["review"] == {
        "upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 2}
    failed = {(c.rule, c.scope) for c in report.failed_checks}
    assert failed == {
        ("balance", "applications.total"),
        ("results_sum", "applications.total"),
        ("row_total", "applications.total_handled"),
        ("group_total", "review_litigation.review"),
    }
    detail = next(c.detail for c in report.failed_checks if c.rule == "row_total")
    assert "6" in detail and "5" in detail


# --------------------------------------------------------------------------------------------
# Free-form report of 2016: header and text only.
# --------------------------------------------------------------------------------------------


def test_free_form_report_before_2019() -> None:
    report = load("free-form-2016.html")
    assert (report.year, report.template) == (2016, "none")
    assert (report.proactive, report.applications, report.review_litigation) == (None,) * 3
    assert report.checks == []
    assert report.header.index_no == "002489622/2017-00009"
    assert report.agency == "杭州市林业水利局"
    assert report.sections.overview.startswith("2016年，我局认真贯彻《条例》")
    assert "二、主动公开政府信息情况" not in report.sections.overview  # headings are not text
    assert report.sections.problems == "公开内容的深度和广度有待拓展。"  # headed 六、… here
    assert report.sections.other_matters == "无。"  # headed 七、… here
    assert any(w.startswith("template:") for w in report.warnings)


def _free_form_without_headings(*, zoom: bool = True) -> str:
    """The free-form fixture with its numbered headings taken out (many pre-2019 reports are
    plain paragraphs), and optionally without the div#zoom that marks its body."""
    html = (FIXTURES / "free-form-2016.html").read_text(encoding="utf-8")
    html = re.sub(r"<p[^>]*><strong>[^<]*</strong></p>\n", "", html)
    return html if zoom else html.replace('id="zoom"', 'class="content"')


@pytest.mark.parametrize("zoom", [True, False], ids=["zoom-body", "whole-page"])
def test_free_form_report_without_headings_keeps_its_text(zoom: bool) -> None:
    html = _free_form_without_headings(zoom=zoom)
    assert "一、概述" not in html and "本年度未收取任何费用。" in html
    report = parse_html(html.encode())
    assert (report.year, report.template) == (2016, "none")
    overview = report.sections.overview
    assert overview is not None
    assert overview.startswith("本报告根据《中华人民共和国政府信息公开条例》要求")
    for sentence in ("全年主动公开政府信息326条", "本年度未收取任何费用。", "公开内容的深度和广度有待拓展。"):
        assert sentence in overview
    for furniture in ("索引号", "浏览次数", "杭州市林业水利局2016年政府信息公开工作年度报告"):
        assert furniture not in overview

    edited = parse_html(html.replace("均已按时答复", "均已逾期答复").encode())
    assert "均已逾期答复" in edited.sections.overview
    assert edited.sections.to_dict() != report.sections.to_dict()


# --------------------------------------------------------------------------------------------
# Not reports.
# --------------------------------------------------------------------------------------------


NOTICE_ABOUT_REPORTS = """<html><head><meta charset="utf-8">
<title>关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</title>
<meta name="PubDate" content="2023-12-20 10:00"></head><body>
<div id="zoom"><p>各区、县（市）人民政府，市政府各部门、各直属单位：</p>
<p>根据《中华人民共和国政府信息公开条例》，现就做好2023年度政府信息公开工作年度报告编制发布工作通知如下：</p>
<p>一、按时发布</p><p>各单位应于2024年1月31日前在政府信息公开专栏发布本单位年度报告。</p>
<p>二、规范格式</p><p>严格按照国务院办公厅印发的格式模板编制，数据应准确无误。</p>
<p style="text-align:right">杭州市人民政府办公厅</p><p>2023年12月20日</p></div>
</body></html>"""


def test_a_notice_about_the_annual_reports_is_not_a_report() -> None:
    with pytest.raises(NotAReportError, match="notice") as info:
        parse_html(NOTICE_ABOUT_REPORTS.encode())
    assert "\n" not in str(info.value)


def test_a_report_announced_as_a_notice_is_still_a_report() -> None:
    """Same notice-shaped title, but the page carries the report's sections: it parses."""
    body = NOTICE_ABOUT_REPORTS.replace(
        "<p>一、按时发布</p>", "<p>一、总体情况</p>").replace(
        "<p>二、规范格式</p>", "<p>五、存在的主要问题及改进情况</p>")
    report = parse_html(body.encode())
    assert report.year == 2023
    assert report.sections.problems.startswith("严格按照国务院办公厅印发的格式模板编制")



def test_a_notice_is_not_a_report() -> None:
    with pytest.raises(NotAReportError) as info:
        load("not-a-report.html")
    assert "\n" not in str(info.value)


def test_an_anti_bot_challenge_is_named() -> None:
    with pytest.raises(NotAReportError, match="Ruishu"):
        load("ruishu-challenge.html")


@pytest.mark.parametrize("content", [b"", b"   \n", "", "随便写的一段话，与年报无关。"])
def test_empty_or_unrelated_input(content: bytes | str) -> None:
    with pytest.raises(NotAReportError):
        parse_report(content)


def test_label_drift_in_a_bare_body() -> None:
    """A body fragment with drifted wording and no header: 规范性文件, 存在的主要问题及整改措施,
    the year from 2023年度 and no agency (with a warning)."""
    body = (
        "<p>2023年度政府信息公开工作年度报告。</p><p>一、总体情况</p><p>工作平稳。</p>"
        "<p>二、主动公开政府信息情况</p><table>"
        "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        "<tr><td>规范性文件</td><td>4</td><td>1</td><td>9</td></tr></table>"
        "<p>五、存在的主要问题及整改措施</p><p>仍有不足。</p>"
    )
    report = parse_html(body)
    assert report.template == "2021" and report.year == 2023
    assert report.proactive["normative_documents"] == {"issued": 4, "repealed": 1, "in_force": 9}
    assert report.proactive["regulations"] == {"issued": None, "repealed": None, "in_force": None}
    assert report.sections.problems == "仍有不足。"
    assert report.agency is None and any(w.startswith("agency:") for w in report.warnings)
    assert "applications: table not found" in report.warnings


def test_year_from_the_publish_date_is_a_guess_with_a_warning() -> None:
    text = ("索引号: | 001/2022-00001 | 公开日期: | 2022-02-10 |\n一、总体情况\n工作平稳。\n"
            "五、存在的主要问题及改进情况\n无。\n")
    report = parse_text(text)
    assert report.year == 2021
    assert any(w.startswith("year:") for w in report.warnings)
    assert report.template == "2021" and any(w.startswith("template:") for w in report.warnings)


def test_one_cell_per_line_with_blank_cells_as_empty_lines() -> None:
    lines = (FIXTURES / "one-cell-per-line.txt").read_text(encoding="utf-8").split("\n")
    row = lines.index("一、本年新收政府信息公开申请数量")
    assert lines[row + 1 : row + 8] == ["6", "1", "0", "0", "0", "0", "7"]
    lines[row + 3 : row + 7] = ["", "", "", ""]  # 科研机构 … 其他 left blank
    report = parse_text("\n".join(lines))
    assert report.applications["new_received"] == dict(zip(COLUMNS, [6, 1, None, None, None,
                                                                     None, 7]))
    assert report.applications["carried_over"] == dict(zip(COLUMNS, [1, 0, 0, 0, 0, 0, 1]))
    assert report.warnings == []


def test_bare_body_with_its_title_first_and_cells_misaligned_with_the_header() -> None:
    """The title is the body's first paragraph and starts with the year; table 2's value cells
    span other grid columns than the header cells above them (a CMS table editor's doing)."""
    body = """<p style="text-align:center"><b>2019年某某市人民政府办公厅政府信息公开工作年度报告</b></p>
<p style="text-align:center">发布日期：2020-01-31</p>
<p>一、总体情况</p><p>略。</p><p>二、主动公开政府信息情况</p>
<table><tr><td colspan="5">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新<br />制作数量</td><td colspan="2">本年新<br />公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>13</td><td colspan="2">13</td><td>524</td></tr>
<tr><td colspan="5">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td colspan="2">本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="2">4</td><td>5</td><td>6</td></tr></table>
<p>五、政府信息公开工作存在的主要问题及改进情况</p><p>无。</p>"""
    report = parse_html(body)
    assert report.title == "2019年某某市人民政府办公厅政府信息公开工作年度报告"
    assert (report.year, report.template) == (2019, "2019")
    assert report.agency == "某某市人民政府办公厅"
    assert report.header.publish_date == "2020-01-31"
    assert report.proactive["regulations"] == {"produced": 13, "published": 13,
                                               "total_published": 524}
    assert report.proactive["licensing"] == {"previous_items": 4, "change": 5, "decisions": 6}
