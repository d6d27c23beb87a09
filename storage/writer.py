"""Writing one batch of recorded fetches in one transaction, safely beside other writers.

Every insert that could race another writer is an ``INSERT … ON CONFLICT DO NOTHING`` against a
unique constraint followed by a read of the winner: two crawler processes archiving the same
report end with one document and one version, whichever committed first. Rows are always
locked in the same order (documents by key, versions by (document, hash), updates by id) so
concurrent batches on PostgreSQL queue behind each other instead of deadlocking.

Counts are added to the run's row in the same transaction, so a run's counts always match what
the archive holds, even after the process was killed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, case, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import UTCDateTime, CheckFinding, CrawlRun, Document, RawPage, RepostKey, TableCell, Version
from storage.cells import CELL_COLUMNS, CHECK_COLUMNS
from storage.pending import PendingRecord
from storage.search import index_versions_in

T = TypeVar("T")
_CHUNK = 500  # keys per IN (...) list

documents = Document.__table__
versions = Version.__table__
raw_pages = RawPage.__table__
repost_keys = RepostKey.__table__
runs = CrawlRun.__table__


@dataclass
class Counts:
    """What one batch added for one run (the counters of ``crawl_runs``)."""

    pages: int = 0
    new_documents: int = 0
    new_versions: int = 0
    edited_documents: int = 0
    unchanged: int = 0
    reposts: int = 0
    failures: int = 0
    check_failures: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _insert(connection: Connection, table: Table) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the archive supports SQLite and PostgreSQL, not {dialect}")


def _insert_ignoring_duplicates(
    connection: Connection, table: Table, rows: list[dict[str, Any]], conflict: list[str],
    returning: Iterable[Any] = (),
) -> list[Any]:
    """INSERT … ON CONFLICT (conflict) DO NOTHING; returns the RETURNING rows of those inserted."""
    if not rows:
        return []
    stmt = _insert(connection, table).on_conflict_do_nothing(index_elements=conflict)
    returning = list(returning)
    if not returning:
        connection.execute(stmt, rows)
        return []
    return connection.execute(stmt.returning(*returning), rows).all()


def _bulk_load(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Append many plain rows: COPY on PostgreSQL, the driver's executemany on SQLite.

    Used for the long tables (about 200 cells per version), where per-row statement building
    would cost more than the database's own work.
    """
    if not rows:
        return
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def _document_ids(connection: Connection, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        query = select(documents.c.key, documents.c.id).where(documents.c.key.in_(chunk))
        ids.update({key: doc_id for key, doc_id in connection.execute(query)})
    return ids


def _version_ids(connection: Connection, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    ids: dict[tuple[int, str], int] = {}
    pair_column = tuple_(versions.c.document_id, versions.c.content_hash)
    for chunk in _chunks(pairs):
        query = select(versions.c.document_id, versions.c.content_hash, versions.c.id).where(
            pair_column.in_(list(chunk))
        )
        ids.update({(doc_id, digest): vid for doc_id, digest, vid in connection.execute(query)})
    return ids


_EARLIEST = bindparam("earliest", type_=UTCDateTime())
_LATEST = bindparam("latest", type_=UTCDateTime())


def _widen_seen(table: Table) -> Any:
    """One UPDATE widening first_seen/last_seen of a row to include (earliest, latest)."""
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            first_seen=case(
                (table.c.first_seen > _EARLIEST, _EARLIEST),
                else_=table.c.first_seen,
            ),
            last_seen=case(
                (table.c.last_seen < _LATEST, _LATEST),
                else_=table.c.last_seen,
            ),
        )
    )


def _update_documents() -> Any:
    """One UPDATE per document: seen bounds, version count, and the current version.

    The current version is the one seen most recently; agency, year and template follow it.
    Every SET expression reads the row as it was before the update (standard SQL).
    """
    newer = documents.c.current_version_id.is_(None) | (documents.c.last_seen <= _LATEST)

    def from_version(column: str) -> Any:
        chosen = select(versions.c[column]).where(versions.c.id == bindparam("version_id"))
        return case((newer, chosen.scalar_subquery()), else_=documents.c[column])

    return (
        update(documents)
        .where(documents.c.id == bindparam("row_id"))
        .values(
            version_count=documents.c.version_count + bindparam("added_versions"),
            current_version_id=case((newer, bindparam("version_id")), else_=documents.c.current_version_id),
            agency=from_version("agency"),
            year=from_version("year"),
            template=from_version("template"),
            first_seen=case(
                (documents.c.first_seen > _EARLIEST, _EARLIEST),
                else_=documents.c.first_seen,
            ),
            last_seen=case(
                (documents.c.last_seen < _LATEST, _LATEST),
                else_=documents.c.last_seen,
            ),
        )
    )


