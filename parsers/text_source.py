"""Plain text into lines: a line with ``|`` (or tabs) is a table row, any other is free text.

The seed's form closes every cell with ``|``, so a trailing bar ends the row rather than
opening an empty cell. Consecutive rows form one table; a free-text line ends it. Empty lines
are kept (text with one cell per line prints a blank cell as one); page numbers of text taken
from a PDF are dropped.
"""

from __future__ import annotations

import re

from parsers.document import Line, Source

# Page furniture of text taken from a PDF: "— 3 —", "- 12 -", "第 3 页 共 9 页", "3/9".
_PAGE_MARK = re.compile(
    r"\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3})\s*"
)

_TITLE_WORDS = ("报告", "年报", "報告", "年報")
_MAX_TITLE = 100


def _cells(line: str) -> list[str] | None:
    if "|" in line:
        cells = line.split("|")
        if line.rstrip().endswith("|"):
            cells.pop()
        return cells
    if "\t" in line.strip():
        return line.split("\t")
    return None


def source_from_text(text: str, *, url: str | None = None) -> Source:
    lines: list[Line] = []
    table = -1
    in_table = False
    for raw in text.splitlines():
        if _PAGE_MARK.fullmatch(raw):
            continue
        if not raw.strip():
            # Kept: in text with one cell per line, an empty line is a blank cell.
            in_table = False
            lines.append(Line([""]))
            continue
        cells = _cells(raw)
        if cells is None:
            in_table = False
            lines.append(Line([raw]))
            continue
        if not in_table:
            table += 1
            in_table = True
        lines.append(Line(cells, True, None, table))
    title = None
    filled = [line for line in lines if line.is_row or line.cells[0].strip()]
    if filled and not filled[0].is_row:
        first = filled[0].cells[0].strip()
        if (len(first) <= _MAX_TITLE and any(w in first for w in _TITLE_WORDS)
                and "。" not in first):
            title = first
    return Source(lines=lines, title=title, url=url)
