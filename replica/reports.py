"""Synthetic annual reports with realistic numbers and wording.

The replica portal publishes these, and the parser's property tests render and parse them back.
Numbers follow what real reports show: most cells are 0, application counts are skewed (a few
large agencies receive hundreds, most a handful), and the four sums of the template hold by
construction. Faults that real agencies make are available on request: a broken sum (a typing
error) and blank cells left where the value is zero. Rows, columns and labels all come from
``parsers.template``; nothing here spells one out.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from parsers.report import CheckRule, Header, Report, Sections, Table, Template
from parsers.template import (
    APPLICANT_PARTS,
    PROACTIVE_BLOCKS,
    REVIEW_PARTS,
    TemplateVersion,
    application_rows,
)

BlankZeros = Literal["none", "org_columns", "scattered", "all"]
"""Where a report leaves a zero cell blank: nowhere; in applicant columns that are zero throughout
(the 法人或其他组织 columns of the real Shuyang page); at random; or in every zero cell."""


# --------------------------------------------------------------------------------------------
# Agencies and identifiers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """A publishing agency: its full name, organisation code and relative workload."""

    name: str
    org_code: str
    scale: float  # 1.0 is a mid-sized department; applications and decisions scale with it
    enforcer: bool = False  # issues penalties and coercive measures in bulk


def organisation_code(base: str) -> str:
    """A 9-character organisation code (GB 11714) from its 8-digit base: appends the check char."""
    if len(base) != 8 or not base.isdigit():
        raise ValueError(f"organisation code base must be 8 digits: {base!r}")
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(d) * w for d, w in zip(base, weights)) % 11
    return base + {10: "X", 11: "0"}.get(check, str(check))


def _agency(name: str, base: str, scale: float, enforcer: bool = False) -> Agency:
    return Agency(name, organisation_code(base), scale, enforcer)


# Municipal departments of Hangzhou. The Commerce Bureau's code is the real one (seed report);
# the other codes are well-formed but made up.
HANGZHOU_AGENCIES: tuple[Agency, ...] = (
    _agency("杭州市商务局", "00248960", 1.0),
    _agency("杭州市人民政府办公厅", "00248900", 1.5),
    _agency("杭州市发展和改革委员会", "00248911", 1.6),
    _agency("杭州市经济和信息化局", "00248923", 1.0),
    _agency("杭州市教育局", "00248935", 2.0),
    _agency("杭州市科学技术局", "00248947", 0.6),
    _agency("杭州市民族宗教事务局", "00248952", 0.2),
    _agency("杭州市公安局", "00248968", 6.0, True),
    _agency("杭州市民政局", "00248974", 1.2),
    _agency("杭州市司法局", "00248981", 1.0),
    _agency("杭州市财政局", "00248993", 1.8),
    _agency("杭州市人力资源和社会保障局", "00249006", 4.0, True),
    _agency("杭州市规划和自然资源局", "00249018", 12.0, True),
    _agency("杭州市生态环境局", "00249021", 2.5, True),
    _agency("杭州市城乡建设委员会", "00249037", 3.0, True),
    _agency("杭州市住房保障和房产管理局", "00249044", 8.0, True),
    _agency("杭州市交通运输局", "00249059", 3.0, True),
    _agency("杭州市林业水利局", "00249062", 0.8, True),
    _agency("杭州市农业农村局", "00249075", 0.9, True),
    _agency("杭州市文化广电旅游局", "00249083", 1.0, True),
    _agency("杭州市卫生健康委员会", "00249096", 2.5, True),
    _agency("杭州市退役军人事务局", "00249102", 0.5),
    _agency("杭州市应急管理局", "00249117", 1.2, True),
    _agency("杭州市审计局", "00249129", 0.4),
    _agency("杭州市人民政府国有资产监督管理委员会", "00249130", 0.5),
    _agency("杭州市市场监督管理局", "00249146", 5.0, True),
    _agency("杭州市体育局", "00249151", 0.3),
    _agency("杭州市统计局", "00249163", 0.4, True),
    _agency("杭州市医疗保障局", "00249178", 1.5, True),
    _agency("杭州市城市管理局", "00249184", 4.0, True),
    _agency("杭州市园林文物局", "00249199", 0.7, True),
    _agency("杭州市数据资源管理局", "00249205", 0.4),
    _agency("杭州市人民政府外事办公室", "00249210", 0.2),
    _agency("杭州市人民防空办公室", "00249226", 0.4, True),
    _agency("杭州市信访局", "00249238", 0.6),
    _agency("杭州市投资促进局", "00249241", 0.3),
    _agency("杭州市机关事务管理局", "00249257", 0.3),
    _agency("杭州市档案局", "00249269", 0.3),
    _agency("杭州市粮食和物资储备局", "00249272", 0.3, True),
    _agency("杭州市贸易促进委员会", "00249288", 0.2),
    _agency("杭州住房公积金管理中心", "00249293", 2.0),
    _agency("杭州市运河综合保护中心", "00249306", 0.3),
)
AGENCIES_BY_NAME: dict[str, Agency] = {agency.name: agency for agency in HANGZHOU_AGENCIES}


def index_number(org_code: str, year: int, serial: int) -> str:
    """The 索引号 ``{org code}/{year}-{serial:05d}``; ``year`` is the year of publication."""
    return f"{org_code}/{year}-{serial:05d}"


TITLE_WORDINGS: tuple[str, ...] = (
    "{agency}{year}年政府信息公开工作年度报告",
    "{agency}{year}年政府信息公开年度报告",
    "{agency}{year}年度政府信息公开工作报告",
    "{agency}{year}年度政府信息公开工作年度报告",
)


def report_title(agency: str, year: int, wording: str = TITLE_WORDINGS[0]) -> str:
    """The report's title, e.g. 杭州市商务局2023年政府信息公开工作年度报告 (wording varies)."""
    return wording.format(agency=agency, year=year)


