"""Crawl runs as a scheduled crawl reads and writes them: the last run, the outcome, the history.

A scheduled run compares itself with the previous run of the same spider on the same portal
(reports listed, column totals), records its alarms and exit code when it ends, and marks runs
that never finished (killed, out of time) as failed, so ``disclosure-archive runs`` tells the
truth about every night.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from storage.models import CrawlRun

RUNS = CrawlRun.__table__
# Columns a finished run may be given besides the archive's own counts.
OUTCOME_COLUMNS: tuple[str, ...] = ("mode", "requests", "reports_listed", "blocked", "alarms",
                                    "exit_code", "status", "stats", "finished_at")


def previous_run(connection: Connection, spider: str, portal: str,
                 started_before: datetime) -> dict[str, Any] | None:
    """The latest run of ``spider`` on ``portal`` started before ``started_before``, as a dict."""
    row = connection.execute(
        select(RUNS)
        .where(RUNS.c.spider == spider, RUNS.c.portal == portal,
               RUNS.c.started_at < started_before)
        .order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(1)
    ).mappings().first()
    return dict(row) if row is not None else None


def record_outcome(connection: Connection, run_id: int, **values: Any) -> None:
    """Set a run's outcome columns (see ``OUTCOME_COLUMNS``); unknown names are an error."""
    unknown = set(values) - set(OUTCOME_COLUMNS)
    if unknown:
        raise ValueError(f"not outcome columns of a crawl run: {', '.join(sorted(unknown))}")
    if values:
        connection.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))


def mark_interrupted(connection: Connection, spider: str, portal: str | None = None,
                     reason: str = "interrupted: the run never finished") -> list[int]:
    """Mark runs of ``spider`` still 'running' as failed; call only while holding the run lock."""
    query = select(RUNS.c.id, RUNS.c.alarms).where(RUNS.c.spider == spider,
                                                   RUNS.c.status == "running")
    if portal is not None:
        query = query.where(RUNS.c.portal == portal)
    stale = list(connection.execute(query))
    for run_id, alarms in stale:
        connection.execute(update(RUNS).where(RUNS.c.id == run_id).values(
            status="failed", finished_at=datetime.now(UTC),
            alarms=[*(alarms or []), reason],
        ))
    return [run_id for run_id, _ in stale]


def recent_runs(engine: Engine, limit: int = 20, spider: str | None = None) -> list[dict[str, Any]]:
    """The latest ``limit`` runs, newest first, without their stats blobs."""
    columns = [c for c in RUNS.c if c.name != "stats"]
    query = select(*columns).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit)
    if spider:
        query = query.where(RUNS.c.spider == spider)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
