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
