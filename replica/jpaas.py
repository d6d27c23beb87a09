"""Hangzhou's newer pages (2025 onward) on the replica: a column whose list JavaScript builds.

What domain.md §3 records: articles at ``/col/col{id}/art/{YYYY}/art_{32 hex}.html``, and a
column page whose list the browser builds from
``/api-gateway/jpaas-publish-server/front/page/build/unit?…&pageId={col}&rows=15&pageNo=n``,
which answers JSON ``{success, data: {html}}``; one public crawler saw that endpoint ignore
``pageNo`` from outside China.

Inferred, not observed, and kept plain: the column page's shell and script, the markup of the
``data.html`` fragment (a ``<ul>`` of records and a ``div.jpaas-pager`` stating page, pages and
total), the article template, and *why* ``pageNo`` is ignored. The replica's switch
(``FaultConfig.jpaas_ignore_page_no``) models it as a gateway that honours ``pageNo`` only for a
client that ran the column page's script (which sets a context cookie before its first call):
a plain HTTP client always gets page 1, a browser gets every page.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from html import escape
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from replica.catalog import SITE_NAME
from replica.hanweb import header_table
from replica.platforms import HTML, Answer, PlatformCatalog, PlatformEntry, json_answer, not_found
from replica.reports import HANGZHOU_AGENCIES

COLUMN_ID = 1229780539
COLUMN_NAME = "政府信息公开年度报告"
UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
WEB_ID = "3301"
ROWS = 15
CONTEXT_COOKIE = "jpaas_ctx"
_FIRST = datetime(2025, 1, 6, 9, 0)
_YEARS = (2019, 2020, 2021, 2022, 2023, 2024, 2024, 2024)


def _attr(text: str) -> str:
    return escape(text, quote=True)


def route(path: str) -> str | None:
    """The route kind of a path this platform serves, else None."""
    if path == UNIT_PATH:
        return "jpaas_unit"
    prefix = f"/col/col{COLUMN_ID}/"
    if path in (prefix, prefix + "index.html"):
        return "jpaas_column"
    if path.startswith(prefix + "art/"):
        return "jpaas_article"
    return None


def column_path(column_id: int = COLUMN_ID) -> str:
    return f"/col/col{column_id}/index.html"


def article_path(entry: PlatformEntry, column_id: int = COLUMN_ID) -> str:
    return f"/col/col{column_id}/art/{entry.published.year}/art_{entry.key}.html"


class JpaasSite:
    """The newer platform's column, list endpoint and articles, for one seed."""

    def __init__(self, reports: int, seed: int | str, ignore_page_no: bool = False) -> None:
        agencies = tuple((a.name, a.org_code) for a in HANGZHOU_AGENCIES)
        self.catalog = PlatformCatalog("jpaas", reports, seed, agencies, _FIRST, _YEARS)
        self.ignore_page_no = ignore_page_no
        self.token = hashlib.blake2b(f"{seed}:jpaas-context".encode(), digest_size=12).hexdigest()

    def respond(self, path: str, query: str, headers: Any) -> Answer:
        kind = route(path)
        if kind == "jpaas_column":
            return Answer(200, HTML, self.column_page().encode())
        if kind == "jpaas_unit":
            return self.unit(query, headers)
        entry = self._entry_at(path)
        if entry is None:
            return not_found()
        return Answer(200, HTML, self.article_page(entry).encode())

    def _entry_at(self, path: str) -> PlatformEntry | None:
        name = path.rsplit("/", 1)[-1]
        if not (name.startswith("art_") and name.endswith(".html")):
            return None
        entry = self.catalog.by_key.get(name[4:-5])
        return entry if entry is not None and article_path(entry) == path else None

    # ---- the list -----------------------------------------------------------------------------

    def unit_url(self) -> str:
        return (f"{UNIT_PATH}?webId={WEB_ID}&amp;tplSetId=52&amp;pageType=column"
                f"&amp;tagId=list-{COLUMN_ID}&amp;editType=null&amp;pageId={COLUMN_ID}"
                f"&amp;rows={ROWS}")

    def unit(self, query: str, headers: Any) -> Answer:
        """The list endpoint: ``{success, data: {html}}`` for page ``pageNo`` of ``rows``."""
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if params.get("pageId") != str(COLUMN_ID):
            return json_answer({"success": False, "message": "页面不存在", "data": None})
        try:
            rows = max(1, min(int(params.get("rows") or ROWS), 100))
            page_no = max(1, int(params.get("pageNo") or 1))
        except ValueError:
            return json_answer({"success": False, "message": "参数错误", "data": None})
        if self.ignore_page_no and not self._ran_script(headers):
            page_no = 1
        total = self.catalog.total
        pages = max(1, -(-total // rows))
        entries = self.catalog.window((page_no - 1) * rows + 1, page_no * rows)
        return json_answer({"success": True, "message": "",
                            "data": {"html": list_fragment(entries, page_no, pages, total)}})

    def _ran_script(self, headers: Any) -> bool:
        raw = headers.get("Cookie") if headers is not None else None
        if not raw:
            return False
        cookie = SimpleCookie()
        cookie.load(raw)
        morsel = cookie.get(CONTEXT_COOKIE)
        return morsel is not None and morsel.value == self.token

    # ---- pages --------------------------------------------------------------------------------

    def column_page(self) -> str:
        """A shell: the list is empty until the script fetches it from the unit endpoint."""
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{COLUMN_NAME}_{SITE_NAME}</title>\n"
            f'<meta name="SiteName" content="{SITE_NAME}">\n'
            f'<meta name="ColumnName" content="{COLUMN_NAME}">\n'
            '<link rel="stylesheet" href="/static/jpaas/css/list.css">\n</head>\n<body>\n'
            f'<div class="header"><img src="/static/jpaas/images/logo.png" alt="{SITE_NAME}">'
            "</div>\n<div class=\"main\">\n"
            f'<div class="position">当前位置：<a href="/">首页</a> &gt; {COLUMN_NAME}</div>\n'
            f'<div class="list-box" id="unit-list" data-unit="{self.unit_url()}"></div>\n'
            "</div>\n"
            '<script async src="https://s.hangzhou.gov.cn/jpaas/stat.js"></script>\n'
            "<script>\n(function () {\n"
            "  var box = document.getElementById('unit-list');\n"
            f"  document.cookie = '{CONTEXT_COOKIE}={self.token}; path=/';\n"
            "  function load(n) {\n"
            "    fetch(box.getAttribute('data-unit') + '&pageNo=' + n, {credentials: 'same-origin'})\n"
            "      .then(function (r) { return r.json(); })\n"
            "      .then(function (j) { if (j.success) { box.innerHTML = j.data.html; } });\n"
            "  }\n"
            "  box.addEventListener('click', function (e) {\n"
            "    var a = e.target.closest('a[data-page]');\n"
            "    if (a) { e.preventDefault(); load(parseInt(a.getAttribute('data-page'), 10)); }\n"
            "  });\n"
            "  load(1);\n"
            "})();\n</script>\n</body>\n</html>\n"
        )

    def article_page(self, entry: PlatformEntry) -> str:
        title = escape(entry.title)
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<meta name="ArticleTitle" content="{_attr(entry.title)}">\n'
            f'<meta name="PubDate" content="{entry.pub_time}">\n'
            f'<meta name="ContentSource" content="{_attr(entry.agency)}">\n'
            f'<meta name="ColumnName" content="{COLUMN_NAME}">\n</head>\n<body>\n'
            '<div class="main">\n'
            f'<div class="xxgk-info">\n{header_table(self.catalog.header_values(entry))}</div>\n'
            f'<div class="article">\n<h1 class="article-title">{title}</h1>\n'
            f'<div class="article-info"><span>发布时间：{entry.pub_time}</span> '
            f"<span>来源：{escape(entry.agency)}</span></div>\n"
            f'<div class="article-content" id="zoom">\n{self.catalog.body_html(entry)}\n</div>\n'
            "</div>\n</div>\n</body>\n</html>\n"
        )

    def manifest(self, base_url: str) -> Any:
        base = base_url.rstrip("/")
        return self.catalog.manifest(lambda e: base + article_path(e),
                                     lambda e: {"column_id": COLUMN_ID})


def list_fragment(entries: list[PlatformEntry], page: int, pages: int, total: int) -> str:
    """``data.html``: the page's records, then a pager stating page, pages and total."""
    items = "".join(
        f'<li><a href="{article_path(e)}" title="{_attr(e.title)}" target="_blank">'
        f'{escape(e.title)}</a><span class="date">{e.date}</span></li>\n' for e in entries
    )
    links = [f'<a href="javascript:;" data-page="1">首页</a>']
    if page > 1:
        links.append(f'<a href="javascript:;" class="prev" data-page="{page - 1}">上一页</a>')
    if page < pages:
        links.append(f'<a href="javascript:;" class="next" data-page="{page + 1}">下一页</a>')
    links.append(f'<a href="javascript:;" data-page="{pages}">尾页</a>')
    return (
        f'<ul class="news-list">\n{items}</ul>\n'
        f'<div class="jpaas-pager" data-page="{page}" data-pages="{pages}" data-total="{total}">'
        f"<span>共{total}条 第{page}/{pages}页</span> {' '.join(links)}</div>\n"
    )
