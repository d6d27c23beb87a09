"""What the query commands share: the --database option and opening the archive without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CommandError(Exception):
    """A failure the user can act on, shown as one line."""


def add_database_option(parser: Any) -> None:
    parser.add_argument(
        "--database", metavar="URL", default=None,
        help="archive database URL (default: $DATABASE_URL, else sqlite:///archive.db)",
    )


def open_archive(database: str | None) -> Any:
    """A read-only engine on an existing archive: a query can never write to it."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.database import ArchiveMissingError, open_engine

    try:
        return open_engine(database, create=False, read_only=True)
    except ArchiveMissingError as error:
        raise CommandError(str(error)) from None
    except (SQLAlchemyError, ValueError) as error:
        raise CommandError(f"cannot open the archive: {first_line(error)}") from None


def query_archive(
    database: str | None,
    query: Callable[[Any], T],
    *,
    user_errors: tuple[type[Exception], ...] = (),
) -> T:
    """Run one read against the archive; every failure a user can act on becomes a CommandError."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = open_archive(database)
    try:
        return query(engine)
    except user_errors as error:
        raise CommandError(str(error)) from None
    except SQLAlchemyError as error:
        raise CommandError(f"reading the archive failed: {first_line(error)}") from None
    finally:
        engine.dispose()


def first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fail(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)
    return 1


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def number(value: float | None) -> str:
    """A cell value as printed: blanks as '-', whole numbers without '.0'."""
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)