def _last_archived_fetch(connection: Connection, urls: list[str]) -> dict[str, tuple[int, int]]:
    """(document_id, version_id) of the latest archived fetch of each URL."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(urls):
        query = (
            select(raw_pages.c.url, raw_pages.c.document_id, raw_pages.c.version_id)
            .where(raw_pages.c.url.in_(chunk), raw_pages.c.version_id.is_not(None))
            .order_by(raw_pages.c.fetched_at)
        )
        found.update({url: (doc, ver) for url, doc, ver in connection.execute(query)})
    return found


def write_batch(connection: Connection, batch: Sequence[PendingRecord]) -> dict[int, Counts]:
    """Write ``batch`` inside the caller's transaction; returns what it added, per run."""
    counts: dict[int, Counts] = defaultdict(Counts)
    # Work on copies: a rolled-back attempt must leave the caller's records as they were.
    batch = [replace(r, page_row=dict(r.page_row)) for r in batch]
    archived = [r for r in batch if r.outcome == "version"]

    # 1. Documents: one per key; the batch's earliest fetch of a key describes a new document.
    first_of_key: dict[str, PendingRecord] = {}
    for record in sorted(archived, key=lambda r: r.fetched_at):
        first_of_key.setdefault(record.key, record)  # type: ignore[arg-type]
    keys = sorted(first_of_key)
    new_keys = {
        row.key
        for row in _insert_ignoring_duplicates(
            connection, documents,
            [
                {
                    "key": key, "key_kind": r.key_kind, "index_no": r.index_no,
                    "url": r.canonical_url, "portal": r.page_row["portal"],
                    "agency": r.version_row["agency"], "year": r.version_row["year"],
                    "template": r.version_row["template"], "version_count": 0,
                    "first_seen": r.fetched_at, "last_seen": r.fetched_at,
                }
                for key, r in ((key, first_of_key[key]) for key in keys)
            ],
            ["key"], [documents.c.key],
        )
    }
    doc_ids = _document_ids(connection, keys)

    # 2. Versions: one per (document, content hash); only their inserter writes cells and checks.
    first_of_pair: dict[tuple[int, str], PendingRecord] = {}
    pair_times: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for record in sorted(archived, key=lambda r: r.fetched_at):
        pair = (doc_ids[record.key], record.content_hash)  # type: ignore[index]
        first_of_pair.setdefault(pair, record)  # type: ignore[arg-type]
        pair_times[pair].append(record.fetched_at)  # type: ignore[index]
    pairs = sorted(first_of_pair)
    new_pairs = {
        (row.document_id, row.content_hash)
        for row in _insert_ignoring_duplicates(
            connection, versions,
            [
                first_of_pair[pair].version_row
                | {"document_id": pair[0], "first_seen": min(pair_times[pair]),
                   "last_seen": max(pair_times[pair])}
                for pair in pairs
            ],
            ["document_id", "content_hash"], [versions.c.document_id, versions.c.content_hash],
        )
    }
    version_ids = _version_ids(connection, pairs)
    new_version_ids = {pair: version_ids[pair] for pair in sorted(new_pairs)}
    _bulk_load(
        connection, TableCell.__table__, ("version_id", *CELL_COLUMNS),
        [(vid, *cell) for pair, vid in new_version_ids.items() for cell in first_of_pair[pair].cells],
    )
    _bulk_load(
        connection, CheckFinding.__table__, ("version_id", *CHECK_COLUMNS),
        [(vid, *check) for pair, vid in new_version_ids.items()
         for check in first_of_pair[pair].checks],
    )
    index_versions_in(
        connection,
        [(vid, first_of_pair[pair].version_row["report"]) for pair, vid in new_version_ids.items()],
    )

    # 3. Not-modified answers: the version last archived from that URL was seen again.
    stale = [r for r in batch if r.outcome == "not_modified"]
    previous = _last_archived_fetch(connection, sorted({r.url for r in stale}))
    for record in stale:
        if record.url in previous:
            doc_id, version_id = previous[record.url]
            record.page_row |= {"document_id": doc_id, "version_id": version_id}
        else:
            record.outcome = "failure"
            record.page_row["parse_error"] = "HTTP 304 for a page that was never archived"
    seen = [r for r in batch if r.outcome != "failure"]
    for record in archived:
        pair = (doc_ids[record.key], record.content_hash)  # type: ignore[index]
        record.page_row |= {"document_id": pair[0], "version_id": version_ids[pair]}
    version_times = _bounds(seen, "version_id")
    existing = sorted(v for v in version_times if v not in {version_ids[p] for p in new_pairs})
    if existing:
        connection.execute(
            _widen_seen(versions),
            [{"row_id": v, "earliest": version_times[v][0], "latest": version_times[v][1]}
             for v in existing],
        )

    # 4. Reposts: per tables hash, the document published first is the original (first archived
    #    on a tie); an earlier-published newcomer takes over, and the old original and its
    #    reposts are re-linked to it.
    claimants: dict[str, tuple[tuple[Any, ...], int, str | None, PendingRecord]] = {}
    for pair in new_pairs:
        record = first_of_pair[pair]
        digest, published = record.tables_hash, record.version_row["publish_date"]
        if digest is None:
            continue
        rank = (_date_rank(published), record.fetched_at, pair[0])
        if digest not in claimants or rank < claimants[digest][0]:
            claimants[digest] = (rank, pair[0], published, record)
    _insert_ignoring_duplicates(
        connection, repost_keys,
        [{"tables_hash": h, "document_id": claimants[h][1], "publish_date": claimants[h][2]}
         for h in sorted(claimants)],
        ["tables_hash"],
    )
    owners: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(sorted(claimants)):
        query = select(
            repost_keys.c.tables_hash, repost_keys.c.document_id, repost_keys.c.publish_date
        ).where(repost_keys.c.tables_hash.in_(list(chunk)))
        owners.update({h: (owner, date) for h, owner, date in connection.execute(query)})
    for digest in sorted(claimants):
        _, doc_id, published, record = claimants[digest]
        displaced = _take_over(connection, digest, doc_id, published, owners)
        if displaced is None:
            continue
        connection.execute(  # the old original's reposts now repost the newcomer
            update(documents)
            .where(documents.c.repost_of_id == displaced, documents.c.id != doc_id)
            .values(repost_of_id=doc_id)
        )
        connection.execute(
            update(documents)
            .where(documents.c.id == doc_id, documents.c.repost_of_id == displaced)
            .values(repost_of_id=None)
        )
        counts[record.run_id].reposts += connection.execute(
            update(documents).where(documents.c.id == displaced).values(repost_of_id=doc_id)
        ).rowcount
    repost_of: dict[int, tuple[int, PendingRecord]] = {}
    for pair in sorted(new_pairs):
        record = first_of_pair[pair]
        owner = owners[record.tables_hash][0] if record.tables_hash else None
        if owner is not None and owner != pair[0]:
            repost_of.setdefault(pair[0], (owner, record))

    # 5. Documents, in id order: seen bounds, versions added, current version, repost link.
    document_times = _bounds(seen, "document_id")
    latest_version: dict[int, int] = {}
    for record in sorted(seen, key=lambda r: r.fetched_at):
        latest_version[record.page_row["document_id"]] = record.page_row["version_id"]
    new_per_doc = Counter(doc_id for doc_id, _ in new_pairs)
    if document_times:
        connection.execute(
            _update_documents(),
            [
                {"row_id": d, "earliest": lo, "latest": hi, "version_id": latest_version[d],
                 "added_versions": new_per_doc[d]}
                for d, (lo, hi) in sorted(document_times.items())
            ],
        )
    for doc_id, (owner, record) in sorted(repost_of.items()):
        linked = connection.execute(
            update(documents)
            .where(documents.c.id == doc_id, documents.c.repost_of_id.is_(None))
            .values(repost_of_id=owner)
        ).rowcount
        counts[record.run_id].reposts += linked

    # 6. Raw pages (re-parsed ones are updated in place), then the run's counters.
    fresh = [r.page_row for r in batch if r.raw_page_id is None]
    if fresh:
        connection.execute(raw_pages.insert(), fresh)
    reparsed = [r for r in batch if r.raw_page_id is not None]
    if reparsed:
        connection.execute(
            update(raw_pages).where(raw_pages.c.id == bindparam("row_id")).values(
                document_id=bindparam("new_document_id"), version_id=bindparam("new_version_id"),
                parser_version=bindparam("new_parser_version"), parse_error=bindparam("new_error"),
            ),
            [{"row_id": r.raw_page_id, "new_document_id": r.page_row["document_id"],
              "new_version_id": r.page_row["version_id"],
              "new_parser_version": r.page_row["parser_version"],
              "new_error": r.page_row["parse_error"]} for r in reparsed],
        )
    _count(batch, counts, new_keys, first_of_key, new_pairs, first_of_pair, doc_ids)
    for run_id in sorted(counts):
        values = counts[run_id].as_dict()
        connection.execute(
            update(runs).where(runs.c.id == run_id)
            .values({name: runs.c[name] + n for name, n in values.items()})
        )
    return dict(counts)


