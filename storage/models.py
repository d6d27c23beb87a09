"""The archive's tables, as SQLAlchemy 2 typed models (SQLite and PostgreSQL alike).

Layers, from what was fetched to what researchers query:

- ``crawl_runs``: one row per crawl with its counts;
- ``raw_pages``: every fetched report page, body compressed and untouched, with its HTTP facts
  and the parse error if it did not parse (so a later parser can retry it);
- ``documents``: one per index number (canonical URL when there is none), linked to the document
  it reposts, if any;
- ``versions``: one per distinct normalised content of a document, with the parsed report;
- ``table_cells`` and ``check_findings``: the version's tables and sums in long form for SQL;
- ``repost_keys``: which document first showed a given set of tables (later ones are reposts).

Uniqueness lives in constraints (``documents.key``, ``versions(document_id, content_hash)``,
``repost_keys.tables_hash``) so concurrent writers upsert instead of checking first. Every
constraint is named by ``NAMING_CONVENTION`` so migrations can refer to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HASH_LENGTH = 64  # hex SHA-256


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zone support) and PostgreSQL.

    SQLite stores the UTC wall time as fixed-width text, which also keeps SQL comparisons right.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive needs aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def schema_metadata() -> MetaData:
    """A fresh copy of the models' tables, for one ``create_all`` of the schema.

    ``create_all`` on a database that can ALTER (PostgreSQL) adds the key closing the
    documents ↔ versions cycle by ALTER TABLE, and SQLAlchemy then marks that constraint object
    "never inline in CREATE TABLE" for good. On the shared ``Base.metadata`` the mark outlived
    the call: a later ``create_all`` on SQLite in the same process (SQLite cannot ALTER, so it
    renders every key inline) silently left the key out. Each creation therefore uses its own
    copy, with the mark cleared, so SQLite and PostgreSQL always get the same keys.
    """
    copy = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Base.metadata.tables.values():
        table.to_metadata(copy)
    for table in copy.tables.values():
        for constraint in table.foreign_key_constraints:
            constraint._create_rule = None  # a mark copied from an earlier ALTER, if any
    return copy


class CrawlRun(Base):
    """One crawl of one portal by one spider, with what it added to the archive."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'finished', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    portal: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    new_documents: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    new_versions: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    edited_documents: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    reposts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # What a scheduled run needs to compare itself with the last one and to say why it failed:
    mode: Mapped[str | None] = mapped_column(String(16))  # incremental | full
    requests: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    reports_listed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    blocked: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # challenges
    alarms: Mapped[list[str] | None] = mapped_column(JSONDocument)  # one line per alarm
    exit_code: Mapped[int | None] = mapped_column(Integer)


class Document(Base):
    """One report as identified by its publisher: its index number, else its canonical URL."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint("key_kind IN ('index_no', 'url')", name="key_kind"),
        Index(None, "agency", "year"),
        Index(None, "repost_of_id"),
        # "Is this version current?" from the version's side (search hits), covering the
        # columns results are ordered by, so no document row is read.
        Index(None, "current_version_id", "agency", "year"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(1024))
    key_kind: Mapped[str] = mapped_column(String(16))
    index_no: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)  # canonical URL of the page it was first seen on
    portal: Mapped[str] = mapped_column(String(255))
    # From the current version (the one seen most recently):
    agency: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str | None] = mapped_column(String(8))
    current_version_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("versions.id", use_alter=True)
    )
    version_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    repost_of_id: Mapped[int | None] = mapped_column(Id, ForeignKey("documents.id"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class Version(Base):
    """One distinct content of a document; a re-fetch with the same content only moves last_seen."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("document_id", "content_hash"),
        Index(None, "tables_hash"),
        Index(None, "agency", "year"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    document_id: Mapped[int] = mapped_column(Id, ForeignKey("documents.id"))
    content_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    tables_hash: Mapped[str | None] = mapped_column(String(HASH_LENGTH))
    parser_version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(8))
    publish_date: Mapped[str | None] = mapped_column(String(10))
    checks_failed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    report: Mapped[dict[str, Any]] = mapped_column(JSONDocument)  # disclosure-report/1
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class TableCell(Base):
    """One number of a version's tables: ``SELECT sum(value) … WHERE row_key = 'granted'``.

    Keys are those of ``parsers/template.py``; blank cells are kept with a NULL value.
    """

    __tablename__ = "table_cells"
    # SQLite: stored in primary-key order, one b-tree instead of a rowid table plus a key index.
    # Reading one version's cells uses the primary key. Sums of one cell over every report
    # (``stats``) read the second index: all values of a (table, row, column) lie together in
    # it, value included, instead of one b-tree seek per version into the wide primary key.
    __table_args__ = (
        Index(None, "table_key", "row_key", "column_key", "version_id", "value"),
        {"sqlite_with_rowid": False},
    )

    version_id: Mapped[int] = mapped_column(
        Id, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    table_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    column_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float(53))


class CheckFinding(Base):
    """One of the template's sums for one version, as the parser found it (never corrected)."""

    __tablename__ = "check_findings"
    __table_args__ = (Index(None, "rule", "ok"), {"sqlite_with_rowid": False})

    version_id: Mapped[int] = mapped_column(
        Id, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(128))
    ok: Mapped[bool | None] = mapped_column()
    detail: Mapped[str] = mapped_column(Text)


class RawPage(Base):
    """One fetch of a report page, body zlib-compressed exactly as received."""

    __tablename__ = "raw_pages"
    __table_args__ = (
        Index(None, "url"),
        Index(None, "version_id"),
        Index(None, "run_id"),
        Index(None, "document_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(Id, ForeignKey("crawl_runs.id"))
    url: Mapped[str] = mapped_column(Text)
    portal: Mapped[str] = mapped_column(String(255))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    body_size: Mapped[int] = mapped_column(Integer)  # bytes as received
    body_sha256: Mapped[str] = mapped_column(String(HASH_LENGTH))
    body_encoding: Mapped[str] = mapped_column(String(16), default="zlib", server_default="zlib")  # or "omitted"
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    parser_version: Mapped[str | None] = mapped_column(String(64))
    parse_error: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(Id, ForeignKey("documents.id"))
    version_id: Mapped[int | None] = mapped_column(Id, ForeignKey("versions.id"))


class RepostKey(Base):
    """The original of a given agency, year and tables: the document published first (first
    archived on a tie or unknown date). Every other document with them reposts it."""

    __tablename__ = "repost_keys"

    tables_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)
    document_id: Mapped[int] = mapped_column(Id, ForeignKey("documents.id"))
    publish_date: Mapped[str | None] = mapped_column(String(10))
