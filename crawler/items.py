"""What the spiders yield: a fetched report page with its fetch facts and what was parsed from it.

The archive keeps raw pages untouched beside the parsed data, so the item carries both; the
ArchivePipeline records the page and passes on only the ``disclosure-report/1`` dict, which is
what feed exports (``-O reports.jsonl``) write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from parsers.report import Report


@dataclass
class ReportPage:
    """One fetched page the list said is an annual report.

    ``report`` is None when the page could not be read as one; ``error`` then says why, and the
    page is still archived raw.
    """

    url: str
    status: int
    fetched_at: datetime
    body: bytes
    headers: dict[str, str]
    report: Report | None
    error: str | None = None
    listed_title: str | None = None
    listed_date: str | None = None
    column_id: str | None = None
    flags: list[str] = field(default_factory=list)
