"""``disclosure-archive crawl SPIDER``: one crawl into the archive, fit for cron.

The same crawl as ``scrapy crawl SPIDER`` (project settings: robots.txt, AutoThrottle, one
request at a time per host; incremental unless ``--mode full``), run in a child process so that:

- a lock (``fcntl``, released by the kernel when the holder dies, so a killed run never blocks
  the next) keeps two runs of one spider from overlapping: the second is refused;
- a hard time limit holds: Scrapy closes the spider at ``--time-limit`` seconds
  (``CLOSESPIDER_TIMEOUT``) and the child is killed if it overruns by ``--kill-grace``;
- runs left "running" by a crash or kill are marked failed before the next starts;
- every alarm prints one line naming the problem, and the exit code says what happened
  (``crawler.exit_codes.EXIT_CODES``: 0 ok, 1 alarm, 2 usage, 3 blocked, 4 time limit, 5 locked).

Also runnable as ``python -m disclosure_archive.commands.crawl``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crawler.exit_codes import EXIT_ALARM, EXIT_CODES, EXIT_LOCKED, EXIT_TIME_LIMIT, EXIT_USAGE

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TIME_LIMIT = 4 * 3600


class LockedError(Exception):
    """Another run holds the lock."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "crawl", help="crawl one portal into the archive (polite, incremental; for cron)",
        description="Run a spider (e.g. hangzhou) into the archive, print what was archived and "
                    "every alarm. Exit codes: "
                    + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + ".",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spider", help="spider name, e.g. hangzhou")
    parser.add_argument("--base-url", help="crawl this copy of the portal (e.g. a local replica)")
    parser.add_argument("--columns", help="comma-separated column ids instead of the spider's")
    parser.add_argument("--mode", choices=("incremental", "full"), default="incremental",
                        help="incremental (default): only what is new; full: revisit every "
                             "report with conditional requests to find edits")
    parser.add_argument("--database", metavar="URL",
                        help="archive database URL (default $DATABASE_URL, else sqlite:///archive.db)")
    parser.add_argument("-O", "--output", metavar="FILE",
                        help="also write the reports as disclosure-report/1 JSON Lines to FILE")
    parser.add_argument("--log-level", default="INFO", help="Scrapy log level (default INFO)")
    parser.add_argument("--log-file", help="write the crawl log (and the alarms) to this file")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help=f"stop the crawl after this long, 0 for none (default {DEFAULT_TIME_LIMIT})")
    parser.add_argument("--kill-grace", type=float, default=60.0, metavar="SECONDS",
                        help="kill the crawl if it has not stopped this long after the time limit")
    parser.add_argument("--lock-file", metavar="PATH",
                        help="lock held while crawling (default: disclosure-archive-crawl-SPIDER.lock "
                             "in the temporary directory)")
    parser.add_argument("--max-parse-failures", type=float, metavar="SHARE",
                        help="alarm above this share of report pages not fetched or not readable "
                             "(default 0.05)")
    parser.add_argument("--max-check-failures", type=float, metavar="SHARE",
                        help="alarm above this share of fetched reports whose sums do not hold "
                             "(default 0.5)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing when the run is clean (for cron: mail only alarms)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")


def run(args: argparse.Namespace) -> int:
    settings: dict[str, str] = {"LOG_LEVEL": args.log_level}
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"crawl: -s expects NAME=VALUE, not {pair!r}")
            return EXIT_USAGE
        settings[name] = value
    if args.database:
        settings["DATABASE_URL"] = args.database
    if args.log_file:
        settings["LOG_FILE"] = args.log_file
    if args.time_limit and args.time_limit > 0:
        settings["CLOSESPIDER_TIMEOUT"] = str(args.time_limit)
    for option, name in ((args.max_parse_failures, "ALARM_MAX_PARSE_FAILURES"),
                         (args.max_check_failures, "ALARM_MAX_CHECK_FAILURES")):
        if option is not None:
            settings[name] = str(option)
    if not _spider_exists(args.spider):
        print(f"crawl: no spider named {args.spider!r}")
        return EXIT_USAGE
    lock_path = Path(args.lock_file or Path(tempfile.gettempdir())
                     / f"disclosure-archive-crawl-{args.spider}.lock")
    try:
        with run_lock(lock_path) as lock:
            return _locked_run(args, settings, lock)
    except LockedError as error:
        print(f"crawl: {error}")
        return EXIT_LOCKED


