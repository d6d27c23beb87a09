"""The replica portal's HTTP server: a stdlib ThreadingHTTPServer on 127.0.0.1.

URL scheme (as on www.hangzhou.gov.cn, domain.md §3):

- ``GET /col/col{columnid}/index.html``: a column page, first records embedded.
- ``POST /module/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P``: records S..E
  (1-based, inclusive) of a column's list, newest first, with form fields col, appid, webid,
  path, columnid, sourceContentType, unitid, webname, permissiontype. As with a JSP, a field
  may also come in the query string; the form body wins.
- ``GET /art/{Y}/{M}/{D}/art_{columnid}_{articleid}.html``: an article (no zero padding).
- ``GET /robots.txt``, ``GET /`` (links to the columns).
- With ``jpaas_reports``: Hangzhou's newer column, list endpoint and articles (``replica.jpaas``);
  with ``gkmlpt_reports``: a gkmlpt portal under ``/gkmlpt/`` (``replica.gkmlpt``). Both are
  off by default, and the Hanweb pages are the same with or without them.
- ``GET /__replica__/stats``: request counts as JSON (``?log=1`` adds every request served,
  ``?reset=1`` starts counting afresh).

Articles and column pages carry ``Last-Modified`` and a weak ``ETag`` (the page's bytes without
its view counter) and answer ``If-None-Match``/``If-Modified-Since`` with 304.

Python API: ``with serve_replica(ReplicaConfig(reports=N, seed=S)) as base_url:`` runs the
server in a background thread; ``base_url`` is a ``str`` (the base URL) that also carries the
controls (``reconfigure``, ``stats``, ``manifest``). ``ReplicaProcess`` runs the same server
as a subprocess (``disclosure-archive replica``), for crawls that should not share a GIL with
it (benchmarks).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import chain, count
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from parsers.report import Report
from replica import gkmlpt, hanweb, jpaas
from replica.catalog import COLUMNS, REFERENCE_AGENCY, REFERENCE_YEAR, Catalog, Entry
from replica.faults import (
    Fault,
    FaultConfig,
    FaultPlan,
    RouteKind,
    challenge_page,
    cut_point,
    error_page,
    oversize_length,
    oversize_parts,
    request_key,
)
from replica.render import Layout, render_report_html

log = logging.getLogger(__name__)

PORTAL_UTC_OFFSET = timedelta(hours=8)  # the portal's clock is China Standard Time
REFERENCE_FILE = Path("seed") / "hangzhou-commerce-2023.txt"
HTML = "text/html; charset=UTF-8"
XML = "text/xml; charset=UTF-8"


@dataclass(frozen=True)
class ReplicaConfig:
    """Everything that decides what a replica serves and how it misbehaves.

    ``reference``: the seed reference report's text file; None looks in ``$DISCLOSURE_SHARED``
    then in ``../shared`` beside the repository. ``cache_mb`` bounds the rendered-page cache.
    """

    reports: int = 100
    seed: int | str = 0
    edit: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    faults: FaultConfig = field(default_factory=FaultConfig)
    reference: Path | None = None
    cache_mb: int = 64
    jpaas_reports: int = 0
    gkmlpt_reports: int = 0

    def to_args(self) -> list[str]:
        """The ``disclosure-archive replica`` arguments that run this configuration."""
        args = ["--host", self.host, "--port", str(self.port), "--reports", str(self.reports),
                "--seed", str(self.seed), "--edit", str(self.edit),
                "--cache-mb", str(self.cache_mb)]
        if self.reference is not None:
            args += ["--reference", str(self.reference)]
        if self.jpaas_reports:
            args += ["--jpaas-reports", str(self.jpaas_reports)]
        if self.gkmlpt_reports:
            args += ["--gkmlpt-reports", str(self.gkmlpt_reports)]
        defaults = FaultConfig()
        for name, value in asdict(self.faults).items():
            if value == getattr(defaults, name):
                continue
            flag = f"--{name.replace('_', '-')}"
            args += [flag] if value is True else [flag, str(value)]
        return args


# --------------------------------------------------------------------------------------------
# The reference report
# --------------------------------------------------------------------------------------------


def find_reference_file(configured: Path | None = None) -> Path | None:
    """The seed reference report's text file, where the shared inputs keep it."""
    if configured is not None:
        return configured
    candidates = []
    if os.environ.get("DISCLOSURE_SHARED"):
        candidates.append(Path(os.environ["DISCLOSURE_SHARED"]) / REFERENCE_FILE)
    candidates.append(Path(__file__).resolve().parent.parent.parent / "shared" / REFERENCE_FILE)
    return next((path for path in candidates if path.is_file()), None)


