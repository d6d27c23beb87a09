"""``disclosure-archive reparse``: run the current parser over the stored raw pages again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from disclosure_archive.commands._archive import add_database_option, fail, first_line
from disclosure_archive.commands._progress import with_progress

PROGRESS_EVERY = 100


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reparse", help="re-parse the stored raw pages with the current parser",
        description="Parse every stored report page again with the current parser; archive a "
                    "new version where the content changed, turn pages that failed into reports "
                    "where the parser now reads them, and record the parser version. Running it "
                    "twice changes nothing the second time. Also builds a missing search index.",
    )
    parser.add_argument("--only-failed", action="store_true",
                        help="only pages that did not give a report")
    parser.add_argument("--limit", default=None, help="at most this many pages")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.database import ArchiveMissingError, open_engine
    from storage.reparse import reparse

    limit = None
    if args.limit is not None:
        try:
            limit = int(args.limit)
        except ValueError:
            return fail("reparse", f"--limit: not a number: {args.limit!r}")
        if limit < 1:
            return fail("reparse", f"--limit must be at least 1, not {limit}")
    try:
        engine = open_engine(args.database, create=False)
    except ArchiveMissingError as error:
        return fail("reparse", str(error))
    except (SQLAlchemyError, ValueError) as error:
        return fail("reparse", f"cannot open the archive: {first_line(error)}")
    try:
        from storage.database import create_schema

        create_schema(engine)  # views and search index of an archive made before them
        summary = reparse(
            engine, only_failed=args.only_failed, limit=limit,
            progress=lambda pages: with_progress(pages, "pages", every=PROGRESS_EVERY,
                                                 label="reparse"),
        )
    except SQLAlchemyError as error:
        return fail("reparse", f"writing the archive failed: {first_line(error)}")
    finally:
        engine.dispose()
    print(summary)
    return 0
