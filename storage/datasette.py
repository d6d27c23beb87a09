"""Browsing an SQLite archive with datasette: its metadata file and the read-only command line.

``datasette-metadata.json`` (package data beside this module) describes the tables, views and
columns; datasette keys metadata by database name (the file's stem), so the file names the
default ``archive.db`` and ``metadata_for`` renames it for any other file.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

METADATA_FILE = "datasette-metadata.json"
DEFAULT_NAME = "archive"


def metadata_path() -> Path:
    """The metadata file as installed (``datasette archive.db --metadata PATH``)."""
    return Path(str(resources.files("storage").joinpath(METADATA_FILE)))


def load_metadata() -> dict[str, Any]:
    return json.loads(metadata_path().read_text(encoding="utf-8"))


def database_name(db_path: str | Path) -> str:
    """The name datasette gives a database file: its stem."""
    return Path(db_path).stem


def metadata_for(name: str) -> dict[str, Any]:
    """The metadata with its database entry (and the links to its views) under ``name``."""
    metadata = load_metadata()
    if name == DEFAULT_NAME:
        return metadata
    try:
        from datasette.utils import tilde_encode
    except ImportError:  # pragma: no cover - datasette is what this is for
        from urllib.parse import quote as tilde_encode
    metadata["databases"] = {name: metadata["databases"].pop(DEFAULT_NAME)}
    for key in ("description_html",):
        if key in metadata:
            metadata[key] = metadata[key].replace(f"/{DEFAULT_NAME}/", f"/{tilde_encode(name)}/")
    return metadata


def datasette_command(db_path: str | Path, metadata: str | Path, *, host: str = "127.0.0.1",
                      port: int = 8001, immutable: bool = True) -> list[str]:
    """``python -m datasette serve`` on one archive, read-only.

    Immutable (``-i``) opens the file without locks or writes; a file still being written
    (a crawl running, or a write-ahead log not yet folded in) is opened ``mode=ro`` instead,
    which sees committed writes as they land.
    """
    command = [sys.executable, "-m", "datasette", "serve"]
    command += ["-i", str(db_path)] if immutable else [str(db_path)]
    command += ["--metadata", str(metadata), "--host", host, "--port", str(port),
                "--setting", "facet_time_limit_ms", "1000",
                "--setting", "sql_time_limit_ms", "5000"]
    return command


def has_pending_wal(db_path: str | Path) -> bool:
    """True if writes sit in the write-ahead log (immutable mode would not see them)."""
    wal = Path(f"{db_path}-wal")
    return wal.is_file() and wal.stat().st_size > 0
