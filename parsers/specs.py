"""The three report tables as the table reader sees them, built from ``parsers.template``.

Each ``TableSpec`` lists the table's rows with their columns in template order and the
vocabulary of every label the table prints: rows, groups of rows, columns, groups of columns
(with the columns they span, so a header's structure can be read from its labels) and
sub-headings. Nothing here spells a label; it all comes from the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from parsers.labels import LabelRef, Role, Vocabulary
from parsers.template import (
    APPLICANT_COLUMNS,
    APPLICANT_GROUP_LABEL,
    APPLICATION_GROUP_LABELS,
    LITIGATION_LABEL,
    ORGANISATION_GROUP_LABEL,
    PROACTIVE_BLOCKS,
    RESULTS_LABEL,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    VERSION_MARKERS,
    TemplateVersion,
    application_rows,
)
from parsers.textnorm import base_key, label_key

TableName = str  # "proactive" | "applications" | "review_litigation"
TABLES: tuple[TableName, ...] = ("proactive", "applications", "review_litigation")
# The report section (domain.md §1) that holds each table.
TABLE_SECTIONS: dict[TableName, str] = {
    "proactive": "二", "applications": "三", "review_litigation": "四",
}


@dataclass(frozen=True)
class TableSpec:
    name: TableName
    rows: dict[str, tuple[str, ...]]  # row key -> its column keys, both in template order
    vocabulary: Vocabulary
    # Table 4 prints its three groups side by side, each over the same five columns: a header
    # group is a band whose columns belong to that group's row.
    banded: bool = False

    def scope(self, row: str, column: str | None = None) -> str:
        return f"{self.name}.{row}" + (f".{column}" if column else "")


def _column(key: str) -> LabelRef:
    return LabelRef(Role.COLUMN, key, f"col:{key}")


@cache
def proactive_spec(version: TemplateVersion) -> TableSpec:
    entries: list[tuple[str, LabelRef]] = []
    rows: dict[str, tuple[str, ...]] = {}
    for block in PROACTIVE_BLOCKS[version]:
        rows[block.key] = tuple(c.key for c in block.columns)
        entries += [(label, LabelRef(Role.ROW, block.key, f"row:{block.key}"))
                    for label in block.labels]
        entries += [(label, _column(c.key)) for c in block.columns for label in c.labels]
        entries.append((block.item, LabelRef(Role.HEADING, block.item, f"head:{block.item}")))
    return TableSpec("proactive", rows, Vocabulary(entries))


# 法人或其他组织 spans every applicant column between 自然人 and the total.
_ORGANISATION_COLUMNS = tuple(c.key for c in APPLICANT_COLUMNS[1:-1])


@cache
def applications_spec(version: TemplateVersion) -> TableSpec:
    template_rows = application_rows(version)
    columns = tuple(c.key for c in APPLICANT_COLUMNS)
    entries: list[tuple[str, LabelRef]] = []
    row_labels = set()
    for row in template_rows:
        entries += [(label, LabelRef(Role.ROW, row.key, f"row:{row.key}")) for label in row.labels]
        row_labels.update(label_key(label) for label in row.labels)
    for group in (RESULTS_LABEL, *APPLICATION_GROUP_LABELS):
        if label_key(group) not in row_labels:  # 2019: （六）其他处理 is a row, not a group
            entries.append((group, LabelRef(Role.ROW_GROUP, group, f"rows:{group}")))
    entries += [(label, _column(c.key)) for c in APPLICANT_COLUMNS for label in c.labels]
    entries.append((ORGANISATION_GROUP_LABEL, LabelRef(
        Role.COLUMN_GROUP, "organisations", "grp:organisations",
        tuple(f"col:{k}" for k in _ORGANISATION_COLUMNS),
    )))
    first, last = APPLICANT_COLUMNS[0].key, APPLICANT_COLUMNS[-1].key
    entries.append((APPLICANT_GROUP_LABEL, LabelRef(
        Role.COLUMN_GROUP, "applicants", "grp:applicants",
        (f"col:{first}", "grp:organisations", f"col:{last}"),
    )))
    rows = {row.key: columns for row in template_rows}
    return TableSpec("applications", rows, Vocabulary(entries))


@cache
def review_spec() -> TableSpec:
    columns = tuple(c.key for c in REVIEW_COLUMNS)
    entries: list[tuple[str, LabelRef]] = []
    entries += [(label, _column(c.key)) for c in REVIEW_COLUMNS for label in c.labels]
    for group in REVIEW_GROUPS:
        band = LabelRef(Role.COLUMN_GROUP, group.key, f"grp:{group.key}",
                        tuple(f"col:{k}" for k in columns), band=True)
        row = LabelRef(Role.ROW, group.key, f"row:{group.key}")
        entries += [(label, band) for label in group.labels]
        entries += [(label, row) for label in group.labels]
    entries.append((LITIGATION_LABEL, LabelRef(
        Role.COLUMN_GROUP, "litigation", "grp:litigation",
        tuple(f"grp:{g.key}" for g in REVIEW_GROUPS[1:]),
    )))
    rows = {g.key: columns for g in REVIEW_GROUPS}
    return TableSpec("review_litigation", rows, Vocabulary(entries), banded=True)


def table_spec(name: TableName, version: TemplateVersion) -> TableSpec:
    if name == "proactive":
        return proactive_spec(version)
    if name == "applications":
        return applications_spec(version)
    return review_spec()


@cache
def version_markers() -> dict[str, TemplateVersion]:
    """Column headers of table 2 that tell the template version apart (folded keys)."""
    return {label_key(m): v for v, markers in VERSION_MARKERS.items() for m in markers}


@cache
def table_markers() -> dict[str, TableName]:
    """Labels that only one table prints: where a table starts when its heading is missing."""
    markers: dict[str, TableName] = {}
    for version, blocks in PROACTIVE_BLOCKS.items():
        for block in blocks:
            markers[base_key(label_key(block.item))] = "proactive"
    for key in version_markers():
        markers[key] = "proactive"
    t3 = [APPLICANT_GROUP_LABEL, APPLICANT_COLUMNS[0].label]
    t3 += [label for row in application_rows("2021")[:2] for label in row.labels]
    for label in t3:
        markers[base_key(label_key(label))] = "applications"
    for label in (LITIGATION_LABEL, *(label for g in REVIEW_GROUPS for label in g.labels)):
        markers[base_key(label_key(label))] = "review_litigation"
    return markers
