"""``disclosure-archive parse FILE_OR_URL [--json]``: parse one report and print it.

A summary for people by default; ``--json`` prints the exact ``disclosure-report/1`` document.
Input that is not a report, or cannot be read, gives a one-line message on stderr and a
non-zero exit (1: not a report / unreadable report, 2: the file or URL could not be fetched).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

FETCH_TIMEOUT = 30  # seconds
USER_AGENT = "disclosure-archive (archive of government information-disclosure annual reports)"
EXIT_NOT_PARSED = 1
EXIT_NOT_FETCHED = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "parse", help="parse one report page or text file and print it",
        description="Parse one annual information-disclosure report (an HTML page or the "
                    "plain-text form, from a file, a URL or '-' for stdin).",
    )
    parser.add_argument("source", metavar="FILE_OR_URL",
                        help="a report page or text file, an http(s) URL, or - for stdin")
    parser.add_argument("--json", action="store_true",
                        help="print the disclosure-report/1 JSON instead of a summary")
    parser.set_defaults(func=run)


class FetchError(Exception):
    """The input could not be obtained; ``str()`` is a one-line reason."""


def fetch(source: str) -> tuple[bytes | str, str | None]:
    """The document's content and its URL (None for a file)."""
    if source == "-":
        return sys.stdin.buffer.read(), None
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
                body = response.read()
                charset = _charset(response.headers)
                final_url = response.geturl()
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{source}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"{source}: {reason}") from exc
        if charset and not body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            try:  # the HTTP header's charset outranks the page's own declaration
                return body.decode(charset), final_url
            except (LookupError, UnicodeDecodeError):
                pass
        return body, final_url
    try:
        with open(source, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        raise FetchError(f"{source}: {exc.strerror or exc}") from exc


def _charset(headers: Message) -> str | None:
    return headers.get_content_charset()


def run(args: argparse.Namespace) -> int:
    from parsers import parse_report
    from parsers.errors import NotAReportError, ParseError

    try:
        content, url = fetch(args.source)
    except FetchError as exc:
        print(f"parse: cannot read {exc}", file=sys.stderr)
        return EXIT_NOT_FETCHED
    try:
        report = parse_report(content, url=url)
    except NotAReportError as exc:
        print(f"parse: {args.source}: not a report: {exc}", file=sys.stderr)
        return EXIT_NOT_PARSED
    except ParseError as exc:
        print(f"parse: {args.source}: cannot parse: {exc}", file=sys.stderr)
        return EXIT_NOT_PARSED
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(summary(report))
    return 0


def summary(report: Any) -> str:
    """The report for a reader: what it is, its key numbers, what failed, what was guessed."""
    from parsers.template import (
        APPLICANT_COLUMNS,
        HEADER_FIELDS,
        PROACTIVE_BLOCKS,
        REVIEW_COLUMNS,
        REVIEW_GROUPS,
        application_rows,
    )

    def show(value: object) -> str:
        return "—" if value is None else str(value)

    lines = [
        f"title:     {show(report.title)}",
        f"agency:    {show(report.agency)}",
        f"year:      {show(report.year)}    template: {report.template}",
    ]
    if report.url:
        lines.append(f"url:       {report.url}")
    header = report.header
    shown = [f"{f.label} {getattr(header, f.key)}" for f in HEADER_FIELDS
             if getattr(header, f.key)]
    shown += [f"{label} {value}" for label, value in header.extra.items()]
    lines.append("header:    " + ("; ".join(shown) or "—"))
    if report.template != "none" and report.proactive is not None:
        lines.append("table 2 (proactive disclosure):")
        for block in PROACTIVE_BLOCKS[report.template]:
            cells = report.proactive[block.key]
            values = ", ".join(f"{c.label} {show(cells[c.key])}" for c in block.columns)
            lines.append(f"  {block.label}: {values}")
    if report.template != "none" and report.applications is not None:
        total = APPLICANT_COLUMNS[-1]
        lines.append(f"table 3 (applications, column {total.label}):")
        for row in application_rows(report.template):
            value = report.applications[row.key][total.key]
            if value or row.group is None or row.is_result is False:
                lines.append(f"  {row.labels[-1] if row.aliases else row.label}: {show(value)}")
    if report.template != "none" and report.review_litigation is not None:
        lines.append("table 4 (review and litigation):")
        for group in REVIEW_GROUPS:
            cells = report.review_litigation[group.key]
            values = ", ".join(f"{c.label} {show(cells[c.key])}" for c in REVIEW_COLUMNS)
            lines.append(f"  {group.label}: {values}")
    checks = report.checks
    if checks:
        failed = report.failed_checks
        unknown = sum(1 for c in checks if c.ok is None)
        lines.append(f"checks:    {len(checks)} run, {len(checks) - len(failed) - unknown} ok, "
                     f"{len(failed)} failed, {unknown} with every cell blank")
        lines += [f"  FAILED {c.rule} {c.scope}: {c.detail}" for c in failed]
    if report.warnings:
        lines.append(f"warnings:  {len(report.warnings)}")
        lines += [f"  {w}" for w in report.warnings]
    return "\n".join(lines)
