"""Each fault switch of the replica does what it says, over real HTTP, deterministically."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from replica.faults import ERROR_STATUSES, FaultConfig, FaultPlan, request_key

REPORT_COLUMN_PAGE = "/col/col1229063423/index.html"


def get(base: str, path: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """A GET with http.client, so that a short body raises instead of being papered over."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def article_paths(running, n: int | None = None) -> list[str]:
    paths = [e.path for e in running.catalog.entries if e.is_report]
    return paths[:n] if n else paths


def test_decisions_depend_only_on_seed_request_and_attempt() -> None:
    config = FaultConfig(error_rate=0.3, timeout_rate=0.1, truncate_rate=0.2, challenge="mixed",
                         challenge_rate=0.1)
    keys = [request_key("GET", f"/art/2024/1/{d}/art_1_{d}.html") for d in range(1, 400)]
    one, same, other = FaultPlan(config, "a"), FaultPlan(config, "a"), FaultPlan(config, "b")
    decided = [one.decide(k, "article", 1) for k in keys]
    assert decided == [same.decide(k, "article", 1) for k in keys]
    assert decided != [other.decide(k, "article", 1) for k in keys]
    kinds = [d.kind for d in decided if d]
    assert 0.05 < kinds.count("challenge") / len(keys) < 0.16
    assert {d.variant for d in decided if d and d.kind == "challenge"} == {"ruishu", "jsl", "wzws"}
    assert 0.15 < kinds.count("error") / len(keys) < 0.4
    # transient faults are over after fault_attempts; challenges are not
    later = [one.decide(k, "article", 2) for k in keys]
    assert {d.kind for d in later if d} == {"challenge"}


def test_error_rate_answers_5xx_then_the_page(make_replica) -> None:
    running = make_replica(reports=20, seed="errors", faults=FaultConfig(error_rate=1.0,
                                                                         fault_attempts=2))
    for path in (REPORT_COLUMN_PAGE, *article_paths(running, 3)):
        first, second, third = (get(running, path) for _ in range(3))
        assert first[0] in ERROR_STATUSES and second[0] in ERROR_STATUSES
        assert b"nginx" in first[2]
        assert third[0] == 200
    assert get(running, "/robots.txt")[0] == 200  # never faulted by 5xx


def test_error_rate_hits_the_predicted_share_of_pages(make_replica) -> None:
    running = make_replica(reports=60, seed="share", faults=FaultConfig(error_rate=0.3))
    plan = running.portal.fault_plan
    paths = article_paths(running)
    predicted = {p for p in paths if plan.decide(request_key("GET", p), "article", 1)}
    failed = {p for p in paths if get(running, p)[0] != 200}
    assert failed == predicted and 0.1 < len(failed) / len(paths) < 0.5
    assert all(get(running, p)[0] == 200 for p in paths)  # the second attempt gets through


def test_timeout_holds_the_request_past_the_client_timeout(make_replica) -> None:
    running = make_replica(reports=5, seed="hang", faults=FaultConfig(timeout_rate=1.0,
                                                                      hang_seconds=5))
    path = article_paths(running, 1)[0]
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        urllib.request.urlopen(running + path, timeout=0.5)
    assert time.monotonic() - started < 3
    assert get(running, path)[0] == 200  # the retry is answered at once


def test_truncation_by_length_loses_data_at_the_transport(make_replica) -> None:
    running = make_replica(reports=5, seed="cut", faults=FaultConfig(truncate_rate=1.0,
                                                                     truncate_mode="length"))
    path = article_paths(running, 1)[0]
    with pytest.raises(http.client.IncompleteRead):
        get(running, path)
    status, _, body = get(running, path)
    assert status == 200 and body.rstrip().endswith(b"</html>")


def test_truncation_by_cut_looks_whole_but_stops_mid_table(make_replica) -> None:
    running = make_replica(reports=5, seed="cut", faults=FaultConfig(truncate_rate=1.0,
                                                                     truncate_mode="cut"))
    path = next(e.path for e in running.catalog.entries if e.is_report and e.template != "none")
    status, headers, cut = get(running, path)
    assert status == 200 and int(headers["Content-Length"]) == len(cut)
    assert b"</html>" not in cut
    assert cut.rfind(b"<table") > cut.rfind(b"</table>")  # inside an open table
    status, _, whole = get(running, path)
    assert status == 200 and len(whole) > len(cut)
    assert whole[:200] == cut[:200]


