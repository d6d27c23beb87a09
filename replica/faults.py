"""Fault switches of the replica portal: what goes wrong, where, and for how long.

Every decision is a pure function of the replica's seed, the request (method, path, query,
form body) and, for faults a retry must get past, the attempt number. A hash of seed + fault
name + request gives each request a fixed number in [0, 1); the request is hit when that number
is below the fault's rate. So a crawl sees the same faults on the same URLs every run, and a
test can predict them with :meth:`FaultPlan.decide`.

Which requests each fault can hit:

- ``slow_ms``: every response, added latency.
- ``error_rate`` (500/502/503/504), ``timeout_rate`` (the server holds the request for
  ``hang_seconds``, longer than any sane client timeout, then drops the connection): every page
  but robots.txt. Transient: a hit request fails its first ``fault_attempts`` attempts, then
  answers normally, so retries succeed.
- ``truncate_rate``: article pages, transient. ``length`` sends a Content-Length larger than the
  body and closes the connection early (transport-level data loss); ``cut`` sends a body cut off
  in the middle of a table with a Content-Length that matches it (looks whole to HTTP);
  ``mixed`` picks one per URL.
- ``oversize_rate``: article pages, persistent: the page carries an inline image that makes it
  ``oversize_bytes`` long (a Word paste gone wrong), streamed, with its true Content-Length.
- ``challenge``: anti-bot pages, persistent, on every path (a WAF fronts the whole site), for a
  ``challenge_rate`` share of requests: ``ruishu`` (HTTP 412, ``$_ts`` script), ``jsl`` (HTTP
  521, ``__jsl_clearance`` cookie script), ``wzws`` (HTTP 200, ``wzws_cid`` cookie and a
  ``wzwschallenge`` script), or ``mixed`` (one per URL). These are never to be defeated; the
  replica does not honour the cookies either.

- ``jpaas_ignore_page_no``: Hangzhou's newer list endpoint answers page 1 whatever ``pageNo``
  a plain HTTP client asks for (see ``replica.jpaas``); not a per-request fault.

- ``redesign``: the site changed its list markup: column pages list their first records as
  plain ``<ul>`` without ``<datastore>``, ``var param_…`` or jpage call, and the dataproxy is
  gone (404). A crawler must notice, not quietly archive nothing.

Admin paths (``/__replica__/``) are never faulted.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Literal

ChallengeKind = Literal["ruishu", "jsl", "wzws"]
CHALLENGE_KINDS: tuple[ChallengeKind, ...] = ("ruishu", "jsl", "wzws")
TruncateMode = Literal["length", "cut", "mixed"]
FaultKind = Literal["challenge", "timeout", "error", "truncate", "oversize"]
RouteKind = Literal["home", "robots", "column", "dataproxy", "article", "admin", "other",
                    "jpaas_column", "jpaas_unit", "jpaas_article",
                    "gkmlpt_list", "gkmlpt_article", "gkmlpt_content"]
ERROR_STATUSES: tuple[int, ...] = (500, 502, 503, 504)


@dataclass(frozen=True)
class FaultConfig:
    """The fault switches; all off by default."""

    slow_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0
    truncate_rate: float = 0.0
    truncate_mode: TruncateMode = "mixed"
    oversize_rate: float = 0.0
    oversize_bytes: int = 16 * 1024 * 1024
    challenge: ChallengeKind | Literal["mixed"] | None = None
    challenge_rate: float = 1.0
    fault_attempts: int = 1
    redesign: bool = False
    # Hangzhou's newer list endpoint ignores ``pageNo`` (always page 1) for clients that did
    # not run the column page's script, as a public crawler saw it from outside China.
    jpaas_ignore_page_no: bool = False

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate", "truncate_rate", "oversize_rate",
                     "challenge_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.slow_ms < 0 or self.hang_seconds < 0 or self.oversize_bytes < 0:
            raise ValueError("slow_ms, hang_seconds and oversize_bytes cannot be negative")
        if self.fault_attempts < 1:
            raise ValueError(f"fault_attempts must be at least 1, not {self.fault_attempts}")
        if self.challenge not in (None, "mixed", *CHALLENGE_KINDS):
            raise ValueError(f"unknown challenge {self.challenge!r}")
        if self.truncate_mode not in ("length", "cut", "mixed"):
            raise ValueError(f"unknown truncate mode {self.truncate_mode!r}")

    @property
    def any(self) -> bool:
        return bool(self.slow_ms or self.error_rate or self.timeout_rate or self.truncate_rate
                    or self.oversize_rate or (self.challenge and self.challenge_rate)
                    or self.redesign)


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or to) a normal answer. ``variant``: challenge kind, HTTP status
    of an error, or truncate mode."""

    kind: FaultKind
    variant: str = ""


