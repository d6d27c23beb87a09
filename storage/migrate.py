"""Schema migrations of the archive (Alembic), configured in code so no alembic.ini is needed.

``upgrade`` also adopts archives made before migrations existed: tables present but no
``alembic_version`` means the initial schema, so it is stamped at ``INITIAL_REVISION`` first.
Migrations touch tables only: the derived objects of ``storage.extras`` (views, indexes built
from the tables) are dropped before any revision runs and made again once the schema is at head.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from storage.database import (
    WRITE_OPTION,
    has_schema,
    lock_schema,
    make_engine,
    resolve_url,
)

MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL_REVISION = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The revision files, read once per process."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def stamp_in(connection: Connection, revision: str = "head") -> None:
    """Record ``revision`` as the schema's state, inside the caller's transaction."""
    MigrationContext.configure(connection).stamp(_scripts(), revision)


def revision_in(connection: Connection) -> str | None:
    """The revision recorded in the database of ``connection``; None when never stamped."""
    return MigrationContext.configure(connection).get_current_revision()


def _run(database_url: str | None, action: str, revision: str) -> None:
    from storage.extras import create_extras_in, drop_extras_in

    head = head_revision()
    engine: Engine = make_engine(resolve_url(database_url))
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
            with connection.begin():
                lock_schema(connection)
                current = revision_in(connection)
                if current is None and has_schema(connection):
                    stamp_in(connection, INITIAL_REVISION)
                    current = INITIAL_REVISION
                if action == "upgrade" and current == head and revision in ("head", head):
                    create_extras_in(connection)  # nothing to migrate; extras added since
                    return
                drop_extras_in(connection)
                config = alembic_config(connection)
                if action == "upgrade":
                    command.upgrade(config, revision)
                else:
                    command.downgrade(config, revision)
                if revision_in(connection) == head:
                    create_extras_in(connection)
    finally:
        engine.dispose()


def upgrade(database_url: str | None, revision: str = "head") -> None:
    """Create or update the archive's schema up to ``revision``."""
    _run(database_url, "upgrade", revision)


def downgrade(database_url: str | None, revision: str) -> None:
    """Take the schema back to ``revision`` (``base``: no archive tables left)."""
    _run(database_url, "downgrade", revision)


def current(database_url: str | None) -> str | None:
    """The schema's recorded revision; None for an empty or never-stamped database."""
    engine = make_engine(resolve_url(database_url))
    try:
        with engine.connect() as connection:
            return revision_in(connection)
    finally:
        engine.dispose()


def new_revision(revision_id: str, message: str) -> None:
    """Autogenerate revision ``revision_id`` from the models' difference with ``$DATABASE_URL``."""
    command.revision(alembic_config(), message, autogenerate=True, rev_id=revision_id)


if __name__ == "__main__":  # python -m storage.migrate revision 0002 "what changed"
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        sys.exit('usage: python -m storage.migrate revision ID "message"')
    new_revision(sys.argv[2], sys.argv[3])


__all__ = [
    "INITIAL_REVISION", "current", "downgrade", "head_revision", "revision_in", "stamp_in",
    "upgrade",
]