def load_reference(configured: Path | None = None) -> Report | None:
    """The seed reference report parsed from its text, or None (then slot 0 is synthetic).

    A configured file that is missing or does not parse is an error; an absent default is only
    logged, so the replica also runs where the shared inputs are not checked out.
    """
    path = find_reference_file(configured)
    if path is None:
        log.warning("seed reference report not found; slot 0 will be a synthetic report")
        return None
    try:
        from parsers import parse_report  # the parser is only needed for this one page
    except ImportError:
        if configured is not None:
            raise
        log.warning("no parser to read the seed reference report; slot 0 will be synthetic")
        return None
    report = parse_report(path.read_text(encoding="utf-8"))
    if report.agency is None:
        report.agency = REFERENCE_AGENCY
    if report.year is None:
        report.year = REFERENCE_YEAR
    return report


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A rendered page: its bytes (split around the view counter for articles) and validators."""

    before: bytes
    after: bytes = b""
    etag: str = ""
    last_modified: datetime | None = None  # UTC
    counter: bool = False  # whether a view counter goes between ``before`` and ``after``

    @property
    def size(self) -> int:
        return len(self.before) + len(self.after)


def _page(before: str, after: str = "", *, modified: datetime | None, counter: bool) -> Page:
    b, a = before.encode(), after.encode()
    digest = hashlib.blake2b(b + b"\0" + a, digest_size=12).hexdigest()
    return Page(b, a, f'W/"{digest}"', modified, counter)


def portal_time_to_utc(moment: datetime) -> datetime:
    return (moment - PORTAL_UTC_OFFSET).replace(tzinfo=UTC)


class PageCache:
    """A least-recently-used cache of rendered pages, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[int, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: int) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: int, page: Page) -> None:
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._pages[key] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes and len(self._pages) > 1:
                _, dropped = self._pages.popitem(last=False)
                self.bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._pages)


def page_layout(catalog: Catalog, entry: Entry) -> Layout:
    """The layout of an article's report body. The reference keeps the real page's layout;
    others draw one, rarely in traditional characters (a 繁體 paste on a simplified portal)."""
    if entry.slot == 0 and catalog.reference is not None:
        return Layout()
    rng = random.Random(catalog.layout_seed(entry))
    layout = Layout.random(rng)
    if layout.traditional != "none" and rng.random() > 0.2:
        layout = replace(layout, traditional="none")
    return layout


def render_article(catalog: Catalog, entry: Entry) -> Page:
    """An article page of the catalogue, without its view counter."""
    if entry.is_report:
        report = catalog.report(entry)
        head = report.header
        body = render_report_html(report, page_layout(catalog, entry))
        source = head.publisher or entry.agency
        values = {"索引号": head.index_no, "公开方式": head.disclosure_method, "文号": head.doc_no,
                  "公开日期": head.publish_date, "发布单位": head.publisher, "主题分类": head.topic}
    else:
        body = hanweb.paragraphs_html(catalog.other_paragraphs(entry))
        source = entry.agency
        values = {"索引号": entry.index_no, "公开方式": "主动公开", "文号": entry.doc_no,
                  "公开日期": entry.date, "发布单位": entry.agency, "主题分类": entry.topic}
    before, after = hanweb.article_page(entry, values, body, source)
    modified = portal_time_to_utc(catalog.last_modified(entry))
    return _page(before, after, modified=modified, counter=True)


# --------------------------------------------------------------------------------------------
# The portal: requests in, replies out (no sockets here)
# --------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """An answer to send. ``page`` (with ``counter``) is an article; ``chunks`` streams."""

    status: int
    content_type: str = HTML
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    page: Page | None = None
    chunks: Iterable[bytes] | None = None
    length: int | None = None
    close: bool = False  # close the connection after sending (or instead of answering)
    send: bool = True  # False: answer nothing at all (a hung request)

    @property
    def content_length(self) -> int:
        return len(self.body) if self.length is None else self.length


