"""One crawl shared by worker processes through Redis, into PostgreSQL (crawler/distributed.py).

Real ``scrapy crawl`` subprocesses crawl the replica (served by this process, so the tests see
every request it answered) with ``DISTRIBUTED`` on. What must be archived comes from the
replica's manifest. Needs DISCLOSURE_TEST_REDIS_URL and DISCLOSURE_TEST_POSTGRES_URL (skipped,
saying so, without them); Redis keys live under a prefix of their own, deleted afterwards, and
the archive in a PostgreSQL schema of its own, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crawler.local import FAST_SETTINGS, REPO_ROOT, scrapy_crawl_command, settings_args
from replica.faults import FaultConfig
from replica.server import RunningReplica
from tests.test_storage_support import _postgres_base_url, _with_search_path

REDIS_ENV = "DISCLOSURE_TEST_REDIS_URL"
REPORTS = 60
SEED = "distributed-tests"


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"distributed crawl tests need {REDIS_ENV}, e.g. "
                    f"{REDIS_ENV}=redis://127.0.0.1:6379/0")
    yield url


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A Redis key prefix of this test's own; its keys are deleted when the test ends."""
    from redis import Redis

    prefix = f"disclosure-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    server = Redis.from_url(redis_url)
    doomed = list(server.scan_iter(match=f"{prefix}:*", count=1000))
    if doomed:
        server.delete(*doomed)
    server.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL schema of this test's own, dropped when the test ends."""
    base = _postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def report_columns(replica: RunningReplica) -> str:
    return ",".join(sorted({str(r["column_id"]) for r in replica.manifest() if r["kind"] != "other"}))


def manifest_reports(replica: RunningReplica) -> dict[str, dict[str, Any]]:
    """The reports the replica lists, by index number."""
    return {r["index_no"]: r for r in replica.manifest() if r["kind"] != "other"}


class Worker:
    """One ``scrapy crawl`` worker subprocess of a distributed crawl."""

    def __init__(self, name: str, replica: RunningReplica, database_url: str, redis_url: str,
                 prefix: str, crawl_id: str, workdir: Path, mode: str | None = None,
                 **settings: Any) -> None:
        self.name = name
        self.stats_file = workdir / f"{name}-stats.json"
        self.log_file = workdir / f"{name}.log"
        command = scrapy_crawl_command(
            "hangzhou", str(replica), database_url=database_url,
            spider_args={"columns": report_columns(replica), **({"mode": mode} if mode else {})},
            settings={
                "DISTRIBUTED": True, "REDIS_URL": redis_url, "DISTRIBUTED_KEY_PREFIX": prefix,
                "DISTRIBUTED_CRAWL_ID": crawl_id, "DISTRIBUTED_IDLE_TIMEOUT": 3,
                "DISTRIBUTED_WORKER_TIMEOUT": 4, "DISTRIBUTED_TICK": 0.5,
                "STATS_FILE": self.stats_file, "LOG_FILE": self.log_file, **settings,
            },
        )
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def wait(self, timeout: float = 300) -> dict[str, Any]:
        """Its final stats, once it has exited cleanly."""
        code = self.process.wait(timeout)
        assert code == 0, f"{self.name} exited {code}: {self.log_tail()}"
        stats = json.loads(self.stats_file.read_text("utf-8"))
        assert stats.get("finish_reason") == "finished", self.log_tail()
        return stats

    def log_tail(self) -> str:
        return self.log_file.read_text("utf-8", "replace")[-4000:] if self.log_file.exists() else ""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


