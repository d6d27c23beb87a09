"""``stats`` and ``search`` over an archive filled through storage's API from synthetic reports,
checked against numbers and text taken directly from those input reports."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from disclosure_archive.cli import main
from parsers.report import Report, Sections
from replica.reports import synthetic_report
from storage.archive import Archive
from storage.search import like_pattern
from tests.test_storage_support import PORTAL, later, page_for

AGENCIES = ("杭州市商务局", "杭州市民政局", "宁波市商务局", "杭州市财政局")
PHRASES = ("发放数字消费券带动消费", "推进政务公开标准化", "优化营商环境", "100%_完成率")


def _reports() -> list[Report]:
    rng = random.Random(4)
    reports = []
    for serial in range(12):
        agency = AGENCIES[serial % len(AGENCIES)]
        year = 2021 + serial % 3
        report = synthetic_report(
            rng, agency=agency, year=year, template="2021" if serial % 2 else "2019",
            index_no=f"IDX-{serial:03d}", publish_date=f"{year + 1}-01-{10 + serial}",
            url=f"https://{PORTAL}/art/{serial}.html",
        )
        phrase = PHRASES[serial % len(PHRASES)]
        sections = report.sections
        report.sections = Sections(
            overview=f"本年度{phrase}。" if serial % 3 else sections.overview,
            problems=sections.problems if serial % 3 else f"存在问题：{phrase}。",
            other_matters=sections.other_matters,
        )
        reports.append(report)
    return reports


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Report]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('stats') / 'archive.db'}"
    reports = _reports()
    with Archive.open(url) as store:
        run_id = store.start_run("test", PORTAL)
        for n, report in enumerate(reports):
            store.record(run_id, page_for(report, at=later(n)), report)
        store.finish_run(run_id, {})
    return url, reports


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _sum(reports: list[Report], row: str, column: str = "total") -> float | None:
    values = [r.applications[row][column] for r in reports
              if r.applications and r.applications[row].get(column) is not None]
    return sum(values) if values else None  # type: ignore[arg-type]


def test_stats_by_year_matches_input(archive, capsys) -> None:
    url, reports = archive
    code, out, _ = run(capsys, "stats", "--table", "applications", "--row", "granted",
                       "--format", "json", "--database", url)
    assert code == 0
    groups = {g["group"]: g for g in json.loads(out)["groups"]}
    years = sorted({r.year for r in reports})
    assert sorted(groups) == years
    for year in years:
        expected = _sum([r for r in reports if r.year == year], "granted")
        assert groups[year]["value"] == pytest.approx(expected)


def test_stats_share_by_agency(archive, capsys) -> None:
    url, reports = archive
    code, out, _ = run(capsys, "stats", "--row", "withheld_security_stability",
                       "--share-of", "new_received", "--by", "agency", "--agency", "杭州",
                       "--format", "csv", "--database", url)
    assert code == 0
    rows = {row["group"]: row for row in csv.DictReader(io.StringIO(out))}
    agencies = {r.agency for r in reports if "杭州" in (r.agency or "")}
    assert set(rows) == agencies
    for agency in agencies:
        mine = [r for r in reports if r.agency == agency]
        value, base = _sum(mine, "withheld_security_stability"), _sum(mine, "new_received")
        assert float(rows[agency]["value"]) == pytest.approx(value)
        assert float(rows[agency]["base"]) == pytest.approx(base)
        assert float(rows[agency]["share"]) == pytest.approx(value / base)  # type: ignore[operator]


def test_stats_column_and_year_filter(archive, capsys) -> None:
    url, reports = archive
    code, out, _ = run(capsys, "stats", "--row", "new_received", "--column", "natural_person",
                       "--year", "2022", "--by", "portal", "--format", "json", "--database", url)
    assert code == 0
    groups = json.loads(out)["groups"]
    mine = [r for r in reports if r.year == 2022]
    assert [g["group"] for g in groups] == [PORTAL]
    assert groups[0]["value"] == pytest.approx(_sum(mine, "new_received", "natural_person"))
    assert groups[0]["reports"] == len(mine)
    code, out, _ = run(capsys, "stats", "--row", "granted", "--share-of", "new_received",
                       "--database", url)
    assert code == 0 and "share" in out.splitlines()[0] and "%" in out


@pytest.mark.parametrize("argv, fragment", [
    (("--row", "granted_typo"), "unknown row 'granted_typo'"),
    (("--row", "granted", "--column", "everyone"), "unknown column 'everyone'"),
    (("--row", "granted", "--share-of", "nothing"), "unknown share-of row 'nothing'"),
    (("--table", "tables", "--row", "granted"), "unknown table 'tables'"),
    (("--row", "granted", "--by", "month"), "unknown grouping 'month'"),
    (("--row", "granted", "--year", "twenty"), "not a year"),
])
def test_stats_bad_keys_get_one_line(archive, capsys, argv, fragment) -> None:
    url, _ = archive
    code, out, err = run(capsys, "stats", *argv, "--database", url)
    assert code == 1 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1
    if "row" in fragment and "share" not in fragment:
        assert "new_received" in err and "valid:" in err


def _containing(reports: list[Report], term: str) -> set[str]:
    return {
        r.header.index_no for r in reports  # type: ignore[misc]
        if any(term.lower() in (text or "").lower() for text in r.sections.to_dict().values())
    }


@pytest.mark.parametrize("term", ["数字消费券", "营商", "政务公开标准化", "%_", "_完", "不存在的词语"])
def test_search_hits_match_input(archive, capsys, term) -> None:
    url, reports = archive
    code, out, _ = run(capsys, "search", term, "--limit", "100", "--format", "json", "--database", url)
    assert code == 0
    hits = json.loads(out)
    expected = _containing(reports, term)
    assert {hit["index_no"] for hit in hits} == expected
    assert len(hits) == len(expected)
    for hit in hits:
        assert term.lower() in hit["snippet"].lower()
    if term in ("数字消费券", "营商", "%_"):
        assert expected  # the inputs really contain the term


def test_search_table_limit_and_resync(archive, capsys) -> None:
    url, reports = archive
    code, out, _ = run(capsys, "search", "数字消费券", "--limit", "1", "--database", url)
    assert code == 0 and "(1 hits)" in out and "数字消费券" in out
    edited = reports[0]
    edited_copy = Report.from_dict(edited.to_dict())
    edited_copy.sections = Sections(overview="新增内容：夜间经济专项行动。", problems=None, other_matters=None)
    with Archive.open(url) as store:
        run_id = store.start_run("test", PORTAL)
        store.record(run_id, page_for(edited_copy, at=later(100)), edited_copy)
        store.finish_run(run_id, {})
    code, out, _ = run(capsys, "search", "夜间经济", "--format", "json", "--database", url)
    assert [hit["index_no"] for hit in json.loads(out)] == [edited.header.index_no]
    old_terms = _containing([edited], "数字消费券")
    code, out, _ = run(capsys, "search", "数字消费券", "--limit", "100", "--format", "json", "--database", url)
    found = {hit["index_no"] for hit in json.loads(out)}
    assert not (old_terms & found)  # the replaced version is no longer searched


def test_search_bad_input(archive, capsys, tmp_path) -> None:
    url, _ = archive
    assert run(capsys, "search", "  ", "--database", url)[2].strip() == "search: empty search term"
    code, _, err = run(capsys, "search", "营商", "--limit", "x", "--database", url)
    assert code == 1 and "--limit" in err
    code, _, err = run(capsys, "search", "营商", "--database", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_like_pattern_escapes() -> None:
    assert like_pattern("5%_a\\") == "%5\\%\\_a\\\\%"
