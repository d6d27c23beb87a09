"""``disclosure-archive replica``: serve the replica portal on 127.0.0.1 and print its base URL.

The first line on stdout is the base URL, printed once the server is ready (after the manifest,
if asked for, is written); a summary goes to stderr. Runs until interrupted (Ctrl-C, SIGTERM).
Also runnable as ``python -m disclosure_archive.commands.replica`` (what ``ReplicaProcess``
does), which needs no other command to be importable.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from replica.faults import CHALLENGE_KINDS, FaultConfig


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a rate is between 0 and 1, not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--reports", type=int, default=100, help="annual-report pages to publish")
    parser.add_argument("--seed", default="0", help="seed of everything published (default 0)")
    parser.add_argument("--edit", type=int, default=0, metavar="K",
                        help="edit K published reports, so that re-crawls see new versions")
    parser.add_argument("--manifest", type=Path, metavar="FILE",
                        help="write one JSON line per published article to FILE")
    parser.add_argument("--reference", type=Path, metavar="FILE",
                        help="the seed reference report's text (default: ../shared/seed/...)")
    parser.add_argument("--cache-mb", type=int, default=64, help="rendered-page cache size")
    parser.add_argument("--jpaas-reports", type=int, default=0, metavar="N",
                        help="also serve Hangzhou's newer (jpaas) column with N reports")
    parser.add_argument("--gkmlpt-reports", type=int, default=0, metavar="N",
                        help="also serve a gkmlpt portal under /gkmlpt/ with N reports")
    faults = parser.add_argument_group("fault switches (deterministic per seed and URL)")
    faults.add_argument("--slow-ms", type=int, default=0, help="added latency of every response")
    faults.add_argument("--error-rate", type=_rate, default=0.0,
                        help="share of requests answered 5xx")
    faults.add_argument("--timeout-rate", type=_rate, default=0.0,
                        help="share of requests held past any client timeout")
    faults.add_argument("--hang-seconds", type=float, default=30.0,
                        help="how long a timed-out request is held (default 30)")
    faults.add_argument("--truncate-rate", type=_rate, default=0.0,
                        help="share of article pages sent cut short")
    faults.add_argument("--truncate-mode", choices=("length", "cut", "mixed"), default="mixed",
                        help="length: Content-Length larger than the body; cut: body cut mid-table")
    faults.add_argument("--oversize-rate", type=_rate, default=0.0,
                        help="share of article pages padded to --oversize-bytes")
    faults.add_argument("--oversize-bytes", type=int, default=16 * 1024 * 1024)
    faults.add_argument("--challenge", choices=(*CHALLENGE_KINDS, "mixed"),
                        help="answer with an anti-bot challenge: ruishu (412), jsl (521), wzws")
    faults.add_argument("--challenge-rate", type=_rate, default=1.0,
                        help="share of requests challenged when --challenge is set (default 1)")
    faults.add_argument("--fault-attempts", type=int, default=1,
                        help="attempts a transient fault (5xx, timeout, truncation) lasts")
    faults.add_argument("--redesign", action="store_true",
                        help="the site changed its list markup: no <datastore>, no dataproxy")
    faults.add_argument("--jpaas-ignore-page-no", action="store_true",
                        help="the newer list endpoint answers page 1 to plain HTTP clients")


def config_from_args(args: argparse.Namespace):  # -> ReplicaConfig (imported lazily)
    from replica.server import ReplicaConfig

    return ReplicaConfig(
        reports=args.reports, seed=args.seed, edit=args.edit, host=args.host, port=args.port,
        reference=args.reference, cache_mb=args.cache_mb,
        jpaas_reports=args.jpaas_reports, gkmlpt_reports=args.gkmlpt_reports,
        faults=FaultConfig(
            slow_ms=args.slow_ms, error_rate=args.error_rate, timeout_rate=args.timeout_rate,
            hang_seconds=args.hang_seconds, truncate_rate=args.truncate_rate,
            truncate_mode=args.truncate_mode, oversize_rate=args.oversize_rate,
            oversize_bytes=args.oversize_bytes, challenge=args.challenge,
            challenge_rate=args.challenge_rate, fault_attempts=args.fault_attempts,
            redesign=args.redesign, jpaas_ignore_page_no=args.jpaas_ignore_page_no,
        ),
    )


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from replica.server import ReplicaHTTPServer, write_manifest

    try:
        config = config_from_args(args)
        server = ReplicaHTTPServer(config)
    except (ValueError, OSError) as exc:
        print(f"replica: {exc}", file=sys.stderr)
        return 2
    catalog = server.portal.catalog
    if args.manifest is not None:
        with args.manifest.open("w", encoding="utf-8") as out:
            write_manifest(catalog, server.base_url, out,
                           server.portal.platform_manifest(server.base_url))
    signal.signal(signal.SIGTERM, _terminate)
    print(server.base_url, flush=True)
    print(
        f"replica: {catalog.report_count} reports, {len(catalog.entries)} articles, "
        f"{len(catalog.edits)} edited, seed {config.seed}"
        + (f", faults {config.faults}" if config.faults.any else ""),
        file=sys.stderr, flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.portal.stopping.set()
        server.server_close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "replica", help="serve the replica portal on 127.0.0.1",
        description="Serve a local replica of the Hangzhou portal (Hanweb JCMS) and print its "
                    "base URL.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure-archive replica")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
