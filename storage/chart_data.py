"""The numbers behind each chart, read from the archive with the stats queries.

Kept apart from the drawing (``storage.charts``) so the figures a chart shows can be checked,
printed or reused without matplotlib. Every chart counts each report once: the current version
of each document, reposts (copies of a report archived under another address) left out.
Outcome categories and their labels come from ``parsers/template.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, distinct, func, select

from parsers.template import APPLICATION_GROUP_LABELS, APPLICATION_ROWS, RESULTS_LABEL
from storage.models import CheckFinding, Document, Version
from storage.stats import StatsQuery, row_sums

KINDS: tuple[str, ...] = ("applications", "outcomes-by-agency", "check-failures")


class ChartDataError(ValueError):
    """Nothing to draw (an empty archive, filters that match nothing) or a bad option."""


@dataclass(frozen=True)
class ChartFilter:
    agency: str | None = None  # substring
    year: int | None = None
    portal: str | None = None

    def describe(self) -> str:
        parts = [f"agency contains {self.agency}" if self.agency else "",
                 f"year {self.year}" if self.year is not None else "",
                 f"portal {self.portal}" if self.portal else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: tuple[float, ...]  # one per category of the chart


@dataclass(frozen=True)
class ChartData:
    """A chart's data table: categories (years, agencies) and one value per series and category."""

    kind: str
    title: str
    category_name: str
    value_name: str
    categories: tuple[Any, ...]
    series: tuple[Series, ...]
    reports: int  # reports the figures come from
    filters: ChartFilter = field(default_factory=ChartFilter)
    markers: Series | None = None  # drawn over the bars (applications received)
    percent: bool = False  # series are shares of each category's total (0..1)

    def table(self) -> dict[str, dict[Any, float]]:
        """series key -> {category: value}, e.g. ``table()["granted"][2023]``."""
        rows = [*self.series, *([self.markers] if self.markers else [])]
        return {s.key: dict(zip(self.categories, s.values)) for s in rows}


@dataclass(frozen=True)
class Outcome:
    """A result of table 3 as charts show it: one row, or a group of rows (（三）不予公开 …)."""

    key: str
    label: str
    rows: tuple[str, ...]


def _outcomes() -> tuple[Outcome, ...]:
    group_keys = dict(zip(APPLICATION_GROUP_LABELS,
                          ("withheld", "unavailable", "not_processed", "other")))
    found: dict[str, tuple[str, list[str]]] = {}
    for row in APPLICATION_ROWS:
        if not row.is_result:
            continue
        if row.group in group_keys:
            key, label = group_keys[row.group], row.group
        elif row.label in group_keys:  # the 2019 template's single （六）其他处理 row
            key, label = group_keys[row.label], row.label
        else:
            assert row.group == RESULTS_LABEL
            key, label = row.key, min(row.labels, key=len)
        found.setdefault(key, (label, []))[1].append(row.key)
    return tuple(Outcome(key, label, tuple(rows)) for key, (label, rows) in found.items())


OUTCOMES: tuple[Outcome, ...] = _outcomes()
RECEIVED_ROW = "new_received"
RECEIVED_LABEL = next(r.label for r in APPLICATION_ROWS if r.key == RECEIVED_ROW).split("、", 1)[-1]

CHECK_RULES: dict[str, str] = {  # the four sums of the template (domain.md §1)
    "balance": "balance: received + carried over = handled + carried forward",
    "results_sum": "results_sum: handled = sum of results",
    "row_total": "row_total: total = sum of applicants",
    "group_total": "group_total: review/litigation total = sum of results",
}


def _row_sums(engine: Engine, where: ChartFilter, rows: list[str], by: str) -> dict[str, dict[Any, float]]:
    """row -> {group: sum of the row's totals}, blanks left out, in one query."""
    query = StatsQuery(table="applications", row=rows[0], column="total", by=by, year=where.year,
                       agency=where.agency, portal=where.portal, originals_only=True)
    return {row: {group: value or 0.0 for group, (value, _) in per_group.items()}
            for row, per_group in row_sums(engine, query, rows).items()}


def _outcome_sums(engine: Engine, where: ChartFilter, by: str) -> tuple[dict[str, dict[Any, float]], dict[Any, float]]:
    """(outcome key -> {group: sum of its rows' totals}, {group: applications received})."""
    sums = _row_sums(engine, where, [RECEIVED_ROW, *(r for o in OUTCOMES for r in o.rows)], by)
    outcomes: dict[str, dict[Any, float]] = {}
    for outcome in OUTCOMES:
        per_group: dict[Any, float] = {}
        for row in outcome.rows:
            for group, value in sums[row].items():
                per_group[group] = per_group.get(group, 0.0) + value
        outcomes[outcome.key] = per_group
    return outcomes, sums[RECEIVED_ROW]


