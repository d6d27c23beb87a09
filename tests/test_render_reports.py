"""Synthetic report data: the template's sums hold, faults are the ones asked for, numbers look
like real reports' (mostly zero, skewed), identifiers have the real format."""

from __future__ import annotations

import random
import re
import statistics

import pytest

from parsers.template import APPLICANT_PARTS, REVIEW_PARTS, application_rows
from replica.reports import (
    HANGZHOU_AGENCIES,
    index_number,
    organisation_code,
    report_title,
    synthetic_report,
    template_for_year,
)
from tests.conftest import SEED_REPORT


def make(seed: int, template: str = "2021", agency: str = "杭州市商务局", **options):
    year = {"2021": 2022, "2019": 2019, "none": 2015}[template]
    return synthetic_report(
        random.Random(seed), agency=agency, year=year, template=template,
        index_no=index_number("002489604", year + 1, seed), publish_date=f"{year + 1}-01-20",
        **options,
    )


def failing_rules(report) -> dict[str, set[str]]:
    """The sums of domain.md §1, computed here from scratch; blank cells count as zero."""
    apps, review = report.applications, report.review_litigation
    results = [r.key for r in application_rows(report.template) if r.is_result]

    def v(x):
        return x or 0

    failed: dict[str, set[str]] = {}
    for col in [*APPLICANT_PARTS, "total"]:
        if v(apps["new_received"][col]) + v(apps["carried_over"][col]) != (
            v(apps["total_handled"][col]) + v(apps["carried_forward"][col])
        ):
            failed.setdefault("balance", set()).add(col)
        if v(apps["total_handled"][col]) != sum(v(apps[r][col]) for r in results):
            failed.setdefault("results_sum", set()).add(col)
    for row, cells in apps.items():
        if v(cells["total"]) != sum(v(cells[p]) for p in APPLICANT_PARTS):
            failed.setdefault("row_total", set()).add(row)
    for group, cells in review.items():
        if v(cells["total"]) != sum(v(cells[p]) for p in REVIEW_PARTS):
            failed.setdefault("group_total", set()).add(group)
    return failed


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_every_sum_holds_by_construction(template):
    for seed in range(150):
        agency = HANGZHOU_AGENCIES[seed % len(HANGZHOU_AGENCIES)].name
        report = make(seed, template, agency)
        assert failing_rules(report) == {}, (seed, agency)
        assert set(report.applications) == {r.key for r in application_rows(template)}


@pytest.mark.parametrize("rule", ["balance", "results_sum", "row_total", "group_total"])
def test_broken_sum_breaks_that_rule_only(rule):
    for seed in range(20):
        failed = failing_rules(make(seed, rng_template(seed), broken_sum=rule))
        assert set(failed) == {rule}, (seed, failed)


def rng_template(seed: int) -> str:
    return "2021" if seed % 2 else "2019"


def test_blank_zeros_blank_only_zero_cells_and_keep_the_sums():
    for seed in range(40):
        plain = make(seed)
        for where in ("org_columns", "scattered", "all"):
            blanked = make(seed, blank_zeros=where)
            assert failing_rules(blanked) == {}
            for name in ("proactive", "applications", "review_litigation"):
                before, after = getattr(plain, name), getattr(blanked, name)
                for row in before:
                    for col, value in before[row].items():
                        assert after[row][col] in (value, None)
                        if after[row][col] is None:
                            assert value == 0
                            if where == "org_columns":
                                assert name == "applications" and col in APPLICANT_PARTS[1:]
                        elif where == "all":
                            assert value != 0


def test_org_columns_blanks_whole_columns_like_the_real_shuyang_page():
    report = next(r for r in (make(s, blank_zeros="org_columns") for s in range(50))
                  if r.applications["new_received"]["research"] is None)
    assert all(cells["research"] is None for cells in report.applications.values())
    assert all(cells["natural_person"] is not None for cells in report.applications.values())


def test_numbers_are_mostly_zero_and_skewed_across_agencies():
    new_totals, cells = [], []
    for seed, agency in enumerate(HANGZHOU_AGENCIES * 3):
        report = make(seed, "2021", agency.name)
        new_totals.append(report.applications["new_received"]["total"])
        cells += [v for row in report.applications.values() for v in row.values()]
    assert sum(1 for v in cells if v == 0) / len(cells) > 0.6
    assert max(new_totals) > 10 * max(1, statistics.median(new_totals))


def test_free_form_reports_have_text_and_no_tables():
    report = make(3, "none")
    assert report.template == "none"
    assert (report.proactive, report.applications, report.review_litigation) == (None,) * 3
    assert report.sections.overview and report.sections.problems and report.sections.other_matters
    with pytest.raises(ValueError):
        make(3, "none", broken_sum="balance")


def test_narrative_matches_the_tables_and_carries_searchable_terms():
    corpus = ""
    for seed in range(60):
        report = make(seed)
        total = report.applications["new_received"]["total"]
        assert f"新收到政府信息公开申请{total}件" in report.sections.overview
        corpus += report.sections.overview + report.sections.problems
    for term in ("数字消费券", "三安全一稳定", "商业特许经营备案"):
        assert term in corpus


def test_same_seed_same_report():
    assert make(42).to_dict() == make(42).to_dict()
    assert make(42).to_dict() != make(43).to_dict()


def test_identifiers_have_the_real_format():
    seed_text = SEED_REPORT.read_text(encoding="utf-8")
    real_index = re.search(r"索引号: \| (\S+)", seed_text).group(1)
    assert index_number(organisation_code("00248960"), 2024, 117) == real_index
    for agency in HANGZHOU_AGENCIES:
        assert re.fullmatch(r"\d{8}[\dX]", agency.org_code)
    assert len({a.org_code for a in HANGZHOU_AGENCIES}) == len(HANGZHOU_AGENCIES)
    assert report_title("杭州市商务局", 2023) == "杭州市商务局2023年政府信息公开工作年度报告"
    assert make(1).title.startswith("杭州市商务局2022年")
    assert [template_for_year(y) for y in (2018, 2019, 2020, 2021, 2024)] == [
        "none", "2019", "2019", "2021", "2021"]


def test_negative_changes_can_be_switched_off():
    reports = [make(seed, "2019", "杭州市规划和自然资源局") for seed in range(60)]
    changes = [c["change"] for r in reports for c in r.proactive.values() if "change" in c]
    assert min(changes) < 0
    reports = [make(seed, "2019", "杭州市规划和自然资源局", negative_changes=False)
               for seed in range(60)]
    assert min(c["change"] for r in reports for c in r.proactive.values() if "change" in c) >= 0
