"""Alembic migrations: empty → head → base → head, archives of the first release upgraded
keeping every row, fresh databases opened by several processes at once, no model drift.

Runs on SQLite and, when DISCLOSURE_TEST_POSTGRES_URL is set, on PostgreSQL (a fresh schema).
The expected schema is what ``create_all`` of the models makes, read back with ``inspect``;
the first release's schema is the frozen copy in ``tests/archive_schema_0001.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, create_engine, create_mock_engine, inspect, text

from disclosure_archive.cli import main
from storage import migrate
from storage.archive import Archive
from storage.database import ArchiveOutdatedError, make_engine, open_engine, resolve_url
from storage.models import Base, schema_metadata
from storage.views import VIEW_NAMES
from tests.conftest import REPO_ROOT
from tests.test_storage_support import (  # noqa: F401  (database_url is a fixture)
    PORTAL,
    database_url,
    make_report,
    page_for,
)

TABLES = set(Base.metadata.tables)
# As autogenerate compares: types too, model tables only (not the search index's tables).
COMPARE: dict[str, Any] = {
    "compare_type": True,
    "include_name": lambda name, type_, parents: type_ != "table" or name in TABLES,
}
FROZEN_0001 = REPO_ROOT / "tests" / "archive_schema_0001.py"


def _frozen_0001() -> ModuleType:
    """The frozen schema, loaded afresh (create_all on PostgreSQL marks its constraint objects)."""
    spec = importlib.util.spec_from_file_location("archive_schema_0001", FROZEN_0001)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def _reference_schema(url: str, metadata: MetaData | None = None) -> dict[str, Any]:
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
        (metadata or schema_metadata()).create_all(engine)
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
            context = MigrationContext.configure(connection, opts=COMPARE)
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
        migrate.downgrade(database_url, "base")  # a filled archive goes down too
        assert _archive_tables(engine) == set() and _views(engine) == set()
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


def test_frozen_first_release_is_what_revision_0001_makes(database_url: str) -> None:
    migrate.upgrade(database_url, migrate.INITIAL_REVISION)
    engine = _engine(database_url)
    try:
        assert _schema(engine) == _reference_schema(database_url, _frozen_0001().metadata)
    finally:
        engine.dispose()


def test_archive_filled_by_the_first_release_upgrades_to_head_keeping_every_row(
    database_url: str,
) -> None:
    frozen = _frozen_0001()
    engine = _engine(database_url)
    try:
        with engine.begin() as connection:  # as the first release made it: no alembic_version
            frozen.metadata.create_all(connection)
            before = frozen.fill(connection)
        assert before["versions"] == 3 and before["table_cells"] == 9 and before["raw_pages"] == 4
        assert main(["db", "upgrade", "--database", database_url]) == 0
        assert migrate.current(database_url) == migrate.head_revision()
        assert _counts(engine) == before
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE)
            assert compare_metadata(context, Base.metadata) == []
            latest = connection.execute(text(
                "SELECT l.key, v.content_hash, o.key FROM report_latest l "
                "JOIN versions v ON v.id = l.version_id "
                "LEFT JOIN documents o ON o.id = l.repost_of_id ORDER BY l.key")).all()
            assert [tuple(row) for row in latest] == [
                ("002489001/2024-00001", f"{2:064x}", None),
                ("330000000/2024-00001", f"{3:064x}", "002489001/2024-00001"),
            ]
            failing = connection.execute(text("SELECT count(*) FROM check_failures")).scalar_one()
            assert failing == 0  # the failed sum belongs to version 1, no longer current
    finally:
        engine.dispose()
    with Archive.open(database_url) as archive:  # and the app writes to it as to a new one
        run = archive.start_run("hangzhou", PORTAL)
        report = make_report(40)
        archive.record(run, page_for(report), report)
        assert archive.finish_run(run).new_documents == 1


def test_an_archive_at_another_revision_is_refused_with_the_command_that_fixes_it(
    database_url: str,
) -> None:
    _fill(database_url)
    engine = _engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    finally:
        engine.dispose()
    with pytest.raises(ArchiveOutdatedError, match="db upgrade"):
        open_engine(database_url)


OPENER = """
import os, sys, time
url, go = sys.argv[1:3]
from storage.database import open_engine
while not os.path.exists(go):
    time.sleep(0.005)
open_engine(url).dispose()
"""


def test_processes_opening_a_fresh_database_at_once_make_one_schema_stamped_once(
    database_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    openers = [
        subprocess.Popen([sys.executable, "-c", OPENER, database_url, str(go)], cwd=REPO_ROOT,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    go.touch()  # the ones still importing join late, the others race
    for opener in openers:
        _, errors = opener.communicate(timeout=120)
        assert opener.returncode == 0, errors
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            stamps = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in stamps] == [migrate.head_revision()]
        assert _archive_tables(engine) == TABLES and _views(engine) == set(VIEW_NAMES)
    finally:
        engine.dispose()


def test_a_schema_made_on_postgresql_first_keeps_every_key_on_sqlite(tmp_path: Path) -> None:
    """create_all on a dialect that can ALTER marks the cycle-closing key "not inline" on the
    constraint object; on the shared metadata that mark made a later SQLite schema in the same
    process lose documents.current_version_id → versions (the test above then failed whenever a
    PostgreSQL test had run first). Every schema is made from its own copy now."""
    postgresql = create_mock_engine("postgresql+psycopg://", lambda *args, **kwargs: None)
    Base.metadata.create_all(postgresql, checkfirst=False)  # marks the shared constraint
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    open_engine(url).dispose()
    engine = _engine(url)
    try:
        keys = _schema(engine)["documents"]["fk"]
    finally:
        engine.dispose()
    assert ("fk_documents_current_version_id_versions", ("current_version_id",), "versions") in keys
