"""Page objects of the JavaScript-built platforms and the browser helpers, on replica markup."""

from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.browser import CHROMIUM_ARGS, abort_request, launch_options
from crawler.pages import SiteChangedError
from crawler.platform_pages import (
    GkmlptList,
    JpaasColumnPage,
    gkmlpt_render_error,
    is_jpaas_column,
    jpaas_unit_reply,
)
from replica import gkmlpt, jpaas

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def jpaas_site() -> jpaas.JpaasSite:
    return jpaas.JpaasSite(40, "pages", ignore_page_no=False)


@pytest.fixture(scope="module")
def gkmlpt_site() -> gkmlpt.GkmlptSite:
    return gkmlpt.GkmlptSite(25, "pages")


def test_launch_options_use_the_configured_chromium_else_playwrights() -> None:
    configured = launch_options({"DISCLOSURE_CHROMIUM_PATH": "/usr/bin/chromium"})
    assert configured["executable_path"] == "/usr/bin/chromium"
    assert configured["headless"] is True and configured["args"] == list(CHROMIUM_ARGS)
    assert "executable_path" not in launch_options({})
    assert "executable_path" not in launch_options({"DISCLOSURE_CHROMIUM_PATH": " "})


def fake_request(url: str, kind: str, page_url: str, navigation: bool = False) -> SimpleNamespace:
    return SimpleNamespace(url=url, resource_type=kind, frame=SimpleNamespace(url=page_url),
                           is_navigation_request=lambda: navigation)


def test_the_browser_loads_only_what_the_page_needs_from_its_own_host() -> None:
    page = f"{BASE}/gkmlpt/content/4/4100/post_4100003.html"
    assert abort_request(fake_request(f"{BASE}/logo.png", "image", page))
    assert abort_request(fake_request(f"{BASE}/a.woff2", "font", page))
    assert abort_request(fake_request("https://www.gd.gov.cn/stat.js", "script", page))
    assert not abort_request(fake_request(f"{BASE}/gkmlpt/api/content/1", "fetch", page))
    assert not abort_request(fake_request(page, "document", "about:blank", navigation=True))


def test_the_jpaas_column_shell_names_its_list_endpoint(jpaas_site: jpaas.JpaasSite) -> None:
    html = jpaas_site.column_page()
    assert is_jpaas_column(html)
    column = JpaasColumnPage.from_html(html, f"{BASE}/col/col{jpaas.COLUMN_ID}/index.html")
    query = parse_qs(urlsplit(column.page_url(3, 15)).query)
    assert query["pageId"] == [str(jpaas.COLUMN_ID)]
    assert query["pageNo"] == ["3"] and query["rows"] == ["15"]
    with pytest.raises(SiteChangedError, match="list endpoint"):
        JpaasColumnPage.from_html("<html><body><ul></ul></body></html>", BASE)


def test_a_unit_reply_gives_records_and_the_pager(jpaas_site: jpaas.JpaasSite) -> None:
    answer = jpaas_site.unit(f"pageId={jpaas.COLUMN_ID}&rows=15&pageNo=3", None)
    page = jpaas_unit_reply(answer.body.decode(), BASE + jpaas.UNIT_PATH)
    assert (page.page, page.pages, page.total) == (3, -(-jpaas_site.catalog.total // 15),
                                                   jpaas_site.catalog.total)
    expected = jpaas_site.catalog.window(31, 45)
    assert [r.url for r in page.records] == [BASE + jpaas.article_path(e) for e in expected]
    assert [r.title for r in page.records] == [e.title for e in expected]
    assert [r.date for r in page.records] == [e.date for e in expected]


@pytest.mark.parametrize("body", [
    "<html>blocked</html>",
    json.dumps({"success": False, "message": "页面不存在", "data": None}),
    json.dumps({"success": True, "data": {}}),
    json.dumps({"success": True, "data": {"html": "<ul><li><a href='/x'>x</a></li></ul>"}}),
])
def test_a_changed_unit_reply_fails_loudly(body: str) -> None:
    with pytest.raises(SiteChangedError):
        jpaas_unit_reply(body, BASE + jpaas.UNIT_PATH)


def test_a_gkmlpt_list_page(gkmlpt_site: gkmlpt.GkmlptSite) -> None:
    answer = gkmlpt_site.listing(gkmlpt.CATEGORY, f"page=2&sid={gkmlpt.SID}",
                                 {"Host": "127.0.0.1:8000"})
    listing = GkmlptList.from_json(answer.body.decode(), f"{BASE}/gkmlpt/api/all/2893")
    assert listing.total == gkmlpt_site.catalog.total
    expected = gkmlpt_site.catalog.window(21, 40)
    assert [r.url for r in listing.records] == [BASE + gkmlpt.article_path(e) for e in expected]
    with pytest.raises(SiteChangedError):
        GkmlptList.from_json(json.dumps({"data": []}), BASE)


def test_an_unrendered_gkmlpt_page_is_not_taken_for_a_report(gkmlpt_site: gkmlpt.GkmlptSite) -> None:
    shell = gkmlpt_site.shell(gkmlpt_site.catalog.entries[0])
    assert gkmlpt_render_error(shell) == "the page's script left its content loading"
    failed = shell.replace('data-state="loading"', 'data-state="failed"')
    assert gkmlpt_render_error(failed) == "the page's script left its content failed"
    ready = shell.replace('data-state="loading"', 'data-state="ready"')
    assert gkmlpt_render_error(ready) == "rendered page's #zoom is empty"
    assert gkmlpt_render_error(ready.replace('id="zoom"></div>', 'id="zoom"><p>一、总体情况</p></div>')) is None
