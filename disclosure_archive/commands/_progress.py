"""Progress of long commands (export, reparse) on a terminal; silent when stderr is piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")
PROGRESS_EVERY = 1000


def with_progress(
    items: Iterable[T], unit: str, stream: TextIO | None = None, every: int = PROGRESS_EVERY,
    *, label: str = "export",
) -> Iterator[T]:
    """Pass ``items`` through, printing count and rate every ``every`` items to ``stream``
    (stderr) when it is a terminal; silent when it is piped or redirected."""
    stream = stream if stream is not None else sys.stderr
    if not _is_terminal(stream):
        yield from items
        return
    start = time.monotonic()
    count = 0
    for count, item in enumerate(items, 1):
        yield item
        if count % every == 0:
            rate = count / max(time.monotonic() - start, 1e-9)
            print(f"{label}: {count} {unit}, {rate:.0f}/s", file=stream, flush=True)
    print(f"{label}: {count} {unit} done", file=stream, flush=True)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
