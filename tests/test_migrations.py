"""Alembic migrations: empty → head → base → head, adopting filled archives, no model drift.

Runs on SQLite and, when DISCLOSURE_TEST_POSTGRES_URL is set, on PostgreSQL (a fresh schema).
The expected schema is what ``Base.metadata.create_all`` makes, read back with ``inspect``.
"""

from __future__ import annotations

import uuid
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from disclosure_archive.cli import main
from storage import migrate
from storage.archive import Archive
from storage.database import make_engine, resolve_url
from storage.models import Base
from storage.views import VIEW_NAMES
from tests.test_storage_support import (  # noqa: F401  (database_url is a fixture)
    PORTAL,
    database_url,
    make_report,
    page_for,
)

TABLES = set(Base.metadata.tables)


def _engine(url: str) -> Engine:
    return make_engine(resolve_url(url))


def _schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, primary keys, uniques, foreign keys and indexes, as reflected."""
    found: dict[str, Any] = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in sorted(set(inspector.get_table_names()) & TABLES):
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "unique": sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
                "fk": sorted(
                    (f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
            }
    return found


def _views(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_view_names()) & set(VIEW_NAMES)


def _archive_tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names()) & TABLES


def _reference_schema(url: str) -> dict[str, Any]:
    """What create_all alone makes, on the same dialect (in a separate database or schema)."""
    backend = resolve_url(url).get_backend_name()
    probe = f"reference_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        path = resolve_url(url).database + ".reference"
        engine = create_engine(f"sqlite:///{path}")
    else:
        engine = create_engine(resolve_url(url))
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {probe}"))
        engine.dispose()
        engine = create_engine(resolve_url(url), connect_args={"options": f"-csearch_path={probe}"})
    try:
        Base.metadata.create_all(engine)
        return _schema(engine)
    finally:
        if backend != "sqlite":
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {probe} CASCADE"))
        engine.dispose()


def test_empty_database_up_down_and_up_again(database_url: str) -> None:
    engine = _engine(database_url)
    try:
        assert _archive_tables(engine) == set()
        migrate.upgrade(database_url)
        assert migrate.current(database_url) == migrate.head_revision()
        assert _schema(engine) == _reference_schema(database_url)
        assert _views(engine) == set(VIEW_NAMES)

        migrate.downgrade(database_url, "base")
        assert _archive_tables(engine) == set()
        assert _views(engine) == set()
        assert migrate.current(database_url) is None

        migrate.upgrade(database_url)
        assert _archive_tables(engine) == TABLES
        assert _views(engine) == set(VIEW_NAMES)
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in sorted(TABLES)}


def _fill(url: str) -> None:
    with Archive.open(url, batch_size=5) as archive:
        run = archive.start_run("hangzhou", PORTAL)
        for serial in range(1, 8):
            report = make_report(serial)
            archive.record(run, page_for(report), report)
        archive.record(run, page_for(None, url=f"https://{PORTAL}/art/broken.html"), None, "not a report")
        archive.finish_run(run)


def test_archive_created_by_the_app_is_at_head_and_upgrade_keeps_every_row(database_url: str) -> None:
    _fill(database_url)
    assert migrate.current(database_url) == migrate.head_revision()
    engine = _engine(database_url)
    try:
        before = _counts(engine)
        assert before["versions"] == 7 and before["raw_pages"] == 8 and before["table_cells"] > 0
        assert main(["db", "upgrade", "--database", database_url]) == 0
        assert _counts(engine) == before
    finally:
        engine.dispose()


def test_unstamped_archive_is_adopted_at_the_initial_revision(database_url: str) -> None:
    _fill(database_url)
    engine = _engine(database_url)
    try:
        with engine.begin() as connection:  # an archive made before migrations existed
            connection.execute(text("DROP TABLE alembic_version"))
        before = _counts(engine)
        assert migrate.current(database_url) is None
        migrate.upgrade(database_url)
        assert migrate.current(database_url) == migrate.head_revision()
        assert _counts(engine) == before
    finally:
        engine.dispose()


def test_cli_reports_revisions_and_bad_revisions(database_url: str, capsys: Any) -> None:
    assert main(["db", "current", "--database", database_url]) == 0
    assert "none" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database", database_url]) == 0
    assert main(["db", "current", "--database", database_url]) == 0
    assert capsys.readouterr().out.strip().endswith(migrate.head_revision())
    assert main(["db", "downgrade", "nosuchrev", "--database", database_url]) == 2
    error = capsys.readouterr().err
    assert error.startswith("db downgrade:") and len(error.strip().splitlines()) == 1
