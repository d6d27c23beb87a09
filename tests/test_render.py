"""The renderer puts every number where a reader of the page would look for it, in every layout.

These tests read the rendered markup with lxml (not with our parser): expand the row and column
spans into a grid as a browser would, then compare each cell with the report that was rendered.
The text form is compared with the real seed report line by line.
"""

from __future__ import annotations

import dataclasses
import random
import re
import unicodedata

import lxml.html
import pytest

from parsers.report import Report
from parsers.template import (
    APPLICANT_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    application_rows,
)
from replica.render import (
    GridTable,
    Layout,
    render_report_html,
    render_report_text,
    report_grids,
)
from replica.reports import synthetic_report
from tests.conftest import SEED_REPORT

FULL_TO_HALF = str.maketrans("０１２３４５６７８９，．－", "0123456789,.-")


def make_report(template: str = "2021", seed: int = 1, **options) -> Report:
    year = {"2021": 2023, "2019": 2020, "none": 2016}[template]
    return synthetic_report(
        random.Random(seed), agency="杭州市商务局", year=year, template=template,
        index_no=f"002489604/{year + 1}-00117", publish_date=f"{year + 1}-01-16", **options,
    )


def tables(body: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(f"<div>{body}</div>").findall(".//table")


def expand(table: lxml.html.HtmlElement) -> list[list[str]]:
    """The table as a browser lays it out: one text per grid slot, spans repeated."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr.findall("td"):
            while (r, c) in grid:
                c += 1
            text = re.sub(r"\s+", "", td.text_content().replace("\xa0", " "))
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = text
            c += int(td.get("colspan", 1))
    rows = 1 + max(r for r, _ in grid)
    return [[grid.get((r, c), "") for c in range(1 + max(c for rr, c in grid if rr == r))]
            for r in range(rows)]


def printed(value: object, text: str) -> bool:
    """Whether ``text`` is how some layout prints ``value`` (domain.md §2 cell rules)."""
    text = text.translate(FULL_TO_HALF).replace(",", "")
    text = re.sub(r"(万元|元|件)$", "", text)
    if value is None:
        return text in ("", "—", "-", "/", "／")
    if value == 0 and text == "无":
        return True
    return text != "" and float(text) == value


# --------------------------------------------------------------------------------------------
# Table 3 (applications) in every label-cell layout
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("label_cells", ["merged", "repeated", "blank"])
def test_table3_grid_has_seven_number_columns_holding_the_reports_values(template, label_cells):
    report = make_report(template, seed=7, blank_zeros="scattered")
    layout = Layout(label_cells=label_cells, blank="—", zero="mixed", seed=3)
    grid = expand(tables(render_report_html(report, layout))[1])
    rows = application_rows(template)
    assert len(grid) == 3 + len(rows)
    assert all(len(row) == 10 for row in grid), [len(row) for row in grid]
    header_bottom = grid[2][3:]
    # Headers: 7 applicant columns under 申请人情况, the 5 organisation kinds on the third row.
    assert [c.label for c in APPLICANT_COLUMNS[1:-1]] == header_bottom[1:6]
    for row, cells in zip(rows, grid[3:]):
        assert row.label in "".join(cells[:3]), (row.key, cells[:3])
        for column, text in zip(APPLICANT_COLUMNS, cells[3:]):
            assert printed(report.applications[row.key][column.key], text), (row.key, column.key)


def test_table3_missing_label_cells_leave_short_rows_whose_numbers_align_right():
    report = make_report("2021", seed=11)
    grid = expand(tables(render_report_html(report, Layout(label_cells="missing")))[1])
    widths = [len(row) for row in grid[3:]]
    assert min(widths) < 10, "continuation rows should lose their group label cells"
    for row, cells in zip(application_rows("2021"), grid[3:]):
        for column, text in zip(APPLICANT_COLUMNS, cells[-7:]):
            assert printed(report.applications[row.key][column.key], text)


def test_merged_layout_spans_match_the_real_page_structure():
    """The real Shuyang page: 三、本年度办理结果 spans 22 rows (2021), （三）不予公开 8, headers
    span 3 rows x 3 columns and 7 columns."""
    body = render_report_html(make_report("2021"), Layout())
    table3 = tables(body)[1]
    spans = {
        re.sub(r"\s+", "", td.text_content()): (td.get("rowspan"), td.get("colspan"))
        for td in table3.iter("td") if td.get("rowspan") or td.get("colspan")
    }
    assert spans["三、本年度办理结果"] == ("22", None)
    assert spans["（三）不予公开"] == ("8", None)
    assert spans["（四）无法提供"] == ("3", None)
    assert spans["（六）其他处理"] == ("3", None)
    assert spans["申请人情况"] == (None, "7")
    assert spans["法人或其他组织"] == (None, "5")
    assert spans[next(k for k in spans if k.startswith("（本列数据"))] == ("3", "3")
    body_2019 = render_report_html(make_report("2019"), Layout())
    spans_2019 = {
        re.sub(r"\s+", "", td.text_content()): td.get("rowspan")
        for td in tables(body_2019)[1].iter("td") if td.get("rowspan")
    }
    assert spans_2019["三、本年度办理结果"] == "20"


# --------------------------------------------------------------------------------------------
# Tables 2 and 4
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_table2_values_sit_under_their_column_headers(template):
    report = make_report(template, seed=5)
    layout = Layout(thousands=True, units="amounts", fullwidth_digits=True, seed=2)
    grid = expand(tables(render_report_html(report, layout))[0])
    from parsers.template import PROACTIVE_BLOCKS

    by_label = {row[0]: row for row in grid}
    for block in PROACTIVE_BLOCKS[template]:
        row = by_label[block.label]
        header = grid[grid.index(row) - 1 - [b.key for b in PROACTIVE_BLOCKS[template]
                                                 if b.item == block.item].index(block.key)]
        for column in block.columns:
            index = header.index(column.label)
            assert printed(report.proactive[block.key][column.key], row[index]), block.key


def test_table4_has_fifteen_numbers_under_group_and_column_headers():
    report = make_report("2021", seed=3)
    report.review_litigation["litigation_direct"]["corrected"] = 4
    report.review_litigation["litigation_direct"]["total"] += 4
    for label_cells in ("merged", "blank"):
        grid = expand(tables(render_report_html(report, Layout(label_cells=label_cells)))[2])
        assert [len(row) for row in grid] == [15, 15, 15, 15]
        values = grid[3]
        for g, group in enumerate(REVIEW_GROUPS):
            for c, column in enumerate(REVIEW_COLUMNS):
                assert printed(report.review_litigation[group.key][column.key], values[5 * g + c])
        assert grid[1][5] == "未经复议直接起诉" and grid[2][6] == "结果纠正" and values[6] == "4"


# --------------------------------------------------------------------------------------------
# Markup variants
# --------------------------------------------------------------------------------------------


def test_chars_layout_puts_every_label_character_in_its_own_span():
    body = render_report_html(make_report(), Layout(split_labels="chars"))
    cell = next(td for td in tables(body)[1].iter("td")
                if re.sub(r"\s+", "", td.text_content()) == "三、本年度办理结果")
    spans = [s.text for s in cell.iter("span") if s.text]
    assert spans == list("三、本年度办理结果")


def test_word_paste_layout_splits_labels_and_keeps_o_p_tags():
    body = render_report_html(make_report(), Layout(split_labels="words", seed=9))
    assert "<o:p>" in body and 'class="MsoNormal"' in body
    split = [td for td in tables(body)[1].iter("td") if len(td.findall(".//span")) > 1]
    assert len(split) > 10


def test_header_breaks_put_br_or_second_paragraph_inside_header_cells():
    report = make_report()
    with_br = tables(render_report_html(report, Layout(header_breaks="br")))[1]
    assert any(td.find(".//br") is not None for td in with_br.iter("td"))
    with_p = tables(render_report_html(report, Layout(header_breaks="paragraphs")))[1]
    assert any(len(td.findall(".//p")) == 2 for td in with_p.iter("td"))


@pytest.mark.parametrize("blank", ["empty", "nbsp", "—", "-", "/", "／"])
def test_blank_cells_are_printed_as_the_layout_says(blank):
    report = make_report(blank_zeros="org_columns", seed=2)
    assert report.applications["new_received"]["research"] is None
    body = render_report_html(report, Layout(blank=blank, word_paste=False))
    grid = expand(tables(body)[1])
    expected = {"empty": "", "nbsp": ""}.get(blank, blank)
    assert grid[3][5] == expected
    assert ("&nbsp;" in body) == (blank == "nbsp")


def test_zero_as_wu_and_full_width_digits():
    report = make_report(seed=4)
    grid = expand(tables(render_report_html(report, Layout(zero="无", fullwidth_digits=True)))[2])
    assert set(grid[3]) <= {"无"} | {c for c in "０１２３４５６７８９"}
    assert "0" not in "".join(grid[3])


def test_traditional_layout_converts_labels_and_text():
    body = render_report_html(make_report(), Layout(traditional="s2t"))
    text = lxml.html.fromstring(f"<div>{body}</div>").text_content()
    assert "本年新收政府信息公開申請數量" in text and "結果維持" in text
    assert "申请" not in text and "结果维持" not in text


def test_label_drift_uses_aliases_from_the_template():
    body = render_report_html(make_report("2021"), Layout(label_drift=True, seed=1))
    table2 = "".join(t.text_content() for t in tables(body)[:1])
    assert "规范性文件" in table2 and "行政规范性文件" not in table2
    assert "本年收费金额（单位：万元）" not in table2
    paragraphs = [p.text_content() for p in lxml.html.fromstring(f"<div>{body}</div>").iter("p")]
    headings = [text for text in paragraphs if text.startswith("五、")]
    assert headings and headings[0] != "五、存在的主要问题及改进情况"


def test_free_form_report_has_no_tables_and_the_old_headings():
    report = make_report("none")
    body = render_report_html(report)
    assert "<table" not in body
    text = lxml.html.fromstring(f"<div>{body}</div>").text_content()
    assert "一、概述" in text and "七、其他需要报告的事项" in text
    assert report.sections.problems.split("\n")[0] in text


def test_every_value_cell_prints_its_value_in_every_random_layout():
    """A None prints as a blank marker, a number as itself (or 无 for 0), cell by cell."""
    rng = random.Random(0)
    for case in range(40):
        report = make_report(rng.choice(["2021", "2019"]), seed=case, blank_zeros="scattered")
        layout = Layout.random(rng)
        grids: list[GridTable] = report_grids(report, layout, random.Random(layout.seed))
        printed_values = [cell.text for grid in grids for row in grid.rows for cell in row
                          if cell.kind == "value"]
        # Tables are printed in template order: blocks/rows, then columns, then table 4 groups.
        values = [v for table in (report.proactive, report.applications,
                                  report.review_litigation)
                  for cells in table.values() for v in cells.values()]
        assert len(printed_values) == len(values)
        for value, text in zip(values, printed_values):
            assert printed(value, text), (layout, value, text)


def test_word_paste_page_is_about_the_size_of_a_real_one():
    sizes = [len(render_report_html(make_report(t, seed=s)).encode())
             for t in ("2021", "2019") for s in range(5)]
    assert all(45_000 < size < 80_000 for size in sizes), sizes


def test_layout_random_covers_every_variant():
    rng = random.Random(0)
    seen: dict[str, set] = {name: set() for name in Layout.choices()}
    for _ in range(600):
        layout = Layout.random(rng)
        for name in seen:
            seen[name].add(getattr(layout, name))
    assert seen == {name: set(values) for name, values in Layout.choices().items()}


# --------------------------------------------------------------------------------------------
# Text form against the real seed report
# --------------------------------------------------------------------------------------------


def seed_report() -> Report:
    """The seed report's values as domain.md §2 lists them (zeros everywhere else)."""
    report = Report.blank("2021", agency="杭州市商务局", year=2023)
    report.header.index_no = "002489604/2024-00117"
    report.header.disclosure_method = "主动公开"
    report.header.publish_date = "2024-01-16"
    report.header.publisher = "杭州市商务局"
    report.header.topic = "政务公开"
    for table in (report.proactive, report.applications, report.review_litigation):
        for cells in table.values():
            for key in cells:
                cells[key] = 0
    report.proactive["normative_documents"].update(issued=9, repealed=1, in_force=33)
    report.proactive["licensing"]["decisions"] = 470
    apps = report.applications
    for row, count in (("new_received", 10), ("carried_over", 1), ("granted", 7),
                       ("partially_granted", 2), ("withheld_security_stability", 1),
                       ("other_misc", 1), ("total_handled", 11)):
        apps[row]["natural_person"] = apps[row]["total"] = count
    return report


def test_text_form_reproduces_the_seed_header_and_table_lines():
    seed_lines = SEED_REPORT.read_text(encoding="utf-8").splitlines()
    ours = render_report_text(seed_report()).splitlines()
    assert ours[:3] == seed_lines[:3]

    def table_lines(lines: list[str]) -> list[str]:
        start = lines.index("二、主动公开政府信息情况")
        end = next(i for i, line in enumerate(lines) if line.startswith("五、"))
        return lines[start:end]

    assert table_lines(ours) == table_lines(seed_lines)


def test_text_form_keeps_blank_cells_in_place():
    report = make_report(blank_zeros="org_columns", seed=2)
    line = next(line for line in render_report_text(report).splitlines()
                if line.startswith("一、本年新收"))
    cells = [c.strip() for c in line.split("|")]
    apps = report.applications["new_received"]
    assert cells[1:8] == ["" if apps[c.key] is None else str(apps[c.key])
                          for c in APPLICANT_COLUMNS]


def test_text_form_in_seed_typography_is_half_width():
    text = render_report_text(make_report())
    assert text == unicodedata.normalize("NFKC", text)
    assert "（" not in text and "(一)予以公开" in text


def test_layout_fields_are_frozen_and_replaceable():
    layout = Layout()
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.zero = "无"  # type: ignore[misc]
    assert dataclasses.replace(layout, zero="无").zero == "无"


def test_cell_per_line_text_prints_each_cell_of_table4_on_its_own_line():
    report = make_report(seed=6)
    lines = render_report_text(report, shape="cells").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("四、政府信息公开"))
    end = next(i for i, line in enumerate(lines) if line.startswith("五、"))
    cells = lines[start + 1:end]
    assert len(cells) == 2 + 7 + 10 + 15
    assert cells[:2] == ["行政复议", "行政诉讼"]
    values = [report.review_litigation[g.key][c.key] for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    assert cells[-15:] == [str(v) for v in values]


def test_default_layout_reproduces_the_real_pages_table_grids():
    """The real Shuyang page's values, rendered in the default layout, give the same three table
    grids as the real page (cell for cell, after span expansion), but for its drifted label."""
    import json

    from tests.conftest import REAL_PAGES

    name = "shuyang-development-reform-2023"
    expected = json.loads((REAL_PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    real = lxml.html.fromstring((REAL_PAGES / f"{name}.html").read_text(encoding="utf-8"))
    real_grids = [expand(t) for t in real.findall(".//table")[1:]]  # [0] is the header table
    real_grids[0] = [["行政规范性文件" if c == "规范性文件" else c for c in row]
                     for row in real_grids[0]]
    ours = [expand(t) for t in tables(render_report_html(Report.from_dict(expected), Layout()))]
    assert ours == real_grids


def test_halfwidth_punctuation_prints_ascii_brackets_in_labels():
    body = render_report_html(make_report(), Layout(halfwidth_punctuation=True, word_paste=False,
                                                    split_labels="none"))
    labels = "".join(t.text_content() for t in tables(body))
    assert "(一)予以公开" in labels and "本年收费金额(单位:万元)" in labels
    assert "（" not in labels


def test_amounts_keep_every_digit_they_have():
    report = make_report(seed=8)
    for amount in (1.235, 0.00001, 1234567.5):
        report.proactive["fees"]["amount_10k_yuan"] = amount
        for layout in (Layout(), Layout(thousands=True, fullwidth_digits=True)):
            grid = expand(tables(render_report_html(report, layout))[0])
            fees_row = next(row for row in grid if row[0] == "行政事业性收费")
            assert float(fees_row[1].translate(FULL_TO_HALF).replace(",", "")) == amount
