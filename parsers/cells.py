"""What one table cell holds: a number, an explicit blank, nothing, or text.

The rules are domain.md §2: digits (full-width too, with thousands separators or a trailing
unit) are numbers, int when integral; 无 is 0; an empty cell or a dash or slash is None; any
other text is None and the caller warns, naming the cell. Nothing here ever makes up a number:
a cell holding two numbers is text, not their concatenation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from parsers.report import Cell
from parsers.textnorm import fold

_NUMBER = re.compile(
    r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:件|万元|元|个|项|条|次|人次|家|宗)?"
)
_DASHES = frozenset("-—―─/\\")
ZERO_WORD = "无"


class Kind(Enum):
    NUMBER = "number"  # a value (无 included, as 0)
    EMPTY = "empty"  # nothing printed at all
    DASH = "dash"  # an explicit "no value" mark: — - /
    TEXT = "text"  # words: a label, or garbage where a value belongs


@dataclass(frozen=True, slots=True)
class CellValue:
    kind: Kind
    value: Cell = None

    @property
    def is_slot(self) -> bool:
        """Whether the cell can stand where a number belongs (anything but words)."""
        return self.kind is not Kind.TEXT


EMPTY = CellValue(Kind.EMPTY)
DASH = CellValue(Kind.DASH)
TEXT = CellValue(Kind.TEXT)


@lru_cache(maxsize=8192)
def read_cell(raw: str) -> CellValue:
    """Classify a cell's raw text (as printed, before any folding)."""
    pieces = raw.split()
    if not pieces:
        return EMPTY
    if len(pieces) > 1:
        # "12 3" or "0<br>0": several values run together; never join them into one.
        text = "".join(pieces)
        if any(ch.isdigit() for ch in text) and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            return TEXT
        key = fold(text)
    else:
        key = fold(pieces[0])
    if key == ZERO_WORD:
        return CellValue(Kind.NUMBER, 0)
    if len(key) <= 3 and all(ch in _DASHES for ch in key):
        return DASH
    match = _NUMBER.fullmatch(key)
    if match is None:
        return TEXT
    sign, whole, fraction = match.groups()
    integer = int(whole.replace(",", ""))
    if fraction and fraction.strip("0"):
        value: int | float = float(f"{integer}.{fraction}")
    else:
        value = integer
    return CellValue(Kind.NUMBER, -value if sign == "-" else value)