def test_oversize_pages_are_streamed_at_their_full_size(make_replica) -> None:
    size = 3_000_000
    running = make_replica(reports=5, seed="big", faults=FaultConfig(oversize_rate=1.0,
                                                                     oversize_bytes=size))
    path = article_paths(running, 1)[0]
    for _ in range(2):  # persistent
        status, headers, body = get(running, path)
        assert status == 200 and int(headers["Content-Length"]) == len(body) == size
        assert b"data:image/png;base64," in body and body.rstrip().endswith(b"</html>")
    assert len(get(running, REPORT_COLUMN_PAGE)[2]) < size  # only articles grow


@pytest.mark.parametrize(
    ("kind", "status", "cookie", "marker"),
    [
        ("ruishu", 412, "S=60", b"$_ts=window['$_ts']"),
        ("jsl", 521, "__jsluid_h=", b"('_')+('_')+('j')+('s')+('l')"),
        ("wzws", 200, "wzws_cid=", b"wzwschallenge"),
    ],
)
def test_challenges_block_every_path_and_never_let_up(make_replica, kind: str, status: int,
                                                      cookie: str, marker: bytes) -> None:
    running = make_replica(reports=5, seed="waf", faults=FaultConfig(challenge=kind))
    for path in ("/robots.txt", REPORT_COLUMN_PAGE, *article_paths(running, 2)):
        for _ in range(3):
            got, headers, body = get(running, path)
            assert got == status
            assert cookie in headers["Set-Cookie"]
            assert marker in body and "年度报告".encode() not in body
    if kind == "jsl":
        assert "__jsl_clearance" in "".join(c.strip("()'+") for c in body.decode().split("+"))
    assert get(running, "/__replica__/stats")[0] == 200  # the controls are never challenged


def test_a_partial_challenge_rate_blocks_a_fixed_set_of_urls(make_replica) -> None:
    running = make_replica(reports=40, seed="some", faults=FaultConfig(challenge="mixed",
                                                                       challenge_rate=0.3))
    plan = running.portal.fault_plan
    paths = article_paths(running)

    def challenged(path: str) -> bool:
        return "Set-Cookie" in get(running, path)[1]  # the portal itself sets no cookie

    blocked = {p for p in paths if challenged(p)}
    assert 0 < len(blocked) < len(paths)
    assert blocked == {p for p in paths if challenged(p)}  # the same URLs every time
    assert blocked == {p for p in paths if plan.decide(request_key("GET", p), "article", 9)}


def test_slow_adds_latency_to_every_response(make_replica) -> None:
    running = make_replica(reports=3, seed="slow", faults=FaultConfig(slow_ms=250))
    started = time.monotonic()
    assert get(running, REPORT_COLUMN_PAGE)[0] == 200
    assert time.monotonic() - started >= 0.25


def test_faults_are_counted(make_replica) -> None:
    running = make_replica(reports=5, seed="count", faults=FaultConfig(error_rate=1.0))
    path = article_paths(running, 1)[0]
    get(running, path)
    get(running, path)
    counts = running.stats()["requests"]
    assert counts["fault error"] == 1 and counts["article 200"] == 1


def test_redesign_removes_the_datastore_and_the_dataproxy(make_replica) -> None:
    running = make_replica(reports=30, seed="new look", faults=FaultConfig(redesign=True))
    status, _, body = get(running, REPORT_COLUMN_PAGE)
    assert status == 200
    assert b"<datastore>" not in body and b"var param_" not in body and b"totalRecord" not in body
    newest = max((e for e in running.catalog.entries if e.column.column_id == 1229063423),
                 key=lambda e: e.published)
    assert newest.path.encode() in body  # the records are still there, in other markup
    assert get(running, "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=60")[0] == 404
