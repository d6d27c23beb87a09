"""HTML into lines: one lxml parse, one walk over the tree.

Tables whose cells hold no further table are data tables: each ``<tr>`` becomes a row line, its
cells' text taken whole (so labels split over ``<span>`` runs, ``<o:p>`` and ``<br>`` come back
together) and their grid columns computed from rowspan/colspan. Everything else becomes free-text
lines, cut at block elements and ``<br>``. Layout tables (cells holding tables) are walked into.
The report body (``div#zoom`` on Hanweb, ``#zoomcon``/``<ucapcontent>`` on Jiangsu UCAP,
``#UCAP-CONTENT`` on gov.cn, ``div.TRS_Editor`` on TRS) is marked so that the header is read from
the page around it and the sections end where the body ends.
"""

from __future__ import annotations

import lxml.etree

from parsers.document import Line, Source
from parsers.errors import NotAReportError
from parsers.textnorm import tidy

_PARSER = lxml.etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)

_BLOCK = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 table tbody thead tfoot tr td th section article "
    "header footer nav aside main blockquote pre center form caption figure figcaption address hr "
    "fieldset legend".split()
)
_SKIP = frozenset(
    "script style noscript select textarea button iframe template svg object embed head title "
    "option map canvas video audio input".split()
)
_CELL_TAGS = frozenset(("td", "th"))
# Markers put in place of cell and row tails before a table is serialised (Unicode
# noncharacters: no page means them as text).
_CELL_END = "\ufdd0"
_ROW_END = "\ufdd1"

# Report bodies by platform, most specific first: Hanweb, Jiangsu UCAP, gov.cn, TRS WCM.
_BODY_IDS = {"zoom": 0, "zoomcon": 1, "UCAP-CONTENT": 2, "ucap-content": 2}
_BODY_TAGS = frozenset(("div", "td", "ucapcontent", "section", "article", "span", "font"))
# Elements whose facts the walker notes as it passes: meta tags, UCAP's title and date tags,
# headings that may hold the report title.
_NOTED = frozenset(("meta", "publishtime", "ucaptitle", "h1", "h2", "h3"))
_TITLE_WORDS = ("报告", "年报", "報告", "年報")
_MAX_SPAN = 64


def _text(el: lxml.etree._Element) -> str:
    return lxml.etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _span(value: str | None) -> int:
    if not value:
        return 1
    try:
        return min(max(int(value.strip().rstrip(";")), 1), _MAX_SPAN)
    except ValueError:
        return 1


def table_lines(table: lxml.etree._Element, table_id: int) -> list[Line]:
    """A data table's rows, each cell with the grid column it starts at.

    The text of every cell comes from one serialisation of the whole table: each cell's and
    row's tail is replaced by a marker first (the tree is ours, parsed for this call), which is
    several times faster than serialising cell by cell.
    """
    rows_seen = 0
    for tr in table.iter("tr"):
        tr.tail = _ROW_END
        rows_seen += 1
    spans: list[tuple[int, int]] = []  # (rowspan, colspan) of every cell, in document order
    single = (1, 1)
    for td in table.iter("td", "th"):
        td.tail = _CELL_END
        rowspan, colspan = td.get("rowspan"), td.get("colspan")
        if rowspan is None and colspan is None:
            spans.append(single)
        else:
            spans.append((_span(rowspan), _span(colspan)))
    text = _text(table)
    rows = text.split(_ROW_END)
    rows.pop()  # what follows the last row
    if len(rows) != rows_seen or text.count(_CELL_END) != len(spans):
        return _table_lines_by_cell(table, table_id)  # the page itself holds a marker
    lines: list[Line] = []
    covered: list[int] = []  # per grid column: rows still covered by a rowspan from above
    spanned = False  # any rowspan still pending (most rows have none: skip the bookkeeping)
    position = 0
    for row_text in rows:
        cells = row_text.split(_CELL_END)
        cells.pop()  # the row's own trailing text
        if not cells:
            continue
        columns: list[int] = []
        col = 0
        for rowspan, colspan in spans[position : position + len(cells)]:
            if spanned:
                while col < len(covered) and covered[col] > 0:
                    col += 1
            columns.append(col)
            if rowspan > 1:
                spanned = True
                if len(covered) < col + colspan:
                    covered.extend([0] * (col + colspan - len(covered)))
                for k in range(col, col + colspan):
                    if covered[k] < rowspan:
                        covered[k] = rowspan
            col += colspan
        position += len(cells)
        if spanned:
            covered = [n - 1 if n > 1 else 0 for n in covered]
            spanned = any(covered)
        lines.append(Line(cells, True, columns, table_id))
    return lines


def _table_lines_by_cell(table: lxml.etree._Element, table_id: int) -> list[Line]:
    """The same rows, serialising cell by cell (for the rare page that contains a marker)."""
    lines: list[Line] = []
    covered: list[int] = []
    for tr in table.iter("tr"):
        cells: list[str] = []
        columns: list[int] = []
        col = 0
        for td in tr:
            if td.tag not in _CELL_TAGS:
                continue
            while col < len(covered) and covered[col] > 0:
                col += 1
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            td.tail = None
            cells.append(_text(td).replace(_CELL_END, "").replace(_ROW_END, ""))
            columns.append(col)
            if len(covered) < col + colspan:
                covered.extend([0] * (col + colspan - len(covered)))
            for k in range(col, col + colspan):
                covered[k] = max(covered[k], rowspan)
            col += colspan
        covered = [n - 1 if n > 0 else 0 for n in covered]
        if cells:
            lines.append(Line(cells, True, columns, table_id))
    return lines