class _State:
    """What one configuration serves: its catalogue, fault plan and caches."""

    def __init__(self, config: ReplicaConfig, reference: Report | None) -> None:
        self.config = config
        self.catalog = Catalog(config.reports, config.seed, config.edit, reference)
        self.faults = FaultPlan(config.faults, config.seed)
        self.pages = PageCache(config.cache_mb * 1024 * 1024)
        self.columns: dict[int, Page] = {}
        self.jpaas = (jpaas.JpaasSite(config.jpaas_reports, config.seed,
                                      config.faults.jpaas_ignore_page_no)
                      if config.jpaas_reports else None)
        self.gkmlpt = (gkmlpt.GkmlptSite(config.gkmlpt_reports, config.seed)
                       if config.gkmlpt_reports else None)

    def platform_manifest(self, base_url: str) -> Iterator[dict[str, Any]]:
        """Manifest records of the other platforms' articles (none unless configured)."""
        for site in (self.jpaas, self.gkmlpt):
            if site is not None:
                yield from site.manifest(base_url)


def route_kind(path: str) -> RouteKind:
    platform = jpaas.route(path) or gkmlpt.route(path)
    if platform is not None:
        return platform  # type: ignore[return-value]
    if path.startswith("/art/"):
        return "article"
    if path == hanweb.DATAPROXY_PATH:
        return "dataproxy"
    if path.startswith("/col/"):
        return "column"
    if path == "/robots.txt":
        return "robots"
    if path.startswith("/__replica__/"):
        return "admin"
    if path in ("/", "/index.html"):
        return "home"
    return "other"


