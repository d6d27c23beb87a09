"""Full-text search over the narrative sections (overview, problems, other_matters) of
documents' current versions, working for Chinese text.

SQLite: an FTS5 table ``narrative_fts`` with the trigram tokenizer (any substring of 3+
characters is found through the index). It is derived data: ``sync_index`` adds rows for current
versions it lacks and drops rows of versions no longer current, so it is cheap to call before
every search. Terms shorter than 3 characters cannot use trigrams and fall back to a LIKE scan
of the same table (``%`` and ``_`` escaped).

PostgreSQL: for now no index; the search is an ILIKE scan of the sections inside the versions'
report JSON (correct, but linear in the archive's size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, String, column, or_, select, table, text

from parsers.report import SECTION_KEYS
from storage.database import WRITE_OPTION
from storage.models import Document, Version

FTS_TABLE = "narrative_fts"
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


def sync_index(engine: Engine) -> int:
    """Make ``narrative_fts`` hold exactly the current versions' sections; rows added."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        with connection.begin():
            connection.exec_driver_sql(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                f"version_id UNINDEXED, {', '.join(SECTION_KEYS)}, tokenize='trigram')"
            )
            connection.exec_driver_sql(
                f"DELETE FROM {FTS_TABLE} WHERE version_id NOT IN "
                "(SELECT current_version_id FROM documents WHERE current_version_id IS NOT NULL)"
            )
            missing = connection.execute(
                select(Version.id, Version.report)
                .join(Document, Document.current_version_id == Version.id)
                .where(Version.id.not_in(select(column("version_id")).select_from(table(FTS_TABLE))))
            ).all()
            insert = text(
                f"INSERT INTO {FTS_TABLE} (version_id, {', '.join(SECTION_KEYS)}) "
                f"VALUES (:version_id, {', '.join(':' + k for k in SECTION_KEYS)})"
            )
            rows = [
                {"version_id": row.id} | {
                    key: ((row.report or {}).get("sections") or {}).get(key) for key in SECTION_KEYS
                }
                for row in missing
            ]
            if rows:
                connection.execute(insert, rows)
    return len(rows)


def _sqlite_matches(connection: Connection, term: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
    if len(term) >= TRIGRAM:
        where = f"{FTS_TABLE} MATCH :match"  # a quoted FTS5 string: the term, literally
        params: dict[str, Any] = {"match": '"' + term.replace('"', '""') + '"'}
    else:
        where = " OR ".join(f"{key} LIKE :pattern ESCAPE '\\'" for key in SECTION_KEYS)
        params = {"pattern": like_pattern(term)}
    rows = connection.execute(
        text(
            f"SELECT {FTS_TABLE}.version_id, "
            f"{', '.join(FTS_TABLE + '.' + k for k in SECTION_KEYS)} FROM {FTS_TABLE} "
            f"JOIN versions ON versions.id = {FTS_TABLE}.version_id WHERE {where} "
            f"ORDER BY versions.agency, versions.year, {FTS_TABLE}.version_id LIMIT :limit"
        ).bindparams(**params, limit=limit)
    ).all()
    return [(row.version_id, {k: getattr(row, k) for k in SECTION_KEYS}) for row in rows]


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
    if engine.dialect.name == "sqlite":
        sync_index(engine)
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