def _report_count(engine: Engine, where: ChartFilter, *conditions: Any) -> int:
    statement = (
        select(func.count(distinct(Document.id)))
        .join(Version, Version.id == Document.current_version_id)
        .where(Document.repost_of_id.is_(None), *_conditions(where), *conditions)
    )
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def _conditions(where: ChartFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.agency:
        conditions.append(Version.agency.contains(where.agency, autoescape=True))
    if where.year is not None:
        conditions.append(Version.year == where.year)
    if where.portal:
        conditions.append(Document.portal == where.portal)
    return conditions


def _nothing(engine: Engine, where: ChartFilter, what: str) -> ChartDataError:
    if _report_count(engine, ChartFilter()) == 0:
        return ChartDataError("the archive holds no reports yet; crawl a portal first")
    scope = f" matching {where.describe()}" if where.describe() else ""
    return ChartDataError(f"no reports{scope} have {what}")


def applications_by_year(engine: Engine, where: ChartFilter) -> ChartData:
    """Applications received (本年新收) and the outcome of those handled, summed per report year."""
    outcomes, received = _outcome_sums(engine, where, "year")
    years = sorted({y for per in outcomes.values() for y in per} | set(received),
                   key=lambda y: (y is None, y))
    if not years:
        raise _nothing(engine, where, "application tables")
    return ChartData(
        kind="applications", title="Information-disclosure applications: received and outcomes",
        category_name="Report year", value_name="Applications",
        categories=tuple(years),
        series=tuple(Series(o.key, o.label, tuple(outcomes[o.key].get(y, 0.0) for y in years))
                     for o in OUTCOMES),
        markers=Series(RECEIVED_ROW, RECEIVED_LABEL,
                       tuple(received.get(y, 0.0) for y in years)),
        reports=_report_count(engine, where, Version.template != "none"),
        filters=where,
    )


def outcome_shares_by_agency(engine: Engine, where: ChartFilter, top: int = 15) -> ChartData:
    """Share of each outcome in the applications an agency handled, for the ``top`` agencies
    that handled the most."""
    if top < 1:
        raise ChartDataError(f"--top must be at least 1, not {top}")
    outcomes, _ = _outcome_sums(engine, where, "agency")
    totals: dict[Any, float] = {}
    for per in outcomes.values():
        for agency, value in per.items():
            totals[agency] = totals.get(agency, 0.0) + value
    ranked = sorted((a for a, t in totals.items() if t > 0), key=lambda a: (-totals[a], str(a)))[:top]
    if not ranked:
        raise _nothing(engine, where, "handled applications")
    return ChartData(
        kind="outcomes-by-agency",
        title=f"Outcomes of handled applications: the {len(ranked)} agencies that handled most",
        category_name="Agency", value_name="Share of applications handled",
        categories=tuple(ranked),
        series=tuple(Series(o.key, o.label,
                            tuple(outcomes[o.key].get(a, 0.0) / totals[a] for a in ranked))
                     for o in OUTCOMES),
        markers=Series("handled", "handled", tuple(totals[a] for a in ranked)),
        reports=_report_count(engine, where, Version.agency.in_(ranked)),
        filters=where, percent=True,
    )


def check_failures_by_year(engine: Engine, where: ChartFilter) -> ChartData:
    """Reports whose current version fails each of the template's sums, per report year."""
    statement = (
        select(Version.year, CheckFinding.rule, func.count(distinct(CheckFinding.version_id)))
        .select_from(Document)
        .join(Version, Version.id == Document.current_version_id)
        .join(CheckFinding, CheckFinding.version_id == Version.id)
        .where(CheckFinding.ok.is_(False), Document.repost_of_id.is_(None), *_conditions(where))
        .group_by(Version.year, CheckFinding.rule)
    )
    with engine.connect() as connection:
        counts = {(year, rule): n for year, rule, n in connection.execute(statement)}
    checked = (
        select(Version.year).distinct()
        .select_from(Document)
        .join(Version, Version.id == Document.current_version_id)
        .join(CheckFinding, CheckFinding.version_id == Version.id)
        .where(Document.repost_of_id.is_(None), *_conditions(where))
    )
    with engine.connect() as connection:
        years = sorted({y for (y,) in connection.execute(checked)}, key=lambda y: (y is None, y))
    if not years:
        raise _nothing(engine, where, "checked sums")
    rules = [*CHECK_RULES, *sorted({r for _, r in counts} - set(CHECK_RULES))]
    return ChartData(
        kind="check-failures", title="Reports whose sums do not hold, by check and year",
        category_name="Report year", value_name="Reports failing the check",
        categories=tuple(years),
        series=tuple(Series(rule, CHECK_RULES.get(rule, rule),
                            tuple(float(counts.get((y, rule), 0)) for y in years))
                     for rule in rules),
        reports=_report_count(engine, where, Version.template != "none"),
        filters=where,
    )


def chart_data(engine: Engine, kind: str, where: ChartFilter, *, top: int = 15) -> ChartData:
    """The data of one kind of chart (see ``KINDS``)."""
    makers: dict[str, Callable[[], ChartData]] = {
        "applications": lambda: applications_by_year(engine, where),
        "outcomes-by-agency": lambda: outcome_shares_by_agency(engine, where, top),
        "check-failures": lambda: check_failures_by_year(engine, where),
    }
    if kind not in makers:
        raise ChartDataError(f"unknown chart {kind!r}; valid: {', '.join(KINDS)}")
    return makers[kind]()
