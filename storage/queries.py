"""Read-only questions researchers ask of the archive, as parameterised SQLAlchemy Core queries.

User values only ever reach SQL as bound parameters; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, or_, select

from storage.models import CheckFinding, Document, RawPage, TableCell, Version

CellKey = tuple[str, str, str]  # table_key, row_key, column_key


class NotFoundError(LookupError):
    """No archived document has the given index number (or key)."""


@dataclass(frozen=True)
class ReportFilter:
    agency: str | None = None  # substring
    year: int | None = None
    template: str | None = None
    portal: str | None = None
    failing: bool = False


REPORT_COLUMNS: tuple[str, ...] = (
    "key", "index_no", "agency", "year", "template", "portal", "url", "versions",
    "first_seen", "last_seen", "checks_failed",
)


def list_reports(engine: Engine, where: ReportFilter) -> list[dict[str, Any]]:
    """Documents (current version) matching the filter, ordered by agency, year and key."""
    query = (
        select(
            Document.key, Document.index_no, Version.agency, Version.year, Version.template,
            Document.portal, Document.url, Document.version_count.label("versions"),
            Document.first_seen, Document.last_seen, Version.checks_failed,
        )
        .join(Version, Version.id == Document.current_version_id)
        .order_by(Document.agency, Document.year, Document.key)
    )
    # Filters read the documents' copies of their current version's agency, year and template:
    # the same values, in narrow rows, so only matching versions (wide rows) are read at all.
    if where.agency:
        query = query.where(Document.agency.contains(where.agency, autoescape=True))
    if where.year is not None:
        query = query.where(Document.year == where.year)
    if where.template:
        query = query.where(Document.template == where.template)
    if where.portal:
        query = query.where(Document.portal == where.portal)
    if where.failing:
        query = query.where(Version.checks_failed > 0)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _document(connection: Any, index_no: str) -> Any:
    row = connection.execute(
        select(Document)
        .where(or_(Document.index_no == index_no, Document.key == index_no))
        .order_by(Document.id)
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(f"no archived report with index number {index_no!r}")
    return row


@dataclass
class ReportDetail:
    """One document's current version with where and when it came from."""

    key: str
    index_no: str | None
    url: str
    portal: str
    versions: int
    version: int  # 1-based number of the current version
    first_seen: datetime
    last_seen: datetime
    fetched_at: datetime | None  # latest fetch of the current version
    fetched_url: str | None
    parser_version: str
    content_hash: str
    checks: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


def show_report(engine: Engine, index_no: str) -> ReportDetail:
    """The document with this index number (or key): current version, provenance, checks."""
    with engine.connect() as connection:
        document = _document(connection, index_no)
        version = connection.execute(
            select(Version).where(Version.id == document.current_version_id)
        ).one()
        ordinal = connection.execute(
            select(Version.id).where(Version.document_id == document.id)
            .order_by(Version.first_seen, Version.id)
        ).scalars().all().index(version.id) + 1
        fetch = connection.execute(
            select(RawPage.fetched_at, RawPage.url).where(RawPage.version_id == version.id)
            .order_by(RawPage.fetched_at.desc(), RawPage.id.desc()).limit(1)
        ).first()
        checks = [
            {"rule": f.rule, "scope": f.scope, "ok": None if f.ok is None else bool(f.ok), "detail": f.detail}
            for f in connection.execute(
                select(CheckFinding).where(CheckFinding.version_id == version.id)
                .order_by(CheckFinding.position)
            )
        ]
    return ReportDetail(
        key=document.key, index_no=document.index_no, url=document.url, portal=document.portal,
        versions=document.version_count, version=ordinal, first_seen=document.first_seen,
        last_seen=document.last_seen, fetched_at=fetch.fetched_at if fetch else None,
        fetched_url=fetch.url if fetch else None, parser_version=version.parser_version,
        content_hash=version.content_hash, checks=checks, report=dict(version.report),
    )


@dataclass
class VersionEntry:
    """One version of a document and the cells that changed since the one before it."""

    number: int
    first_seen: datetime
    last_seen: datetime
    content_hash: str
    checks_failed: int
    changes: list[tuple[CellKey, float | None, float | None]]  # key, before, after


def version_history(engine: Engine, index_no: str) -> list[VersionEntry]:
    """Every version of the document, oldest first, with the numbers changed between them."""
    with engine.connect() as connection:
        document = _document(connection, index_no)
        versions = connection.execute(
            select(Version.id, Version.first_seen, Version.last_seen, Version.content_hash,
                   Version.checks_failed)
            .where(Version.document_id == document.id).order_by(Version.first_seen, Version.id)
        ).all()
        cells: dict[int, dict[CellKey, float | None]] = {v.id: {} for v in versions}
        for row in connection.execute(
            select(TableCell.version_id, TableCell.table_key, TableCell.row_key,
                   TableCell.column_key, TableCell.value)
            .where(TableCell.version_id.in_(list(cells)))
        ):
            cells[row.version_id][(row.table_key, row.row_key, row.column_key)] = row.value
    history: list[VersionEntry] = []
    previous: dict[CellKey, float | None] | None = None
    for number, version in enumerate(versions, start=1):
        current = cells[version.id]
        changes = [] if previous is None else [
            (key, previous.get(key), current.get(key))
            for key in sorted(set(previous) | set(current))
            if previous.get(key) != current.get(key)
        ]
        history.append(VersionEntry(number, version.first_seen, version.last_seen,
                                    version.content_hash, version.checks_failed, changes))
        previous = current
    return history