def _take_over(
    connection: Connection, digest: str, doc_id: int, published: str | None,
    owners: dict[str, tuple[int, str | None]],
) -> int | None:
    """Make ``doc_id`` the original of ``digest`` if it was published before the current one.

    Returns the displaced original, or None. The UPDATE only applies if the original is still
    the one read, so a concurrent takeover is seen and the comparison made again.
    """
    while True:
        owner, owner_published = owners[digest]
        if owner == doc_id or _date_rank(published) >= _date_rank(owner_published):
            return None
        moved = connection.execute(
            update(repost_keys)
            .where(repost_keys.c.tables_hash == digest, repost_keys.c.document_id == owner)
            .values(document_id=doc_id, publish_date=published)
        ).rowcount
        if moved:
            owners[digest] = (doc_id, published)
            return owner
        row = connection.execute(
            select(repost_keys.c.document_id, repost_keys.c.publish_date)
            .where(repost_keys.c.tables_hash == digest)
        ).one()
        owners[digest] = (row.document_id, row.publish_date)


def _date_rank(published: str | None) -> str:
    """Sort key of a publish date: unknown dates rank after every known one."""
    return published or "9999-99-99"


def _bounds(records: Iterable[PendingRecord], column: str) -> dict[int, tuple[Any, Any]]:
    """(earliest, latest) fetch time per value of a raw-page column (document or version id)."""
    bounds: dict[int, tuple[Any, Any]] = {}
    for record in records:
        row_id = record.page_row[column]
        lo, hi = bounds.get(row_id, (record.fetched_at, record.fetched_at))
        bounds[row_id] = (min(lo, record.fetched_at), max(hi, record.fetched_at))
    return bounds


