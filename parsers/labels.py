"""Label matching: which template label (if any) a piece of page text is.

A ``Vocabulary`` holds the labels one table can print, each pointing at what it names (a row, a
column, a group of columns, a group of rows, a heading). ``Vocabulary.find`` cuts a folded key
into the labels it contains, longest first, so that one cell holding two labels
(``三、本年度办理结果（一）予以公开``) and a header stacked one character per line both come out
as the labels they spell. Enumerators (一、 （一） 1.) are optional: pages drop or change them.
A label printed with its enumerator names one thing (``（七）总计`` is a row); without, it may
name more than one (``总计`` is a row and a column) and the table reader picks by context.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from parsers.textnorm import base_key, bigrams, label_key, strip_enumerator

_FUZZY_MIN_LENGTH = 4
_FUZZY_SIMILARITY = 0.7
_FUZZY_CONTAINED_SHARE = 0.6
# After unrecognised text, a label must be at least this long to count (a stray 其他 or 总计
# inside a note is not a label).
_MIN_LENGTH_AFTER_NOISE = 3
_CACHE_LIMIT = 50_000
# Text longer than this is prose, not labels (a stacked table header with its note is ~120).
_MAX_RUN = 400


class Role(Enum):
    ROW = "row"  # a row of values
    ROW_GROUP = "row_group"  # a label spanning several rows (（三）不予公开): holds no values
    COLUMN = "column"
    COLUMN_GROUP = "column_group"  # a header spanning several columns (法人或其他组织)
    HEADING = "heading"  # a sub-heading inside a table (第二十条第（一）项)


@dataclass(frozen=True, slots=True)
class LabelRef:
    """What a label names. ``name`` is unique in its vocabulary (``col:total``, ``grp:review``)."""

    role: Role
    key: str
    name: str
    members: tuple[str, ...] = ()  # COLUMN_GROUP: names of the columns/groups it spans
    band: bool = False  # COLUMN_GROUP whose columns belong to a row of its own (table 4)


# The things one label found on a page may name, in vocabulary order (usually exactly one).
Match = tuple[LabelRef, ...]


class Vocabulary:
    """The labels of one table (one template version), indexed for longest-first matching."""

    def __init__(self, entries: Iterable[tuple[str, LabelRef]]) -> None:
        full: dict[str, list[LabelRef]] = {}
        base: dict[str, list[LabelRef]] = {}
        for label, ref in entries:
            key = label_key(label)
            for table, k in ((full, key), (base, base_key(key))):
                refs = table.setdefault(k, [])
                if ref not in refs:
                    refs.append(ref)
        base.pop("", None)
        # A key printed as is may also be another label without its enumerator: 总计 is the
        # column 总计 and the row （七）总计.
        for k, refs in full.items():
            refs.extend(r for r in base.get(k, ()) if r not in refs)
        self._full = {k: tuple(v) for k, v in full.items()}
        self._base = {k: tuple(v) for k, v in base.items()}
        self._longest_label = max(map(len, self._base), default=0)
        self._bigrams = {k: bigrams(k) for k in self._base if len(k) >= _FUZZY_MIN_LENGTH}
        self._full_heads = _by_head(self._full)
        self._base_heads = _by_head(self._base)
        self._cache: dict[str, tuple[Match, ...]] = {}
        self._cells: dict[str, tuple[str, tuple[Match, ...]]] = {}
        _VOCABULARIES.add(self)

    @property
    def refs(self) -> set[LabelRef]:
        return {ref for refs in self._full.values() for ref in refs}

    def labels_in(self, raw: str) -> tuple[str, tuple[Match, ...]]:
        """A cell's text as printed (trimmed) and the labels in it; cells repeat from page to
        page (every report prints the template's labels), so the answer is remembered."""
        found = self._cells.get(raw)
        if found is None:
            if len(self._cells) > _CACHE_LIMIT:
                self._cells.clear()
            found = self._cells[raw] = (raw.strip(), self.find(label_key(raw)))
        return found

    def find(self, key: str) -> tuple[Match, ...]:
        """Every label in ``key`` in reading order; empty when the key holds none."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(key) > _MAX_RUN:
            return ()
        found = self._segment(key) or self._fuzzy(key)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _segment(self, key: str) -> tuple[Match, ...]:
        whole = self._full.get(key)
        if whole is not None:  # the common case: a cell that is exactly one label
            return (whole,)
        out: list[Match] = []
        i, n, noise = 0, len(key), False
        while i < n:
            full = _longest(key, i, self._full_heads)
            start = strip_enumerator(key, i)
            base = _longest(key, start, self._base_heads)
            full_end = i + len(full) if full else -1
            base_end = start + len(base) if base else -1
            hit = None
            if full is not None and full_end >= base_end:
                hit, refs, end = full, self._full[full], full_end
            elif base is not None:
                hit, refs, end = base, self._base[base], base_end
            if hit is not None and (not noise or len(hit) >= _MIN_LENGTH_AFTER_NOISE):
                out.append(refs)
                i, noise = end, False
            else:
                i, noise = i + 1, True
        return tuple(out)

    def _fuzzy(self, key: str) -> tuple[Match, ...]:
        """Worded differently: a shortened label, or a near-identical one (one word changed)."""
        core = base_key(key)
        if not _FUZZY_MIN_LENGTH <= len(core) <= self._longest_label:
            return ()
        best: tuple[float, str] | None = None
        grams = bigrams(core)
        for label, label_grams in self._bigrams.items():
            if core in label and len(core) >= _FUZZY_CONTAINED_SHARE * len(label):
                score = 1.0 + len(core) / len(label)
            else:
                score = 2 * len(grams & label_grams) / (len(grams) + len(label_grams))
                if score < _FUZZY_SIMILARITY:
                    continue
            if best is None or score > best[0]:
                best = (score, label)
        return (self._base[best[1]],) if best else ()


_VOCABULARIES: weakref.WeakSet[Vocabulary] = weakref.WeakSet()


def clear_caches() -> None:
    """Forget every cell already matched (benchmarks measure the parser cold with this)."""
    from parsers.cells import read_cell
    from parsers.textnorm import _cached_label_key

    for vocabulary in list(_VOCABULARIES):
        vocabulary._cache.clear()
        vocabulary._cells.clear()
    read_cell.cache_clear()
    _cached_label_key.cache_clear()


def _by_head(table: dict[str, tuple[LabelRef, ...]]) -> dict[str, tuple[str, ...]]:
    """Labels grouped by their first two characters, longest first."""
    heads: dict[str, list[str]] = {}
    for key in table:
        heads.setdefault(key[:2], []).append(key)
    return {h: tuple(sorted(keys, key=len, reverse=True)) for h, keys in heads.items()}


def _longest(key: str, start: int, heads: dict[str, tuple[str, ...]]) -> str | None:
    for label in heads.get(key[start : start + 2], ()):
        if key.startswith(label, start):
            return label
    return None
