"""The national report template, as data.

Every key of the ``disclosure-report/1`` schema is declared here once, with the labels that
agencies print for it. Parsers match page labels against these declarations; the renderer of the
replica portal prints them; storage and queries use the keys and the Chinese labels beside them.
Nothing else in the project spells out a row, a column or a label of the template.

Labels are given in their canonical simplified form. Matching normalises page text first
(full-width forms, traditional characters, whitespace, punctuation), so aliases here only cover
real wording drift, not typography.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TemplateVersion = Literal["2019", "2021"]
TEMPLATE_VERSIONS: tuple[TemplateVersion, ...] = ("2019", "2021")


@dataclass(frozen=True)
class Field:
    """One row or column of a table: its schema key and the labels that name it on a page."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


# --------------------------------------------------------------------------------------------
# Table 2: proactive disclosure (主动公开政府信息情况)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProactiveBlock:
    """One row of table 2 (e.g. 行政许可) with the columns its article-20 item reports."""

    key: str
    label: str
    item: str  # the article-20 item heading, e.g. 第二十条第（五）项
    columns: tuple[Field, ...]
    aliases: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


_COLS_2021_DOCS = (
    Field("issued", "本年制发件数"),
    Field("repealed", "本年废止件数"),
    Field("in_force", "现行有效件数"),
)
_COLS_2021_DECISIONS = (Field("decisions", "本年处理决定数量"),)

_COLS_2019_DOCS = (
    Field("produced", "本年新制作数量"),
    Field("published", "本年新公开数量"),
    Field("total_published", "对外公开总数量"),
)
_COLS_2019_ITEMS = (
    Field("previous_items", "上一年项目数量"),
    Field("change", "本年增/减", ("本年增减",)),
    Field("decisions", "处理决定数量", ("本年处理决定数量",)),
)

PROACTIVE_BLOCKS: dict[TemplateVersion, tuple[ProactiveBlock, ...]] = {
    "2021": (
        ProactiveBlock("regulations", "规章", "第二十条第（一）项", _COLS_2021_DOCS),
        ProactiveBlock(
            "normative_documents", "行政规范性文件", "第二十条第（一）项", _COLS_2021_DOCS,
            ("规范性文件",),
        ),
        ProactiveBlock("licensing", "行政许可", "第二十条第（五）项", _COLS_2021_DECISIONS),
        ProactiveBlock("penalties", "行政处罚", "第二十条第（六）项", _COLS_2021_DECISIONS),
        ProactiveBlock("coercive_measures", "行政强制", "第二十条第（六）项", _COLS_2021_DECISIONS),
        ProactiveBlock(
            "fees", "行政事业性收费", "第二十条第（八）项",
            (Field("amount_10k_yuan", "本年收费金额（单位：万元）", ("本年收费金额",)),),
        ),
    ),
    "2019": (
        ProactiveBlock("regulations", "规章", "第二十条第（一）项", _COLS_2019_DOCS),
        ProactiveBlock(
            "normative_documents", "规范性文件", "第二十条第（一）项", _COLS_2019_DOCS,
            ("行政规范性文件",),
        ),
        ProactiveBlock("licensing", "行政许可", "第二十条第（五）项", _COLS_2019_ITEMS),
        ProactiveBlock(
            "other_services", "其他对外管理服务事项", "第二十条第（五）项", _COLS_2019_ITEMS
        ),
        ProactiveBlock("penalties", "行政处罚", "第二十条第（六）项", _COLS_2019_ITEMS),
        ProactiveBlock("coercive_measures", "行政强制", "第二十条第（六）项", _COLS_2019_ITEMS),
        ProactiveBlock("fees", "行政事业性收费", "第二十条第（八）项", _COLS_2019_ITEMS[:2]),
        ProactiveBlock(
            "procurement", "政府集中采购", "第二十条第（九）项",
            (Field("items", "采购项目数量"), Field("amount_yuan", "采购总金额")),
        ),
    ),
}

# Header of the label column of table 2's blocks.
CONTENT_HEADER = "信息内容"

# Column headers that decide the template version when the tables are present.
VERSION_MARKERS: dict[TemplateVersion, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
}

# --------------------------------------------------------------------------------------------
# Table 3: applications received and handled (收到和处理政府信息公开申请情况)
# --------------------------------------------------------------------------------------------

APPLICANT_COLUMNS: tuple[Field, ...] = (
    Field("natural_person", "自然人"),
    Field("commercial", "商业企业"),
    Field("research", "科研机构"),
    Field("nonprofit", "社会公益组织"),
    Field("legal_services", "法律服务机构"),
    Field("other_org", "其他"),
    Field("total", "总计"),
)
APPLICANT_PARTS: tuple[str, ...] = tuple(c.key for c in APPLICANT_COLUMNS if c.key != "total")
ORGANISATION_GROUP_LABEL = "法人或其他组织"
APPLICANT_GROUP_LABEL = "申请人情况"
# The note table 3's corner cell prints: the identity the balance check tests.
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class ApplicationRow:
    """One row of table 3. ``group`` is the enclosing result label (（三）不予公开 …), if any."""

    key: str
    label: str
    group: str | None = None
    aliases: tuple[str, ...] = ()
    versions: tuple[TemplateVersion, ...] = TEMPLATE_VERSIONS
    is_result: bool = False  # counted by the results_sum check

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


RESULTS_LABEL = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_NOT_PROCESSED = "（五）不予处理"
_OTHER = "（六）其他处理"

