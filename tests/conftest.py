"""Shared test fixtures: paths to the shared real-world inputs kept beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DISCLOSURE_SHARED", REPO_ROOT.parent / "shared"))
SEED_REPORT = SHARED / "seed" / "hangzhou-commerce-2023.txt"
REAL_PAGES = SHARED / "real-pages"
SCHEMA_FILE = REPO_ROOT / "schemas" / "disclosure-report-1.schema.json"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared inputs not found at {SHARED}; set DISCLOSURE_SHARED to their folder")
    return SHARED


# ---- a running replica portal (replica/server.py) ---------------------------------------------


@pytest.fixture(scope="module")
def replica():
    """A replica portal of 60 reports (seed "tests") served over HTTP for a test module. It
    serves the seed reference report when the shared inputs and the parser are there.

    It is a ``str`` (the base URL) that also carries the controls: ``.catalog``, ``.stats()``,
    ``.reconfigure(reports=…, edit=…, faults=…)``, ``.manifest()``.
    """
    from replica.server import ReplicaConfig, serve_replica

    with serve_replica(ReplicaConfig(reports=60, seed="tests")) as running:
        yield running


@pytest.fixture
def make_replica():
    """Start replicas with any configuration: ``make_replica(reports=20, faults=FaultConfig(…))``;
    each is stopped when the test ends."""
    from replica.server import ReplicaConfig, start_replica

    started = []

    def make(**config):
        running = start_replica(ReplicaConfig(**config))
        started.append(running)
        return running

    yield make
    for running in started:
        running.server.stop()
