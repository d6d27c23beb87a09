"""``reparse`` on both dialects: replica article pages stored as failures by an "older parser"
become the reports the replica generated; a stale version is replaced; a second run is a no-op.
(The full crawl-then-reparse path is in ``test_query_over_crawl.py``.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from replica.catalog import Catalog
from replica.server import render_article
from storage.archive import Archive, FetchedPage
from storage.database import open_engine
from storage.export import iter_documents
from storage.models import Document, Version
from storage.reparse import reparse
from tests.test_storage_support import database_url  # noqa: F401  (a fixture)

AT = datetime(2024, 3, 1, tzinfo=UTC)


def numbers(report: dict) -> dict:
    return {(t, r, c): v for t in ("proactive", "applications", "review_litigation")
            for r, cells in (report.get(t) or {}).items() for c, v in cells.items()}


def test_failed_pages_become_reports_and_stale_versions_are_replaced(database_url: str) -> None:
    catalog = Catalog(6, seed="reparse")
    entries = [e for e in catalog.entries if e.is_report]
    with Archive.open(database_url) as store:
        run_id = store.start_run("older-parser", "replica")
        for n, entry in enumerate(entries):
            page = render_article(catalog, entry)
            store.record(run_id, FetchedPage(
                f"https://replica.example{entry.path}", 200, AT + timedelta(minutes=n),
                page.before + page.after, {"Content-Type": "text/html; charset=utf-8"},
                portal="replica.example"), None, error="parse error: older parser")
        store.finish_run(run_id, {})
    engine = open_engine(database_url)
    try:
        first = reparse(engine)
        assert (first.pages, first.newly_parsed, first.still_failing) == (len(entries), len(entries), 0)
        documents = {d["archive"]["index_no"]: d for d in iter_documents(engine)}
        assert set(documents) == {e.index_no for e in entries}
        for entry in entries:
            assert numbers(documents[entry.index_no]) == numbers(catalog.report(entry).to_dict())
            assert documents[entry.index_no]["archive"]["portal"] == "replica.example"
        # An older parser's reading of one report: another hash, another number.
        stale_key = entries[0].index_no
        with engine.begin() as connection:
            version_id = connection.execute(
                select(Document.current_version_id).where(Document.index_no == stale_key)
            ).scalar_one()
            connection.execute(update(Version).where(Version.id == version_id)
                               .values(content_hash="0" * 64, parser_version="0.1"))
        second = reparse(engine)
        assert (second.changed_reports, second.newly_parsed, second.unchanged) == (1, 0, len(entries) - 1)
        third = reparse(engine)
        assert (third.changed_reports, third.newly_parsed, third.unchanged) == (0, 0, len(entries))
        with engine.connect() as connection:
            count = connection.execute(
                select(Document.version_count).where(Document.index_no == stale_key)).scalar_one()
        assert count == 2
    finally:
        engine.dispose()
