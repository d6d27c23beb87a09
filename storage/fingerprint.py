"""What makes two fetches "the same report": hashes of the normalised report.

``content_hash`` decides versions: two fetches of one document with equal hashes are one version.
It covers what the agency published (title, header, sections, every table cell) and leaves out
what depends on the fetch or on our own code: the URL, the parser's warnings and checks (both
derived from the content), and volatile page furniture that could slip into text (view counters,
"visits" lines). Whitespace runs are collapsed and integral floats written as ints, so a
re-render of unchanged content hashes the same.

``tables_hash`` decides reposts: the same agency, year and tables under another index number.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from parsers.report import Report

# Counters and similar furniture that change on every request (浏览次数: 123, 访问量：45 …).
_VOLATILE_LABEL = r"(?:浏览|访问|点击|阅读)(?:次数|量|数)"
VOLATILE_TEXT = re.compile(_VOLATILE_LABEL + r"\s*[:：]?\s*\d[\d,，]*\s*次?")
VOLATILE_LABEL = re.compile(_VOLATILE_LABEL)
_SPACE = re.compile(r"\s+")
TABLE_KEYS: tuple[str, ...] = ("proactive", "applications", "review_litigation")


def normalise_text(value: str | None) -> str | None:
    """Text with view counters removed and whitespace collapsed (None and blank stay None)."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    value = _SPACE.sub(" ", VOLATILE_TEXT.sub("", value)).strip()
    return value or None


def normalise_number(value: Any) -> Any:
    """7.0 and 7 are the same published number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _normalise_table(table: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
    if table is None:
        return None
    return {row: {col: normalise_number(v) for col, v in cells.items()} for row, cells in table.items()}


def normalised_content(report: Report) -> dict[str, Any]:
    """The part of a report that identifies a version of it (see the module docstring)."""
    header = report.header.to_dict()
    extra = {
        normalise_text(label) or "": normalise_text(value)
        for label, value in header.pop("extra").items()
        if not VOLATILE_LABEL.search(label)
    }
    return {
        "title": normalise_text(report.title),
        "agency": normalise_text(report.agency),
        "year": report.year,
        "template": report.template,
        "header": {key: normalise_text(value) for key, value in header.items()} | {"extra": extra},
        "sections": {key: normalise_text(v) for key, v in report.sections.to_dict().items()},
        **{key: _normalise_table(getattr(report, key)) for key in TABLE_KEYS},
    }


def _digest(data: Any) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_hash(report: Report) -> str:
    """SHA-256 of the normalised report: equal for re-fetches, different for any real edit."""
    return fingerprints(report)[0]


def tables_hash(report: Report) -> str | None:
    """SHA-256 of agency, year and tables, or None when that is not evidence of a repost.

    Without an agency or a year, or with every table cell blank, two reports sharing the hash
    would not be the same report, so no hash is given. Free-form reports (template "none") have
    no tables: their narrative sections stand in for them.
    """
    return fingerprints(report)[1]


def fingerprints(report: Report) -> tuple[str, str | None]:
    """(content_hash, tables_hash) of a report, normalising it once."""
    content = normalised_content(report)
    tables = {key: content[key] for key in TABLE_KEYS}
    has_numbers = any(
        value is not None
        for table in tables.values() if table
        for cells in table.values()
        for value in cells.values()
    )
    repost: dict[str, Any] | None = None
    if content["agency"] is not None and report.year is not None:
        identity = {"agency": content["agency"], "year": report.year, "template": report.template}
        if report.template == "none" and any(content["sections"].values()):
            repost = identity | {"sections": content["sections"]}
        elif report.template != "none" and has_numbers:
            repost = identity | tables
    return _digest(content), (_digest(repost) if repost is not None else None)
