"""The archive keeps one document per index number, one version per distinct content, reposts
linked, every raw page (failures included), and run counts that match what it holds.

Every test runs on SQLite and, when DISCLOSURE_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from parsers.report import Check
from storage.archive import Archive
from tests.test_storage_support import (  # noqa: F401  (database_url is a fixture)
    PORTAL,
    T0,
    database_url,
    later,
    make_report,
    page_for,
)


def rows(archive: Archive, sql: str, **params: Any) -> list[Any]:
    with archive.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def scalar(archive: Archive, sql: str, **params: Any) -> Any:
    with archive.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


@pytest.fixture
def archive(database_url: str) -> Any:
    with Archive.open(database_url, batch_size=10) as opened:
        yield opened


def test_same_report_fetched_twice_is_one_version(archive: Archive) -> None:
    report = make_report(1)
    first = archive.start_run("hangzhou", PORTAL)
    archive.record(first, page_for(report, at=T0, views=10), report)
    summary1 = archive.finish_run(first)
    second = archive.start_run("hangzhou", PORTAL)
    # Another fetch: the view counter and the fetch time differ, the published content does not.
    archive.record(second, page_for(report, at=later(60), views=11), make_report(1))
    summary2 = archive.finish_run(second)

    assert (summary1.new_documents, summary1.new_versions, summary1.unchanged) == (1, 1, 0)
    assert (summary2.new_documents, summary2.new_versions, summary2.unchanged) == (0, 0, 1)
    assert scalar(archive, "SELECT count(*) FROM documents") == 1
    assert scalar(archive, "SELECT count(*) FROM versions") == 1
    assert scalar(archive, "SELECT count(*) FROM raw_pages") == 2  # both fetches kept raw
    doc = rows(archive, "SELECT key, version_count, first_seen, last_seen FROM documents")[0]
    assert doc.key == report.header.index_no
    assert doc.version_count == 1
    assert _as_datetimes(archive, "versions") == (T0, later(60))
    assert _as_datetimes(archive, "documents") == (T0, later(60))


def _as_datetimes(archive: Archive, table: str) -> tuple[Any, Any]:
    from sqlalchemy import select

    from storage.models import Document, Version

    model = {"versions": Version, "documents": Document}[table]
    with archive.engine.connect() as connection:
        return tuple(connection.execute(select(model.first_seen, model.last_seen)).one())  # type: ignore[return-value]


def test_volatile_text_url_and_warnings_do_not_make_a_version(archive: Archive) -> None:
    run = archive.start_run("hangzhou", PORTAL)
    original = make_report(2)
    original.sections.overview = (original.sections.overview or "") + " 浏览次数：12"
    refetched = make_report(2, url=f"https://{PORTAL}/art/2024/1/3/art_1229063423_2.html?x=1")
    refetched.sections.overview = (refetched.sections.overview or "") + "  浏览次数：4518"
    refetched.warnings.append("year taken from the publish date")
    refetched.proactive["licensing"]["decisions"] = float(  # type: ignore[index]
        original.proactive["licensing"]["decisions"]  # type: ignore[index]
    )
    archive.record(run, page_for(original, at=T0), original)
    archive.record(run, page_for(refetched, at=later(5)), refetched)
    summary = archive.finish_run(run)
    assert (summary.new_versions, summary.unchanged) == (1, 1)
    assert scalar(archive, "SELECT count(*) FROM versions") == 1


def test_edited_report_adds_exactly_one_version_and_becomes_current(archive: Archive) -> None:
    report = make_report(3)
    run1 = archive.start_run("hangzhou", PORTAL)
    archive.record(run1, page_for(report, at=T0), report)
    archive.finish_run(run1)

    edited = make_report(3)
    edited.applications["granted"]["natural_person"] += 1  # type: ignore[index,operator]
    edited.applications["granted"]["total"] += 1  # type: ignore[index,operator]
    run2 = archive.start_run("hangzhou", PORTAL)
    archive.record(run2, page_for(edited, at=later(60)), edited)
    archive.record(run2, page_for(edited, at=later(61), views=9), edited)  # seen twice: still one
    summary = archive.finish_run(run2)

    assert (summary.new_documents, summary.new_versions, summary.edited_documents) == (0, 1, 1)
    assert summary.unchanged == 1
    assert scalar(archive, "SELECT count(*) FROM documents") == 1
    assert scalar(archive, "SELECT count(*) FROM versions") == 2
    assert scalar(archive, "SELECT version_count FROM documents") == 2
    current = scalar(
        archive,
        "SELECT c.value FROM documents d JOIN table_cells c ON c.version_id = d.current_version_id "
        "WHERE c.table_key = 'applications' AND c.row_key = 'granted' AND c.column_key = 'total'",
    )
    assert current == edited.applications["granted"]["total"]  # type: ignore[index]
    old = scalar(
        archive,
        "SELECT c.value FROM versions v JOIN table_cells c ON c.version_id = v.id "
        "WHERE v.first_seen = (SELECT min(first_seen) FROM versions) AND c.row_key = 'granted' "
        "AND c.column_key = 'total' AND c.table_key = 'applications'",
    )
    assert old == report.applications["granted"]["total"]  # type: ignore[index]


def test_repost_under_another_index_number_is_linked_not_unrelated(archive: Archive) -> None:
    original = make_report(4, agency="杭州市商务局")
    repost = make_report(4, agency="杭州市商务局", index_no="991234567/2024-00002",
                         url="https://www.zj.gov.cn/art/2024/1/20/art_1_99.html")
    other_agency = make_report(4, agency="杭州市财政局")  # same numbers, another agency
    other_agency.header.index_no = "002489999/2024-00001"
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(original, at=T0), original)
    archive.flush()
    archive.record(run, page_for(repost, at=later(1)), repost)
    archive.record(run, page_for(other_agency, at=later(2)), other_agency)
    summary = archive.finish_run(run)

    assert summary.new_documents == 3
    assert summary.reposts == 1
    links = {
        key: of
        for key, of in rows(
            archive,
            "SELECT d.key, o.key FROM documents d LEFT JOIN documents o ON o.id = d.repost_of_id",
        )
    }
    assert links == {
        original.header.index_no: None,
        repost.header.index_no: original.header.index_no,
        other_agency.header.index_no: None,
    }


def test_original_archived_after_its_reposts_becomes_the_document_they_repost(
    archive: Archive,
) -> None:
    original = make_report(8, published="2024-01-16")
    reposts = [
        make_report(8, index_no=f"33000000{n}/2024-00008", url=f"https://www.zj.gov.cn/{n}.html",
                    published=f"2024-02-0{n}")
        for n in (1, 2)
    ]
    run = archive.start_run("hangzhou", PORTAL)
    for n, report in enumerate(reposts):  # the newest first, as a column lists them
        archive.record(run, page_for(report, at=later(n)), report)
        archive.flush()
    archive.record(run, page_for(original, at=later(5)), original)
    summary = archive.finish_run(run)

    links = rows(archive, "SELECT d.key, o.key FROM documents d "
                          "LEFT JOIN documents o ON o.id = d.repost_of_id ORDER BY d.key")
    assert sorted(links) == sorted([
        (original.header.index_no, None),
        (reposts[0].header.index_no, original.header.index_no),
        (reposts[1].header.index_no, original.header.index_no),
    ])
    assert summary.reposts == 2


def test_page_that_failed_to_parse_is_kept_raw_with_its_error(archive: Archive) -> None:
    run = archive.start_run("hangzhou", PORTAL)
    page = page_for(None, url=f"https://{PORTAL}/art/2024/1/5/art_1229063423_5.html")
    archive.record(run, page, None, "ParseError: table 3 not found")
    summary = archive.finish_run(run)

    assert (summary.pages, summary.failures, summary.new_documents) == (1, 1, 0)
    stored = rows(archive, "SELECT url, http_status, parse_error, body, body_sha256, "
                           "parser_version, version_id, content_type FROM raw_pages")
    assert len(stored) == 1
    assert stored[0].parse_error == "ParseError: table 3 not found"
    assert zlib.decompress(stored[0].body) == page.body
    assert stored[0].version_id is None
    assert stored[0].parser_version == archive.parser_version
    assert stored[0].content_type == "text/html; charset=utf-8"
    assert scalar(archive, "SELECT count(*) FROM documents") == 0
    assert archive.known_urls([page.url]) == set()  # an incremental crawl must retry it


@pytest.mark.parametrize(
    ("status", "headers", "flags", "reason"),
    [
        (404, None, (), "HTTP 404"),
        (500, None, (), "HTTP 500"),
        (200, {"Content-Length": "100000"}, (), "truncated response"),
        (200, None, ("dataloss",), "truncated response"),
    ],
)
def test_non_200_and_truncated_pages_are_never_versions(
    archive: Archive, status: int, headers: dict[str, str] | None, flags: tuple[str, ...],
    reason: str,
) -> None:
    report = make_report(6)  # the crawler handed a report over anyway: the guard must hold
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(report, status=status, headers=headers, flags=flags), report)
    summary = archive.finish_run(run)
    assert (summary.failures, summary.new_versions) == (1, 0)
    assert scalar(archive, "SELECT count(*) FROM versions") == 0
    assert scalar(archive, "SELECT parse_error FROM raw_pages").startswith(reason)


def test_oversized_page_is_not_a_version_and_its_body_is_not_stored(database_url: str) -> None:
    report = make_report(7)
    with Archive.open(database_url, max_body_bytes=50) as archive:
        run = archive.start_run("hangzhou", PORTAL)
        page = page_for(report)
        assert len(page.body) > 50
        archive.record(run, page, report)
        summary = archive.finish_run(run)
        assert (summary.failures, summary.new_versions) == (1, 0)
        stored = rows(archive, "SELECT body, body_encoding, body_size, parse_error FROM raw_pages")[0]
        assert stored.body is None and stored.body_encoding == "omitted"
        assert stored.body_size == len(page.body)
        assert stored.parse_error.startswith("oversized response")


def test_run_counts_match_what_the_run_did(archive: Archive) -> None:
    reports = [make_report(n) for n in range(10, 18)]
    reports[0].checks.append(Check("balance", "total", False, "12 + 0 != 11 + 0"))
    reports[1].checks.append(Check("balance", "total", False, "1 + 0 != 2 + 0"))
    run = archive.start_run("hangzhou", PORTAL)
    for n, report in enumerate(reports):
        archive.record(run, page_for(report, at=later(n)), report)
    archive.record(run, page_for(reports[2], at=later(20), views=99), reports[2])  # refetch
    repost = make_report(10, index_no="330000000/2024-00001", url="https://www.zj.gov.cn/r.html")
    repost.checks = list(reports[0].checks)  # same report, so the same failed check
    archive.record(run, page_for(repost, at=later(21)), repost)
    archive.record(run, page_for(None, url="https://x/broken.html"), None, "ParseError: x")
    archive.record(run, page_for(reports[3], status=503), None)
    summary = archive.finish_run(run, {"downloader/request_count": 14, "start_time": T0})

    assert summary.status == "finished" and summary.finished_at is not None
    assert summary.pages == 12
    assert summary.new_documents == 9
    assert summary.new_versions == 9
    assert summary.edited_documents == 0
    assert summary.unchanged == 1
    assert summary.reposts == 1
    assert summary.failures == 2
    assert summary.check_failures == 3  # reports[0], reports[1] and the repost of reports[0]
    stored = rows(archive, "SELECT pages, failures, stats FROM crawl_runs WHERE id = :r", r=run)[0]
    assert (stored.pages, stored.failures) == (12, 2)
    stats = stored.stats if isinstance(stored.stats, dict) else __import__("json").loads(stored.stats)
    assert stats == {"downloader/request_count": 14, "start_time": T0.isoformat()}
    assert scalar(archive, "SELECT count(*) FROM raw_pages WHERE run_id = :r", r=run) == 12


def test_table_cells_answer_sql_questions_and_findings_are_kept(archive: Archive) -> None:
    reports = [make_report(n, year=2021 + n % 3) for n in range(30, 42)]
    reports += [make_report(n, year=2020, template="2019") for n in range(42, 45)]
    reports[0].applications["granted"]["commercial"] = None  # type: ignore[index]  # blank cell
    reports[0].checks.append(Check("results_sum", "commercial", None, "all cells blank"))
    run = archive.start_run("hangzhou", PORTAL)
    for n, report in enumerate(reports):
        archive.record(run, page_for(report, at=later(n)), report)
    archive.finish_run(run)

    expected: dict[int, float] = defaultdict(float)
    for report in reports:
        expected[report.year] += report.applications["granted"]["total"]  # type: ignore[index,operator]
    granted_per_year = rows(
        archive,
        "SELECT v.year, sum(c.value) FROM documents d "
        "JOIN versions v ON v.id = d.current_version_id "
        "JOIN table_cells c ON c.version_id = v.id "
        "WHERE c.table_key = 'applications' AND c.row_key = 'granted' AND c.column_key = 'total' "
        "GROUP BY v.year ORDER BY v.year",
    )
    assert {year: total for year, total in granted_per_year} == dict(expected)
    # The 2019 template has the single "other" row, the 2021 one the three other_* rows.
    assert scalar(archive, "SELECT count(DISTINCT v.id) FROM versions v JOIN table_cells c ON "
                           "c.version_id = v.id WHERE c.row_key = 'other'") == 3
    blank = rows(archive, "SELECT value FROM table_cells c JOIN versions v ON v.id = c.version_id "
                          "WHERE v.agency = :a AND row_key = 'granted' AND column_key = 'commercial'",
                 a=reports[0].agency)
    assert [value for (value,) in blank] == [None]  # blank stays blank, never 0
    per_version = scalar(archive, "SELECT count(*) FROM table_cells c JOIN versions v ON "
                                  "v.id = c.version_id WHERE v.agency = :a", a=reports[1].agency)
    assert per_version == sum(len(cells) for t in (reports[1].proactive, reports[1].applications,
                                                   reports[1].review_litigation)
                              for cells in t.values())  # type: ignore[union-attr]
    findings = rows(archive, "SELECT rule, scope, ok, detail FROM check_findings f "
                             "JOIN versions v ON v.id = f.version_id WHERE v.agency = :a "
                             "ORDER BY position", a=reports[0].agency)
    assert [(f.rule, f.scope, f.ok, f.detail) for f in findings] == [
        (c.rule, c.scope, c.ok, c.detail) for c in reports[0].checks
    ]


def test_free_form_report_is_archived_without_cells(archive: Archive) -> None:
    report = make_report(50, year=2017, template="none")
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(report), report)
    summary = archive.finish_run(run)
    assert summary.new_versions == 1
    assert scalar(archive, "SELECT template FROM documents") == "none"
    assert scalar(archive, "SELECT count(*) FROM table_cells") == 0


def test_page_without_index_number_falls_back_to_its_canonical_url(archive: Archive) -> None:
    report = make_report(51, index_no=None, url=f"https://{PORTAL}/art/2024/1/2/art_1_51.html#top")
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(report), report)
    archive.finish_run(run)
    assert rows(archive, "SELECT key, key_kind, index_no FROM documents") == [
        (f"https://{PORTAL}/art/2024/1/2/art_1_51.html", "url", None)
    ]
    assert archive.has_document(f"https://{PORTAL}/art/2024/1/2/art_1_51.html")


def test_what_an_incremental_crawl_asks(archive: Archive) -> None:
    report = make_report(52)
    headers = {"Content-Type": "text/html", "ETag": '"abc"', "Last-Modified": "Tue, 16 Jan 2024 08:00:00 GMT"}
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(report, headers=headers), report)
    assert archive.known_urls([report.url, "https://x/new.html"]) == {report.url}  # buffered
    archive.flush()
    assert archive.known_urls([report.url, "https://x/new.html"]) == {report.url}  # stored
    assert archive.has_document(report.header.index_no)  # type: ignore[arg-type]
    assert not archive.has_document("002489604/2099-99999")
    assert archive.conditional_headers(report.url) == {  # type: ignore[arg-type]
        "If-None-Match": '"abc"', "If-Modified-Since": "Tue, 16 Jan 2024 08:00:00 GMT",
    }
    # A 304 answer: the stored version was seen again; nothing new, nothing failed.
    archive.record(run, page_for(None, url=report.url, status=304, at=later(90)), None)
    archive.record(run, page_for(None, url="https://x/never.html", status=304), None)
    summary = archive.finish_run(run)
    assert (summary.unchanged, summary.failures, summary.new_versions) == (1, 1, 1)
    first_seen, last_seen = _as_datetimes(archive, "documents")
    assert (first_seen, last_seen) == (T0, later(90))


def test_fetch_times_keep_their_instant_across_time_zones(archive: Archive) -> None:
    beijing = timezone(timedelta(hours=8))
    report = make_report(53)
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, page_for(report, at=T0.astimezone(beijing)), report)
    archive.finish_run(run)
    assert _as_datetimes(archive, "documents") == (T0, T0)
    with pytest.raises(ValueError, match="naive"):
        archive.record(run, page_for(report, at=T0.replace(tzinfo=None)), report)


def test_raw_pages_read_back_exactly_as_received(archive: Archive) -> None:
    from storage.raw import iter_raw_pages

    report = make_report(54)
    good = page_for(report, at=T0)
    broken = page_for(None, url="https://x/broken.html", at=later(1), views=7)
    run = archive.start_run("hangzhou", PORTAL)
    archive.record(run, good, report)
    archive.record(run, broken, None, "ParseError: no tables")
    archive.record(run, page_for(None, url="https://x/gone.html", status=404), None)
    archive.finish_run(run)

    everything = list(iter_raw_pages(archive.engine, partition=1))
    assert [(p.url, p.body, p.fetched_at) for p in everything] == [
        (good.url, good.body, T0), (broken.url, broken.body, later(1)),
    ]
    failed = list(iter_raw_pages(archive.engine, failed_only=True))
    assert [(p.url, p.parse_error, p.version_id) for p in failed] == [
        (broken.url, "ParseError: no tables", None)
    ]
    assert [p.http_status for p in iter_raw_pages(archive.engine, status=None)] == [200, 200, 404]
