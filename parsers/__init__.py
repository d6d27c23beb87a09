"""Annual information-disclosure reports in, ``disclosure-report/1`` out.

``parse_report`` takes a fetched document (bytes in any charset, or text) and tells HTML from
plain text; ``parse_html`` and ``parse_text`` take decoded input. All three return a
``parsers.report.Report`` or raise ``parsers.errors.NotAReportError`` (not a report at all) or
another ``ParseError`` (a report that cannot be read). Pure functions: no network, no Scrapy.
"""

from __future__ import annotations

from parsers.challenge import challenge_of
from parsers.decoding import decode, looks_like_html
from parsers.errors import NotAReportError, ParseError
from parsers.html_source import source_from_html
from parsers.pipeline import read_source
from parsers.report import Report
from parsers.text_source import source_from_text

# Bump whenever the output for some input can change: the archive re-parses older versions.
PARSER_VERSION = "1.1.0"

__all__ = [
    "PARSER_VERSION",
    "NotAReportError",
    "ParseError",
    "Report",
    "parse_html",
    "parse_report",
    "parse_text",
]


def parse_report(content: str | bytes, *, url: str | None = None) -> Report:
    """Parse a report page or text, deciding HTML or text from the content itself."""
    if isinstance(content, bytes):
        decoded = decode(content)
        if decoded.html is not None:
            return _parse_markup(decoded.html, url)
        return parse_text(decoded.text or "", url=url)
    if looks_like_html(content):
        return parse_html(content, url=url)
    return parse_text(content, url=url)


def parse_html(html: str | bytes, *, url: str | None = None) -> Report:
    """Parse a report page's HTML (a whole page from any portal, or a body fragment)."""
    if isinstance(html, bytes):
        decoded = decode(html)
        return _parse_markup(decoded.html if decoded.html is not None else
                             (decoded.text or "").encode("utf-8"), url)
    if not html.strip():
        raise NotAReportError("empty document")
    return _parse_markup(html.encode("utf-8", "replace"), url)


def _parse_markup(html: bytes, url: str | None) -> Report:
    source = source_from_html(html, url=url)
    try:
        return read_source(source)
    except NotAReportError as exc:
        challenge = challenge_of(html.decode("utf-8", "replace"))
        if challenge:
            raise NotAReportError(f"an anti-bot challenge page ({challenge})") from exc
        raise


def parse_text(text: str | bytes, *, url: str | None = None) -> Report:
    """Parse a report in plain text (table rows as ``a | b | c`` lines, or free text)."""
    if isinstance(text, bytes):
        decoded = decode(text)
        text = decoded.text if decoded.text is not None else decoded.html_text()
    if not text.strip():
        raise NotAReportError("empty document")
    return read_source(source_from_text(text, url=url))
