"""Where things are in the body: the section headings, each table's lines, the narrative.

Headings are matched loosely against ``template.SECTIONS`` (numeral plus wording, or wording
alone), because agencies reword them ("五、政府信息公开工作存在的主要问题及改进情况",
"存在的主要问题及整改措施") and free-form reports number them differently. A table's lines run
from its section heading to the next heading; when a heading is missing, from the first line
that holds a label only that table prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.document import Line
from parsers.specs import TABLE_SECTIONS, TABLES, TableName, table_markers
from parsers.template import SECTIONS
from parsers.textnorm import ENUMERATOR, base_key, label_key, similarity, tidy

_NUMERAL = re.compile(r"([一二三四五六七八九十]{1,2})[、.,]")
_MAX_HEADING = 40
_HEADING_SIMILARITY = 0.5
# A heading may say more than the template's wording ("政府信息公开工作存在的主要问题及改进措施").
_HEADING_SLACK = 16
_SECTION_KEYS = [
    (s.number, tuple(label_key(label) for label in (s.label, *s.aliases))) for s in SECTIONS
]
_SECTION_ORDER = [s.number for s in SECTIONS]
_DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_SENTENCE = re.compile(r"[。；;，,：:！？]")


def heading_of(key: str) -> str | None:
    """The number of the section a short line heads (``"五"``), or None."""
    if not key or len(key) > _MAX_HEADING:
        return None
    match = _NUMERAL.match(key)
    if match:
        numeral, rest = match.group(1), key[match.end():]
    elif ENUMERATOR.match(key):
        return None  # （一）… and 1. … are sub-headings
    else:
        numeral, rest = None, key
    for number, labels in _SECTION_KEYS:
        for label in labels:
            if numeral == number:
                if (label in rest or (len(rest) >= 4 and rest in label)
                        or similarity(rest, label) >= _HEADING_SIMILARITY):
                    return number
            elif label in rest and len(rest) <= len(label) + _HEADING_SLACK and (
                    numeral is None or len(label) >= 6):
                return number
    return None


def _single_text(line: Line) -> str | None:
    """The text of a line that may be a heading: free text, or a table row of one cell."""
    if not line.is_row or len(line.cells) == 1:
        return line.cells[0]
    return None


@dataclass
class BodyLayout:
    headings: dict[str, int]  # section number -> index of its heading line
    zones: dict[TableName, tuple[int, int]]  # table -> [start, end) line indices
    length: int

    def boundaries_after(self, index: int) -> int:
        """The first heading or table start after line ``index`` (or the end)."""
        points = [i for i in self.headings.values() if i > index]
        points += [start for start, _ in self.zones.values() if start > index]
        return min(points, default=self.length)


def find_layout(lines: list[Line]) -> BodyLayout:
    headings: dict[str, int] = {}
    last = -1
    for index, line in enumerate(lines):
        text = _single_text(line)
        if text is None or (len(text) > 2 * _MAX_HEADING
                            and (len(text) > 10 * _MAX_HEADING
                                 or len("".join(text.split())) > _MAX_HEADING)):
            continue
        number = heading_of(label_key(text))
        if number is None:
            continue
        rank = _SECTION_ORDER.index(number)
        if rank > last:
            headings[number] = index
            last = rank
    # Each table is anchored at its heading, or failing that at its first marker line.
    anchors: dict[TableName, tuple[int, int]] = {}  # table -> (anchor line, first line)
    for name in TABLES:
        number = TABLE_SECTIONS[name]
        if number in headings:
            anchors[name] = (headings[number], headings[number] + 1)
    missing = [n for n in TABLES if n not in anchors]
    if missing:
        for name, index in _marker_starts(lines, missing, headings).items():
            anchors[name] = (index, index)
    points = sorted({*headings.values(), *(a for a, _ in anchors.values())})
    zones = {
        name: (first, min((p for p in points if p > anchor), default=len(lines)))
        for name, (anchor, first) in anchors.items()
    }
    return BodyLayout(headings, zones, len(lines))


def _marker_starts(lines: list[Line], missing: list[TableName],
                   headings: dict[str, int]) -> dict[TableName, int]:
    markers = table_markers()
    heading_lines = set(headings.values())
    found: dict[TableName, int] = {}
    for index, line in enumerate(lines):
        if index in heading_lines:
            continue
        cells = line.cells if line.is_row else line.cells[0].split()
        for cell in cells:
            if len(cell) > 60:
                continue
            name = markers.get(base_key(label_key(cell)))
            if name in missing and name not in found:
                found[name] = index
        if len(found) == len(missing):
            break
    return found


def section_text(lines: list[Line], start: int, end: int, *, skip_headings: set[int] = frozenset(),
                 signature: tuple[str, ...] = ()) -> str | None:
    """The narrative between two line indices, one paragraph per line; a closing signature
    (agency name, date) is not part of the section."""
    paragraphs = [tidy(lines[i].text) for i in range(start, end) if i not in skip_headings]
    paragraphs = [p for p in paragraphs if p]
    if signature:
        _drop_signature(paragraphs, signature)
    return "\n".join(paragraphs) or None


def _drop_signature(paragraphs: list[str], names: tuple[str, ...]) -> None:
    dated = False
    while paragraphs:
        last = paragraphs[-1]
        compact = "".join(last.split())
        if _DATE_LINE.fullmatch(compact):
            dated = True
        elif not (compact in names or (dated and len(compact) <= 30
                                       and not _SENTENCE.search(compact))):
            return
        paragraphs.pop()