@pytest.fixture
def start_worker(redis_url: str, key_prefix: str, postgres_url: str,
                 tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str, replica: RunningReplica, crawl_id: str = "c1", mode: str | None = None,
              **settings: Any) -> Worker:
        worker = Worker(name, replica, postgres_url, redis_url, key_prefix, crawl_id, tmp_path,
                        mode=mode, **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


def gate_until_workers_join(replica: RunningReplica, redis_url: str, key_prefix: str,
                            count: int) -> None:
    """Hold every answer of the replica until ``count`` workers have joined the crawl, so each
    worker is running before there is any work to share (process start-up times vary)."""
    from redis import Redis

    gate = threading.Event()
    respond = replica.portal.respond

    def gated(*args: Any, **kwargs: Any) -> Any:
        gate.wait(120)
        return respond(*args, **kwargs)

    replica.portal.respond = gated  # type: ignore[method-assign]
    server = Redis.from_url(redis_url)

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not gate.is_set():
            joined = sum(server.scard(key) for key in
                         server.scan_iter(match=f"{key_prefix}:hangzhou:*:workers"))
            if joined >= count:
                gate.set()
            time.sleep(0.05)
        gate.set()
        server.close()

    threading.Thread(target=watch, daemon=True).start()


def archived(database_url: str) -> tuple[Counter[str], Counter[str], int]:
    """Documents by index number, raw pages by URL, and the number of versions."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            keys = Counter(connection.execute(text("SELECT index_no FROM documents")).scalars())
            pages = Counter(connection.execute(text("SELECT url FROM raw_pages")).scalars())
            versions = connection.execute(text("SELECT count(*) FROM versions")).scalar_one()
    finally:
        engine.dispose()
    return keys, pages, versions


def served(replica: RunningReplica) -> Counter[str]:
    """How often the replica answered each page of the portal (robots.txt aside)."""
    return Counter(f"{method} {target}" for method, target, _, _ in replica.requests()
                   if target != "/robots.txt")


def test_two_workers_share_one_crawl_and_archive_every_report_once(
    make_replica: Callable[..., RunningReplica], start_worker: Callable[..., Worker],
    postgres_url: str, redis_url: str, key_prefix: str,
) -> None:
    # Slow answers and few requests in flight per worker: the work has to be shared.
    replica = make_replica(reports=REPORTS, seed=SEED, faults=FaultConfig(slow_ms=150))
    gate_until_workers_join(replica, redis_url, key_prefix, 2)
    workers = [start_worker(name, replica, CONCURRENT_REQUESTS=2,
                            CONCURRENT_REQUESTS_PER_DOMAIN=2) for name in ("a", "b")]
    stats = [worker.wait() for worker in workers]

    expected = manifest_reports(replica)
    keys, pages, versions = archived(postgres_url)
    assert keys == Counter(list(expected))  # every report archived, each exactly once
    assert versions == len(expected)
    assert pages == Counter(r["url"] for r in expected.values())  # each page kept once
    fetched = served(replica)
    assert fetched and max(fetched.values()) == 1, fetched.most_common(3)  # nothing twice
    articles = [t for t in fetched if t.startswith("GET /art/")]
    assert len(articles) == len(expected)
    # Both did work, and together they did it all.
    assert all(s.get("archive/pages", 0) > 0 for s in stats), [s.get("archive/pages") for s in stats]
    assert sum(s["archive/pages"] for s in stats) == len(expected)
    assert sum(s["archive/new_documents"] for s in stats) == len(expected)
    assert len({s["distributed/worker"] for s in stats}) == 2
    assert all(not s.get("hanweb/columns_incomplete") for s in stats)  # judged crawl-wide


def test_a_worker_killed_mid_crawl_loses_nothing(
    make_replica: Callable[..., RunningReplica], start_worker: Callable[..., Worker],
    postgres_url: str, redis_url: str, key_prefix: str,
) -> None:
    from redis import Redis

    replica = make_replica(reports=REPORTS, seed=SEED, faults=FaultConfig(slow_ms=150))
    gate_until_workers_join(replica, redis_url, key_prefix, 2)
    victim, survivor = (start_worker(name, replica, CONCURRENT_REQUESTS=3,
                                     CONCURRENT_REQUESTS_PER_DOMAIN=3)
                        for name in ("victim", "survivor"))
    server = Redis.from_url(redis_url)
    try:
        # Kill it while it holds requests: fetched or being fetched, not yet acknowledged.
        deadline = time.monotonic() + 120
        held = 0
        while time.monotonic() < deadline and victim.process.poll() is None:
            inflight = [k for k in server.scan_iter(match=f"{key_prefix}:*:inflight:*")
                        if f":{victim.process.pid}:".encode() in k]
            articles = sum(1 for t in served(replica) if t.startswith("GET /art/"))
            held = sum(server.hlen(k) for k in inflight) // 2
            if held and articles >= 10:
                break
            time.sleep(0.05)
        assert held, f"the victim never held a request: {victim.log_tail()}"
        victim.kill()
    finally:
        server.close()
    stats = survivor.wait()

    assert stats.get("distributed/requeued", 0) >= 1  # the victim's leases came back
    assert not stats.get("hanweb/columns_incomplete")  # its listing counted with the crawl's
    expected = manifest_reports(replica)
    keys, pages, versions = archived(postgres_url)
    assert keys == Counter(list(expected))  # nothing lost, nothing doubled
    assert versions == len(expected)
    assert set(pages) == {r["url"] for r in expected.values()}
    fetched = served(replica)
    # Only what the victim held when it died may have been fetched a second time.
    refetched = {t for t, n in fetched.items() if n > 1}
    assert len(refetched) <= held, (held, refetched)


def test_a_new_crawl_id_revisits_the_lists_and_drops_the_previous_crawls_keys(
    make_replica: Callable[..., RunningReplica], start_worker: Callable[..., Worker],
    redis_url: str, key_prefix: str,
) -> None:
    from redis import Redis

    replica = make_replica(reports=12, seed=SEED)
    first = start_worker("first", replica, crawl_id="monday").wait()
    assert first["archive/new_documents"] == 12
    replica.reset_stats()
    again = start_worker("again", replica, crawl_id="monday").wait()  # same crawl: all seen
    assert again.get("response_received_count", 0) <= 1  # robots.txt at most
    assert not served(replica)

    server = Redis.from_url(redis_url)
    try:
        assert list(server.scan_iter(match=f"{key_prefix}:hangzhou:monday:*"))
        # Full mode: an incremental crawl would stop at the first list page, all archived.
        tuesday = start_worker("tuesday", replica, crawl_id="tuesday", mode="full").wait()
        assert not list(server.scan_iter(match=f"{key_prefix}:hangzhou:monday:*"))
    finally:
        server.close()
    lists = [t for t in served(replica) if not t.startswith("GET /art/")]
    assert lists and max(served(replica).values()) == 1
    assert tuesday["archive/unchanged"] == 12  # every report asked again, nothing new
    assert len([t for t in served(replica) if t.startswith("GET /art/")]) == 12


def test_worker_command_crawls_and_prints_its_share(
    make_replica: Callable[..., RunningReplica], redis_url: str, key_prefix: str, tmp_path: Path,
) -> None:
    replica = make_replica(reports=8, seed=SEED)
    done = subprocess.run(
        [sys.executable, "-m", "disclosure_archive.commands.worker", "hangzhou",
         "--redis", redis_url, "--crawl-id", "cli", "--idle-timeout", "2",
         "--base-url", str(replica), "--columns", report_columns(replica),
         "--database", f"sqlite:///{tmp_path / 'archive.db'}", "--log-file", str(tmp_path / "log"),
         "-s", f"DISTRIBUTED_KEY_PREFIX={key_prefix}", "-s", "DISTRIBUTED_TICK=0.5",
         *settings_args(FAST_SETTINGS)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = done.stdout.strip().splitlines()[-1]
    assert " of crawl cli finished: 8 pages, 8 new documents, 8 new versions" in line, line


@pytest.mark.parametrize(("args", "message"), [
    (["--redis", "redis://127.0.0.1:1/0"], "cannot reach Redis at redis://127.0.0.1:1/0"),
    (["--redis", "redis://127.0.0.1:1/0", "--crawl-id", "a b"], "DISTRIBUTED_CRAWL_ID 'a b'"),
    (["--redis", "redis://127.0.0.1:1/0", "-s", "NOEQUALS"], "-s expects NAME=VALUE"),
])
def test_worker_command_refuses_bad_arguments_in_one_line(args: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "disclosure_archive.commands.worker", "hangzhou",
                           *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("worker: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
