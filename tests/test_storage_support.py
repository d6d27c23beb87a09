"""Shared helpers of the storage and export tests: archive databases and report builders.

``database_url`` gives each test a fresh archive on SQLite (a temporary file) and, when
DISCLOSURE_TEST_POSTGRES_URL is set, on PostgreSQL (a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from parsers.report import Check, Report
from parsers.template import APPLICANT_PARTS, REVIEW_PARTS
from storage.archive import FetchedPage

POSTGRES_ENV = "DISCLOSURE_TEST_POSTGRES_URL"
PORTAL = "www.example.gov.cn"
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV}, e.g. "
            f"{POSTGRES_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    return url


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL naming an empty database, on each supported dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    base = _postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_report(
    serial: int,
    *,
    agency: str | None = None,
    year: int = 2023,
    template: str = "2021",
    seed: int | None = None,
    index_no: str | None = "auto",
    url: str | None = None,
    published: str | None = None,
) -> Report:
    """A filled report whose numbers come from ``random.Random(seed)`` (default: the serial)."""
    rng = random.Random(serial if seed is None else seed)
    report = Report.blank(
        template,  # type: ignore[arg-type]
        url=url or f"https://{PORTAL}/art/2024/1/{serial % 28 + 1}/art_1229063423_{serial}.html",
        title=f"{agency or f'杭州市第{serial}局'}{year}年政府信息公开工作年度报告",
        agency=agency or f"杭州市第{serial}局",
        year=year,
    )
    report.header.index_no = f"002489{serial:03d}/{year + 1}-{serial:05d}" if index_no == "auto" else index_no
    report.header.publisher = report.agency
    report.header.publish_date = published or f"{year + 1}-01-{serial % 28 + 1:02d}"
    report.sections.overview = f"{report.agency}认真贯彻落实《条例》，第{serial}号。"
    if template == "none":
        return report
    assert report.proactive and report.applications and report.review_litigation
    for cells in report.proactive.values():
        for column in cells:
            cells[column] = rng.randint(0, 500)
    for row, cells in report.applications.items():
        for column in APPLICANT_PARTS:
            cells[column] = rng.randint(0, 9)
        cells["total"] = sum(cells[c] for c in APPLICANT_PARTS)  # type: ignore[misc]
    for cells in report.review_litigation.values():
        for column in REVIEW_PARTS:
            cells[column] = rng.randint(0, 3)
        cells["total"] = sum(cells[c] for c in REVIEW_PARTS)  # type: ignore[misc]
    report.checks = [
        Check("row_total", row, True, "total = sum of applicant columns")
        for row in report.applications
    ]
    return report


def page_for(
    report: Report | None,
    *,
    url: str | None = None,
    at: datetime = T0,
    status: int = 200,
    views: int = 1,
    headers: dict[str, str] | None = None,
    flags: tuple[str, ...] = (),
) -> FetchedPage:
    """The page a report was 'fetched' from; the body carries a view counter, as real pages do."""
    target = url or (report.url if report else None) or f"https://{PORTAL}/art/unknown.html"
    title = report.title if report else "?"
    body = f"<html><h1>{title}</h1><p>浏览次数：{views}</p></html>".encode()
    return FetchedPage(
        url=target, status=status, fetched_at=at, body=body,
        headers=headers or {"Content-Type": "text/html; charset=utf-8"}, flags=flags,
    )


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
