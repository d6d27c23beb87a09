"""The common form every input is turned into before any label is matched.

HTML and plain text differ only in how they are cut into lines: a table row is a line of cells
(with the grid column each cell starts at when the markup tells), a paragraph or a text line is
a line with one free-text cell. Everything after this point reads ``Line`` objects, so one
label-matching engine serves every layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Line:
    """One row of cells (``is_row``) or one run of free text (a single cell)."""

    cells: list[str]
    is_row: bool = False
    # Grid column each cell starts at (HTML after rowspan/colspan expansion, text: cell index).
    columns: list[int] | None = None
    # Which table a row belongs to (rows of one table share it); -1 for free text.
    table: int = -1

    @property
    def text(self) -> str:
        """The line's text with its non-empty cells joined, as a reader would see it."""
        if not self.is_row:
            return self.cells[0] if self.cells else ""
        return " | ".join(c.strip() for c in self.cells if c.strip())


@dataclass(slots=True)
class Source:
    """A page cut into lines, plus what the markup says outside the lines."""

    lines: list[Line]
    # lines[body_start:body_end] hold the report body (div#zoom and the like); the rest is the
    # page around it, where the header table lives. Text input: the whole text is the body.
    body_start: int = 0
    body_end: int | None = None
    has_body_root: bool = False
    title: str | None = None  # from the markup (meta ArticleTitle, <ucaptitle>, <title>, …)
    meta: dict[str, str] = field(default_factory=dict)  # PubDate, ContentSource, publishtime, …
    url: str | None = None

    @property
    def body(self) -> list[Line]:
        return self.lines[self.body_start : self.body_end]

    @property
    def outside(self) -> list[Line]:
        end = len(self.lines) if self.body_end is None else self.body_end
        return self.lines[: self.body_start] + self.lines[end:]
