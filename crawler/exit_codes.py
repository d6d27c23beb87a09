"""Exit codes of a crawl run: what cron and systemd see (no imports, so the CLI stays quick)."""

from __future__ import annotations

EXIT_OK = 0          # finished, no alarm
EXIT_ALARM = 1       # an alarm: site changed, no reports, a column shrank, failures, lost pages
EXIT_USAGE = 2       # bad arguments, unknown spider
EXIT_BLOCKED = 3     # the portal answered with anti-bot challenges
EXIT_TIME_LIMIT = 4  # the run hit its time limit (stopped, or killed when it overran)
EXIT_LOCKED = 5      # another run of the same spider holds the lock: this one did not start
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "finished, no alarm",
    EXIT_ALARM: "alarm (site changed, no reports, column shrank, parse/check failures, lost pages)",
    EXIT_USAGE: "usage error",
    EXIT_BLOCKED: "blocked by anti-bot challenges",
    EXIT_TIME_LIMIT: "time limit reached",
    EXIT_LOCKED: "another run holds the lock",
}
