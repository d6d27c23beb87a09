"""The typed report: what every parser returns and every other part of the project consumes.

Its ``to_dict`` is the ``disclosure-report/1`` contract (see ``schemas/``): fixed keys in a fixed
order, ``None`` for absent values. Tables hold every row and column of the report's template
version, so a missing cell is visibly ``None`` rather than silently absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from parsers.template import (
    APPLICANT_COLUMNS,
    PROACTIVE_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    SCHEMA_ID,
    TemplateVersion,
    application_rows,
)

Number = int | float
Cell = Number | None
Table = dict[str, dict[str, Cell]]
Template = Literal["2019", "2021", "none"]
CheckRule = Literal["balance", "results_sum", "row_total", "group_total"]

HEADER_KEYS: tuple[str, ...] = (
    "index_no", "disclosure_method", "doc_no", "publish_date", "written_date", "publisher", "topic",
)
SECTION_KEYS: tuple[str, ...] = ("overview", "problems", "other_matters")


@dataclass
class Header:
    """The metadata block above the report (索引号, 公开方式, …); unknown labels go to ``extra``."""

    index_no: str | None = None
    disclosure_method: str | None = None
    doc_no: str | None = None
    publish_date: str | None = None  # YYYY-MM-DD
    written_date: str | None = None  # YYYY-MM-DD
    publisher: str | None = None
    topic: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: getattr(self, key) for key in HEADER_KEYS}
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Header:
        return cls(**{key: data.get(key) for key in HEADER_KEYS}, extra=dict(data.get("extra") or {}))


@dataclass
class Sections:
    """Narrative text of sections 一, 五 and 六."""

    overview: str | None = None
    problems: str | None = None
    other_matters: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in SECTION_KEYS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sections:
        return cls(**{key: data.get(key) for key in SECTION_KEYS})


@dataclass(frozen=True)
class Check:
    """The outcome of one sum that the template says must hold. ``ok`` is None when all blank."""

    rule: CheckRule
    scope: str
    ok: bool | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "scope": self.scope, "ok": self.ok, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        return cls(data["rule"], data["scope"], data["ok"], data["detail"])


def empty_proactive(version: TemplateVersion) -> Table:
    """Table 2 of a template version with every cell blank."""
    return {b.key: {c.key: None for c in b.columns} for b in PROACTIVE_BLOCKS[version]}


def empty_applications(version: TemplateVersion) -> Table:
    """Table 3 of a template version with every cell blank."""
    return {r.key: {c.key: None for c in APPLICANT_COLUMNS} for r in application_rows(version)}


def empty_review_litigation() -> Table:
    """Table 4 with every cell blank."""
    return {g.key: {c.key: None for c in REVIEW_COLUMNS} for g in REVIEW_GROUPS}


@dataclass
class Report:
    """One annual information-disclosure report as published, numbers exactly as printed."""

    url: str | None = None
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    template: Template = "none"
    header: Header = field(default_factory=Header)
    sections: Sections = field(default_factory=Sections)
    proactive: Table | None = None
    applications: Table | None = None
    review_litigation: Table | None = None
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def blank(cls, template: Template, **kwargs: Any) -> Report:
        """A report whose tables hold every cell of ``template``, all blank."""
        report = cls(template=template, **kwargs)
        if template != "none":
            report.proactive = empty_proactive(template)
            report.applications = empty_applications(template)
            report.review_litigation = empty_review_litigation()
        return report

    @property
    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if check.ok is False]

    def to_dict(self) -> dict[str, Any]:
        """The report in the ``disclosure-report/1`` shape."""
        return {
            "schema": SCHEMA_ID,
            "url": self.url,
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "header": self.header.to_dict(),
            "sections": self.sections.to_dict(),
            "proactive": _copy_table(self.proactive),
            "applications": _copy_table(self.applications),
            "review_litigation": _copy_table(self.review_litigation),
            "checks": [check.to_dict() for check in self.checks],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from its ``disclosure-report/1`` form (e.g. read from the archive)."""
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document: schema={data.get('schema')!r}")
        return cls(
            url=data.get("url"),
            title=data.get("title"),
            agency=data.get("agency"),
            year=data.get("year"),
            template=data.get("template", "none"),
            header=Header.from_dict(data.get("header") or {}),
            sections=Sections.from_dict(data.get("sections") or {}),
            proactive=_copy_table(data.get("proactive")),
            applications=_copy_table(data.get("applications")),
            review_litigation=_copy_table(data.get("review_litigation")),
            checks=[Check.from_dict(c) for c in data.get("checks") or []],
            warnings=list(data.get("warnings") or []),
        )


def _copy_table(table: Table | None) -> Table | None:
    return None if table is None else {row: dict(cells) for row, cells in table.items()}
