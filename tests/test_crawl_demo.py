"""``disclosure-archive demo``, the README's main job: twice, in a fresh directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPORTS = 30


def demo(cwd: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "disclosure_archive", "demo", "--reports", str(REPORTS)],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin"},  # no DATABASE_URL: the archive is archive.db in cwd
    )
    assert done.returncode == 0, done.stdout + done.stderr
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^  ([a-z][a-z ()-]+?)\s+(\d+)$",
                                                   done.stdout, re.M)}
    assert "examples:" in done.stdout
    return counts


def test_demo_archives_the_replica_then_finds_nothing_new(tmp_path: Path) -> None:
    first = demo(tmp_path)
    assert (tmp_path / "archive.db").is_file()
    assert first["report pages archived"] == REPORTS
    assert first["new versions"] == REPORTS
    assert first["failures (kept raw)"] == 0
    assert first["non-reports skipped"] > 0

    second = demo(tmp_path)
    assert second["new versions"] == 0
    assert second["new documents"] == 0
    assert second["unchanged"] == REPORTS
