"""The small rules under the parser: what a cell holds, how labels are folded and matched."""

from __future__ import annotations

import subprocess
import sys

import pytest

from parsers import template
from parsers.cells import Kind, read_cell
from parsers.labels import Role
from parsers.layout import heading_of
from parsers.specs import applications_spec, proactive_spec, review_spec
from parsers.textnorm import fold, label_key
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("raw", "value"), [
    ("0", 0), ("12", 12), ("１２", 12), ("1,234", 1234), ("１，２３４", 1234), ("12件", 12),
    ("3.5", 3.5), ("3.50", 3.5), ("0.00", 0), ("251000元", 251000), ("2.5万元", 2.5),
    ("-2", -2), ("+1", 1), ("−3", -3), ("无", 0), ("無", 0), ("\n  7 \xa0", 7),
])
def test_numbers(raw: str, value: int | float) -> None:
    cell = read_cell(raw)
    assert cell.kind is Kind.NUMBER
    assert cell.value == value and type(cell.value) is type(value)


@pytest.mark.parametrize("raw", ["", "  ", "\xa0", "\u3000"])
def test_blank(raw: str) -> None:
    assert read_cell(raw).kind is Kind.EMPTY and read_cell(raw).value is None


@pytest.mark.parametrize("raw", ["—", "-", "/", "／", "——", "－", "--"])
def test_dashes_are_none(raw: str) -> None:
    assert read_cell(raw).kind is Kind.DASH and read_cell(raw).value is None


@pytest.mark.parametrize("raw", ["见附件", "12 3", "0\n0", "1,2", "1.2.3", "约10", "10%", "N/A"])
def test_anything_else_is_text(raw: str) -> None:
    """Never a number: 12 3 is not 123, 1,2 is not 12."""
    assert read_cell(raw).kind is Kind.TEXT and read_cell(raw).value is None


def test_label_keys_fold_typography_and_traditional_characters() -> None:
    assert label_key("發 布 單 位：") == "发布单位:"
    assert label_key("３.危及“三安全一稳定”") == label_key("3.危及\"三安全一稳定\"")
    assert label_key("（二）部分公开") == "(二)部分公开"
    assert fold("本年新收政府信息公開申請數量") == "本年新收政府信息公开申请数量"


def _template_labels() -> set[str]:
    labels: set[str] = set()
    for blocks in template.PROACTIVE_BLOCKS.values():
        for block in blocks:
            labels.update(block.labels)
            labels.add(block.item)
            for column in block.columns:
                labels.update(column.labels)
    for row in template.APPLICATION_ROWS:
        labels.update(row.labels)
    for field in (*template.APPLICANT_COLUMNS, *template.REVIEW_GROUPS, *template.REVIEW_COLUMNS,
                  *template.HEADER_FIELDS):
        labels.update(field.labels)
    labels.update((template.ORGANISATION_GROUP_LABEL, template.APPLICANT_GROUP_LABEL,
                   template.RESULTS_LABEL, template.LITIGATION_LABEL,
                   *template.APPLICATION_GROUP_LABELS))
    for section in template.SECTIONS:
        labels.update((section.label, *section.aliases))
    return labels


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_every_template_label_in_traditional_folds_back(config: str) -> None:
    """OpenCC (a dependency of the renderer) is the independent reference for the mirrors."""
    opencc = pytest.importorskip("opencc")
    convert = opencc.OpenCC(config).convert
    for label in _template_labels():
        assert label_key(convert(label)) == label_key(label), (label, convert(label))


def test_each_table_label_names_what_the_template_says() -> None:
    spec = applications_spec("2021")
    assert [r.role for r in spec.vocabulary.find(label_key("（七）总计"))[0]] == [Role.ROW]
    both = spec.vocabulary.find(label_key("总计"))[0]  # a column, and （七）总计 without （七）
    assert {(r.role, r.key) for r in both} == {(Role.COLUMN, "total"), (Role.ROW, "total_handled")}
    # One cell holding a group label and a row label.
    found = spec.vocabulary.find(label_key("三、本年度办理结果（一）予以公开"))
    assert [refs[0].role for refs in found] == [Role.ROW_GROUP, Role.ROW]
    # A header stacked one character per line comes back as its labels, in order.
    found = spec.vocabulary.find(label_key("自然人法人或其他组织总计商业企业"))
    assert [refs[0].key for refs in found] == ["natural_person", "organisations", "total",
                                                "commercial"]
    assert proactive_spec("2021").vocabulary.find(label_key("规范性文件"))[0][0].key == \
        "normative_documents"
    assert proactive_spec("2019").vocabulary.find(label_key("行政规范性文件"))[0][0].key == \
        "normative_documents"
    # 2019: （六）其他处理 is a row; 2021: a group of three rows.
    assert applications_spec("2019").vocabulary.find(label_key("（六）其他处理"))[0][0].role \
        is Role.ROW
    assert applications_spec("2021").vocabulary.find(label_key("（六）其他处理"))[0][0].role \
        is Role.ROW_GROUP
    assert review_spec().vocabulary.find(label_key("未经复议直接起诉"))


@pytest.mark.parametrize(("line", "number"), [
    ("一、总体情况", "一"), ("一、概述", "一"), ("二、主动公开政府信息情况", "二"),
    ("三、收到和处理政府信息公开申请情况", "三"), ("四、政府信息公开行政复议、行政诉讼情况", "四"),
    ("五、存在的主要问题及改进情况", "五"), ("五、政府信息公开工作存在的主要问题及改进情况", "五"),
    ("五、存在的主要问题及整改措施", "五"), ("六、政府信息公开工作存在的主要问题及改进措施", "五"),
    ("六、其他需要报告的事项", "六"), ("七、其他需要报告的事项", "六"),
    ("（一）主动公开政府信息情况", None), ("四、结转下年度继续办理", None),
    ("二、上年结转政府信息公开申请数量", None), ("三、本年度办理结果", None),
])
def test_section_headings_match_loosely(line: str, number: str | None) -> None:
    assert heading_of(label_key(line)) == number


def test_parsers_never_import_scrapy() -> None:
    for path in (REPO_ROOT / "parsers").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import scrapy" not in source and "from scrapy" not in source, path.name
    code = "import sys, parsers; parsers.parse_text('一、总体情况\\n五、存在的主要问题\\n');" \
           "sys.exit('scrapy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, timeout=60).returncode == 0


@pytest.mark.parametrize(("spec", "text", "key"), [
    ("proactive", "本年新制发件数", "issued"),  # a word added
    ("proactive", "现行有效文件数", "in_force"),  # a word changed
    ("proactive", "处理决定数量", "decisions"),  # 本年 dropped
    ("applications", "上年结转的政府信息公开申请数量", "carried_over"),
    ("applications", "属于四类过程信息", "withheld_process_information"),
])
def test_reworded_labels_still_match(spec: str, text: str, key: str) -> None:
    vocabulary = (proactive_spec("2021") if spec == "proactive" else applications_spec("2021"))
    found = vocabulary.vocabulary.find(label_key(text))
    assert [refs[0].key for refs in found] == [key]


@pytest.mark.parametrize("text", ["信息内容", "政府信息公开", "申请", "备注：本表数据截至12月31日"])
def test_other_words_match_nothing(text: str) -> None:
    assert applications_spec("2021").vocabulary.find(label_key(text)) == ()
    assert proactive_spec("2021").vocabulary.find(label_key(text)) == ()
