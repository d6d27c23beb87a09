"""The table reader: one engine that reads every table in every layout by its labels.

Lines become a stream of tokens: labels (found by the table's vocabulary), value slots (numbers,
blanks, dashes) and unknown text. A row label opens a window; the slots that follow it (on the
same line for a table row, up to the next label for free text) are that row's values. Runs of
column labels before a row are the header: column groups claim the columns printed after them
(法人或其他组织 its five columns, 行政复议 its five), which gives the order of the value columns
and, when the markup has a grid, the grid column of each. Values are placed by grid column when
the row's cells line up with the header's, else in header order once padding blanks are
trimmed; when neither is certain the row stays blank with a warning. No number is ever moved to
a cell it was not printed under, and none is made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from parsers.cells import Kind, read_cell
from parsers.document import Line
from parsers.labels import LabelRef, Match, Role, Vocabulary
from parsers.report import Cell, Table
from parsers.specs import TableSpec


class TokenKind(Enum):
    LABEL = "label"
    SLOT = "slot"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Token:
    kind: TokenKind
    line: int  # index of the table row it came from; -1 for free text (no row boundary)
    col: int | None  # grid column, when the markup gives one
    raw: str
    refs: Match = ()
    value: Cell = None
    empty: bool = False  # a slot with nothing printed in it

    @property
    def content(self) -> bool:
        """Printed something where a value belongs (a number, a dash, words)."""
        return not self.empty and not (self.kind is TokenKind.LABEL)


@dataclass(frozen=True, slots=True)
class Leaf:
    """One value column of a header: its column key, its row for banded tables, its grid column."""

    band: str | None
    column: str
    col: int | None


def tokenize(lines: list[Line], vocabulary: Vocabulary) -> list[Token]:
    """Cut lines into label, slot and unknown tokens; free text is split at whitespace and
    consecutive words are joined before matching, so labels broken over lines come back whole."""
    tokens: list[Token] = []
    append = tokens.append
    run: list[str] = []
    slot, text_kind, empty_kind = TokenKind.SLOT, Kind.TEXT, Kind.EMPTY

    def flush_run() -> None:
        if run:
            text = "".join(run)
            run.clear()
            _add_text(tokens, text, -1, None, vocabulary)

    for index, line in enumerate(lines):
        if line.is_row:
            flush_run()
            columns = line.columns or range(len(line.cells))
            for raw, col in zip(line.cells, columns):
                cell = read_cell(raw)
                if cell.kind is text_kind:
                    _add_text(tokens, raw, index, col, vocabulary)
                else:
                    append(Token(slot, index, col, raw, (), cell.value, cell.kind is empty_kind))
            continue
        pieces = line.cells[0].split()
        if not pieces:  # an empty line of text: a blank cell when one cell is printed per line
            flush_run()
            append(Token(slot, -1, None, "", (), None, True))
            continue
        for piece in pieces:
            cell = read_cell(piece)
            if cell.kind is text_kind:
                run.append(piece)
            else:
                flush_run()
                append(Token(slot, -1, None, piece, (), cell.value, False))
    flush_run()
    return tokens


def _add_text(tokens: list[Token], raw: str, line: int, col: int | None,
              vocabulary: Vocabulary) -> None:
    text, matches = vocabulary.labels_in(raw)
    if not matches:
        tokens.append(Token(TokenKind.UNKNOWN, line, col, text))
        return
    for refs in matches:
        tokens.append(Token(TokenKind.LABEL, line, col, text, refs))


@dataclass
class TableRead:
    """A table as read: every cell of the template (None where nothing was read)."""

    values: Table
    rows_found: list[str] = field(default_factory=list)
    rows_cut: list[str] = field(default_factory=list)  # found, but the text ends inside them
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Window:
    row: str
    line: int
    slots: list[Token] = field(default_factory=list)


class _Reader:
    def __init__(self, spec: TableSpec, tokens: list[Token], ends_input: bool) -> None:
        self.spec = spec
        self.tokens = tokens
        self.ends_input = ends_input
        self.values: Table = {row: dict.fromkeys(cols) for row, cols in spec.rows.items()}
        self.found: list[str] = []
        self.found_set: set[str] = set()
        self.cut: list[str] = []
        self.warnings: list[str] = []
        self.header: list[tuple[Token, LabelRef]] = []
        self.leaves: list[Leaf] = []
        # Of the current header, the columns shared by every row, sorted (to compare with a
        # row's columns) and their grid columns when usable.
        self.columns_sorted: tuple[str, ...] = ()
        self.columns: list[Leaf] = []
        self.columns_grid: dict[int, str] | None = None
        self.window: _Window | None = None
        self.loose: list[Token] = []
        # Row windows and unlabelled value runs in order, to place a row whose label is lost.
        self.sequence: list[tuple[str | None, list[Token]]] = []
        self.order_warned = False

    # -- the stream ----------------------------------------------------------------------
    def read(self) -> TableRead:
        tokens = self.tokens
        label, unknown = TokenKind.LABEL, TokenKind.UNKNOWN
        for i, token in enumerate(tokens):
            if token.kind is label:
                ref = token.refs[0] if len(token.refs) == 1 else self.resolve(i)
                if self.window is not None:
                    self.close_window()
                if self.loose:
                    self.close_loose()
                if ref.role is Role.COLUMN or ref.role is Role.COLUMN_GROUP:
                    self.header.append((token, ref))
                elif ref.role is Role.ROW:
                    self.take_header()
                    self.window = _Window(ref.key, token.line)
                    self.sequence.append((ref.key, []))
                continue
            window = self.window
            if window is not None and (window.line < 0 or token.line == window.line):
                window.slots.append(token)
                continue
            if window is not None:
                self.close_window()
            if token.kind is unknown:
                continue  # notes and 信息内容 outside a row: not values
            if self.loose and token.line != self.loose[0].line:
                self.close_loose()
            self.loose.append(token)
        self.close_window(last=True)
        self.close_loose()
        self.place_unlabelled()
        return TableRead(self.values, self.found, self.cut, self.warnings)

    def resolve(self, i: int) -> LabelRef:
        """Pick what an ambiguous label names (总计: a column, or the row （七）总计): a row when
        values follow it, or when rows are being read and no column label stands beside it."""
        refs = self.tokens[i].refs
        if len(refs) == 1:
            return refs[0]
        rows = [r for r in refs if r.role is Role.ROW]
        others = [r for r in refs if r.role is not Role.ROW]
        if rows and others:
            if self.values_follow(i):
                return rows[0]
            if self.found and rows[0].key not in self.found_set and not self.beside_column(i):
                return rows[0]
            return others[0]
        return refs[0]

    def beside_column(self, i: int) -> bool:
        """Whether the nearest label before or after token ``i`` (blank cells aside) is a
        column label: then ``i`` belongs to a header too."""
        tokens = self.tokens
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(tokens) and tokens[j].kind is TokenKind.SLOT and tokens[j].empty:
                j += step
            if 0 <= j < len(tokens) and tokens[j].kind is TokenKind.LABEL and any(
                    r.role is Role.COLUMN or r.role is Role.COLUMN_GROUP for r in tokens[j].refs):
                return True
        return False

    def values_follow(self, i: int) -> bool:
        tokens = self.tokens
        line = tokens[i].line
        for j in range(i + 1, len(tokens)):
            token = tokens[j]
            if token.kind is TokenKind.LABEL or (line >= 0 and token.line != line):
                return False
            if token.kind is TokenKind.SLOT and not token.empty:
                return True
        return False

    # -- headers -------------------------------------------------------------------------
    def take_header(self) -> None:
        if not self.header:
            return
        leaves = _leaves(self.header)
        self.header = []
        if not self.fits(leaves):
            return  # a stray column word, not a header: the last header still holds
        self.leaves = leaves
        self.columns = [leaf for leaf in leaves if leaf.band is None]
        self.columns_sorted = tuple(sorted(leaf.column for leaf in self.columns))
        self.columns_grid = _grid([leaf.col for leaf in self.columns],
                                  [leaf.column for leaf in self.columns])

    def fits(self, leaves: list[Leaf]) -> bool:
        """Whether header leaves spell the columns of some row (or every band of table 4)."""
        columns = tuple(sorted(leaf.column for leaf in leaves if leaf.band is None))
        if columns and any(columns == _sorted(cols) for cols in self.spec.rows.values()):
            return True
        bands = sorted((leaf.band, leaf.column) for leaf in leaves if leaf.band is not None)
        return bool(bands) and bands == _sorted_bands(self.spec)

    # -- rows ----------------------------------------------------------------------------
    def close_window(self, last: bool = False) -> None:
        window = self.window
        if window is None:
            return
        self.window = None
        self.sequence[-1] = (window.row, window.slots)
        at_end = last and self.ends_input
        self.place_row(window.row, window.slots, at_end)

    def place_row(self, row: str, slots: list[Token], at_end: bool, inferred: bool = False) -> None:
        spec = self.spec
        if row in self.found_set:
            if any(s.content for s in slots):
                self.warnings.append(
                    f"{spec.scope(row)}: printed twice; the first one is kept")
            return
        expected = spec.rows[row]
        if self.columns_sorted == _sorted(expected):
            order = [leaf.column for leaf in self.columns]
            grid = self.columns_grid
        else:
            order, grid = list(expected), None
            if len(expected) > 1 and not self.order_warned:
                self.order_warned = True
                self.warnings.append(
                    f"{spec.name}: column headers not found or unclear; template column order "
                    "assumed")
        placed = _by_grid(slots, grid) if grid else None
        if placed is None:
            placed = self.by_count(spec.scope(row), slots, order, at_end)
            if placed is not None and len(slots) < len(order) and at_end:
                self.cut.append(row)
        if placed is None:
            if inferred:
                return
            self.mark_found(row)
            return
        self.mark_found(row)
        cells = self.values[row]
        for column, token in placed.items():
            if token is not None and token.kind is TokenKind.SLOT:
                cells[column] = token.value
            else:
                cells[column] = self.value_of(token, row, column)

    def mark_found(self, row: str) -> None:
        if row not in self.found_set:
            self.found_set.add(row)
            self.found.append(row)

    def by_count(self, scope: str, slots: list[Token], order: list[str],
                 at_end: bool) -> dict[str, Token | None] | None:
        cells = list(slots)
        n = len(order)
        while len(cells) > n and cells[-1].empty:
            cells.pop()
        while len(cells) > n and cells[0].empty:
            cells.pop(0)
        if len(cells) == n:
            return dict(zip(order, cells))
        if not any(c.content for c in cells):
            self.warnings.append(f"{scope}: no values printed")
            return None
        if len(cells) < n and at_end:
            self.warnings.append(
                f"{scope}: text ends after {len(cells)} of {n} cells; the rest left blank")
            return {column: (cells[k] if k < len(cells) else None)
                    for k, column in enumerate(order)}
        printed = " ".join(c.raw.strip() or "∅" for c in cells)
        self.warnings.append(
            f"{scope}: {len(cells)} cells for {n} columns ({printed}); cannot tell which "
            "value is which, left blank")
        return None

    def value_of(self, token: Token | None, row: str, column: str) -> Cell:
        if token is None:
            return None
        if token.kind is TokenKind.UNKNOWN:
            scope = self.spec.scope(row, column)
            self.warnings.append(f"{scope}: unreadable cell {token.raw!r}, left blank")
            return None
        return token.value

    # -- value runs without a row label --------------------------------------------------
    def close_loose(self) -> None:
        loose = self.loose
        if not loose:
            return
        self.loose = []
        if not any(t.content for t in loose):
            return  # blank padding of a header row
        self.take_header()
        if self.spec.banded:
            self.place_bands(loose)
        else:
            self.sequence.append((None, loose))

    def place_bands(self, slots: list[Token]) -> None:
        spec = self.spec
        expected = [(row, column) for row, cols in spec.rows.items() for column in cols]
        leaves = [leaf for leaf in self.leaves if leaf.band is not None]
        if sorted((leaf.band, leaf.column) for leaf in leaves) == sorted(expected):
            keys = [f"{leaf.band}.{leaf.column}" for leaf in leaves]
            grid = _grid([leaf.col for leaf in leaves], keys)
        else:
            keys, grid = [f"{band}.{column}" for band, column in expected], None
            self.warnings.append(
                f"{spec.name}: column headers not found or unclear; template column order assumed")
        placed = _by_grid(slots, grid) if grid else None
        if placed is None:
            placed = self.by_count(spec.name, slots, keys, self.ends_input)
        if placed is None:
            return
        for key, token in placed.items():
            row, column = key.split(".")
            if row in self.found_set and self.values[row][column] is not None:
                continue
            self.values[row][column] = self.value_of(token, row, column)
        for row in spec.rows:
            self.mark_found(row)

    def place_unlabelled(self) -> None:
        """A value row whose label cell is lost sits between two labelled rows: when exactly
        one template row is missing between them, it is that row (with a warning)."""
        order = list(self.spec.rows)
        for index, (row, slots) in enumerate(self.sequence):
            if row is not None:
                continue
            before = next((r for r, _ in reversed(self.sequence[:index]) if r), None)
            after = next((r for r, _ in self.sequence[index + 1 :] if r), None)
            position = order.index(before) + 1 if before else 0
            guess = order[position] if position < len(order) else None
            following = order[position + 1] if position + 1 < len(order) else None
            scope = f"{self.spec.name}: values without a row label"
            if guess is None or guess in self.found_set or (after is not None and after != following):
                self.warnings.append(f"{scope} after {before or 'the header'}; ignored")
                continue
            if after is None and not self.ends_input:
                self.warnings.append(f"{scope} after {before or 'the header'}; ignored")
                continue
            self.warnings.append(f"{scope} between {before} and {after}: read as {guess}")
            self.place_row(guess, slots, at_end=False, inferred=True)


def _leaves(header: list[tuple[Token, LabelRef]]) -> list[Leaf]:
    """The value columns a header spells, in order: each group stands for the columns it
    claims among the labels printed after it (its members, first unclaimed of each)."""
    claimed = [False] * len(header)

    def expand(i: int) -> list[Leaf]:
        token, ref = header[i]
        if ref.role is Role.COLUMN:
            return [Leaf(None, ref.key, token.col)]
        out: list[Leaf] = []
        for member in ref.members:
            for j in range(i + 1, len(header)):
                if not claimed[j] and header[j][1].name == member:
                    claimed[j] = True
                    out += expand(j)
                    break
        if ref.band:
            out = [Leaf(ref.key, leaf.column, leaf.col) for leaf in out]
        return out

    leaves: list[Leaf] = []
    for i in range(len(header)):
        if not claimed[i]:
            claimed[i] = True
            leaves += expand(i)
    return leaves


@lru_cache(maxsize=256)
def _sorted(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(columns))


def _sorted_bands(spec: TableSpec) -> list[tuple[str, str]]:
    return sorted((row, column) for row, cols in spec.rows.items() for column in cols)


def _grid(cols: list[int | None], keys: list[str]) -> dict[int, str] | None:
    """Grid column -> value key, when every header column has a grid column of its own."""
    if None in cols or len(set(cols)) != len(cols):
        return None
    return dict(zip(cols, keys))  # type: ignore[arg-type]


def _by_grid(slots: list[Token], grid: dict[int, str]) -> dict[str, Token | None] | None:
    """Place cells by grid column when every header column has exactly one cell under it and
    nothing is printed elsewhere; None when the row does not line up with the header."""
    got: dict[int, Token] = {}
    for token in slots:
        col = token.col
        if col in grid:
            if col in got:
                return None
            got[col] = token  # type: ignore[index]
        elif token.content:
            return None
    if len(got) != len(grid):
        return None
    return {grid[col]: got[col] for col in grid}


def read_table(lines: list[Line], spec: TableSpec, *, ends_input: bool = False) -> TableRead:
    """Read one table (its zone's lines) by its labels."""
    return _Reader(spec, tokenize(lines, spec.vocabulary), ends_input).read()
