"""Render a report the way real portals publish it (interface; implementation in progress)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from parsers.report import Report


@dataclass(frozen=True)
class Layout:
    """How one published page lays its tables out (Word-paste spans, merged cells, blanks, ...)."""

    @classmethod
    def random(cls, rng: random.Random) -> Layout:
        return cls()


def render_report_html(report: Report, layout: Layout | None = None) -> str:
    """The report's body as a portal shows it inside ``div#zoom``: sections and tables."""
    raise NotImplementedError


def render_report_text(report: Report) -> str:
    """The report in the plain-text form of ``shared/seed/`` (one table row per line)."""
    raise NotImplementedError