class FaultPlan:
    """Decides the fault of each request from the seed and the request's identity."""

    def __init__(self, config: FaultConfig, seed: int | str) -> None:
        self.config = config
        self.seed = str(seed)

    def draw(self, name: str, key: str) -> float:
        """The fixed number in [0, 1) of a request for one fault."""
        digest = hashlib.blake2b(f"{self.seed}|{name}|{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def decide(self, key: str, route: RouteKind, attempt: int) -> Fault | None:
        """The fault for attempt ``attempt`` (1-based) of request ``key`` on a ``route`` page."""
        c = self.config
        if route == "admin":
            return None
        if c.challenge and self.draw("challenge", key) < c.challenge_rate:
            kind = c.challenge
            if kind == "mixed":
                kind = CHALLENGE_KINDS[int(self.draw("challenge-kind", key) * 3)]
            return Fault("challenge", kind)
        if route == "article" and self.draw("oversize", key) < c.oversize_rate:
            return Fault("oversize")
        if attempt > c.fault_attempts or route == "robots":
            return None
        if self.draw("timeout", key) < c.timeout_rate:
            return Fault("timeout")
        if self.draw("error", key) < c.error_rate:
            status = ERROR_STATUSES[int(self.draw("error-status", key) * len(ERROR_STATUSES))]
            return Fault("error", str(status))
        if route == "article" and self.draw("truncate", key) < c.truncate_rate:
            mode = c.truncate_mode
            if mode == "mixed":
                mode = "length" if self.draw("truncate-mode", key) < 0.5 else "cut"
            return Fault("truncate", mode)
        return None


def request_key(method: str, target: str, body: bytes = b"") -> str:
    """A request's identity for fault decisions: method, path with query, and form body."""
    key = f"{method} {target}"
    return f"{key} {body.decode('utf-8', 'replace')}" if body else key


# --------------------------------------------------------------------------------------------
# What the faults send
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChallengePage:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _token(seed: str, key: str, size: int) -> str:
    return hashlib.blake2b(f"{seed}|token|{key}".encode(), digest_size=size).hexdigest()


def challenge_page(kind: ChallengeKind, key: str, path: str, seed: str = "") -> ChallengePage:
    """The anti-bot page a WAF of the given kind answers with (markup as public crawlers of
    Chinese government sites record it)."""
    token = _token(seed, key, 32)
    if kind == "ruishu":
        body = (
            "<!DOCTYPE html><html><head>"
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<meta http-equiv="Expires" content="0"><meta http-equiv="Cache-Control" '
            'content="no-cache"><meta http-equiv="Pragma" content="no-cache">'
            f"<meta id=\"{token[:12]}\" content=\"{token}{token[::-1]}\" r='m'>"
            "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window"
            f"['$_ts']={{}};$_ts.nsd={int(token[:4], 16)};$_ts.cd=\"{token * 3}\";</script>"
            f"<script type=\"text/javascript\" charset=\"utf-8\" src=\"/{token[:12]}/"
            f"{token[12:24]}.{token[24:31]}.js\" r='m'></script></head><body></body></html>"
            "<script type=\"text/javascript\" r='m'>_$Zx();</script>"
        )
        cookie = f"{token[:13]}S=60{token}; Path=/; HttpOnly"
        return ChallengePage(412, (("Set-Cookie", cookie),), body.encode())
    if kind == "jsl":
        stamp = f"{int(token[:8], 16) % 10**10}.{int(token[8:11], 16) % 1000}"
        clearance = f"__jsl_clearance={stamp}|0|{token[:28]}%3D;max-age=3600;path=/"
        script = "+".join(f"('{ch}')" for ch in clearance)
        body = (
            f"<script>document.cookie={script};"
            "location.href=location.pathname+location.search</script>"
        )
        cookie = f"__jsluid_h={token[:32]}; max-age=31536000; path=/; HttpOnly"
        return ChallengePage(521, (("Set-Cookie", cookie),), body.encode())
    if kind == "wzws":
        dynamic = base64.b64encode(path.encode()).decode()
        body = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
            f'<script type="text/javascript">var dynamicurl="/WZWSREL{dynamic}";'
            f'var wzwsquestion="{token[:24]}";var wzwsfactor="{int(token[:4], 16)}";'
            'var wzwsmethod="post";var wzwsparams="";</script>'
            '<script type="text/javascript">function wzwschallenge(){var hash=0;'
            "for(var i=0;i<wzwsquestion.length;i++){hash+=wzwsquestion.charCodeAt(i);}"
            "hash*=wzwsfactor;hash+=111111;return 'WZWS_CONFIRM_PREFIX_LABEL'+hash;}"
            "document.cookie='wzwschallenge='+wzwschallenge()+';path=/';"
            "location.href=dynamicurl;</script>"
            "<noscript>请开启JavaScript并刷新该页。</noscript></body></html>"
        )
        cookie = f"wzws_cid={token}; path=/; HttpOnly"
        return ChallengePage(200, (("Set-Cookie", cookie),), body.encode())
    raise ValueError(f"unknown challenge {kind!r}")


def error_page(status: int) -> bytes:
    """An nginx-style error page, as a gateway in front of the CMS sends it."""
    reason = {500: "Internal Server Error", 502: "Bad Gateway",
              503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(status, "Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def cut_point(body: bytes) -> int:
    """Where a ``cut`` truncation ends a page: inside the middle table row of its body (or
    half-way when it has no table), so the page stops mid-table."""
    start = body.find(b'id="zoom"')
    rows: list[int] = []
    position = body.find(b"<tr", max(start, 0))
    while position != -1:
        rows.append(position)
        position = body.find(b"<tr", position + 3)
    if rows:
        middle = rows[len(rows) // 2]
        return middle + min(40, max(1, (len(body) - middle) // 2))
    return max(1, len(body) // 2)


def oversize_parts(before: bytes, after: bytes, total: int, chunk: int = 64 * 1024):
    """``before`` + an inline image that pads the page to ``total`` bytes + ``after``, as chunks.

    Yields bytes; the sum of their lengths is ``max(total, len(before) + len(after) + overhead)``.
    """
    opening, closing = b'<p><img src="data:image/png;base64,', b'" /></p>\n'
    padding = max(0, total - len(before) - len(after) - len(opening) - len(closing))
    yield before + opening
    filler = b"A" * chunk
    while padding > 0:
        size = min(padding, chunk)
        yield filler[:size]
        padding -= size
    yield closing + after


def oversize_length(before: bytes, after: bytes, total: int) -> int:
    overhead = len(b'<p><img src="data:image/png;base64,') + len(b'" /></p>\n')
    return max(total, len(before) + len(after) + overhead)
