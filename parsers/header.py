"""The metadata block above a report (索引号, 公开方式, 文号, 公开日期, 发布单位, 主题分类 …).

Portals print it as label/value cell pairs (Hanweb's 3x4 table with full-width colons, UCAP's
``td.c1`` labels without colons, gov.cn's ``<td><b>索引号：</b></td>``), as ``label：value`` in one
cell or one line, or as text rows like the seed's. Labels are recognised by
``template.HEADER_FIELDS`` (folded, so 發布單位 is 发布单位); other labels of a header table go to
``extra``. The markup's own facts (meta PubDate, ContentSource, ``<publishtime>``) fill what the
block leaves empty.
"""

from __future__ import annotations

import re
import unicodedata

from parsers.document import Line
from parsers.report import Header
from parsers.template import HEADER_FIELDS
from parsers.textnorm import fold, label_key, tidy

_FIELD_BY_LABEL = {label_key(label): f.key for f in HEADER_FIELDS for label in f.labels}
_DATE_FIELDS = ("publish_date", "written_date")
_MAX_LABEL = 8
_LABEL_SHAPE = re.compile(r"[\u4e00-\u9fff]{2,8}")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_INLINE = re.compile(
    "(" + "|".join(sorted(map(re.escape, _FIELD_BY_LABEL), key=len, reverse=True)) + r")\s*:"
)
_META_DATES = ("PubDate", "pubdate", "publishdate", "PublishDate", "publishtime",
               "firstpublishedtime", "lastmodifiedtime")
_META_PUBLISHERS = ("ContentSource", "contentSource", "contentsource")
_MIN_HEADER_LABELS = 2


def parse_date(text: str | None) -> str | None:
    """``2024-01-16``, ``2024年1月16日``, ``2024/01/16 10:30`` -> ``2024-01-16``; else None."""
    if not text:
        return None
    match = _DATE.search(fold(text))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


class _Label:
    """A cell read as a header label: the field it names (or its text, for ``extra``) and any
    value printed in the same cell after the colon."""

    __slots__ = ("field", "name", "inline")

    def __init__(self, field: str | None, name: str, inline: str | None) -> None:
        self.field, self.name, self.inline = field, name, inline


def _as_label(cell: str, *, unknown_ok: bool) -> _Label | None:
    text = tidy(fold(cell))
    if not text:
        return None
    colon = text.find(":")
    if 0 < colon <= _MAX_LABEL + 2:
        name = "".join(text[:colon].split())
        rest = text[colon + 1 :].strip() or None
        field = _FIELD_BY_LABEL.get(label_key(name))
        if field or (unknown_ok and _LABEL_SHAPE.fullmatch(name)):
            return _Label(field, name, rest)
        return None
    key = label_key(text)
    field = _FIELD_BY_LABEL.get(key)
    if field:
        return _Label(field, key, None)
    return None


def _clean(value: str) -> str | None:
    text = tidy(unicodedata.normalize("NFKC", value))
    return text or None


class HeaderReader:
    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}
        self.extra: dict[str, str] = {}
        self.warnings: list[str] = []

    def put(self, label: _Label, value: str | None) -> None:
        clean = _clean(value) if value else None
        if label.field is None:
            if clean and label.name not in self.extra:
                self.extra[label.name] = clean
            return
        if label.field in self.values:
            if self.values[label.field] is None and clean:
                self.values[label.field] = clean
            return
        self.values[label.field] = clean

    def read_row(self, cells: list[str], unknown_ok: bool) -> None:
        labels = [_as_label(c, unknown_ok=unknown_ok) for c in cells]
        # UCAP: label cell, value cell, label cell, value cell (labels need not end in a colon).
        if (unknown_ok and len(cells) % 2 == 0
                and all(lab or _LABEL_SHAPE.fullmatch(label_key(c))
                        for lab, c in zip(labels[0::2], cells[0::2]))
                and not any(labels[1::2])):
            for k in range(0, len(cells), 2):
                label = labels[k] or _Label(None, label_key(cells[k]), None)
                self.put(label, label.inline or cells[k + 1])
            return
        k = 0
        while k < len(cells):
            label = labels[k]
            if label is None:
                k += 1
                continue
            if label.inline is not None:
                self.put(label, label.inline)
                k += 1
            elif k + 1 < len(cells) and labels[k + 1] is None:
                self.put(label, cells[k + 1])
                k += 2
            else:
                self.put(label, None)
                k += 1

    def read_text(self, text: str) -> None:
        """``索引号：… 公开方式：…`` run together in one line: cut at each known label."""
        folded = tidy(fold(text))
        matches = list(_INLINE.finditer(folded))
        for m, following in zip(matches, [*matches[1:], None]):
            end = following.start() if following else len(folded)
            field = _FIELD_BY_LABEL[m.group(1)]
            if field not in self.values:
                self.put(_Label(field, m.group(1), None), folded[m.end() : end])

    def header(self) -> Header:
        header = Header(extra=self.extra)
        for key, value in self.values.items():
            if key in _DATE_FIELDS:
                date = parse_date(value)
                if value and date is None:
                    self.warnings.append(f"header.{key}: unreadable date {value!r}")
                value = date
            setattr(header, key, value)
        return header


def read_header(lines: list[Line], meta: dict[str, str] | None = None) -> tuple[Header, list[str]]:
    """The header block among ``lines`` (the page around the report body), then meta facts."""
    reader = HeaderReader()
    # Tables that hold at least two known labels are header tables; their other labels are kept.
    known: dict[int, int] = {}
    for line in lines:
        if line.is_row:
            count = sum(1 for c in line.cells if _as_label(c, unknown_ok=False))
            known[line.table] = known.get(line.table, 0) + count
    for line in lines:
        if line.is_row and known.get(line.table, 0) >= _MIN_HEADER_LABELS:
            reader.read_row(line.cells, unknown_ok=True)
    for line in lines:
        if line.is_row and known.get(line.table, 0) < _MIN_HEADER_LABELS:
            reader.read_row(line.cells, unknown_ok=False)
        elif not line.is_row and len(line.cells[0]) <= 300 and ":" in fold(line.cells[0]):
            reader.read_text(line.cells[0])
    header = reader.header()
    meta = meta or {}
    if header.publish_date is None:
        for name in _META_DATES:
            date = parse_date(meta.get(name))
            if date:
                header.publish_date = date
                break
    if header.publisher is None:
        for name in _META_PUBLISHERS:
            if meta.get(name):
                header.publisher = _clean(meta[name])
                break
    return header, reader.warnings
