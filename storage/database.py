"""Where the archive lives: resolving its URL, opening an engine tuned for our write pattern.

SQLite is the embedded default and PostgreSQL the production store; everything dialect-specific
about connecting (pragmas, how a write transaction begins, creating the schema safely while
another process may be doing the same) is kept here so the rest of ``storage`` is plain SQL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url

from storage.models import schema_metadata

DEFAULT_DATABASE_URL = "sqlite:///archive.db"
ENV_VAR = "DATABASE_URL"

# Execution option marking a connection whose transaction will write: on SQLite it begins with
# BEGIN IMMEDIATE so that two writers queue on the lock instead of failing on a stale snapshot.
WRITE_OPTION = "archive_write"

# Any constant: the PostgreSQL advisory lock that serialises schema creation between processes.
_SCHEMA_LOCK_KEY = 0x44495343  # "DISC"


class ArchiveMissingError(Exception):
    """The archive named by a URL does not exist (no SQLite file, or no tables in the database)."""


class ArchiveOutdatedError(Exception):
    """The archive's schema is not the one this code writes: ``disclosure-archive db upgrade``."""


def resolve_url(database_url: str | None = None) -> URL:
    """The explicit URL, else ``$DATABASE_URL``, else ``archive.db`` in the working directory.

    Bare ``postgres://`` / ``postgresql://`` URLs get the psycopg (v3) driver, the one we ship.
    """
    raw = database_url or os.environ.get(ENV_VAR) or DEFAULT_DATABASE_URL
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, None for in-memory databases and other dialects."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def display_url(url: URL) -> str:
    """The URL as it may be shown to a user (password hidden)."""
    return url.render_as_string(hide_password=True)


def make_engine(url: URL, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, a busy timeout and foreign keys.

    ``read_only`` engines cannot write, whatever a query does: SQLite connections run with
    ``PRAGMA query_only``, PostgreSQL sessions with ``default_transaction_read_only``.
    """
    if url.get_backend_name() == "sqlite":
        # Reports stored as UTF-8 JSON text: half the size of ASCII escapes, and readable.
        engine = create_engine(url, connect_args={"timeout": 60}, json_serializer=_utf8_json)
        _tune_sqlite(engine, read_only=read_only)
        return engine
    if read_only and url.get_backend_name() == "postgresql":
        given = url.query.get("options") or ()
        options = [*([given] if isinstance(given, str) else given),
                   "-c default_transaction_read_only=on"]
        return create_engine(url.difference_update_query(["options"]), pool_pre_ping=True,
                             connect_args={"options": " ".join(options)})
    return create_engine(url, pool_pre_ping=True)


def _utf8_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _tune_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute("PRAGMA query_only=ON")  # any write now fails, even by mistake
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a crash loses no commit
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def has_schema(bind: Engine | Connection) -> bool:
    """Whether the archive's tables exist in the database."""
    if isinstance(bind, Connection):
        return inspect(bind).has_table("documents")
    with bind.connect() as connection:
        return inspect(connection).has_table("documents")


def lock_schema(connection: Connection) -> None:
    """Serialise schema changes between processes (PostgreSQL; SQLite's write lock already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})


def create_schema(engine: Engine) -> None:
    """Create the schema if missing; safe when several processes open a fresh database at once.

    A fresh database gets the tables, the derived objects (``storage.extras``) and the stamp
    of the newest migration, all in one transaction under the schema lock (SQLite: the write
    lock taken by BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so a process that waited
    for the lock finds the whole schema or none. An existing archive must already be at that
    revision (else ``ArchiveOutdatedError``: ``db upgrade`` migrates it); its derived objects are
    made if missing.
    """
    from storage import migrate  # alembic imported and revision files read before the lock
    from storage.extras import create_extras_in

    head = migrate.head_revision()
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        with connection.begin():
            lock_schema(connection)
            if has_schema(connection):
                current = migrate.revision_in(connection) or migrate.INITIAL_REVISION
                if current != head:
                    raise ArchiveOutdatedError(
                        f"the archive's schema is at revision {current}, this version writes "
                        f"{head}: run `disclosure-archive db upgrade` first"
                    )
                create_extras_in(connection)
                return
            schema_metadata().create_all(connection)
            create_extras_in(connection)
            migrate.stamp_in(connection, head)


def open_engine(
    database_url: str | None = None, *, create: bool = True, read_only: bool = False
) -> Engine:
    """An engine on the archive; creates the schema if missing, or raises when ``create`` is off.

    ``read_only`` (for the query commands) never creates anything and cannot write.
    """
    url = resolve_url(database_url)
    path = sqlite_path(url)
    create = create and not read_only
    if not create and path is not None and not path.is_file():
        raise ArchiveMissingError(f"no archive at {path} (crawl first, or pass --database URL)")
    engine = make_engine(url, read_only=read_only)
    if create:
        create_schema(engine)
    elif not has_schema(engine):
        engine.dispose()
        raise ArchiveMissingError(f"no archive tables in {display_url(url)}")
    return engine
