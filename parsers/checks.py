"""The four sums the template says must hold (domain.md §1), as findings, never corrections.

A blank cell counts as zero, as agencies leave zero cells blank (the Shuyang page: "every sum
holds when blank cells count as zero"); a check whose cells are all blank has nothing to say
(``ok`` is None).
"""

from __future__ import annotations

import math
from parsers.report import Cell, Check, Table
from parsers.template import (
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    REVIEW_COLUMNS,
    REVIEW_PARTS,
    application_rows,
)

_APPLICANTS_TOTAL = APPLICANT_COLUMNS[-1].key
_REVIEW_TOTAL = REVIEW_COLUMNS[-1].key


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _sum_counting_blanks(values: list[Cell]) -> tuple[float, int]:
    """The sum with blank cells as zero, and how many were blank (the check's detail says so)."""
    present = [value for value in values if value is not None]
    return sum(present, 0.0), len(values) - len(present)


def _check(rule: str, scope: str, left: list[Cell], right: list[Cell], left_name: str,
           right_name: str, unread: list[str] | None = None) -> Check:
    if unread:
        detail = f"not checked: {', '.join(unread)} not read (the page ends or lacks it)"
        return Check(rule, scope, None, detail)  # type: ignore[arg-type]
    a, left_blanks = _sum_counting_blanks(left)
    b, right_blanks = _sum_counting_blanks(right)
    blanks = left_blanks + right_blanks
    if blanks == len(left) + len(right):
        return Check(rule, scope, None, "every cell blank")  # type: ignore[arg-type]
    ok = math.isclose(a, b, rel_tol=0, abs_tol=1e-6)
    note = f" ({blanks} blank counted as 0)" if blanks else ""
    detail = f"{left_name} {_fmt(a)} {'=' if ok else '≠'} {right_name} {_fmt(b)}{note}"
    return Check(rule, scope, ok, detail)  # type: ignore[arg-type]


def run_checks(template: str, applications: Table | None, review_litigation: Table | None,
               unread: frozenset[str] = frozenset()) -> list[Check]:
    """Every check of the template, in a fixed order: balance and results_sum per table-3
    column, row_total per table-3 row, group_total per table-4 group.

    ``unread`` names the rows the page does not hold in full (``applications.total_handled``:
    the text ends before it, or it is missing): a sum over them is not checked (``ok`` None),
    as their blanks are not the report's zeros.
    """
    if template == "none" or applications is None or review_litigation is None:
        return []
    rows = application_rows(template)  # type: ignore[arg-type]
    results = [r.key for r in rows if r.is_result]

    def missing(table: str, keys: list[str]) -> list[str]:
        return [f"{table}.{k}" for k in keys if f"{table}.{k}" in unread]

    balance_rows = ["new_received", "carried_over", "total_handled", "carried_forward"]
    balance_unread = missing("applications", balance_rows)
    results_unread = missing("applications", ["total_handled", *results])
    checks: list[Check] = []
    for column in (c.key for c in APPLICANT_COLUMNS):
        col = {row: applications[row][column] for row in applications}
        checks.append(_check(
            "balance", f"applications.{column}",
            [col["new_received"], col["carried_over"]],
            [col["total_handled"], col["carried_forward"]],
            "new_received + carried_over", "total_handled + carried_forward", balance_unread,
        ))
        checks.append(_check(
            "results_sum", f"applications.{column}",
            [col["total_handled"]], [col[r] for r in results],
            "total_handled", "sum of results", results_unread,
        ))
    for row in (r.key for r in rows):
        cells = applications[row]
        checks.append(_check(
            "row_total", f"applications.{row}",
            [cells[_APPLICANTS_TOTAL]], [cells[p] for p in APPLICANT_PARTS],
            "total", "sum of applicants", missing("applications", [row]),
        ))
    for group, cells in review_litigation.items():
        checks.append(_check(
            "group_total", f"review_litigation.{group}",
            [cells[_REVIEW_TOTAL]], [cells[p] for p in REVIEW_PARTS],
            "total", "upheld + corrected + other + pending", missing("review_litigation", [group]),
        ))
    return checks