def _note_meta(meta: dict[str, str], el: lxml.etree._Element) -> None:
    name = el.get("name") or el.get("property") or el.get("http-equiv")
    content = el.get("content")
    if name and content and content.strip():
        meta.setdefault(name.strip(), content.strip())


def _body_rank(el: lxml.etree._Element) -> int | None:
    """How surely an element is the report body (lower is surer), None if it is not one."""
    ident = el.get("id")
    if ident is not None and ident in _BODY_IDS:
        return _BODY_IDS[ident]
    if el.tag == "ucapcontent":
        return 3
    classes = el.get("class")
    if classes is not None and "TRS_Editor" in classes:
        return 4
    return None


class _Walker:
    """Cuts a tree into lines in reading order, noting where report-body elements start and end."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.bodies: list[tuple[int, int, int]] = []  # (rank, first line, end line)
        self.tables = 0
        self.meta: dict[str, str] = {}
        self.headings: list[str] = []  # <h1>-<h3> texts, in order: title candidates

    def note(self, el: lxml.etree._Element, tag: str) -> None:
        """Facts the markup states outside the text: meta tags, UCAP's tags, headings."""
        if tag == "meta":
            _note_meta(self.meta, el)
            return
        text = tidy(_text(el))
        if not text:
            return
        if tag in ("h1", "h2", "h3"):
            self.headings.append(text)
        else:
            self.meta.setdefault(tag, text)

    def flush(self) -> None:
        if self.buffer:
            text = "".join(self.buffer)
            self.buffer.clear()
            if not text.isspace():
                self.lines.append(Line([text]))

    def walk(self, el: lxml.etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:
            return
        if tag in _NOTED:
            self.note(el, tag)
        rank = _body_rank(el) if tag in _BODY_TAGS else None
        if rank is not None:
            self.flush()
            start = len(self.lines)
        if tag == "br":
            self.flush()
        elif tag == "table" and next(el.iterdescendants("table"), None) is None:
            self.flush()
            self.lines.extend(table_lines(el, self.tables))
            self.tables += 1
        elif tag == "p" and next(el.iterdescendants("br"), None) is None:
            # Paragraphs hold only inline runs (Word's spans): take their text in one call.
            self.flush()
            text = _text(el)
            if text and not text.isspace():
                self.lines.append(Line([text]))
        else:
            block = tag in _BLOCK
            if block:
                self.flush()
            if el.text:
                self.buffer.append(el.text)
            for child in el:
                self.walk(child)
                if child.tail:
                    self.buffer.append(child.tail)
            if block:
                self.flush()
        if rank is not None:
            self.flush()
            self.bodies.append((rank, start, len(self.lines)))


def _head_facts(root: lxml.etree._Element, meta: dict[str, str]) -> str | None:
    """Meta tags of <head> (the walker noted those in <body>) and the document title."""
    head = root.find("head")
    if head is None:
        return None
    for el in head.iter("meta"):
        _note_meta(meta, el)
    title = head.find("title")
    return tidy(_text(title)) if title is not None else None


def _title(meta: dict[str, str], headings: list[str], document_title: str | None) -> str | None:
    """The report title as the page states it, most reliable source first."""
    for key in ("ArticleTitle", "ucaptitle"):
        if meta.get(key):
            return meta[key]
    for text in headings:
        if 4 <= len(text) <= 120 and any(word in text for word in _TITLE_WORDS):
            return text
    if document_title:
        parts = [p.strip() for p in document_title.replace("_", "-").replace("|", "-").split("-")]
        for part in parts:
            if any(word in part for word in _TITLE_WORDS):
                return part
        return document_title
    return None


def source_from_html(html: bytes, *, url: str | None = None) -> Source:
    """Parse an HTML page (UTF-8 bytes) into lines and markup facts."""
    try:
        root = lxml.etree.fromstring(html, _PARSER)
    except (lxml.etree.LxmlError, ValueError) as exc:  # pragma: no cover - lxml is lenient
        raise NotAReportError(f"unreadable HTML: {exc}") from exc
    if root is None:
        raise NotAReportError("empty document")
    walker = _Walker()
    start = root.find("body")
    walker.walk(start if start is not None else root)
    walker.flush()
    meta = walker.meta
    document_title = _head_facts(root, meta)
    # The surest kind of body; among equals the outermost.
    body = min(walker.bodies, key=lambda b: (b[0], b[1], -b[2]), default=None)
    return Source(
        lines=walker.lines,
        body_start=body[1] if body else 0,
        body_end=body[2] if body else None,
        has_body_root=body is not None,
        title=_title(meta, walker.headings, document_title),
        meta=meta,
        url=url,
    )
