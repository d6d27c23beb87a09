"""One crawl shared by any number of workers on any number of machines, through one Redis.

Turned on by ``DISTRIBUTED = True`` and ``REDIS_URL`` (``-s DISTRIBUTED=1 -s REDIS_URL=redis://…``
or ``disclosure-archive worker SPIDER --redis URL``). The ``Distributed`` add-on then puts
scrapy-redis's duplicate filter and a scheduler built on scrapy-redis's queue in place:

- The frontier is a Redis sorted set (scrapy-redis's priority queue) and the seen-set a Redis
  set of request fingerprints (scrapy-redis's ``RFPDupeFilter``), shared by every worker of the
  crawl. Every worker runs the spider's ``start()``; its seeds pass the shared duplicate filter,
  so the start requests are queued once, whoever comes first.
- Nothing is lost with a worker. Taking a request from the queue moves it, in one Redis script,
  into the worker's in-flight hash; it leaves that hash only when the engine has finished with
  it (its callback's requests queued, its items through the pipelines) *and* the archive has
  committed what it recorded. A thread of each worker refreshes a heartbeat key (a thread, so a
  reactor busy in a long database write still beats); when one stops beating (killed, machine
  gone), the next worker to notice moves its in-flight requests back to the queue (one script
  again, so only one worker does). A worker stopping cleanly gives back what it had not finished.
- Workers stop when the frontier has been idle for ``DISTRIBUTED_IDLE_TIMEOUT`` seconds: the
  queue empty and no request in flight on any live worker.
- Keys live under ``{DISTRIBUTED_KEY_PREFIX}:{spider}:{DISTRIBUTED_CRAWL_ID}``. Workers given the
  same crawl id share a crawl; a new id is a new crawl with an empty seen-set, so list pages are
  visited again. The first worker of a new crawl deletes the previous crawl's keys (unless a
  worker of it is still alive); every key also expires ``DISTRIBUTED_KEY_TTL`` seconds after the
  crawl's last activity.
- The spider's per-column counts (records listed against the totals the columns announce) are
  per process: each worker publishes its own, and before it closes adopts the sums over all
  workers of the crawl, so each worker's completeness check judges the whole crawl.

The scheduler reads two attributes of Scrapy's engine that have no public accessor (the set of
requests in progress, and the call that wakes the engine); ``_EngineProbe`` keeps both in one
place and degrades to acknowledging at close if they move.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from redis import Redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis import picklecompat
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as RedisSchedulerBase

logger = logging.getLogger(__name__)

STAT = "distributed"
# Request meta key naming the in-flight entry a request was taken as (never stored in Redis).
ENTRY_META = "distributed_entry"

DEFAULTS: dict[str, Any] = {
    "DISTRIBUTED": False,
    "DISTRIBUTED_CRAWL_ID": "",  # empty: the UTC date, so a daily cron on N machines agrees
    "DISTRIBUTED_KEY_PREFIX": "disclosure-archive",
    "DISTRIBUTED_IDLE_TIMEOUT": 10.0,  # seconds of idle frontier before a worker stops
    "DISTRIBUTED_WORKER_TIMEOUT": 30.0,  # seconds without heartbeat before a worker is dead
    "DISTRIBUTED_TICK": 1.0,  # seconds between heartbeats, acknowledgements and checks
    "DISTRIBUTED_KEY_TTL": 7 * 24 * 3600,  # seconds a crawl's keys outlive its last activity
}


class DistributedConfigError(ValueError):
    """A distributed crawl that cannot start as configured (e.g. no REDIS_URL)."""


def crawl_id_from(settings: BaseSettings) -> str:
    """The crawl id: the setting, else today's UTC date; letters, digits, ``.``, ``_``, ``-``."""
    crawl_id = str(settings.get("DISTRIBUTED_CRAWL_ID") or "").strip()
    crawl_id = crawl_id or datetime.now(UTC).strftime("%Y%m%d")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", crawl_id):
        raise DistributedConfigError(
            f"DISTRIBUTED_CRAWL_ID {crawl_id!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return crawl_id


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of one crawl of one spider."""

    prefix: str
    spider: str
    crawl_id: str

    @classmethod
    def from_settings(cls, settings: BaseSettings, spider: str) -> Self:
        return cls(settings.get("DISTRIBUTED_KEY_PREFIX") or DEFAULTS["DISTRIBUTED_KEY_PREFIX"],
                   spider, crawl_id_from(settings))

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.spider}:{self.crawl_id}"

    @property
    def current(self) -> str:
        """Which crawl of the spider was started last."""
        return f"{self.prefix}:{self.spider}:current"

    @property
    def queue(self) -> str:
        return f"{self.base}:queue"

    @property
    def seen(self) -> str:
        return f"{self.base}:seen"

    @property
    def workers(self) -> str:
        return f"{self.base}:workers"

    @property
    def columns(self) -> str:
        return f"{self.base}:columns"

    def inflight(self, worker: str) -> str:
        return f"{self.base}:inflight:{worker}"

    def alive(self, worker: str) -> str:
        return f"{self.base}:alive:{worker}"

    def for_crawl(self, crawl_id: str) -> CrawlKeys:
        return CrawlKeys(self.prefix, self.spider, crawl_id)


# In-flight hashes hold "d:<entry>" → encoded request and "s:<entry>" → its queue score.
_POP = """
local taken = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #taken == 0 then return false end
redis.call('ZREM', KEYS[1], taken[1])
redis.call('HSET', KEYS[2], 'd:' .. ARGV[1], taken[1], 's:' .. ARGV[1], taken[2])
return taken[1]
"""

# KEYS: queue, in-flight hash, workers set, alive key; ARGV: worker id. Requeues everything in
# flight of a worker whose heartbeat is gone; -1 if it is alive after all.
_REQUEUE = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local fields = redis.call('HGETALL', KEYS[2])
local moved = 0
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, 1, 2) == 'd:' then
    local score = redis.call('HGET', KEYS[2], 's:' .. string.sub(name, 3)) or '0'
    redis.call('ZADD', KEYS[1], score, fields[i + 1])
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return moved
"""


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pops are leases: in flight until acknowledged."""

    def __init__(self, server: Redis, spider: Spider, keys: CrawlKeys, worker: str) -> None:
        super().__init__(server, spider, keys.queue, serializer=picklecompat)
        self.keys = keys
        self.worker = worker
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._serial = 0

    def take(self) -> tuple[str, Request] | None:
        """The next request and its entry id, now in this worker's in-flight hash."""
        self._serial += 1
        entry = str(self._serial)
        data = self._pop(keys=[self.key, self.keys.inflight(self.worker)], args=[entry])
        if data is None:
            return None
        try:
            return entry, self._decode_request(data)
        except Exception:  # a request this code cannot rebuild: never hand it out again
            logger.exception("dropping a queued request that cannot be decoded")
            self.ack([entry])
            return None

    def ack(self, entries: list[str]) -> None:
        """The requests of ``entries`` are done: forget them."""
        if entries:
            fields = [f"{kind}:{entry}" for entry in entries for kind in ("d", "s")]
            self.server.hdel(self.keys.inflight(self.worker), *fields)

    def give_back(self, worker: str) -> int:
        """Move a worker's in-flight requests back to the queue if its heartbeat is gone."""
        keys = [self.key, self.keys.inflight(worker), self.keys.workers, self.keys.alive(worker)]
        return int(self._requeue(keys=keys, args=[worker]))

    def in_flight(self, workers: list[str]) -> int:
        """Requests in flight on these workers."""
        pipe = self.server.pipeline(transaction=False)
        for worker in workers:
            pipe.hlen(self.keys.inflight(worker))
        return sum(pipe.execute()) // 2


class Heartbeat(threading.Thread):
    """Keeps a worker's ``alive`` key set while the process lives, whatever its reactor does."""

    def __init__(self, server: Redis, key: str, timeout: float, interval: float) -> None:
        super().__init__(name=f"heartbeat {key}", daemon=True)
        self.server = server
        self.key = key
        self.ttl_ms = max(1000, int(timeout * 1000))
        self.interval = max(0.05, min(interval, timeout / 4))
        self.stopping = threading.Event()
        self.beat()  # alive before the first request is taken

    def beat(self) -> None:
        self.server.set(self.key, str(time.time()), px=self.ttl_ms)

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.beat()
            except Exception:  # Redis away for a moment: try again next time
                logger.warning("heartbeat to Redis failed", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


class _EngineProbe:
    """The two engine internals the scheduler needs, with a fallback if they move."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def in_progress(self) -> set[Request] | None:
        """Requests the engine is still downloading or processing; None if unknown."""
        slot = getattr(self.crawler.engine, "_slot", None)
        found = getattr(slot, "inprogress", None)
        return found if isinstance(found, set) else None

    def wake(self) -> None:
        """Make an idle engine ask the scheduler now (it otherwise asks every 5 s)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()


class RedisScheduler(RedisSchedulerBase):
    """scrapy-redis's scheduler with leased pops, worker heartbeats and an idle-frontier stop."""

    crawler: Crawler
    keys: CrawlKeys
    queue: ReliableQueue
    worker: str
    popped: dict[str, Request]
    finished: list[str]
    idle_since: float | None
    may_close: bool
    counts_adopted: bool
    task: Any
    heart: Heartbeat | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.get("REDIS_URL") and not settings.get("REDIS_HOST"):
            raise DistributedConfigError("a distributed crawl needs REDIS_URL (redis://host:port/db)")
        keys = CrawlKeys.from_settings(settings, crawler.spidercls.name)
        server = get_redis_from_settings(settings)
        server.ping()
        dupefilter = RFPDupeFilter(server, key=keys.seen, debug=settings.getbool("DUPEFILTER_DEBUG"))
        scheduler = cls(server=server, persist=True, queue_key=keys.queue, dupefilter=dupefilter)
        scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.keys = keys
        scheduler.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        scheduler.idle_timeout = settings.getfloat("DISTRIBUTED_IDLE_TIMEOUT")
        scheduler.worker_timeout = settings.getfloat("DISTRIBUTED_WORKER_TIMEOUT")
        scheduler.tick_seconds = settings.getfloat("DISTRIBUTED_TICK")
        scheduler.key_ttl = settings.getint("DISTRIBUTED_KEY_TTL")
        scheduler.engine = _EngineProbe(crawler)
        scheduler.popped = {}  # entry -> request handed to the engine, not yet finished
        scheduler.finished = []  # entries finished, waiting for the archive's commit
        scheduler.idle_since = None
        scheduler.may_close = False
        scheduler.counts_adopted = False
        scheduler.task = None
        scheduler.heart = None
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # ---- lifecycle ------------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = ReliableQueue(self.server, spider, self.keys, self.worker)
        self._take_over_previous_crawl()
        self.heart = Heartbeat(self.server, self.keys.alive(self.worker), self.worker_timeout,
                               self.tick_seconds)
        self.heart.start()
        self.server.sadd(self.keys.workers, self.worker)
        stats = self.crawler.stats
        stats.set_value(f"{STAT}/worker", self.worker)
        stats.set_value(f"{STAT}/crawl_id", self.keys.crawl_id)
        logger.info("worker %s joins crawl %s (%d requests queued)", self.worker, self.keys.base,
                    len(self.queue))
        self.task = create_looping_call(self.tick)
        self.task.start(self.tick_seconds, now=False)

    def close(self, reason: str) -> None:
        """Acknowledge what is done, give back what is not, and leave the crawl."""
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.heart is not None:
            self.heart.stop()
        self._collect_finished()  # the engine has drained: normally all of them
        self._acknowledge()
        if self.popped or self.finished:  # unfinished, or never committed: another worker will
            self.server.delete(self.keys.alive(self.worker))
            given = self.queue.give_back(self.worker)
            logger.info("worker %s gave back %d unfinished requests", self.worker, given)
        self.server.delete(self.keys.inflight(self.worker), self.keys.alive(self.worker))
        self.server.srem(self.keys.workers, self.worker)
        self._refresh_ttl()

    def _take_over_previous_crawl(self) -> None:
        """The first worker of a new crawl deletes the previous crawl's keys (seen-set too)."""
        previous = self.server.getset(self.keys.current, self.keys.crawl_id)
        previous = previous.decode() if isinstance(previous, bytes) else previous
        if not previous or previous == self.keys.crawl_id:
            return
        old = self.keys.for_crawl(previous)
        if self._live_workers(old):
            logger.warning("crawl %s still has live workers: its keys are left to expire", old.base)
            return
        doomed = list(self.server.scan_iter(match=f"{old.base}:*", count=1000))
        if doomed:
            self.server.delete(*doomed)
        logger.info("new crawl %s: deleted %d keys of crawl %s", self.keys.crawl_id, len(doomed),
                    previous)

    def _live_workers(self, keys: CrawlKeys) -> list[str]:
        workers = [w.decode() if isinstance(w, bytes) else w
                   for w in self.server.smembers(keys.workers)]
        if not workers:
            return []
        pipe = self.server.pipeline(transaction=False)
        for worker in workers:
            pipe.exists(keys.alive(worker))
        return [w for w, alive in zip(workers, pipe.execute(), strict=True) if alive]

    # ---- the queue ------------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        # A retry or redirect copies its parent's meta: the entry is the parent's, not its own,
        # and a browser page kept open by the parent cannot travel to another worker.
        request.meta.pop(ENTRY_META, None)
        request.meta.pop("playwright_page", None)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        taken = self.queue.take()
        if taken is None:
            return None
        entry, request = taken
        request.meta[ENTRY_META] = entry
        self.popped[entry] = request
        self.idle_since = None
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # ---- every tick: heartbeat, acknowledgements, dead workers, idle frontier -----------------

    def tick(self) -> None:
        try:
            if not self.counts_adopted:  # before acknowledging what was counted
                publish_column_counts(self.server, self.keys, self.spider, self.worker)
            self._collect_finished()
            self._acknowledge()
            self._recover_dead_workers()
            self._watch_frontier()
            self._refresh_ttl()
        except Exception:  # a Redis hiccup must not stop the heartbeat for good
            logger.exception("distributed tick failed")

    def _collect_finished(self) -> None:
        """Entries whose request the engine no longer holds: processed, waiting for the archive.

        When the engine cannot tell, entries stay taken and a clean close gives them back.
        """
        in_progress = self.engine.in_progress()
        if in_progress is None:
            return
        for entry, request in list(self.popped.items()):
            if request not in in_progress:
                self.finished.append(entry)
                del self.popped[entry]

    def _acknowledge(self) -> None:
        """Acknowledge finished entries once everything they recorded is committed."""
        if not self.finished:
            return
        done = list(self.finished)
        if not _archive_committed(self.crawler):
            return
        self.queue.ack(done)
        del self.finished[: len(done)]
        self.crawler.stats.inc_value(f"{STAT}/acknowledged", len(done))

    def _recover_dead_workers(self) -> None:
        workers = [w.decode() if isinstance(w, bytes) else w
                   for w in self.server.smembers(self.keys.workers)]
        others = [w for w in workers if w != self.worker]
        if not others:
            return
        pipe = self.server.pipeline(transaction=False)
        for worker in others:
            pipe.exists(self.keys.alive(worker))
        for worker, alive in zip(others, pipe.execute(), strict=True):
            if alive:
                continue
            moved = self.queue.give_back(worker)
            if moved > 0:
                self.crawler.stats.inc_value(f"{STAT}/requeued", moved)
                logger.warning("worker %s stopped beating: %d of its requests queued again",
                               worker, moved)

    def _watch_frontier(self) -> None:
        queued = len(self.queue)
        if queued:
            self.idle_since = None
            self.engine.wake()
            return
        workers = [w.decode() if isinstance(w, bytes) else w
                   for w in self.server.smembers(self.keys.workers)]
        busy = self.popped or self.finished or self.queue.in_flight(workers)
        now = time.monotonic()
        if busy:
            self.idle_since = None
            return
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since >= self.idle_timeout and not self.may_close:
            self.may_close = True
            logger.info("frontier idle for %.0f s: worker %s stops", now - self.idle_since,
                        self.worker)
            self.engine.wake()

    def _refresh_ttl(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        for key in (self.keys.queue, self.keys.seen, self.keys.workers, self.keys.columns,
                    self.keys.current):
            pipe.expire(key, self.key_ttl)
        pipe.execute()

    # ---- closing --------------------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        """Stay open until the whole crawl's frontier has been idle long enough."""
        if not self.may_close:
            raise DontCloseSpider
        if not self.counts_adopted:
            publish_column_counts(self.server, self.keys, spider, self.worker)
            adopt_crawl_column_counts(self.server, self.keys, spider)
            self.counts_adopted = True

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0


def _archive_committed(crawler: Crawler) -> bool:
    """Ask the archive pipeline to commit its buffer; True when nothing is left uncommitted."""
    from crawler.pipelines import archive_flush

    results = crawler.signals.send_catch_log(signal=archive_flush)
    return all(result == 0 for _, result in results)


def publish_column_counts(server: Redis, keys: CrawlKeys, spider: Spider, worker: str) -> None:
    """Write this worker's per-column counts under its id (every tick, so a worker that dies
    leaves what it counted up to its last acknowledgement)."""
    listed = getattr(spider, "listed_by_column", None)
    totals = getattr(spider, "total_by_column", None)
    if not isinstance(listed, dict) or not isinstance(totals, dict):
        return
    mine = {f"listed|{worker}|{column}": count for column, count in listed.items()}
    mine.update({f"total|{column}": total for column, total in totals.items()})
    mine.update({f"stopped|{column}": 1 for column in getattr(spider, "stopped_columns", ())})
    if mine:
        server.hset(keys.columns, mapping=mine)


def adopt_crawl_column_counts(server: Redis, keys: CrawlKeys, spider: Spider) -> None:
    """Replace the spider's per-column counts with the sums over every worker of the crawl.

    The spider's completeness check in ``closed()`` (records listed against the totals the
    columns announced, columns whose paging stopped early) then judges the whole crawl. A
    worker that died after counting a list page whose lease came back counts it twice, which
    can hide nothing: a shortfall is what the check looks for.
    """
    listed = getattr(spider, "listed_by_column", None)
    totals = getattr(spider, "total_by_column", None)
    if not isinstance(listed, dict) or not isinstance(totals, dict):
        return
    stopped = getattr(spider, "stopped_columns", None)
    summed: dict[str, int] = {}
    for raw_name, raw_value in server.hgetall(keys.columns).items():
        name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
        kind, _, rest = name.partition("|")
        column = rest.rpartition("|")[2]
        value = int(raw_value)
        if kind == "listed":
            summed[column] = summed.get(column, 0) + value
        elif kind == "total":
            totals[column] = max(value, totals.get(column, 0))
        elif kind == "stopped" and isinstance(stopped, set):
            stopped.add(column)
    listed.clear()
    listed.update(summed)


class Distributed:
    """Scrapy add-on: with ``DISTRIBUTED`` on, the crawl's scheduler and seen-set live in Redis."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in DEFAULTS.items():
            settings.setdefault(name, value, priority="addon")
        if not settings.getbool("DISTRIBUTED"):
            return
        settings.set("SCHEDULER", f"{__name__}.RedisScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
