"""``disclosure-archive db upgrade|current|downgrade``: manage the archive's schema migrations."""

from __future__ import annotations

import argparse
import sys



def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help="create, inspect or migrate the archive's schema")
    actions = parser.add_subparsers(dest="db_action", required=True)
    for name, help_text in (
        ("upgrade", "create the schema or migrate it to the newest revision"),
        ("current", "print the schema's revision"),
        ("downgrade", "migrate the schema back to REV ('base' drops every archive table)"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--database", help="archive URL (default: $DATABASE_URL, else sqlite:///archive.db)")
        if name == "downgrade":
            action.add_argument("revision", metavar="REV")
        elif name == "upgrade":
            action.add_argument("revision", nargs="?", default="head", metavar="REV")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps the CLI's start quick

    from storage import migrate
    from storage.database import display_url, resolve_url

    where = display_url(resolve_url(args.database))
    try:
        if args.db_action == "upgrade":
            migrate.upgrade(args.database, args.revision)
            print(f"{where}: at revision {migrate.current(args.database)}")
        elif args.db_action == "downgrade":
            migrate.downgrade(args.database, args.revision)
            print(f"{where}: at revision {migrate.current(args.database) or 'base'}")
        else:
            print(migrate.current(args.database) or "none (empty or never migrated)")
    except CommandError as error:
        print(f"db {args.db_action}: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        first = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        print(f"db {args.db_action}: cannot use {where}: {first}", file=sys.stderr)
        return 1
    return 0
