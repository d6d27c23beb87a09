"""The search index: made with the schema, kept by the writer, exact for terms of any length
(1 and 2 characters included, at the very end of a text too), read-only to query, and the same
answers on PostgreSQL (a scan there) and on an SQLite archive made before the index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from parsers.report import Sections
from storage.archive import Archive
from storage.database import open_engine
from storage.search import search
from tests.test_storage_support import PORTAL, database_url, later, make_report, page_for  # noqa: F401

TEXTS = (
    "全年办结申请12件，答复及时。收尾",
    "推进营商环境优化，数字消费券发放信息及时公开。",
    "Digital coupons: 100% of 50_000 issued",
    "营",
)


def _fill(url: str) -> list[str]:
    keys = []
    with Archive.open(url) as store:
        run_id = store.start_run("test", PORTAL)
        for serial, overview in enumerate(TEXTS, 1):
            report = make_report(serial)
            report.sections = Sections(overview=overview, problems=None, other_matters=None)
            store.record(run_id, page_for(report, at=later(serial)), report)
            keys.append(report.header.index_no or "")
        store.finish_run(run_id, {})
    return keys


TERMS = ("尾", "收尾", "营", "营商", "数字消费券", "coupons", "COUPONS", "%", "0_", "s:", "缺席", "。")


def expected(keys: list[str], term: str) -> set[str]:
    return {k for k, t in zip(keys, TEXTS) if term.lower() in t.lower()}


def test_every_term_length_finds_exactly_the_texts_holding_it(database_url: str) -> None:
    keys = _fill(database_url)
    engine = open_engine(database_url, read_only=True)
    try:
        for term in TERMS:
            hits = search(engine, term, limit=100)
            assert {hit.index_no for hit in hits} == expected(keys, term), term
            assert all(term.lower() in hit.snippet.lower() for hit in hits)
            assert all(not hit.snippet.endswith(" ") for hit in hits)
    finally:
        engine.dispose()


def test_an_archive_without_the_index_gives_the_same_hits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    keys = _fill(url)
    with sqlite3.connect(tmp_path / "a.db") as connection:
        connection.execute("DROP TABLE narrative_vocab")
        connection.execute("DROP TABLE narrative_fts")
    engine = open_engine(url, read_only=True)
    try:
        for term in TERMS:
            assert {h.index_no for h in search(engine, term, limit=100)} == expected(keys, term)
    finally:
        engine.dispose()
    Archive.open(url).close()  # any writer makes the schema's missing parts: the index
    with sqlite3.connect(tmp_path / "a.db") as connection:
        assert connection.execute("SELECT count(*) FROM narrative_fts").fetchone()[0] == len(TEXTS)


def test_read_only_engines_refuse_writes(database_url: str) -> None:
    _fill(database_url)
    engine = open_engine(database_url, read_only=True)
    try:
        with engine.connect() as connection, pytest.raises(Exception, match="(?i)read.?only"):
            connection.execute(text("UPDATE documents SET agency = 'x'"))
            connection.commit()
    finally:
        engine.dispose()
