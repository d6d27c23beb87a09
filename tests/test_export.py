"""``disclosure-archive export --format jsonl``: one valid disclosure-report/1 line per document,
its latest version, with the archive's facts; clear messages instead of tracebacks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from disclosure_archive.commands import export
from parsers.report import Report
from storage.archive import Archive
from storage.database import open_engine
from storage.export import iter_documents
from tests.conftest import SCHEMA_FILE
from tests.test_storage_support import (  # noqa: F401  (database_url is a fixture)
    PORTAL,
    database_url,
    later,
    make_report,
    page_for,
)

VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def run_export(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="disclosure-archive")
    export.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", *argv])
    return int(args.func(args))


def reference_report() -> Report:
    """The Hangzhou Commerce Bureau's 2023 report with the values domain.md §2 lists."""
    report = Report.blank(
        "2021", url=f"https://{PORTAL}/art/2024/1/16/art_1229063423_4233305.html",
        agency="杭州市商务局", year=2023,
        title="杭州市商务局2023年政府信息公开工作年度报告",
    )
    report.header.index_no = "002489604/2024-00117"
    report.header.publisher = "杭州市商务局"
    report.header.publish_date = "2024-01-16"
    assert report.proactive and report.applications and report.review_litigation
    report.proactive["normative_documents"] = {"issued": 9, "repealed": 1, "in_force": 33}
    report.proactive["licensing"]["decisions"] = 470
    applications = report.applications
    for row, total in {"new_received": 10, "carried_over": 1, "granted": 7,
                       "partially_granted": 2, "withheld_security_stability": 1,
                       "other_misc": 1, "total_handled": 11}.items():
        applications[row]["total"] = total
    for group in report.review_litigation.values():
        for column in group:
            group[column] = 0
    return report


@pytest.fixture
def filled(database_url: str) -> dict[str, Any]:
    """An archive holding: the reference report (edited once), a 2019 and a free-form report,
    and a repost of the 2019 one under another index number."""
    reference = reference_report()
    edited = reference_report()
    edited.applications["granted"]["natural_person"] = 7  # type: ignore[index]
    old_form = make_report(60, year=2020, template="2019")
    free_form = make_report(61, year=2017, template="none")
    repost = make_report(60, year=2020, template="2019", index_no="330000000/2021-00060",
                         url="https://www.zj.gov.cn/art/2021/2/1/art_1_60.html")
    with Archive.open(database_url) as archive:
        run = archive.start_run("hangzhou", PORTAL)
        for n, report in enumerate([reference, old_form, free_form]):
            archive.record(run, page_for(report, at=later(n)), report)
        archive.flush()
        archive.record(run, page_for(edited, at=later(10)), edited)
        archive.record(run, page_for(repost, at=later(11)), repost)
        archive.finish_run(run)
    return {"url": database_url, "latest": [edited, old_form, free_form, repost]}


def exported_lines(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert run_export(*argv) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_document_exports_its_latest_version_as_a_valid_report(
    filled: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = exported_lines(capsys, "--format", "jsonl", "--database", filled["url"])
    latest = {report.header.index_no: report for report in filled["latest"]}
    assert sorted(line["archive"]["key"] for line in lines) == sorted(latest)
    for line in lines:
        errors = [error.message for error in VALIDATOR.iter_errors(line)]
        assert errors == [], errors
        expected = latest[line.pop("archive")["key"]]
        assert line == expected.to_dict()
    reference = next(line for line in lines if line["agency"] == "杭州市商务局")
    assert reference["header"]["index_no"] == "002489604/2024-00117"
    assert reference["proactive"]["normative_documents"] == {"issued": 9, "repealed": 1, "in_force": 33}
    assert reference["applications"]["granted"]["natural_person"] == 7  # the edit, not the first


def test_archive_facts_count_versions_and_link_reposts_both_ways(
    filled: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = exported_lines(capsys, "--database", filled["url"])
    facts = {line["archive"]["key"]: line["archive"] for line in lines}
    reference = facts["002489604/2024-00117"]
    assert reference["versions"] == 2
    assert reference["first_seen"] == later(0).isoformat()
    assert reference["last_seen"] == later(10).isoformat()
    assert reference["version_first_seen"] == later(10).isoformat()
    assert reference["url"] == f"https://{PORTAL}/art/2024/1/16/art_1229063423_4233305.html"
    original_key = filled["latest"][1].header.index_no
    assert facts[original_key]["reposts"] == [
        {"key": "330000000/2021-00060", "url": "https://www.zj.gov.cn/art/2021/2/1/art_1_60.html"}
    ]
    assert facts[original_key]["repost_of"] is None
    assert facts["330000000/2021-00060"]["repost_of"]["key"] == original_key
    assert all(f["versions"] == 1 for key, f in facts.items() if key != reference["key"])


def test_export_reads_database_url_from_the_environment_and_writes_files(
    filled: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    explicit = exported_lines(capsys, "--database", filled["url"])
    monkeypatch.setenv("DATABASE_URL", filled["url"])
    assert exported_lines(capsys) == explicit
    out = tmp_path / "reports.jsonl"
    assert run_export("-o", str(out)) == 0
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == explicit
    assert "exported 4 documents" in capsys.readouterr().err


def test_streaming_partitions_keep_order_and_reposts(filled: dict[str, Any]) -> None:
    engine = open_engine(filled["url"], create=False)
    try:
        whole = list(iter_documents(engine))
        in_pairs = list(iter_documents(engine, partition=1))
    finally:
        engine.dispose()
    assert in_pairs == whole
    assert sorted(d["archive"]["key"] for d in whole) == sorted(r.header.index_no for r in filled["latest"])
    assert sum(len(d["archive"]["reposts"]) for d in in_pairs) == 1


def test_missing_database_file_is_a_clear_message_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    assert run_export("--database", f"sqlite:///{missing}") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"no archive at {missing}" in captured.err
    assert "Traceback" not in captured.err
    assert not missing.exists()


def test_database_without_archive_tables_and_unreachable_server_are_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert run_export("--database", f"sqlite:///{empty}") == 1
    assert "no archive tables" in capsys.readouterr().err
    assert run_export("--database", "postgresql://nobody@127.0.0.1:1/none") == 1
    err = capsys.readouterr().err
    assert err.startswith("export: cannot open the archive:") and "Traceback" not in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run_export("--format", "xml")
    assert exited.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
