"""Alembic migrations of the archive schema; run them through ``storage.migrate``."""