def _count(
    batch: Sequence[PendingRecord],
    counts: dict[int, Counts],
    new_keys: set[str],
    first_of_key: dict[str, PendingRecord],
    new_pairs: set[tuple[int, str]],
    first_of_pair: dict[tuple[int, str], PendingRecord],
    doc_ids: dict[str, int],
) -> None:
    """Attribute each record's effect to its run: new document, new version, or unchanged."""
    first_pair_of_new_doc: dict[int, tuple[int, str]] = {}
    for pair in sorted(new_pairs, key=lambda p: first_of_pair[p].fetched_at):
        first_pair_of_new_doc.setdefault(pair[0], pair)
    new_doc_ids = {doc_ids[key] for key in new_keys}
    for record in batch:
        run = counts[record.run_id]
        run.pages += 1
        if record.outcome == "failure":
            run.failures += 1
            continue
        if record.outcome == "not_modified":
            run.unchanged += 1
            continue
        if record.has_failed_checks:
            run.check_failures += 1
        doc_id = doc_ids[record.key]  # type: ignore[index]
        pair = (doc_id, record.content_hash)
        if first_of_key.get(record.key) is record and record.key in new_keys:  # type: ignore[arg-type]
            run.new_documents += 1
        if pair in new_pairs and first_of_pair[pair] is record:  # type: ignore[index]
            run.new_versions += 1
            if doc_id not in new_doc_ids or first_pair_of_new_doc[doc_id] != pair:
                run.edited_documents += 1
        else:
            run.unchanged += 1
