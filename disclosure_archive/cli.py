"""The ``disclosure-archive`` command: a thin face over the crawler, parsers, storage and replica.

Each subcommand lives in its own module under ``disclosure_archive.commands`` and exposes
``register(subparsers)``; the module is imported only when listed here, so one command's heavy
imports (Scrapy, SQLAlchemy) never slow down another.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "parse",
    "replica",
    "export",
    "demo",
    "crawl",
    "reports",
    "show",
    "history",
    "stats",
    "search",
    "chart",
    "browse",
    "reparse",
    "db",
    "worker",
    "runs",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disclosure-archive",
        description="Archive of Chinese government information-disclosure annual reports.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"disclosure_archive.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
