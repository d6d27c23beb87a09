"""The Hanweb page objects and list rules, on markup written from ``shared/domain.md`` §3.

These pin what the spider expects of the portal; the crawl tests (test_crawl*.py) run the whole
spider against the replica over HTTP.
"""

from __future__ import annotations

import pytest

from crawler.pages import (
    ColumnPage,
    DataproxyPage,
    SiteChangedError,
    article_completeness_error,
    parse_js_object,
)

BASE = "https://www.hangzhou.gov.cn"
COLUMN_URL = f"{BASE}/col/col1229063423/index.html"


def record(title: str, href: str, date: str) -> str:
    return (
        f'<record><![CDATA[<li><a title="{title}" target="_blank" href="{href}">{title}</a>'
        f"<b>{date}</b></li>]]></record>"
    )


RECORDS = [
    record("杭州市商务局2023年政府信息公开工作年度报告", "/art/2024/1/16/art_1229063423_4233305.html",
           "2024-01-16"),
    record("关于做好2023年政府信息公开工作年度报告编制工作的通知", "/art/2024/1/2/art_1229063423_1.html",
           "2024-01-02"),
]

COLUMN_PAGE = f"""<html><head><title>政府信息公开年报</title></head><body>
<div id="4775306"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup>
<recordset>{''.join(RECORDS)}</recordset></datastore></script></div>
<script>
var param_4775306 = {{col:1,webid:149,path:'/',columnid:1229063423,sourceContentType:1,unitid:'4775306',webname:'杭州市人民政府',permissiontype:0}};
$('#4775306').jpage({{dataStore: 'x', perPage: 20, totalRecord: 137, groupSize: 3, proxyUrl: '/module/jpage/dataproxy.jsp', ajaxParam: param_4775306}});
</script></body></html>"""


def test_column_page_reads_records_parameters_and_total() -> None:
    page = ColumnPage.from_html(COLUMN_PAGE, COLUMN_URL)
    assert page.unitid == "4775306"
    assert page.total_record == 137
    assert page.per_page == 20
    assert page.proxy_url == "/module/jpage/dataproxy.jsp"
    assert page.params["webid"] == "149"
    assert page.params["webname"] == "杭州市人民政府"
    assert page.params["path"] == "/"
    assert [r.url for r in page.records] == [
        f"{BASE}/art/2024/1/16/art_1229063423_4233305.html",
        f"{BASE}/art/2024/1/2/art_1229063423_1.html",
    ]
    assert page.records[0].title == "杭州市商务局2023年政府信息公开工作年度报告"
    assert page.records[0].date == "2024-01-16"
    assert page.unreadable == []


@pytest.mark.parametrize(
    ("remove", "complaint"),
    [
        ("<datastore>", "no <datastore>"),
        ("var param_4775306", "no 'var param_…' block"),
        ("totalRecord", "no totalRecord"),
    ],
)
def test_column_page_fails_loudly_when_the_site_changes(remove: str, complaint: str) -> None:
    changed = COLUMN_PAGE.replace(remove, "removed")
    with pytest.raises(SiteChangedError, match=complaint):
        ColumnPage.from_html(changed, COLUMN_URL)


def test_column_page_with_a_total_but_no_records_is_a_change() -> None:
    empty = COLUMN_PAGE.replace("".join(RECORDS), "")
    with pytest.raises(SiteChangedError, match="embeds no readable record"):
        ColumnPage.from_html(empty, COLUMN_URL)


def test_unreadable_records_are_reported_not_skipped() -> None:
    broken = COLUMN_PAGE.replace(RECORDS[1], "<record><![CDATA[<li>no link here</li>]]></record>")
    page = ColumnPage.from_html(broken, COLUMN_URL)
    assert len(page.records) == 1
    assert len(page.unreadable) == 1 and "without a link" in page.unreadable[0]


def test_dataproxy_reply() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>137</totalrecord>'
        f"<totalpage>7</totalpage><recordset>{''.join(RECORDS)}</recordset></datastore>"
    )
    page = DataproxyPage.from_xml(xml, f"{BASE}/module/jpage/dataproxy.jsp", BASE)
    assert page.total_record == 137
    assert [r.date for r in page.records] == ["2024-01-16", "2024-01-02"]


def test_dataproxy_reply_that_is_not_a_datastore_fails_loudly() -> None:
    with pytest.raises(SiteChangedError, match="not a <datastore>"):
        DataproxyPage.from_xml("<html>login</html>", f"{BASE}/module/jpage/dataproxy.jsp", BASE)
    with pytest.raises(SiteChangedError, match="no <totalrecord>"):
        DataproxyPage.from_xml("<datastore><recordset/></datastore>", "u", BASE)


def test_js_object_literal() -> None:
    assert parse_js_object("col:1, webid:149, path:'/', webname:\"杭州\"") == {
        "col": "1", "webid": "149", "path": "/", "webname": "杭州",
    }


def test_a_page_cut_before_its_end_is_incomplete() -> None:
    whole = "<html><body><div id='zoom'>报告</div></body></html>".encode()
    assert article_completeness_error(whole) is None
    assert "truncated" in (article_completeness_error(whole[: len(whole) // 2]) or "")
    assert article_completeness_error(b"   ") == "empty body"
