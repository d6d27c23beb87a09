"""Alembic environment: runs on the connection ``storage.migrate`` hands over (no alembic.ini).

SQLite cannot alter most of a table in place, so migrations run in batch mode there (copy the
table, alter, swap); PostgreSQL alters in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def model_tables_only(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Autogenerate compares the model tables only: the derived objects of ``storage.extras``
    (the search index's virtual and shadow tables) are not the migrations' business."""
    return type_ != "table" or name in target_metadata.tables


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=model_tables_only,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from storage.database import WRITE_OPTION, make_engine, resolve_url

    engine = make_engine(resolve_url(config.get_main_option("sqlalchemy.url")))
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as opened:
            run_on(opened)
            opened.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run them on a database")
run_online()
