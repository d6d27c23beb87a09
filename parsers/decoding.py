"""Bytes into text, and HTML told apart from plain text.

Many government pages are GBK/GB2312. An HTML page's declared charset (a BOM, then
``<meta charset>``) is honoured through w3lib, which also maps GB2312/GBK onto GB18030; an
undeclared page is tried as UTF-8, then GB18030. Plain text gets the same two tries. HTML comes
out as UTF-8 bytes, which lxml parses fastest (a UTF-8 page is passed through untouched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from parsers.errors import NotAReportError, ParseError

_HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|meta|div|table|p|span|title|article|"
    r"section|h[1-6]|ul|font|center|form|script|style|link|\?xml)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<(?:p|div|table|td|tr|span|br|body|html)\b[^>]*>", re.IGNORECASE)
_SNIFF = 2048
_UTF8 = ("utf-8", "utf8")


def looks_like_html(text: str) -> bool:
    """Markup at the start, or tags throughout a fragment (a body pasted without <html>)."""
    head = text[:_SNIFF]
    if _HTML_START.match(head):
        return True
    return len(_TAG.findall(head)) >= 3


def _sniff(data: bytes) -> str | None:
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


@dataclass(frozen=True)
class Decoded:
    """A fetched document: ``html`` as UTF-8 bytes, or ``text`` for plain text."""

    html: bytes | None = None
    text: str | None = None

    def html_text(self) -> str:
        return (self.html or b"").decode("utf-8", "replace")


def decode(content: bytes) -> Decoded:
    """Decode a fetched document and tell whether it is HTML."""
    if not content.strip():
        raise NotAReportError("empty document")
    if content.startswith(b"%PDF"):
        raise ParseError("a PDF document: extract its text first, then parse the text")
    bom, bom_bytes = read_bom(content)
    head = content[:_SNIFF]
    if bom is None and b"\x00" in head:
        raise ParseError("binary content, neither HTML nor text")
    body = content[len(bom_bytes):] if bom else content
    encoding = bom or None
    if encoding is None:
        declared = html_body_declared_encoding(head)
        encoding = resolve_encoding(declared) if declared else None
    if encoding is None:
        encoding = _sniff(body)
        if encoding is None:
            raise ParseError("cannot decode the document: neither UTF-8 nor GB18030")
    try:
        peek = body[:_SNIFF].decode(encoding, "ignore")
    except LookupError:
        encoding, peek = "utf-8", body[:_SNIFF].decode("utf-8", "ignore")
    if looks_like_html(peek):
        if encoding.replace("_", "-").lower() in _UTF8:
            return Decoded(html=body)
        return Decoded(html=body.decode(encoding, "replace").encode("utf-8"))
    return Decoded(text=body.decode(encoding, "replace"))