APPLICATION_ROWS: tuple[ApplicationRow, ...] = (
    ApplicationRow("new_received", "一、本年新收政府信息公开申请数量"),
    ApplicationRow("carried_over", "二、上年结转政府信息公开申请数量"),
    ApplicationRow("granted", "（一）予以公开", RESULTS_LABEL, is_result=True),
    ApplicationRow(
        "partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        RESULTS_LABEL, ("（二）部分公开",), is_result=True,
    ),
    ApplicationRow("withheld_state_secret", "1.属于国家秘密", _WITHHELD, is_result=True),
    ApplicationRow(
        "withheld_prohibited_by_law", "2.其他法律行政法规禁止公开", _WITHHELD, is_result=True
    ),
    ApplicationRow(
        "withheld_security_stability", "3.危及“三安全一稳定”", _WITHHELD, is_result=True
    ),
    ApplicationRow(
        "withheld_third_party_rights", "4.保护第三方合法权益", _WITHHELD, is_result=True
    ),
    ApplicationRow(
        "withheld_internal_affairs", "5.属于三类内部事务信息", _WITHHELD, is_result=True
    ),
    ApplicationRow(
        "withheld_process_information", "6.属于四类过程性信息", _WITHHELD, is_result=True
    ),
    ApplicationRow("withheld_enforcement_files", "7.属于行政执法案卷", _WITHHELD, is_result=True),
    ApplicationRow(
        "withheld_administrative_query", "8.属于行政查询事项", _WITHHELD, is_result=True
    ),
    ApplicationRow(
        "unavailable_not_held", "1.本机关不掌握相关政府信息", _UNAVAILABLE, is_result=True
    ),
    ApplicationRow(
        "unavailable_needs_creation", "2.没有现成信息需要另行制作", _UNAVAILABLE, is_result=True
    ),
    ApplicationRow(
        "unavailable_unclear", "3.补正后申请内容仍不明确", _UNAVAILABLE, is_result=True
    ),
    ApplicationRow(
        "not_processed_petition", "1.信访举报投诉类申请", _NOT_PROCESSED, is_result=True
    ),
    ApplicationRow("not_processed_duplicate", "2.重复申请", _NOT_PROCESSED, is_result=True),
    ApplicationRow(
        "not_processed_publication", "3.要求提供公开出版物", _NOT_PROCESSED, is_result=True
    ),
    ApplicationRow(
        "not_processed_excessive", "4.无正当理由大量反复申请", _NOT_PROCESSED, is_result=True
    ),
    ApplicationRow(
        "not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息", _NOT_PROCESSED,
        is_result=True,
    ),
    ApplicationRow(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", _OTHER,
        versions=("2021",), is_result=True,
    ),
    ApplicationRow(
        "other_unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", _OTHER,
        versions=("2021",), is_result=True,
    ),
    ApplicationRow("other_misc", "3.其他", _OTHER, versions=("2021",), is_result=True),
    ApplicationRow("other", "（六）其他处理", RESULTS_LABEL, versions=("2019",), is_result=True),
    ApplicationRow("total_handled", "（七）总计", RESULTS_LABEL),
    ApplicationRow("carried_forward", "四、结转下年度继续办理"),
)

APPLICATION_GROUP_LABELS: tuple[str, ...] = (_WITHHELD, _UNAVAILABLE, _NOT_PROCESSED, _OTHER)


def application_rows(version: TemplateVersion) -> tuple[ApplicationRow, ...]:
    """The rows of table 3 in the order the given template version prints them."""
    return tuple(row for row in APPLICATION_ROWS if version in row.versions)


# --------------------------------------------------------------------------------------------
# Table 4: administrative review and litigation (行政复议、行政诉讼情况)
# --------------------------------------------------------------------------------------------

REVIEW_GROUPS: tuple[Field, ...] = (
    Field("review", "行政复议"),
    Field("litigation_direct", "未经复议直接起诉"),
    Field("litigation_after_review", "复议后起诉"),
)
LITIGATION_LABEL = "行政诉讼"
REVIEW_COLUMNS: tuple[Field, ...] = (
    Field("upheld", "结果维持"),
    Field("corrected", "结果纠正"),
    Field("other", "其他结果"),
    Field("pending", "尚未审结"),
    Field("total", "总计"),
)
REVIEW_PARTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")

# --------------------------------------------------------------------------------------------
# Header and sections
# --------------------------------------------------------------------------------------------

HEADER_FIELDS: tuple[Field, ...] = (
    Field("index_no", "索引号"),
    Field("disclosure_method", "公开方式", ("公开形式",)),
    Field("doc_no", "文号", ("发文字号",)),
    Field("publish_date", "公开日期", ("发布日期", "公开时间", "发布时间", "生成日期")),
    Field("written_date", "成文日期", ("成文时间",)),
    Field("publisher", "发布单位", ("发布机构", "公开单位", "发文机关", "信息来源")),
    Field("topic", "主题分类", ("分类", "信息分类", "组配分类", "主题")),
)


@dataclass(frozen=True)
class Section:
    """A numbered section of the report; ``key`` is None for sections held as tables."""

    number: str
    label: str
    key: str | None
    aliases: tuple[str, ...] = field(default=())


SECTIONS: tuple[Section, ...] = (
    Section("一", "总体情况", "overview", ("概述",)),
    Section("二", "主动公开政府信息情况", None),
    Section("三", "收到和处理政府信息公开申请情况", None),
    Section("四", "政府信息公开行政复议、行政诉讼情况", None, ("行政复议、行政诉讼情况",)),
    Section(
        "五", "存在的主要问题及改进情况", "problems",
        ("政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及整改措施", "存在的主要问题"),
    ),
    Section("六", "其他需要报告的事项", "other_matters"),
)

SCHEMA_ID = "disclosure-report/1"
