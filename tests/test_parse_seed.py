"""The reference report (``../shared/seed``) parses to exactly the values of domain.md §2."""

from __future__ import annotations

import pytest

from parsers import PARSER_VERSION, parse_report, parse_text
from parsers.report import Report
from parsers.template import APPLICANT_COLUMNS, application_rows
from tests.conftest import SEED_REPORT

# domain.md §2: the reference values; every other cell of the seed prints 0.
NONZERO_APPLICATIONS = {
    "new_received": 10, "carried_over": 1, "granted": 7, "partially_granted": 2,
    "withheld_security_stability": 1, "other_misc": 1, "total_handled": 11,
}


@pytest.fixture(scope="module")
def seed(shared_dir) -> Report:
    return parse_report(SEED_REPORT.read_bytes())


def test_header_year_and_template(seed: Report) -> None:
    assert seed.header.index_no == "002489604/2024-00117"
    assert seed.header.publisher == "杭州市商务局"
    assert seed.header.publish_date == "2024-01-16"
    assert seed.header.disclosure_method == "主动公开"
    assert seed.header.doc_no is None  # the seed's 文号 cell is empty
    assert seed.year == 2023
    assert seed.template == "2021"
    assert seed.title is None  # the seed has no title line
    assert seed.agency == "杭州市商务局"  # no title: the header's publisher


def test_proactive_disclosure(seed: Report) -> None:
    assert seed.proactive == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 9, "repealed": 1, "in_force": 33},
        "licensing": {"decisions": 470},
        "penalties": {"decisions": 0},
        "coercive_measures": {"decisions": 0},
        "fees": {"amount_10k_yuan": 0},
    }


def test_applications_every_cell(seed: Report) -> None:
    expected = {}
    for row in application_rows("2021"):
        value = NONZERO_APPLICATIONS.get(row.key, 0)
        # Every applicant in the seed is a natural person: the total equals that column.
        expected[row.key] = {c.key: 0 for c in APPLICANT_COLUMNS}
        expected[row.key]["natural_person"] = value
        expected[row.key]["total"] = value
    assert seed.applications == expected


def test_review_and_litigation_all_zero(seed: Report) -> None:
    assert seed.review_litigation == {
        group: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
        for group in ("review", "litigation_direct", "litigation_after_review")
    }


def test_every_check_runs_and_holds(seed: Report) -> None:
    rules = [c.rule for c in seed.checks]
    assert rules.count("balance") == 7 and rules.count("results_sum") == 7
    assert rules.count("row_total") == 25 and rules.count("group_total") == 3
    assert all(c.ok is True for c in seed.checks), [c for c in seed.checks if c.ok is not True]
    assert {c.scope for c in seed.checks if c.rule == "group_total"} == {
        "review_litigation.review", "review_litigation.litigation_direct",
        "review_litigation.litigation_after_review",
    }


def test_nothing_was_guessed(seed: Report) -> None:
    assert seed.warnings == []


def test_sections(seed: Report) -> None:
    assert seed.sections.overview.startswith("(一)主动公开\n2023年度,我局主动公开政府信息3068条")
    assert seed.sections.problems.startswith("2023年度,我局政府信息公开工作存在以下不足")
    assert seed.sections.other_matters == "本年度我局未收取信息处理费。"


def test_text_and_bytes_entry_points_agree(seed: Report, shared_dir) -> None:
    text = SEED_REPORT.read_text(encoding="utf-8")
    assert parse_text(text).to_dict() == seed.to_dict()
    assert parse_report(text.encode("gb18030")).to_dict() == seed.to_dict()
    assert parse_report(text, url="https://example.invalid/r").url == "https://example.invalid/r"


def test_parser_version_is_declared() -> None:
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION
