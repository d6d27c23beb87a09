"""The replica's catalogue: determinism, stable growth, the cases it must contain, edits.

No HTTP here (see test_replica_server.py); these check what the portal publishes.
"""

from __future__ import annotations

from collections import Counter

import pytest

from parsers.template import PROACTIVE_BLOCKS, application_rows
from replica.catalog import (
    DISTRICT_COLUMN,
    REPORT_COLUMN,
    REPORT_COLUMN_IDS,
    Catalog,
)


def signature(catalog: Catalog) -> list[tuple]:
    return [(e.kind, e.path, e.index_no, e.title, e.agency, e.year, e.template, e.repost_of)
            for e in catalog.entries]


def test_same_seed_same_catalogue_other_seed_another() -> None:
    assert signature(Catalog(80, seed=5)) == signature(Catalog(80, seed=5))
    one, other = signature(Catalog(80, seed=5)), signature(Catalog(80, seed=6))
    assert one[0] == other[0]  # the reference report is the same article in every replica
    assert sum(a != b for a, b in zip(one, other, strict=False)) > 60


def test_report_count_counts_report_pages_and_the_rest_comes_on_top() -> None:
    catalog = Catalog(150, seed=2)
    kinds = Counter(e.kind for e in catalog.entries)
    assert kinds["report"] + kinds["repost"] == 150 == catalog.report_count
    assert kinds["other"] > 0
    assert catalog.entries[-1].is_report  # the catalogue ends at its 150th report


@pytest.mark.parametrize("n", [1, 17, 100])
def test_growth_adds_newer_articles_on_top_and_keeps_the_rest(n: int) -> None:
    small, grown = Catalog(n, seed=3), Catalog(n + 10, seed=3)
    assert signature(grown)[: len(small.entries)] == signature(small)
    added = grown.entries[len(small.entries):]
    assert sum(e.is_report for e in added) == 10
    newest_before = small.entries[-1].published
    assert all(e.published >= newest_before for e in added)
    for column_id in REPORT_COLUMN_IDS:
        before = small.column_window(column_id, 1, 10_000)
        after = grown.column_window(column_id, 1, 10_000)
        new_on_top = [e for e in added if e.column.column_id == column_id]
        assert after == list(reversed(new_on_top)) + before


def test_lists_are_newest_first_and_windows_are_one_based_inclusive() -> None:
    catalog = Catalog(300, seed=4)
    column = REPORT_COLUMN.column_id
    total = catalog.column_total(column)
    everything = catalog.column_window(column, 1, total)
    assert len(everything) == total == len({e.slot for e in everything})
    assert [e.published for e in everything] == sorted((e.published for e in everything),
                                                       reverse=True)
    assert catalog.column_window(column, 1, 1) == everything[:1]
    assert catalog.column_window(column, 21, 40) == everything[20:40]
    assert catalog.column_window(column, total - 2, total + 50) == everything[-3:]
    assert catalog.column_window(column, total + 1, total + 60) == []


def test_a_small_catalogue_holds_one_of_every_case() -> None:
    catalog = Catalog(12, seed=9)
    reports = [e for e in catalog.entries if e.is_report]
    templates = {(e.year, e.template) for e in reports}
    assert any(t == "2019" and y in (2019, 2020) for y, t in templates)
    assert any(t == "2021" and y >= 2021 for y, t in templates)
    assert (2022, "2019") in templates  # the 2022 report still on the 2019 form
    assert any(t == "none" and y <= 2018 for y, t in templates)
    assert any(e.broken_sum for e in reports)
    reposts = [e for e in reports if e.kind == "repost"]
    assert reposts
    for repost in reposts:
        original = catalog.entries[repost.repost_of]
        assert (repost.agency, repost.year, repost.title) == (original.agency, original.year,
                                                              original.title)
        assert repost.index_no != original.index_no
    assert any(e.column is not catalog.entries[e.repost_of].column for e in reposts)
    others = [e for e in catalog.entries if not e.is_report]
    in_report_column = {e.other_kind for e in others if e.column is REPORT_COLUMN}
    assert {"notice", "other_report"} <= in_report_column
    assert any("年度报告" in e.title for e in others)  # non-reports that sound like reports
    assert any(e.column is DISTRICT_COLUMN and e.kind == "report" for e in reports)


def test_reference_report_is_slot_zero_at_its_real_address() -> None:
    entry = Catalog(5, seed=11).entries[0]
    assert entry.path == "/art/2024/1/16/art_1229063423_4233305.html"
    assert entry.index_no == "002489604/2024-00117"
    assert (entry.agency, entry.year, entry.template) == ("杭州市商务局", 2023, "2021")
    assert entry.pub_time.startswith("2024-01-16 ")