def template_for_year(year: int) -> Template:
    """The template a report for ``year`` normally follows (domain.md §1)."""
    if year <= 2018:
        return "none"
    return "2019" if year <= 2020 else "2021"


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _skewed(rng: random.Random, mean: float, sigma: float = 1.0) -> int:
    """A non-negative count with a long right tail around ``mean`` (log-normal, rounded)."""
    if mean <= 0:
        return 0
    mu = math.log(mean) - sigma * sigma / 2
    return int(rng.lognormvariate(mu, sigma))


def _small(rng: random.Random, mean: float) -> int:
    """A small count (Poisson), for rare events such as review cases."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _amount_10k_yuan(rng: random.Random, scale: float) -> float | int:
    value = round(rng.lognormvariate(math.log(20 * scale), 1.2), 2)
    return int(value) if value == int(value) else value


def _proactive(rng: random.Random, version: TemplateVersion, agency: Agency) -> Table:
    scale, enforcer = agency.scale, agency.enforcer
    licensing = _skewed(rng, 150 * scale, 1.3) if rng.random() < 0.6 else 0
    penalties = _skewed(rng, 400 * scale, 1.4) if enforcer and rng.random() < 0.85 else 0
    coercive = _skewed(rng, 30 * scale, 1.5) if enforcer and rng.random() < 0.4 else 0
    fees = _amount_10k_yuan(rng, scale) if rng.random() < 0.15 else 0
    regulations_issued = 1 if rng.random() < 0.05 else 0
    regulations_in_force = _small(rng, 4) if rng.random() < 0.1 else regulations_issued
    norms_issued = _small(rng, 2 + 2 * scale)
    norms_repealed = _small(rng, 1 + scale / 2)
    norms_in_force = norms_issued + _skewed(rng, 15 * scale, 0.8)
    table: Table = {}
    if version == "2021":
        docs = {
            "regulations": (regulations_issued, 0, regulations_in_force),
            "normative_documents": (norms_issued, norms_repealed, norms_in_force),
        }
        for key, (issued, repealed, in_force) in docs.items():
            table[key] = {"issued": issued, "repealed": repealed, "in_force": in_force}
        table["licensing"] = {"decisions": licensing}
        table["penalties"] = {"decisions": penalties}
        table["coercive_measures"] = {"decisions": coercive}
        table["fees"] = {"amount_10k_yuan": fees}
    else:
        published = norms_issued + (1 if rng.random() < 0.2 else 0)
        table["regulations"] = {
            "produced": regulations_issued, "published": regulations_issued,
            "total_published": regulations_in_force,
        }
        table["normative_documents"] = {
            "produced": norms_issued, "published": published, "total_published": norms_in_force,
        }
        for key, decisions in (
            ("licensing", licensing),
            ("other_services", _skewed(rng, 60 * scale) if rng.random() < 0.3 else 0),
            ("penalties", penalties),
            ("coercive_measures", coercive),
        ):
            items = _skewed(rng, 25 * scale, 0.7) if decisions else 0
            table[key] = {
                "previous_items": items, "change": _item_change(rng, items), "decisions": decisions,
            }
        fee_items = _small(rng, 3) if rng.random() < 0.3 else 0
        table["fees"] = {"previous_items": fee_items, "change": _item_change(rng, fee_items)}
        buys = _small(rng, 6 * scale) if rng.random() < 0.5 else 0
        amount = int(rng.lognormvariate(math.log(80_000 * buys), 1.0)) if buys else 0
        table["procurement"] = {"items": buys, "amount_yuan": amount}
    expected = {b.key: {c.key for c in b.columns} for b in PROACTIVE_BLOCKS[version]}
    assert {k: set(v) for k, v in table.items()} == expected, "table 2 drifted from the template"
    return table


def _item_change(rng: random.Random, items: int) -> int:
    """本年增/减: usually 0, sometimes a few items more or (never below zero) fewer."""
    roll = rng.random()
    if roll < 0.7:
        return 0
    if roll < 0.85 or items == 0:
        return _small(rng, 2) + 1
    return -min(items, _small(rng, 2) + 1)


# How a column's handled applications spread over the result rows: most are granted or not
# held; withholding and refusals are rare. Keys absent from a template version are skipped.
_RESULT_WEIGHTS: dict[str, float] = {
    "granted": 45, "partially_granted": 8,
    "withheld_state_secret": 0.3, "withheld_prohibited_by_law": 0.8,
    "withheld_security_stability": 0.8, "withheld_third_party_rights": 2.5,
    "withheld_internal_affairs": 1.2, "withheld_process_information": 2.5,
    "withheld_enforcement_files": 1.0, "withheld_administrative_query": 1.0,
    "unavailable_not_held": 20, "unavailable_needs_creation": 3, "unavailable_unclear": 2,
    "not_processed_petition": 4, "not_processed_duplicate": 3, "not_processed_publication": 1,
    "not_processed_excessive": 0.5, "not_processed_confirmation": 1,
    "other_no_correction": 3, "other_unpaid_fee": 0.2, "other_misc": 5, "other": 8,
}
# Share of applications from each applicant kind (natural persons dominate).
_APPLICANT_SHARE: dict[str, float] = {
    "natural_person": 0.86, "commercial": 0.09, "research": 0.005, "nonprofit": 0.005,
    "legal_services": 0.03, "other_org": 0.01,
}


def _applications(rng: random.Random, version: TemplateVersion, agency: Agency) -> Table:
    rows = application_rows(version)
    result_keys = [row.key for row in rows if row.is_result]
    weights = [_RESULT_WEIGHTS[key] for key in result_keys]
    table: Table = {row.key: {} for row in rows}
    quiet = rng.random() < 0.25 / (1 + agency.scale)  # a year without any application
    new_total = 0 if quiet else _skewed(rng, 12 * agency.scale, 1.0)
    kinds = list(_APPLICANT_SHARE)
    new_by_kind = dict.fromkeys(kinds, 0)
    for kind in rng.choices(kinds, [_APPLICANT_SHARE[k] for k in kinds], k=new_total):
        new_by_kind[kind] += 1
    for kind in APPLICANT_PARTS:
        new = new_by_kind[kind]
        carried_over = _small(rng, 0.06 * new) if new else 0
        carried_forward = min(new + carried_over, _small(rng, 0.05 * new)) if new else 0
        handled = new + carried_over - carried_forward
        column = dict.fromkeys(result_keys, 0)
        for key in rng.choices(result_keys, weights, k=handled):
            column[key] += 1
        table["new_received"][kind] = new
        table["carried_over"][kind] = carried_over
        for key, count in column.items():
            table[key][kind] = count
        table["total_handled"][kind] = handled
        table["carried_forward"][kind] = carried_forward
    for cells in table.values():
        cells["total"] = sum(cells[kind] for kind in APPLICANT_PARTS)
    return table


def _review_litigation(rng: random.Random, agency: Agency) -> Table:
    table: Table = {}
    for group, mean in (
        ("review", 0.6), ("litigation_direct", 0.25), ("litigation_after_review", 0.15)
    ):
        cases = _small(rng, mean * agency.scale)
        cells = dict.fromkeys(REVIEW_PARTS, 0)
        for part in rng.choices(REVIEW_PARTS, (70, 8, 12, 10), k=cases):
            cells[part] += 1
        cells["total"] = cases
        table[group] = cells
    return table


def _break_sum(rng: random.Random, report: Report, rule: CheckRule) -> None:
    """Make exactly the checks of ``rule`` fail, as a typing error would, leaving the others."""
    apps, review = report.applications, report.review_litigation
    assert apps is not None and review is not None
    delta = rng.choice((1, 1, 2, 10))
    column = rng.choice(APPLICANT_PARTS)

    def bump(table: Table, row: str, col: str) -> None:
        table[row][col] = (table[row][col] or 0) + delta

    if rule == "balance":  # carried_forward off in one column (and its row total)
        bump(apps, "carried_forward", column)
        bump(apps, "carried_forward", "total")
    elif rule == "results_sum":  # one result cell off, total_handled unchanged
        bump(apps, "granted", column)
        bump(apps, "granted", "total")
    elif rule == "row_total":  # two row totals off by the same amount: columns still balance
        bump(apps, "new_received", "total")
        bump(apps, "carried_forward", "total")
    elif rule == "group_total":
        bump(review, rng.choice(list(review)), "total")
    else:
        raise ValueError(f"unknown check rule: {rule!r}")


def _blank_zeros(rng: random.Random, report: Report, where: BlankZeros) -> None:
    """Leave zero cells blank (None) the way some agencies publish them."""
    tables = [report.proactive, report.applications, report.review_litigation]
    if where == "none":
        return
    if where == "org_columns":
        apps = report.applications
        assert apps is not None
        for kind in APPLICANT_PARTS[1:]:
            if all(cells[kind] == 0 for cells in apps.values()):
                for cells in apps.values():
                    cells[kind] = None
        return
    share = 1.0 if where == "all" else 0.2
    for table in tables:
        assert table is not None
        for cells in table.values():
            for key, value in cells.items():
                if value == 0 and rng.random() < share:
                    cells[key] = None


# --------------------------------------------------------------------------------------------
# Narrative
# --------------------------------------------------------------------------------------------

_REQUEST_TOPICS = (
    "商业特许经营备案", "再生资源回收", "数字消费券发放", "征地拆迁补偿", "建设工程规划许可",
    "行政处罚决定书", "项目立项审批", "财政专项资金使用", "企业登记档案", "房屋权属登记",
    "社会保险缴费记录", "安置房分配", "环境影响评价文件", "道路建设规划", "学校招生政策",
    "医疗机构执业登记", "农村宅基地审批", "老旧小区改造", "单用途预付卡备案", "外贸企业补助",
)
_OVERVIEW_PROACTIVE = (
    "{year}年度，{we}主动公开政府信息{items}条，其中行政规范性文件{norms}条。",
    "全年通过政府门户网站公开政府信息{web}条，政务微博公开{weibo}条，微信公众号公开{wechat}条。",
    "围绕{focus}等重点领域，及时发布政策文件及解读材料，做到应公开尽公开。",
    "严格落实政策解读与政策文件同步起草、同步审签、同步发布的要求，全年发布政策解读{readings}篇。",
    "动态更新政府信息公开目录，确保主动公开基础清单事项全部落实到位。",
)
_FOCUS = (
    "稳经济促消费", "数字消费券发放", "营商环境优化", "重大建设项目", "财政预决算",
    "民生实事项目", "乡村振兴", "安全生产", "生态环境保护", "公共资源配置",
)
_OVERVIEW_REQUESTS = (
    "{year}年度，{we}新收到政府信息公开申请{new}件，上年结转{carried}件，共办结{handled}件。",
    "申请内容主要涉及{topics}等方面。",
    "严格按照法定时限答复申请人，答复文书规范完整，全年未发生因依申请公开引发的行政复议被纠错情况。",
    "对涉及危及“三安全一稳定”、第三方合法权益的申请事项，依法审慎研判，做到依法依规答复。",
    "进一步规范依申请公开受理、登记、审核、答复、归档流程，提升办理质量。",
)
_OVERVIEW_MANAGEMENT = (
    "建立健全政府信息审查发布机制，按照“先审查、后公开”和“一事一审”原则做好保密审查。",
    "根据《浙江省政府信息主动公开基础清单》要求，梳理完善信息公开目录和事项清单。",
    "按照“编审分离”原则，对公开的政府信息进行内容审核和保密审查，确保公开信息依法、及时、准确。",
    "开展行政规范性文件清理工作，对不再适用的文件及时宣布废止或失效并向社会公开。",
)
_OVERVIEW_PLATFORM = (
    "扎实做好门户网站信息公开平台内容的管理与维护，严防出现错链断链、更新不及时等问题。",
    "积极利用政务新媒体，通过官方微博、微信及时发布政府信息，加强政民互动和掌上服务功能。",
    "安排专人负责浙江政务服务网投诉咨询平台工作，共受理网上咨询{consult}人次，及时回应公众关切。",
    "推进政务公开专区建设，在办事大厅设置查阅点，方便群众就近查阅政府信息。",
)
_OVERVIEW_SUPERVISION = (
    "根据《中华人民共和国政府信息公开条例》要求，进一步完善内部处置流转机制，确保各项规定落到实处。",
    "组织人员参加政务公开工作培训{trainings}次，掌握政务公开要点和时限要求。",
    "将政务公开工作纳入年度目标考核，明确责任科室和负责人，按职能职责把好审核关。",
    "{year}年度门户网站、新媒体账号等公开平台均未发生网络安全事故（事件）。",
)
_SUBHEADINGS = (
    "（一）主动公开", "（二）依申请公开", "（三）政府信息管理", "（四）政府信息公开平台建设",
    "（五）监督保障",
)
_PROBLEMS = (
    "政策文件的解读工作有待加强，解读形式和解读质量需要进一步提高",
    "政务新媒体平台的宣传力度不够，发布内容的阅读量、转发量有待提高",
    "信息公开工作人员业务能力参差不齐，专业化水平有待提升",
    "主动公开的深度和广度还不够，部分领域信息更新不够及时",
    "依申请公开答复的规范性还需加强，答复文书的说理性有待提升",
    "数字消费券等惠民政策的公开解读覆盖面还不够广",
)
_IMPROVEMENTS = (
    "丰富政策解读形式，以视频、图解等多元化方式进行传播展示，便于群众理解",
    "把严内容关，提高素材内容的发布质量，吸引更多群众阅读和转发",
    "加强信息公开工作队伍能力建设，定期组织业务培训，提升工作人员专业素养",
    "及时回应公众关切的热点问题，拓展政府信息公开的深度和广度",
    "完善依申请公开办理流程，加强法律审核，提高答复质量",
    "常态化开展网站自查，确保信息发布及时、准确、规范",
)
_OTHER_MATTERS = (
    "本年度{we}未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》，本年度{we}未收取信息处理费。",
    "{year}年度，{we}承办人大代表建议{proposals}件、政协委员提案{motions}件，均已按时办结并公开办理结果。",
    "{year}年度，{we}认真落实上级政务公开工作要点，各项任务均已完成。",
    "本年度{we}无其他需要报告的事项。",
)
_CHINESE_ORDINALS = "一二三四五六七八九"


_FREE_FORM_OVERVIEW = (
    "{year}年，{we}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "进一步健全工作机制，拓宽公开渠道，政府信息公开工作有序推进。",
    "{year}年，{we}共主动公开政府信息{items}条，其中通过政府门户网站公开{web}条，"
    "围绕{focus}等内容及时发布相关信息。",
    "{year}年，{we}共受理政府信息公开申请{new}件，其中当面申请{desk}件，网络申请{online}件，"
    "均已按时答复。申请内容主要涉及{topics}等方面。",
    "{year}年，{we}未收取政府信息公开检索、复制、邮寄等费用，也未发生减免收费情况。",
    "{year}年，{we}未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",
)


def _fill(template: str, **values: object) -> str:
    return template.format(**values)


def _we(agency: str | None) -> str:
    """How the report refers to its own agency (我局, 我委, …)."""
    name = agency or ""
    for suffix, we in (("局", "我局"), ("委员会", "我委"), ("办公厅", "我办"), ("办公室", "我办"),
                       ("中心", "我中心")):
        if name.endswith(suffix):
            return we
    return "本机关"


def _overview(rng: random.Random, report: Report) -> str:
    """Section 一. Template reports: five sub-headed paragraphs whose figures match the tables.
    Free-form reports: five paragraphs in the order of the pre-2019 sections 一 to 五."""
    year, we = report.year, _we(report.agency)
    apps = report.applications
    if apps is not None:
        new = apps["new_received"]["total"] or 0
        carried = apps["carried_over"]["total"] or 0
        handled = apps["total_handled"]["total"] or 0
    else:
        new = _skewed(rng, 10)
        carried, handled = 0, new
    norms = 0
    if report.proactive is not None:
        cells = report.proactive["normative_documents"]
        norms = cells.get("issued", cells.get("produced")) or 0
    web, weibo, wechat = (_skewed(rng, m, 0.6) for m in (900, 300, 400))
    online = rng.randint(0, new)
    values = {
        "year": year, "we": we, "items": web + weibo + wechat, "norms": norms, "web": web,
        "weibo": weibo, "wechat": wechat, "focus": "、".join(rng.sample(_FOCUS, 2)),
        "readings": _small(rng, 6), "new": new, "carried": carried, "handled": handled,
        "topics": "、".join(rng.sample(_REQUEST_TOPICS, rng.randint(2, 4))),
        "consult": _skewed(rng, 60), "trainings": rng.randint(1, 6), "online": online,
        "desk": new - online,
    }
    if report.template == "none":
        return "\n".join(_fill(paragraph, **values) for paragraph in _FREE_FORM_OVERVIEW)
    pools = (_OVERVIEW_PROACTIVE, _OVERVIEW_REQUESTS, _OVERVIEW_MANAGEMENT, _OVERVIEW_PLATFORM,
             _OVERVIEW_SUPERVISION)
    lines: list[str] = []
    for heading, pool in zip(_SUBHEADINGS, pools):
        # The first sentence of each pool states the facts; a random few follow it.
        picked = [pool[0], *rng.sample(pool[1:], rng.randint(1, len(pool) - 1))]
        lines.append(heading)
        lines.append("".join(_fill(sentence, **values) for sentence in picked))
    return "\n".join(lines)


def _problems(rng: random.Random, report: Report) -> str:
    count = rng.randint(2, 3)
    ordinals = [f"{_CHINESE_ORDINALS[i]}是" for i in range(count)]
    problems = "。".join(o + p for o, p in zip(ordinals, rng.sample(_PROBLEMS, count)))
    fixes = "。".join(o + p for o, p in zip(ordinals, rng.sample(_IMPROVEMENTS, count)))
    return (
        f"{report.year}年度，{_we(report.agency)}政府信息公开工作存在以下不足：{problems}。"
        f"\n改进情况：{fixes}。"
    )


def _other_matters(rng: random.Random, report: Report) -> str:
    picked = [_OTHER_MATTERS[rng.randrange(2)]]
    if rng.random() < 0.5:
        picked.append(_OTHER_MATTERS[rng.randrange(2, len(_OTHER_MATTERS) - 1)])
    values = {"year": report.year, "we": _we(report.agency), "proposals": _small(rng, 5),
              "motions": _small(rng, 4)}
    return "".join(_fill(sentence, **values) for sentence in picked)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def synthetic_report(
    rng: random.Random,
    *,
    agency: str,
    year: int,
    template: Template,
    index_no: str,
    publish_date: str,
    title: str | None = None,
    url: str | None = None,
    blank_zeros: BlankZeros = "none",
    broken_sum: CheckRule | None = None,
    negative_changes: bool = True,
) -> Report:
    """A plausible report of ``agency`` for data year ``year`` in the given template.

    Every sum of domain.md §1 holds unless ``broken_sum`` names one rule to break (then exactly
    the checks of that rule fail). ``blank_zeros`` leaves zero cells blank (None), as some
    agencies do; printing 无 for zero is the renderer's business, not the data's.
    ``negative_changes=False`` keeps the 2019 本年增/减 column non-negative.
    Agencies outside ``HANGZHOU_AGENCIES`` get a mid-sized workload.
    """
    profile = AGENCIES_BY_NAME.get(agency, Agency(agency, "", 1.0))
    wording = rng.choice(TITLE_WORDINGS)
    report = Report.blank(
        template,
        url=url,
        title=title if title is not None else report_title(agency, year, wording),
        agency=agency,
        year=year,
        header=Header(
            index_no=index_no, disclosure_method="主动公开", publish_date=publish_date,
            publisher=agency, topic=rng.choice(("政务公开", "政务公开", "综合政务")),
        ),
    )
    if template != "none":
        report.proactive = _proactive(rng, template, profile)
        report.applications = _applications(rng, template, profile)
        report.review_litigation = _review_litigation(rng, profile)
        if not negative_changes:
            for cells in report.proactive.values():
                if "change" in cells and (cells["change"] or 0) < 0:
                    cells["change"] = -(cells["change"] or 0)
        if broken_sum is not None:
            _break_sum(rng, report, broken_sum)
        _blank_zeros(rng, report, blank_zeros)
    elif broken_sum is not None or blank_zeros != "none":
        raise ValueError("a free-form report has no tables to break or blank")
    report.sections = Sections(
        overview=_overview(rng, report),
        problems=_problems(rng, report),
        other_matters=_other_matters(rng, report),
    )
    return report
