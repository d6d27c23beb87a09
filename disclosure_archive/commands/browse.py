"""``disclosure-archive browse``: the archive in datasette, read-only, with its metadata."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from disclosure_archive.commands._archive import CommandError, fail, open_archive


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "browse", help="browse the archive in datasette (read-only) at http://127.0.0.1:8001",
        description="Serve an SQLite archive with datasette, read-only, with the metadata that "
                    "describes its tables, views and columns. Stop it with Ctrl-C.",
    )
    parser.add_argument("--db", metavar="PATH",
                        help="SQLite archive file or URL (default: $DATABASE_URL, else archive.db)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", default="8001", help="port to listen on (default: 8001)")
    parser.add_argument("--live", action="store_true",
                        help="open mode=ro instead of immutable, to watch a crawl that is writing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        port = int(args.port)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        return fail("browse", f"--port: not a port number: {args.port!r}")
    try:
        path = archive_file(args.db)
    except CommandError as error:
        return fail("browse", str(error))
    try:
        import datasette  # noqa: F401
    except ImportError:
        return fail("browse", "browsing needs datasette: pip install 'disclosure-archive[datasette]'")
    from storage.datasette import (
        database_name, datasette_command, has_pending_wal, metadata_for,
    )

    immutable = not args.live
    if immutable and has_pending_wal(path):
        print("browse: the archive is being written; opening it mode=ro (live) instead of immutable",
              file=sys.stderr)
        immutable = False
    with tempfile.TemporaryDirectory(prefix="disclosure-browse-") as folder:
        metadata = Path(folder) / "metadata.json"
        metadata.write_text(json.dumps(metadata_for(database_name(path)), ensure_ascii=False),
                            encoding="utf-8")
        command = datasette_command(path, metadata, host=args.host, port=port, immutable=immutable)
        return _serve(command)


def archive_file(db: str | None) -> Path:
    """The SQLite file of ``--db`` (a path or URL), checked to be an archive, views made."""
    from storage.database import resolve_url, sqlite_path

    url = resolve_url(db if db is None or "://" in db else f"sqlite:///{Path(db).resolve()}")
    path = sqlite_path(url)
    if path is None:
        raise CommandError("datasette browses SQLite archives; give --db PATH of an archive file")
    open_archive(f"sqlite:///{path.resolve()}").dispose()  # exists, has tables, has its views
    return path.resolve()


def _serve(command: list[str]) -> int:
    """Run datasette until it stops; a SIGTERM to this process stops it too."""
    child = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