def test_identifiers_are_unique_and_templates_follow_the_year() -> None:
    catalog = Catalog(2000, seed=1)
    assert len({e.index_no for e in catalog.entries}) == len(catalog.entries)
    assert len({e.path for e in catalog.entries}) == len(catalog.entries)
    assert len({e.article_id for e in catalog.entries}) == len(catalog.entries)
    for entry in catalog.entries:
        if not entry.is_report:
            continue
        assert entry.year is not None and entry.year < entry.published.year
        expected = "none" if entry.year <= 2018 else "2019" if entry.year <= 2020 else "2021"
        assert entry.template == expected or (entry.year, entry.template) == (2022, "2019")


def test_generated_reports_follow_their_template_and_entry() -> None:
    catalog = Catalog(40, seed=8)
    for entry in catalog.entries:
        if not entry.is_report or entry.slot == 0:
            continue
        report = catalog.report(entry)
        assert (report.title, report.agency, report.year, report.template) == (
            entry.title, entry.agency, entry.year, entry.template)
        assert report.header.index_no == entry.index_no
        assert report.header.publish_date == entry.date
        if entry.template == "none":
            assert report.proactive is None and report.applications is None
        else:
            assert set(report.proactive) == {b.key for b in PROACTIVE_BLOCKS[entry.template]}
            assert set(report.applications) == {r.key for r in application_rows(entry.template)}


def test_edits_change_exactly_k_reports_and_their_modification_time() -> None:
    plain, edited = Catalog(120, seed=7), Catalog(120, seed=7, edit=5)
    assert signature(plain) == signature(edited)
    before = {r["url"]: r for r in plain.manifest()}
    after = {r["url"]: r for r in edited.manifest()}
    changed = [url for url in before if before[url] != after[url]]
    assert len(changed) == 5
    for url in changed:
        assert before[url]["report"] != after[url]["report"]
        assert after[url]["edited"] and after[url]["last_modified"] > before[url]["last_modified"]
        assert after[url]["kind"] == "report" and not after[url]["reference"]
    reposted = {r["repost_of"] for r in after.values() if r.get("repost_of")}
    assert not {after[url]["index_no"] for url in changed} & reposted
    assert Catalog(120, seed=7, edit=5).edits == edited.edits
    assert Catalog(400, seed=7, edit=5).edits == edited.edits  # growth edits the same reports


def test_more_edits_than_editable_reports_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot edit"):
        Catalog(5, seed=1, edit=50)


def _balance_holds(applications: dict) -> bool:
    """Sum 1 of domain.md §1, per table-3 column (blank cells count as zero)."""
    def cell(row: str, col: str) -> int:
        return applications[row][col] or 0

    return all(
        cell("new_received", col) + cell("carried_over", col)
        == cell("total_handled", col) + cell("carried_forward", col)
        for col in applications["new_received"]
    )


def _results_sum_holds(applications: dict) -> bool:
    """Sum 2 of domain.md §1: total_handled is the sum of the result rows, per column."""
    results = [row.key for row in application_rows("2021" if "other_misc" in applications
                                                   else "2019") if row.is_result]
    return all(
        (applications["total_handled"][col] or 0)
        == sum(applications[row][col] or 0 for row in results)
        for col in applications["total_handled"]
    )


def test_manifest_lists_every_article_with_report_numbers() -> None:
    catalog = Catalog(300, seed=12)
    records = list(catalog.manifest("http://127.0.0.1:1"))
    assert len(records) == len(catalog.entries)
    reports = [r for r in records if r["kind"] != "other"]
    assert len(reports) == 300
    index_numbers = {r["index_no"] for r in reports}
    for record in reports:
        assert record["url"].startswith("http://127.0.0.1:1/art/")
        data = record["report"]
        assert data["schema"] == "disclosure-report/1"
        assert data["url"] == record["url"]
        assert data["header"]["index_no"] == record["index_no"]
        assert (data["agency"], data["year"], data["title"]) == (
            record["agency"], record["year"], record["title"])
        if record["kind"] == "repost":
            assert record["repost_of"] in index_numbers
        if record["template"] == "none":
            continue
        apps = data["applications"]
        if record["broken_sum"] == "balance":
            assert not _balance_holds(apps)
        elif record["broken_sum"] == "results_sum":
            assert not _results_sum_holds(apps)
        elif record["broken_sum"] is None:
            assert _balance_holds(apps) and _results_sum_holds(apps)
    assert any(r["broken_sum"] for r in reports)
    assert all("report" not in r for r in records if r["kind"] == "other")
