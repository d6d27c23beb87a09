"""Full-text search over the narrative sections (overview, problems, other_matters) of
documents' current versions, working for Chinese text.

SQLite: an FTS5 table ``narrative_fts`` with the trigram tokenizer (any substring of 3+
characters is found through the index), one row per version with the version's id as its rowid.
It is made with the schema (``create_search_index_in``, idempotent: it also fills in versions it
lacks) and kept current by the archive writer, which indexes each new version in the same
transaction, so searching never writes. Searches join it to the documents' current versions.
Terms shorter than 3 characters cannot use trigrams and fall back to a LIKE scan of the same
table (``%`` and ``_`` escaped). An archive made before the index existed is searched with the
same LIKE over the versions' report JSON (correct, slower) until a writing command builds it.

PostgreSQL: for now no index; the search is an ILIKE scan of the sections inside the versions'
report JSON (correct, but linear in the archive's size).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, String, or_, select, text

from parsers.report import SECTION_KEYS
from storage.models import Document, Version

FTS_TABLE = "narrative_fts"
VOCAB_TABLE = "narrative_vocab"  # fts5vocab over it: the trigrams, for terms under 3 characters
# Appended to each indexed text so every character, the last ones too, starts some trigram:
# a 1- or 2-character term is then found through the trigrams it begins (see _short_match).
SENTINEL = "  "
TRIGRAM = 3
SNIPPET_RADIUS = 30
SEARCH_COLUMNS: tuple[str, ...] = ("index_no", "agency", "year", "section", "snippet")


class SearchError(ValueError):
    """A search term that cannot be searched (e.g. empty)."""


@dataclass(frozen=True)
class Hit:
    index_no: str | None
    agency: str | None
    year: int | None
    section: str
    snippet: str


def like_pattern(term: str) -> str:
    """A LIKE pattern matching ``term`` literally anywhere (escape character: backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def snippet(text_: str, term: str, radius: int = SNIPPET_RADIUS) -> str:
    """The text around the first (case-insensitive) occurrence of ``term``, on one line."""
    at = text_.lower().find(term.lower())
    if at < 0:
        return ""
    start, end = max(0, at - radius), min(len(text_), at + len(term) + radius)
    piece = " ".join(text_[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(text_) else "")


def _has_table(connection: Connection, name: str) -> bool:
    return connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).first() is not None


def has_search_index(connection: Connection) -> bool:
    """Whether this archive has the trigram index (SQLite archives made with the schema)."""
    return connection.dialect.name == "sqlite" and _has_table(connection, FTS_TABLE)


def lacks_search_index(engine: Engine) -> bool:
    """An SQLite archive made before the index: searches scan (see ``create_search_index_in``)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        return not has_search_index(connection)


def create_search_index_in(connection: Connection) -> None:
    """Create ``narrative_fts`` if missing and index every version it lacks (SQLite only).

    Idempotent and cheap on an index kept current by the writer; called with the schema
    (inside its transaction), so it is also how an older archive gets its index.
    """
    if connection.dialect.name != "sqlite" or not _trigram_available(connection):
        return
    columns = [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({FTS_TABLE})")]
    if columns and "version_id" in columns:  # an earlier layout, filled on first search
        connection.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        f"{', '.join(SECTION_KEYS)}, tokenize='trigram')"
    )
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')"
    )
    extracted = ", ".join(
        f"json_extract(report, '$.sections.{key}') || '{SENTINEL}'" for key in SECTION_KEYS
    )
    connection.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(SECTION_KEYS)}) "
        f"SELECT id, {extracted} FROM versions "
        f"WHERE id NOT IN (SELECT rowid FROM {FTS_TABLE})"
    )


def drop_search_index_in(connection: Connection) -> None:
    """Drop the index (derived from versions, so ``create_search_index_in`` rebuilds it whole)."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _trigram_available(connection: Connection) -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 34, 0)


def index_versions_in(connection: Connection, versions: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Index new versions (id, disclosure-report/1 dict) in the caller's write transaction.

    Does nothing on PostgreSQL or on an archive without the index (a writer older than it
    leaves it to ``create_search_index_in`` to catch up).
    """
    if not has_search_index(connection):
        return
    rows = [
        (version_id, *(_indexed(((report or {}).get("sections") or {}).get(key))
                       for key in SECTION_KEYS))
        for version_id, report in versions
    ]
    if rows:
        marks = ", ".join("?" for _ in range(len(SECTION_KEYS) + 1))
        connection.exec_driver_sql(
            f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, {', '.join(SECTION_KEYS)}) "
            f"VALUES ({marks})", rows,
        )


def _indexed(section: str | None) -> str | None:
    return section + SENTINEL if section else section


def _short_match(connection: Connection, term: str) -> str | None:
    """An FTS5 query for a 1-2 character term: every trigram beginning with it, or None."""
    low = term.lower()  # the trigram tokenizer folds case
    trigrams = connection.exec_driver_sql(
        f"SELECT term FROM {VOCAB_TABLE} WHERE term >= ? AND term < ?", (low, low + "\U0010ffff")
    ).scalars().all()
    if not trigrams:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in trigrams)


def _sqlite_matches(connection: Connection, term: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
    if not has_search_index(connection):
        return _sqlite_scan(connection, term, limit)
    if len(term) >= TRIGRAM:
        match: str | None = '"' + term.replace('"', '""') + '"'  # the term, literally
    else:
        match = _short_match(connection, term)
    if match is None:
        return []
    # Rank the matching current versions first, then read the sections of the chosen few only.
    chosen = connection.execute(
        text(
            f"SELECT s.vid FROM (SELECT rowid AS vid FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :match) AS s "
            "JOIN documents ON documents.current_version_id = s.vid "
            "ORDER BY documents.agency, documents.year, s.vid LIMIT :limit"
        ).bindparams(match=match, limit=limit)
    ).scalars().all()
    if not chosen:
        return []
    marks = ", ".join("?" for _ in chosen)
    sections = {
        row[0]: {k: (v[: -len(SENTINEL)] if v else v) for k, v in zip(SECTION_KEYS, row[1:])}
        for row in connection.exec_driver_sql(
            f"SELECT rowid, {', '.join(SECTION_KEYS)} FROM {FTS_TABLE} WHERE rowid IN ({marks})",
            tuple(chosen),
        )
    }
    return [(vid, sections[vid]) for vid in chosen]


def _sqlite_scan(connection: Connection, term: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """The same answer without the index: LIKE over the current versions' report JSON."""
    extracted = ", ".join(
        f"json_extract(versions.report, '$.sections.{key}') AS {key}" for key in SECTION_KEYS
    )
    where = " OR ".join(f"s.{key} LIKE :pattern ESCAPE '\\'" for key in SECTION_KEYS)
    rows = connection.execute(
        text(
            f"SELECT s.vid, {', '.join('s.' + k for k in SECTION_KEYS)} FROM "
            f"(SELECT versions.id AS vid, versions.agency, versions.year, {extracted} "
            "FROM documents JOIN versions ON versions.id = documents.current_version_id) AS s "
            f"WHERE {where} ORDER BY s.agency, s.year, s.vid LIMIT :limit"
        ).bindparams(pattern=like_pattern(term), limit=limit)
    ).all()
    return [(row.vid, {k: getattr(row, k) for k in SECTION_KEYS}) for row in rows]


def _postgres_matches(connection: Connection, term: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
    sections = [Version.report["sections"][key].as_string() for key in SECTION_KEYS]
    pattern = like_pattern(term)
    rows = connection.execute(
        select(Version.id, *[s.cast(String).label(k) for s, k in zip(sections, SECTION_KEYS)])
        .join(Document, Document.current_version_id == Version.id)
        .where(or_(*[s.ilike(pattern, escape="\\") for s in sections]))
        .order_by(Version.agency, Version.year, Version.id).limit(limit)
    ).all()
    return [(row.id, {k: getattr(row, k) for k in SECTION_KEYS}) for row in rows]


def search(engine: Engine, term: str, limit: int = 20) -> list[Hit]:
    """Current versions whose narrative sections contain ``term``, ordered by agency and year."""
    term = term.strip()
    if not term:
        raise SearchError("empty search term")
    if limit < 1:
        raise SearchError(f"--limit must be at least 1, not {limit}")
    with engine.connect() as connection:
        matcher = _sqlite_matches if engine.dialect.name == "sqlite" else _postgres_matches
        matches = matcher(connection, term, limit)
        facts = {
            row.version_id: row for row in connection.execute(
                select(Document.current_version_id.label("version_id"), Document.index_no,
                       Document.key, Version.agency, Version.year)
                .join(Version, Version.id == Document.current_version_id)
                .where(Document.current_version_id.in_([m[0] for m in matches]))
            )
        }
    hits: list[Hit] = []
    for version_id, sections in matches:
        fact = facts[version_id]
        section = next((k for k in SECTION_KEYS if term.lower() in (sections[k] or "").lower()), SECTION_KEYS[0])
        hits.append(Hit(fact.index_no or fact.key, fact.agency, fact.year, section,
                        snippet(sections[section] or "", term)))
    return hits
