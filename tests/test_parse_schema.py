"""Every report the parser returns is a valid ``disclosure-report/1`` document (the JSON Schema
shipped in ``schemas/``), whatever the input: the seed, the real page, every fixture."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from parsers import parse_report
from parsers.errors import NotAReportError
from parsers.report import Report
from tests.conftest import REAL_PAGES, SCHEMA_FILE, SEED_REPORT

FIXTURES = Path(__file__).parent / "fixtures"
NOT_REPORTS = {"not-a-report.html", "ruishu-challenge.html"}


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_schema_valid(report: Report) -> None:
    """The report's JSON form (as printed by ``--json``) validates against the schema."""
    document = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def report_inputs() -> list[Path]:
    inputs = [SEED_REPORT, *sorted(REAL_PAGES.glob("*.html"))]
    inputs += [p for p in sorted(FIXTURES.iterdir()) if p.name not in NOT_REPORTS]
    return inputs


@pytest.mark.parametrize("path", report_inputs(), ids=lambda p: p.name)
def test_every_parsed_input_validates_against_the_schema(path: Path, shared_dir: Path) -> None:
    report = parse_report(path.read_bytes())
    assert_schema_valid(report)


@pytest.mark.parametrize("name", sorted(NOT_REPORTS))
def test_fixtures_that_are_not_reports_are_refused(name: str) -> None:
    with pytest.raises(NotAReportError):
        parse_report((FIXTURES / name).read_bytes())


def test_the_schema_rejects_a_document_with_a_wrong_table_shape() -> None:
    """Guards the helper above: a 2021 report missing a table-3 row must not validate."""
    report = parse_report(SEED_REPORT.read_bytes())
    document = report.to_dict()
    del document["applications"]["other_misc"]
    assert list(_validator().iter_errors(document))
