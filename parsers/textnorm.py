"""Text normalisation: the one place that decides when two spellings of a label are the same.

Pages print the same label in full-width or half-width forms, in traditional characters, with
stray spaces from Word runs and with varying quote marks. Matching works on a *key*: NFKC,
traditional folded to simplified, whitespace and quote marks removed. Page text that is kept
(sections, header values) is only tidied, never folded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from parsers.hanzi import TRADITIONAL_TO_SIMPLIFIED

_FOLD_MAP = {
    **TRADITIONAL_TO_SIMPLIFIED,
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2010": "-",
    "\u2011": "-",
    "\u00a0": " ",
    "\u3000": " ",
}
_FOLD = str.maketrans(_FOLD_MAP)
# Translating is slow per character; most text needs none, which a regex scan tells quickly.
_NEEDS_FOLD = re.compile("[" + re.escape("".join(_FOLD_MAP)) + "]")
# Removed from keys: quote marks in every style, zero-width characters.
_DROP = "“”‘’\"'「」『』\u200b\u200c\u200d\ufeff\u2060"
_KEY_DROP = str.maketrans(dict.fromkeys(_DROP))
_NEEDS_DROP = re.compile("[" + re.escape(_DROP) + "]")

_CJK_NUMERAL = "一二三四五六七八九十"
# A leading enumerator: 一、 (一) 1. 1、 ① (NFKC turns ① into 1) and the like.
ENUMERATOR = re.compile(
    rf"(?:[{_CJK_NUMERAL}]{{1,3}}[、.,]|\((?:[{_CJK_NUMERAL}]{{1,3}}|\d{{1,2}})\)"
    rf"|\d{{1,2}}[.、,](?!\d)|\d{{1,2}}(?=[\u4e00-\u9fff]))"
)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC plus traditional-to-simplified for label characters; spacing is kept."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text


_CACHED_KEY_LENGTH = 256


def label_key(text: str) -> str:
    """The matching key of a label or cell: folded, no whitespace, no quote marks."""
    if len(text) <= _CACHED_KEY_LENGTH:
        return _cached_label_key(text)  # cells and labels repeat from page to page
    return _label_key(text)


def _label_key(text: str) -> str:
    key = "".join(fold(text).split())
    return key.translate(_KEY_DROP) if _NEEDS_DROP.search(key) else key


_cached_label_key = lru_cache(maxsize=16384)(_label_key)


def strip_enumerator(key: str, start: int = 0) -> int:
    """Index in ``key`` just past any run of enumerators starting at ``start``."""
    match = ENUMERATOR.match(key, start)
    while match is not None and match.end() > start:
        start = match.end()
        match = ENUMERATOR.match(key, start)
    return start


def base_key(key: str) -> str:
    """A label key without its leading enumerator (``一、本年新收…`` -> ``本年新收…``)."""
    return key[strip_enumerator(key):]


def tidy(text: str) -> str:
    """Page text as a reader sees it: whitespace runs (``&nbsp;``, newlines) collapsed."""
    return _SPACES.sub(" ", text.replace("\u3000", " ")).strip()


def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams: how alike two label keys are (0..1)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))