class Portal:
    """The replica portal behind the socket: routes, pages, faults, counters.

    Thread-safe: the HTTP server calls ``serve`` from one thread per connection.
    """

    def __init__(self, config: ReplicaConfig) -> None:
        self._reference_path = config.reference
        self._reference = load_reference(config.reference)
        self._state = _State(config, self._reference)
        self._views: dict[str, count] = {}
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.log: deque[tuple[str, str, int, str]] = deque(maxlen=200_000)
        self.stopping = threading.Event()

    # ---- configuration ------------------------------------------------------------------------

    @property
    def config(self) -> ReplicaConfig:
        return self._state.config

    @property
    def catalog(self) -> Catalog:
        return self._state.catalog

    @property
    def fault_plan(self) -> FaultPlan:
        return self._state.faults

    def platform_manifest(self, base_url: str) -> Iterator[dict[str, Any]]:
        """Manifest records of the other platforms' articles (none unless configured)."""
        return self._state.platform_manifest(base_url)

    def reconfigure(self, config: ReplicaConfig) -> None:
        """Serve another configuration from now on (e.g. more reports, edits, faults).

        View counters and attempt counts carry over; host and port cannot change.
        """
        if config.reference != self._reference_path:
            self._reference_path = config.reference
            self._reference = load_reference(config.reference)
        self._state = _State(config, self._reference)

    # ---- counters -----------------------------------------------------------------------------

    def attempt(self, key: str) -> int:
        with self._lock:
            self._attempts[key] += 1
            return self._attempts[key]

    def record(self, method: str, target: str, route: str, status: int, fault: str) -> None:
        with self._lock:
            self.counts["total"] += 1
            self.counts[route] += 1
            self.counts[f"{route} {status}"] += 1
            if fault:
                self.counts[f"fault {fault}"] += 1
            self.log.append((method, target, status, fault))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self.counts)
        catalog = self.catalog
        return {"requests": counts, "reports": catalog.report_count,
                "articles": len(catalog.entries), "edited": len(catalog.edits),
                "cached_pages": len(self._state.pages)}

    def requests(self) -> list[tuple[str, str, int, str]]:
        """The requests served since the last reset: (method, target, status, fault)."""
        with self._lock:
            return list(self.log)

    def reset_stats(self) -> None:
        with self._lock:
            self.counts.clear()
            self.log.clear()
            self._attempts.clear()

    def next_view(self, path: str, start: int) -> int:
        counter = self._views.get(path)
        if counter is None:
            counter = self._views.setdefault(path, count(start + 1))
        return next(counter)

    # ---- requests -----------------------------------------------------------------------------

    def fault_for(self, key: str, route: RouteKind) -> Fault | None:
        state = self._state
        if route == "admin" or not state.config.faults.any:
            return None
        return state.faults.decide(key, route, self.attempt(key))

    def faulted(self, fault: Fault, path: str, key: str) -> Reply | None:
        """The reply a fault sends instead of the page, or None when it alters the page."""
        faults = self._state.config.faults
        if fault.kind == "challenge":
            page = challenge_page(fault.variant, key, path, str(self._state.config.seed))  # type: ignore[arg-type]
            return Reply(page.status, HTML, page.body, list(page.headers))
        if fault.kind == "timeout":
            self.stopping.wait(faults.hang_seconds)
            return Reply(0, send=False, close=True)
        if fault.kind == "error":
            status = int(fault.variant)
            return Reply(status, "text/html", error_page(status), [("Retry-After", "1")])
        return None

    def respond(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Reply:
        """The normal answer to a request (no faults)."""
        state = self._state
        route = route_kind(path)
        if route.startswith(("jpaas_", "gkmlpt_")):
            site = state.jpaas if route.startswith("jpaas_") else state.gkmlpt
            if site is None:
                return self._not_found()
            answer = site.respond(path, query, headers)
            return Reply(answer.status, answer.content_type, answer.body, list(answer.headers))
        if route == "article":
            entry = state.catalog.entry_at(path)
            if entry is None:
                return self._not_found()
            page = state.pages.get(entry.slot)
            if page is None:
                page = render_article(state.catalog, entry)
                state.pages.put(entry.slot, page)
            return self._conditional(page, headers) or Reply(200, HTML, page=page)
        if route == "column":
            column_id = _column_id(path)
            if column_id is None:
                return self._not_found()
            page = state.columns.get(column_id)
            if page is None:
                page = self._column_page(state, column_id)
                state.columns[column_id] = page
            return self._conditional(page, headers) or Reply(200, HTML, page.before,
                                                             _validators(page))
        if route == "dataproxy":
            if state.config.faults.redesign:
                return self._not_found()
            return self._dataproxy(state, query, headers, body)
        if route == "robots":
            return Reply(200, "text/plain; charset=UTF-8", hanweb.ROBOTS_TXT.encode())
        if route == "home":
            return Reply(200, HTML, hanweb.home_page().encode())
        if route == "admin" and path == "/__replica__/stats":
            stats = self.stats()
            if "log=1" in query:
                stats["log"] = self.requests()
            if "reset=1" in query:
                self.reset_stats()
            return Reply(200, "application/json", json.dumps(stats, ensure_ascii=False).encode())
        return self._not_found()

    def _not_found(self) -> Reply:
        return Reply(404, HTML, hanweb.not_found_page().encode())

    def _column_page(self, state: _State, column_id: int) -> Page:
        catalog = state.catalog
        column = COLUMNS[column_id]
        embedded = catalog.column_window(column_id, 1, hanweb.EMBEDDED_RECORDS)
        newest = catalog.newest_in_column(column_id)
        modified = portal_time_to_utc(newest.published) if newest else None
        if state.config.faults.redesign:
            html = hanweb.redesigned_column_page(column, embedded[: hanweb.PER_PAGE])
        else:
            html = hanweb.column_page(column, embedded, catalog.column_total(column_id))
        return _page(html, modified=modified, counter=False)

    def _dataproxy(self, state: _State, query: str, headers: Any, body: bytes) -> Reply:
        """Records of a column's list, 1-based and inclusive.

        Malformed or missing ``startrecord``/``endrecord``/``perpage``, or a window starting
        below 1, is a 400 (the JSP cannot read its numbers). Well-formed numbers with form
        fields that name no list (unknown ``columnid``, a ``unitid`` not of that column, a
        ``webid`` not of this site) get what the real CMS sends for an empty query: a valid
        reply with ``<totalrecord>0</totalrecord>`` and an empty recordset. A window past the
        end is cut at the last record.
        """
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        content_type = (headers.get("Content-Type") or "") if headers is not None else ""
        if body and (not content_type or "x-www-form-urlencoded" in content_type):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            params.update({k: v[-1] for k, v in form.items()})
        try:
            start, end = int(params["startrecord"]), int(params["endrecord"])
            per_page = int(params.get("perpage") or hanweb.PER_PAGE)
        except (KeyError, ValueError):
            return Reply(400, "text/plain; charset=UTF-8",
                         b"startrecord, endrecord and perpage must be integers\n")
        if start < 1 or per_page < 1:
            return Reply(400, "text/plain; charset=UTF-8",
                         b"startrecord and perpage must be at least 1\n")
        column = _known_column(params)
        if column is None:
            return Reply(200, XML, hanweb.dataproxy_reply([], 0, per_page).encode())
        total = state.catalog.column_total(column)
        records = state.catalog.column_window(column, start, end) if end >= start else []
        return Reply(200, XML, hanweb.dataproxy_reply(records, total, per_page).encode())

    def _conditional(self, page: Page, headers: Any) -> Reply | None:
        """A 304 when the client's validators still match the page, else None."""
        if headers is None:
            return None
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            if "*" in tags or page.etag.removeprefix("W/") in tags:
                return Reply(304, HTML, headers=_validators(page))
            return None
        since = headers.get("If-Modified-Since")
        if since and page.last_modified is not None:
            try:
                moment = parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            if page.last_modified.replace(microsecond=0) <= moment:
                return Reply(304, HTML, headers=_validators(page))
        return None

    def article_reply(self, reply: Reply, fault: Fault | None, path: str) -> Reply:
        """Put the view counter into an article, and apply a page-altering fault."""
        page = reply.page
        assert page is not None
        entry = self.catalog.entry_at(path)
        views = self.next_view(path, entry.views if entry else 0)
        before, after = page.before, str(views).encode() + page.after
        headers = _validators(page)
        if fault is not None and fault.kind == "oversize":
            total = self._state.config.faults.oversize_bytes
            whole = before + after
            split = whole.find(b'<meta name="ContentStart">')
            split = len(before) if split < 0 else split
            head, tail = whole[:split], whole[split:]
            return Reply(200, HTML, headers=headers, chunks=oversize_parts(head, tail, total),
                         length=oversize_length(head, tail, total))
        body = before + after
        if fault is not None and fault.kind == "truncate":
            if fault.variant == "length":
                return Reply(200, HTML, body[: len(body) // 2], headers, length=len(body),
                             close=True)
            return Reply(200, HTML, body[: cut_point(body)], headers)
        return Reply(200, HTML, body, headers)


def _validators(page: Page) -> list[tuple[str, str]]:
    headers = [("ETag", page.etag)]
    if page.last_modified is not None:
        headers.append(("Last-Modified", format_datetime(page.last_modified, usegmt=True)))
    return headers


def _column_id(path: str) -> int | None:
    # /col/col{id}/index.html (also /col/col{id}/ and index_N.html pages of static sites)
    parts = path.split("/")
    if len(parts) < 3 or not parts[2].startswith("col") or not parts[2][3:].isdigit():
        return None
    column_id = int(parts[2][3:])
    if column_id not in COLUMNS or (len(parts) > 3 and parts[3] not in ("", "index.html")):
        return None
    return column_id


def _known_column(params: dict[str, str]) -> int | None:
    """The column a dataproxy request names, if its columnid, unitid and webid agree."""
    try:
        column = COLUMNS[int(params.get("columnid", ""))]
    except (KeyError, ValueError):
        return None
    if params.get("unitid") != str(column.unit_id) or params.get("webid") != str(hanweb.WEBID):
        return None
    return column.column_id


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"  # a gateway in front of the CMS, as the 5xx pages say
    timeout = 120  # an idle keep-alive connection is closed after this long
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls
    server: ReplicaHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)

    def _serve(self, head: bool = False) -> None:
        portal = self.server.portal
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        route = route_kind(split.path)
        key = request_key(self.command, self.path, body)
        fault = portal.fault_for(key, route)
        slow = portal.config.faults.slow_ms
        if slow and route != "admin":
            portal.stopping.wait(slow / 1000)
        reply = portal.faulted(fault, split.path, key) if fault is not None else None
        if reply is None:
            reply = portal.respond(self.command, split.path, split.query, self.headers, body)
            if reply.page is not None and reply.status == 200:
                reply = portal.article_reply(reply, fault, split.path)
        if route != "admin":  # the controls are not part of the portal's traffic
            portal.record(self.command, self.path, route, reply.status, fault.kind if fault else "")
        self._send(reply, head)

    def _send(self, reply: Reply, head: bool) -> None:
        if not reply.send:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(reply.content_length))
        if reply.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head or reply.status == 304:
            return
        try:
            if reply.chunks is not None:
                for chunk in reply.chunks:
                    self.wfile.write(chunk)
            else:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. an oversized page)


class ReplicaHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the portal it serves."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, config: ReplicaConfig) -> None:
        self.portal = Portal(config)
        super().__init__((config.host, config.port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.portal.stopping.set()  # releases hung and slow requests
        self.shutdown()
        self.server_close()


# --------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------


class RunningReplica(str):
    """The base URL of a running replica (use it as the string it is) and its controls."""

    server: ReplicaHTTPServer

    def __new__(cls, server: ReplicaHTTPServer) -> RunningReplica:
        replica = super().__new__(cls, server.base_url)
        replica.server = server
        return replica

    @property
    def base_url(self) -> str:
        return str.__str__(self)

    @property
    def portal(self) -> Portal:
        return self.server.portal

    @property
    def catalog(self) -> Catalog:
        return self.portal.catalog

    def url(self, path: str) -> str:
        return self.base_url + path

    def reconfigure(self, **changes: Any) -> None:
        """Serve a changed configuration, e.g. ``reconfigure(reports=110)`` or ``(edit=3)``;
        ``faults=FaultConfig(...)`` replaces the fault switches."""
        self.portal.reconfigure(replace(self.portal.config, **changes))

    def stats(self) -> dict[str, Any]:
        return self.portal.stats()

    def reset_stats(self) -> None:
        self.portal.reset_stats()

    def requests(self) -> list[tuple[str, str, int, str]]:
        """(method, target, status, fault) of every request since the last reset."""
        return self.portal.requests()

    def manifest(self) -> Iterator[dict[str, Any]]:
        yield from self.catalog.manifest(self.base_url)
        yield from self.portal.platform_manifest(self.base_url)


def start_replica(config: ReplicaConfig | None = None) -> RunningReplica:
    """Start a replica in a background thread; stop it with ``replica.server.stop()``."""
    server = ReplicaHTTPServer(config or ReplicaConfig())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"replica {server.base_url}", daemon=True)
    thread.start()
    return RunningReplica(server)


@contextmanager
def serve_replica(config: ReplicaConfig | None = None, **changes: Any) -> Iterator[RunningReplica]:
    """``with serve_replica(ReplicaConfig(reports=50, seed=1)) as base_url: ...``"""
    replica = start_replica(replace(config or ReplicaConfig(), **changes))
    try:
        yield replica
    finally:
        replica.server.stop()


def write_manifest(catalog: Catalog, base_url: str, out: IO[str],
                   extra: Iterable[dict[str, Any]] = ()) -> int:
    """The manifest as JSON lines (``extra``: other platforms' records); returns the count."""
    lines = 0
    for record in chain(catalog.manifest(base_url), extra):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        lines += 1
    return lines


class ReplicaProcess:
    """The replica as a subprocess (``disclosure-archive replica``): a context manager whose
    ``base_url`` is known once the server is ready. ``manifest`` asks it to write one."""

    def __init__(self, config: ReplicaConfig | None = None, *, manifest: Path | None = None,
                 start_timeout: float = 120.0) -> None:
        self.config = config or ReplicaConfig()
        self.manifest = manifest
        self.start_timeout = start_timeout
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> str:
        command = [sys.executable, "-m", "disclosure_archive.commands.replica",
                   *self.config.to_args()]
        if self.manifest is not None:
            command += ["--manifest", str(self.manifest)]
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr,
                                         text=True, encoding="utf-8")
        line = self._read_line()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"replica did not start: {line!r} {self._errors()}")
        self.base_url = line.strip()
        return self.base_url

    def _read_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self._process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        return result[0] if result else ""

    def _errors(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> ReplicaProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for restarting a replica on a known port)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
