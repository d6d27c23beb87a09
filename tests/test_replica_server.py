"""The replica portal over real HTTP: list pages, dataproxy paging, articles, robots.txt, 304s,
determinism, growth, edits, and the command line.

Expected values come from the catalogue's manifest (what the generator published) and from
domain.md §2/§3, never from the page templates themselves.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, timedelta
from email.utils import format_datetime
from html import unescape
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from disclosure_archive.commands.replica import add_arguments, config_from_args
from replica.faults import FaultConfig
from replica.server import ReplicaConfig, ReplicaProcess

REPORT_COLUMN = 1229063423
FORM = {
    "col": "1", "appid": "1", "webid": "149", "path": "/", "columnid": str(REPORT_COLUMN),
    "sourceContentType": "1", "unitid": "7123790", "webname": "杭州市人民政府门户网站",
    "permissiontype": "0",
}
SEED_URL = "/art/2024/1/16/art_1229063423_4233305.html"
VIEWS = re.compile(r"浏览次数:(?:<[^>]*>)*\s*(\d+)")


def fetch(url: str, form: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def dataproxy(base: str, start: int, end: int, per_page: int = 20, **form: str) -> str:
    status, headers, body = fetch(
        f"{base}/module/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage={per_page}",
        {**FORM, **form},
    )
    assert status == 200, body[:200]
    return body.decode()


def listed_hrefs(xml: str) -> list[str]:
    return re.findall(r'<li><a title="[^"]*" target="_blank" href="([^"]+)"', xml)


def without_counter(body: bytes) -> str:
    return VIEWS.sub("浏览次数:N", body.decode())


def parser():
    """``parsers.parse_report``, or a skip while the parser is not in the tree yet."""
    parse_report = getattr(importlib.import_module("parsers"), "parse_report", None)
    if parse_report is None:
        pytest.skip("parsers.parse_report is not available yet")
    return parse_report


# ---- lists ----------------------------------------------------------------------------------


def test_column_page_embeds_first_records_params_and_total(replica: str) -> None:
    status, headers, body = fetch(f"{replica}/col/col{REPORT_COLUMN}/index.html")
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    listed = [r for r in replica.manifest() if r["column_id"] == REPORT_COLUMN]
    newest_first = sorted(listed, key=lambda r: r["article_id"], reverse=True)
    store = re.search(r'<script type="text/xml"><datastore>(.*?)</datastore>\s*</script>', html,
                      re.S)
    assert store is not None
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", store.group(1), re.S)
    assert len(records) == min(60, len(listed))
    first = Selector(text=records[0])
    assert first.xpath("//li/a/@title").get() == newest_first[0]["title"]
    assert first.xpath("//li/a/@target").get() == "_blank"
    assert first.xpath("//li/b/text()").get() == newest_first[0]["publish_date"]
    assert [replica + h for h in listed_hrefs(store.group(1))] == [
        r["url"] for r in newest_first[:60]]
    assert f"var param_7123790={{col:1,webid:149,path:'/',columnid:{REPORT_COLUMN}," \
           "sourceContentType:1,unitid:'7123790'" in html
    assert re.search(rf"totalRecord:{len(listed)}\b", html)


def test_dataproxy_pages_through_every_record_exactly_once(replica: str) -> None:
    listed = [r for r in replica.manifest() if r["column_id"] == REPORT_COLUMN]
    total = len(listed)
    seen: list[str] = []
    for start in range(1, total + 1, 30):
        xml = dataproxy(replica, start, start + 29, per_page=10)
        assert f"<totalrecord>{total}</totalrecord>" in xml
        assert f"<totalpage>{-(-total // 10)}</totalpage>" in xml
        hrefs = listed_hrefs(xml)
        assert len(hrefs) == min(30, total - start + 1)
        seen += hrefs
    expected = [r["url"] for r in sorted(listed, key=lambda r: r["article_id"], reverse=True)]
    assert [replica + h for h in seen] == expected


def test_dataproxy_windows_are_one_based_and_inclusive(replica: str) -> None:
    everything = listed_hrefs(dataproxy(replica, 1, 1000))
    assert listed_hrefs(dataproxy(replica, 1, 1)) == everything[:1]
    assert listed_hrefs(dataproxy(replica, 2, 3)) == everything[1:3]
    total = len(everything)
    assert listed_hrefs(dataproxy(replica, total, total + 60)) == everything[-1:]
    assert listed_hrefs(dataproxy(replica, total + 1, total + 60)) == []


def test_dataproxy_rejects_what_a_real_server_rejects(replica: str) -> None:
    url = f"{replica}/module/jpage/dataproxy.jsp"
    assert fetch(f"{url}?startrecord=a&endrecord=60&perpage=20", FORM)[0] == 400
    assert fetch(f"{url}?endrecord=60&perpage=20", FORM)[0] == 400
    assert fetch(f"{url}?startrecord=0&endrecord=60&perpage=20", FORM)[0] == 400
    for wrong in ({"columnid": "999"}, {"unitid": "1"}, {"webid": "1"}, {"columnid": ""}):
        xml = dataproxy(replica, 1, 60, **wrong)
        assert "<totalrecord>0</totalrecord>" in xml and listed_hrefs(xml) == []
    # JSP semantics: fields may come in the query string too
    query = urllib.parse.urlencode({**FORM, "startrecord": 1, "endrecord": 5, "perpage": 20})
    status, _, body = fetch(f"{url}?{query}")
    assert status == 200 and len(listed_hrefs(body.decode())) == 5


# ---- articles -------------------------------------------------------------------------------


def test_article_page_has_the_hanweb_markup(replica: str) -> None:
    record = next(r for r in replica.manifest() if r["kind"] == "report" and not r["reference"])
    status, headers, body = fetch(record["url"])
    assert status == 200
    page = Selector(text=body.decode())
    meta = {m.attrib["name"]: m.attrib.get("content") for m in page.css("meta[name]")}
    assert meta["ArticleTitle"] == record["title"]
    assert re.fullmatch(rf"{record['publish_date']} \d\d:\d\d", meta["PubDate"])
    assert meta["ContentSource"] == record["agency"]
    assert meta["ColumnName"]
    rows = page.css("table.xxgkinfo tr")
    assert len(rows) == 3
    cells = [[unescape(td.xpath("string()").get()) for td in row.css("td")] for row in rows]
    assert [len(row) for row in cells] == [4, 4, 4]
    assert [row[0] for row in cells] == ["索引号：", "文号：", "发布单位："]
    assert [row[2] for row in cells] == ["公开方式：", "公开日期：", "主题分类："]
    assert cells[0][1] == record["index_no"]
    assert cells[1][1] == ""  # an empty 文号 is an empty cell
    assert cells[1][3] == record["publish_date"]
    assert cells[2][1] == record["agency"]
    assert record["title"] in page.css(".article_title::text").get()
    info = page.css(".article_info").xpath("string()").get()
    line = rf"时间:{record['publish_date']} \d\d:\d\d\s+来源:{record['agency']}\s+浏览次数:\d+"
    assert re.search(line, info.replace("\xa0", " "))
    assert page.css("div#zoom table")
    assert "Last-Modified" in headers and headers["ETag"].startswith('W/"')


def test_view_counter_changes_on_every_request_and_nothing_else_does(replica: str) -> None:
    url = replica + replica.catalog.entries[1].path
    bodies = [fetch(url)[2] for _ in range(3)]
    counts = [int(VIEWS.search(b.decode()).group(1)) for b in bodies]
    assert counts[0] < counts[1] < counts[2]
    assert len({without_counter(b) for b in bodies}) == 1


def test_non_reports_are_served_and_listed_with_the_reports(replica: str) -> None:
    others = [r for r in replica.manifest() if r["kind"] == "other"]
    in_report_column = [r for r in others if r["column_id"] == REPORT_COLUMN]
    assert in_report_column
    listed = set(listed_hrefs(dataproxy(replica, 1, 1000)))
    for record in in_report_column:
        assert record["url"].removeprefix(replica) in listed
        status, _, body = fetch(record["url"])
        assert status == 200 and record["title"] in body.decode()


def test_unknown_pages_are_404(replica: str) -> None:
    assert fetch(f"{replica}/art/2024/1/16/art_1229063423_1.html")[0] == 404
    assert fetch(f"{replica}/art/2024/01/16/art_1229063423_4233305.html")[0] == 404  # padded
    assert fetch(f"{replica}/col/col42/index.html")[0] == 404


def test_robots_txt_allows_the_portal_and_hides_the_controls(replica: str) -> None:
    status, headers, body = fetch(f"{replica}/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(body.decode().splitlines())
    for path in (f"/col/col{REPORT_COLUMN}/index.html", "/module/jpage/dataproxy.jsp", SEED_URL):
        assert robots.can_fetch("disclosure-archive", replica + path)
    assert not robots.can_fetch("disclosure-archive", replica + "/__replica__/stats")


def test_article_pages_parse_to_the_manifest_numbers(replica: str) -> None:
    parse_report = parser()
    for record in replica.manifest():
        if record["kind"] == "other" or record["reference"]:
            continue
        _, _, body = fetch(record["url"])
        parsed = parse_report(body.decode(), url=record["url"]).to_dict()
        expected = record["report"]
        for key in ("title", "agency", "year", "template", "proactive", "applications",
                    "review_litigation"):
            assert parsed[key] == expected[key], (record["url"], key)
        for key in ("index_no", "publish_date", "publisher", "doc_no"):
            assert parsed["header"][key] == expected["header"][key], (record["url"], key)
        if record["broken_sum"]:
            assert any(check["ok"] is False for check in parsed["checks"])


def test_seed_reference_report_is_served_with_its_header(replica: str, shared_dir: Path) -> None:
    parse_report = parser()
    status, _, body = fetch(replica + SEED_URL)
    assert status == 200
    page = Selector(text=body.decode())
    cells = [unescape(td.xpath("string()").get()) for td in page.css("table.xxgkinfo td")]
    assert cells == ["索引号：", "002489604/2024-00117", "公开方式：", "主动公开",
                     "文号：", "", "公开日期：", "2024-01-16",
                     "发布单位：", "杭州市商务局", "主题分类：", "政务公开"]
    report = parse_report(body.decode(), url=replica + SEED_URL)
    # domain.md §2, the reference case
    assert report.header.index_no == "002489604/2024-00117"
    assert report.header.publisher == "杭州市商务局"
    assert report.header.publish_date == "2024-01-16"
    assert (report.year, report.template) == (2023, "2021")
    assert report.proactive["normative_documents"] == {"issued": 9, "repealed": 1, "in_force": 33}
    assert report.proactive["licensing"]["decisions"] == 470
    apps = report.applications
    assert apps["new_received"]["total"] == 10 and apps["carried_over"]["total"] == 1
    assert apps["granted"]["total"] == 7 and apps["partially_granted"]["total"] == 2
    assert apps["withheld_security_stability"]["total"] == 1
    assert apps["other_misc"]["total"] == 1 and apps["total_handled"]["total"] == 11
    assert all(v == 0 for group in report.review_litigation.values() for v in group.values())
    assert report.checks and all(check.ok for check in report.checks)


# ---- validators -----------------------------------------------------------------------------


def test_conditional_requests_are_answered_with_304(replica: str) -> None:
    url = replica + replica.catalog.entries[3].path
    status, headers, _ = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(url, headers={"If-None-Match": etag})[0] == 304
    assert fetch(url, headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(url, headers={"If-None-Match": 'W/"stale"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    column = f"{replica}/col/col{REPORT_COLUMN}/index.html"
    column_etag = fetch(column)[1]["ETag"]
    assert fetch(column, headers={"If-None-Match": column_etag})[0] == 304


def test_an_edit_changes_exactly_k_pages_and_their_validators(make_replica) -> None:
    running = make_replica(reports=40, seed="edits")
    reports = [r for r in running.manifest() if r["kind"] != "other"]
    first = {r["url"]: fetch(r["url"]) for r in reports}
    running.reconfigure(edit=4)
    changed = []
    for url, (_, headers, body) in first.items():
        status, new_headers, new_body = fetch(url, headers={"If-None-Match": headers["ETag"]})
        if status == 304:
            assert fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
            continue
        assert status == 200
        assert without_counter(new_body) != without_counter(body)
        assert new_headers["ETag"] != headers["ETag"]
        modified = fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})
        assert modified[0] == 200 and new_headers["Last-Modified"] != headers["Last-Modified"]
        changed.append(url)
    edited = {r["url"] for r in running.manifest() if r.get("edited")}
    assert len(changed) == 4 and set(changed) == edited


# ---- determinism and growth -----------------------------------------------------------------


def test_same_seed_same_bytes_apart_from_the_view_counter(make_replica) -> None:
    one, two = make_replica(reports=25, seed="same"), make_replica(reports=25, seed="same")
    other = make_replica(reports=25, seed="other")
    paths = [f"/col/col{REPORT_COLUMN}/index.html", *(e.path for e in one.catalog.entries)]
    for path in paths:
        assert without_counter(fetch(one + path)[2]) == without_counter(fetch(two + path)[2])
    assert dataproxy(one, 1, 60) == dataproxy(two, 1, 60)
    assert dataproxy(one, 1, 60) != dataproxy(other, 1, 60)


def test_growth_puts_new_reports_on_top_of_the_list(make_replica) -> None:
    running = make_replica(reports=30, seed="growth")
    before = listed_hrefs(dataproxy(running, 1, 1000))
    old_reports = {r["url"] for r in running.manifest() if r["kind"] != "other"}
    running.reconfigure(reports=40)
    after = listed_hrefs(dataproxy(running, 1, 1000))
    new = after[: len(after) - len(before)]
    assert after[len(new):] == before
    new_reports = {r["url"] for r in running.manifest() if r["kind"] != "other"} - old_reports
    assert len(new_reports) == 10
    in_column = {r["url"] for r in running.manifest()
                 if r["column_id"] == REPORT_COLUMN and r["url"] in new_reports}
    assert {running + h for h in new} >= in_column


# ---- running it -----------------------------------------------------------------------------


def test_command_prints_its_base_url_and_writes_the_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    config = ReplicaConfig(reports=15, seed="cli", edit=2)
    with ReplicaProcess(config, manifest=manifest) as process:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", process.base_url)
        records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
        reports = [r for r in records if r["kind"] != "other"]
        assert len(reports) == 15 and sum(r["edited"] for r in reports) == 2
        for record in records:
            assert record["url"].startswith(process.base_url + "/art/")
            status, _, body = fetch(record["url"])
            assert status == 200 and record["index_no"] in body.decode()
        status, _, body = fetch(process.base_url + "/__replica__/stats?log=1&reset=1")
        stats = json.loads(body)
        assert stats["requests"]["article 200"] == len(records)
        assert sorted(target for _, target, _, _ in stats["log"]) == sorted(
            r["url"].removeprefix(process.base_url) for r in records)
        status, _, body = fetch(process.base_url + "/__replica__/stats")
        assert json.loads(body)["requests"] == {}
    assert process.pid is None


def test_config_survives_the_command_line() -> None:
    config = ReplicaConfig(reports=7, seed="x", edit=1, port=0, cache_mb=8, faults=FaultConfig(
        slow_ms=5, error_rate=0.25, timeout_rate=0.1, hang_seconds=2.0, truncate_rate=0.5,
        truncate_mode="cut", oversize_rate=0.2, oversize_bytes=4096, challenge="jsl",
        challenge_rate=0.5, fault_attempts=2, redesign=True))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert config_from_args(parser.parse_args(config.to_args())) == config


def test_last_modified_is_the_publication_time_in_gmt(replica: str) -> None:
    entry = replica.catalog.entries[2]
    _, headers, _ = fetch(replica + entry.path)
    expected = (entry.published - timedelta(hours=8)).replace(tzinfo=UTC)
    assert headers["Last-Modified"] == format_datetime(expected, usegmt=True)
