"""A gkmlpt portal (Guangdong's government information disclosure platform) on the replica.

What domain.md §3 records: lists come from ``/gkmlpt/api/all/{cat}?page=&sid=`` as JSON, and
the article body is rendered by JavaScript. Here an article page
(``/gkmlpt/content/{a}/{b}/post_{id}.html``) is a shell: its header table is empty and its
``div#zoom`` bare until the script fetches ``/gkmlpt/api/content/{id}`` and injects them, then
marks the box ``data-state="ready"``. A plain HTTP fetch of the page holds no report at all.

Inferred, not observed: the field names of both JSON replies, the content endpoint's path,
the shell's markup, and the page size.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs

from replica.catalog import PORTAL_TZ
from replica.platforms import HTML, Answer, PlatformCatalog, PlatformEntry, json_answer, not_found
from replica.reports import organisation_code

SITE_NAME = "广东省人民政府门户网站"
SID = "2"
CATEGORY = "2893"
CATEGORY_NAME = "政府信息公开年度报告"
PAGE_SIZE = 20
LIST_PREFIX = "/gkmlpt/api/all/"
CONTENT_API_PREFIX = "/gkmlpt/api/content/"
_FIRST = datetime(2024, 1, 10, 9, 0)
_YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
GUANGDONG_AGENCIES: tuple[tuple[str, str], ...] = tuple(
    (name, organisation_code(base)) for name, base in (
        ("广东省人民政府办公厅", "00651001"), ("广东省发展和改革委员会", "00651013"),
        ("广东省教育厅", "00651025"), ("广东省科学技术厅", "00651037"),
        ("广东省工业和信息化厅", "00651049"), ("广东省公安厅", "00651051"),
        ("广东省民政厅", "00651063"), ("广东省司法厅", "00651075"),
        ("广东省财政厅", "00651087"), ("广东省人力资源和社会保障厅", "00651099"),
        ("广东省自然资源厅", "00651102"), ("广东省生态环境厅", "00651114"),
        ("广东省住房和城乡建设厅", "00651126"), ("广东省交通运输厅", "00651138"),
        ("广东省水利厅", "00651140"), ("广东省农业农村厅", "00651152"),
        ("广东省商务厅", "00651164"), ("广东省卫生健康委员会", "00651176"),
        ("广东省市场监督管理局", "00651188"), ("广东省统计局", "00651190"),
    )
)
_HEADER: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("索引号", "identifier"), ("公开方式", "open_type")),
    (("文号", "document_number"), ("公开日期", "date")),
    (("发布单位", "publisher"), ("主题分类", "topic")),
)


def route(path: str) -> str | None:
    """The route kind of a path this platform serves, else None."""
    if path.startswith(LIST_PREFIX):
        return "gkmlpt_list"
    if path.startswith(CONTENT_API_PREFIX):
        return "gkmlpt_content"
    if path.startswith("/gkmlpt/content/"):
        return "gkmlpt_article"
    return None


def article_path(entry: PlatformEntry) -> str:
    post = int(entry.key)
    return f"/gkmlpt/content/{post // 1_000_000}/{post // 1000}/post_{post}.html"


class GkmlptSite:
    """The platform's list endpoint, article shells and content endpoint, for one seed."""

    def __init__(self, reports: int, seed: int | str) -> None:
        self.catalog = PlatformCatalog("gkmlpt", reports, seed, GUANGDONG_AGENCIES, _FIRST,
                                       _YEARS, numeric_keys=True)

    def respond(self, path: str, query: str, headers: Any) -> Answer:
        kind = route(path)
        if kind == "gkmlpt_list":
            return self.listing(path[len(LIST_PREFIX):], query, headers)
        if kind == "gkmlpt_content":
            entry = self.catalog.by_key.get(path[len(CONTENT_API_PREFIX):])
            return json_answer(self.content(entry)) if entry else json_answer({"error": "not found"}, 404)
        name = path.rsplit("/", 1)[-1]
        entry = self.catalog.by_key.get(name.removeprefix("post_").removesuffix(".html"))
        if entry is None or article_path(entry) != path:
            return not_found()
        return Answer(200, HTML, self.shell(entry).encode())

    # ---- the list -----------------------------------------------------------------------------

    def listing(self, category: str, query: str, headers: Any) -> Answer:
        """Page ``page`` of a category, newest first; an unknown ``sid`` lists nothing."""
        if category != CATEGORY:
            return not_found()
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            return json_answer({"error": "page must be a number"}, 400)
        if params.get("sid") != SID:
            return json_answer({"total": 0, "page": page, "page_size": PAGE_SIZE, "articles": []})
        host = (headers.get("Host") if headers is not None else None) or "127.0.0.1"
        entries = self.catalog.window((page - 1) * PAGE_SIZE + 1, page * PAGE_SIZE)
        return json_answer({
            "total": self.catalog.total, "page": page, "page_size": PAGE_SIZE,
            "articles": [{
                "id": int(e.key), "title": e.title, "url": f"http://{host}{article_path(e)}",
                "publisher": e.agency, "identifier": e.index_no,
                "first_publish_time": int(e.published.replace(tzinfo=PORTAL_TZ).timestamp()),
                "date": e.date,
            } for e in entries],
        })

    # ---- the article --------------------------------------------------------------------------

    def content(self, entry: PlatformEntry) -> dict[str, Any]:
        values = self.catalog.header_values(entry)
        return {
            "id": int(entry.key), "title": entry.title, "identifier": values["索引号"],
            "open_type": values["公开方式"], "document_number": values["文号"] or "",
            "date": values["公开日期"], "publisher": values["发布单位"], "topic": values["主题分类"],
            "content": self.catalog.body_html(entry),
        }

    def shell(self, entry: PlatformEntry) -> str:
        """The page as served: title and empty placeholders; the script fills them in."""
        rows = "".join(
            "<tr>" + "".join(
                f'<td class="xxgk_label">{label}：</td><td class="xxgk_value" data-field="{field}">'
                "</td>" for label, field in pair
            ) + "</tr>\n" for pair in _HEADER
        )
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(entry.title)} - {SITE_NAME}</title>\n"
            '<link rel="stylesheet" href="/gkmlpt/static/css/content.css">\n</head>\n<body>\n'
            f'<div class="header"><img src="/gkmlpt/static/images/logo.png" alt="{SITE_NAME}">'
            "</div>\n"
            f'<div class="content-box" id="gkmlpt-content" data-id="{entry.key}" '
            'data-state="loading">\n'
            f'<table class="introduce xxgkinfo">\n<tbody>\n{rows}</tbody>\n</table>\n'
            '<h1 class="content-title" data-field="title"></h1>\n'
            '<div class="article-content" id="zoom"></div>\n</div>\n'
            '<script async src="https://www.gd.gov.cn/gkmlpt/static/js/stat.js"></script>\n'
            "<script>\n(function () {\n"
            "  var box = document.getElementById('gkmlpt-content');\n"
            f"  fetch('{CONTENT_API_PREFIX}' + box.getAttribute('data-id'))\n"
            "    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })\n"
            "    .then(function (d) {\n"
            "      box.querySelectorAll('[data-field]').forEach(function (el) {\n"
            "        el.textContent = d[el.getAttribute('data-field')] || '';\n"
            "      });\n"
            "      document.getElementById('zoom').innerHTML = d.content;\n"
            "      box.setAttribute('data-state', 'ready');\n"
            "    })\n"
            "    .catch(function () { box.setAttribute('data-state', 'failed'); });\n"
            "})();\n</script>\n</body>\n</html>\n"
        )

    def manifest(self, base_url: str) -> Any:
        base = base_url.rstrip("/")
        return self.catalog.manifest(lambda e: base + article_path(e),
                                     lambda e: {"column_id": CATEGORY})
