"""Everything of the archive's schema beyond the model tables: the readable views and the
full-text search index, made in one place so schema creation and migrations carry the same set.

Contract for anything added here: derived from the tables only, so dropping and recreating it
loses nothing. ``create_extras_in`` must be idempotent (it runs on every schema creation and
after every migration that reaches head); ``drop_extras_in`` must not fail when they are absent
(migrations drop them first: SQLite's batch mode cannot rename a table a view reads, and
PostgreSQL cannot drop a column a view reads).
"""

from __future__ import annotations

from sqlalchemy import Connection


def create_extras_in(connection: Connection) -> None:
    """Create whatever is missing, inside the caller's transaction (which holds the schema lock)."""
    from storage.search import create_search_index_in
    from storage.views import create_views_in  # views read the models: import late

    create_views_in(connection)
    create_search_index_in(connection)


def drop_extras_in(connection: Connection) -> None:
    """Drop them all, inside the caller's transaction."""
    from storage.search import drop_search_index_in
    from storage.views import drop_views_in

    drop_views_in(connection)
    drop_search_index_in(connection)