@contextmanager
def run_lock(path: Path) -> Iterator[IO[str]]:
    """An exclusive ``fcntl`` lock on ``path`` (freed by the kernel if this process dies)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockedError(f"another crawl is running (lock {path} held by pid {holder}); "
                              "not starting") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield handle
    finally:
        handle.close()


def _locked_run(args: argparse.Namespace, settings: dict[str, str], lock: IO[str]) -> int:
    _mark_interrupted(args.spider, settings.get("DATABASE_URL"))
    with tempfile.TemporaryDirectory(prefix="crawl-") as tmp:
        stats_file = Path(tmp) / "stats.json"
        settings["STATS_FILE"] = str(stats_file)
        command = _command(args, settings)
        env = dict(os.environ)
        env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        # The child inherits the locked file: the lock holds until both have exited.
        process = subprocess.Popen(command, env=env, pass_fds=(lock.fileno(),))
        killed = _wait(process, args.time_limit, args.kill_grace)
        stats = json.loads(stats_file.read_text("utf-8")) if stats_file.is_file() else {}
    if killed:
        _mark_interrupted(args.spider, settings.get("DATABASE_URL"),
                          f"time limit: killed after {args.time_limit + args.kill_grace:.0f} s")
        return _finish(args, None, [f"time limit: the crawl overran {args.time_limit:.0f} s and "
                                    "was killed; the next run resumes"], EXIT_TIME_LIMIT)
    if not stats:
        return _finish(args, None, [f"crawl failed: the crawl process exited with "
                                    f"{process.returncode} before it had counts (see the log)"],
                       EXIT_ALARM)
    from crawler.runs import exit_code

    return _finish(args, stats, list(stats.get("alarms") or []),
                   int(stats.get("exit_code", exit_code(stats))))


def _command(args: argparse.Namespace, settings: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", args.spider, "-a", f"mode={args.mode}"]
    for name, value in (("base_url", args.base_url), ("columns", args.columns)):
        if value:
            command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    if args.output:
        command += ["-O", args.output]
    return command


def _wait(process: subprocess.Popen[bytes], time_limit: float, grace: float) -> bool:
    """Wait for the crawl; past the time limit and grace, stop it (TERM, then KILL). Killed?"""
    deadline = time_limit + grace if time_limit and time_limit > 0 else None
    try:
        process.wait(timeout=deadline)
        return False
    except subprocess.TimeoutExpired:
        pass
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return True


def _mark_interrupted(spider: str, database: str | None, reason: str | None = None) -> None:
    """Runs of this spider still 'running' (we hold the lock, so none is): mark them failed."""
    from storage.archive import Archive

    with Archive.open(database) as archive:
        stale = archive.mark_interrupted(spider, reason=reason) if reason else \
            archive.mark_interrupted(spider)
    for run_id in stale:
        print(f"note: run {run_id} of {spider} never finished (killed or crashed); marked failed")


def _counts(stats: dict[str, Any]) -> str:
    counts = ", ".join(
        f"{stats.get(f'archive/{name}', 0)} {name.replace('_', ' ')}"
        for name in ("pages", "new_documents", "new_versions", "unchanged", "reposts", "failures",
                     "check_failures")
    )
    return (f"crawl {stats.get('finish_reason', 'unfinished')} ({stats.get('incremental/mode')}, "
            f"{stats.get('downloader/request_count', 0)} requests): {counts}")


def _finish(args: argparse.Namespace, stats: dict[str, Any] | None, alarms: list[str],
            code: int) -> int:
    """Print the counts, one line per alarm and the exit code's meaning (also into the log
    file); with --quiet, nothing for a clean run."""
    lines = [_counts(stats)] if stats else []
    lines += [f"alarm: {line}" for line in alarms]
    lines.append(f"exit {code}: {EXIT_CODES.get(code, 'unknown')}")
    if code != 0 or not args.quiet:
        for line in lines:
            print(line)
    if args.log_file:
        with open(args.log_file, "a", encoding="utf-8") as log:
            log.writelines(f"[disclosure-archive crawl] {line}\n" for line in lines)
    return code


def _spider_exists(name: str) -> bool:
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return name in get_spider_loader(settings).list()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure-archive crawl")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
