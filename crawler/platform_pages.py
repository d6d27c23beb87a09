"""Page objects of the JavaScript-built platforms: Hangzhou's newer (jpaas) list, gkmlpt.

Like ``crawler.pages`` for Hanweb, each states the structure it relies on and raises
``SiteChangedError`` naming what is missing, so a changed site fails loudly instead of
yielding less. Markup of the list fragments and rendered pages as the replica serves it
(``replica/jpaas.py``, ``replica/gkmlpt.py``; inferred where domain.md §3 is silent).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.pages import ListedRecord, SiteChangedError, parse_record

JPAAS_UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
_UNIT_URL = re.compile(
    r"""["']((?:https?://[^"'\s]+)?""" + re.escape(JPAAS_UNIT_PATH) + r"""\?[^"'\s]*)["']"""
)
# The rendered list: its pager states the page shown; ``a.next`` asks for the next one.
JPAAS_PAGER = "div.jpaas-pager"
JPAAS_NEXT = "div.jpaas-pager a.next"
_PAGER_XPATH = "//div[contains(concat(' ', normalize-space(@class), ' '), ' jpaas-pager ')]"


def is_jpaas_column(html: str) -> bool:
    """Whether a column page is the newer platform's shell (its list comes from the unit API)."""
    return JPAAS_UNIT_PATH in html and "<datastore>" not in html


def jpaas_pager_at(page_no: int) -> str:
    """Selector of the pager once page ``page_no`` is shown."""
    return f'{JPAAS_PAGER}[data-page="{page_no}"]'


@dataclass(frozen=True)
class JpaasColumnPage:
    """The newer platform's column page: a shell naming the list endpoint its script calls."""

    unit_url: str

    @classmethod
    def from_html(cls, html: str, url: str) -> JpaasColumnPage:
        match = _UNIT_URL.search(html)
        if match is None:
            raise SiteChangedError(f"column page {url} names no {JPAAS_UNIT_PATH} list endpoint")
        unit_url = urljoin(url, unescape(match.group(1)))
        if not dict(parse_qsl(urlsplit(unit_url).query)).get("pageId"):
            raise SiteChangedError(f"column page {url}: list endpoint without pageId: {unit_url}")
        return cls(unit_url)

    def page_url(self, page_no: int, rows: int) -> str:
        """The endpoint's URL for page ``page_no`` of ``rows`` records."""
        parts = urlsplit(self.unit_url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("pageNo", "rows")]
        query += [("rows", str(rows)), ("pageNo", str(page_no))]
        return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class JpaasList:
    """One page of the list: its records and what its pager states (page, pages, total)."""

    page: int
    pages: int
    total: int
    records: list[ListedRecord]
    unreadable: list[str]

    @classmethod
    def from_html(cls, html: str, url: str) -> JpaasList:
        """From the endpoint's ``data.html`` fragment, or from the rendered column page."""
        sel = Selector(text=html)
        pager = sel.xpath(_PAGER_XPATH)
        if not pager:
            raise SiteChangedError(f"list {url} has no {JPAAS_PAGER} stating its pages")
        try:
            page, pages, total = (int(pager[0].attrib[k])
                                  for k in ("data-page", "data-pages", "data-total"))
        except (KeyError, ValueError) as exc:
            raise SiteChangedError(f"list {url}: pager without page/pages/total ({exc})") from None
        records: list[ListedRecord] = []
        unreadable: list[str] = []
        for item in pager[0].xpath("parent::*//li[.//a[@href]]"):
            try:
                records.append(parse_record(item.get(), url))
            except SiteChangedError as exc:
                unreadable.append(str(exc))
        if total > 0 and page <= pages and not records:
            raise SiteChangedError(f"list {url} states {total} records but shows none")
        return cls(page, pages, total, records, unreadable)


def jpaas_unit_reply(text: str, url: str) -> JpaasList:
    """The endpoint's JSON ``{success, data: {html}}`` as a list page."""
    data = _json(text, url)
    if data.get("success") is not True:
        raise SiteChangedError(f"list endpoint {url} answered success={data.get('success')!r}: "
                               f"{str(data.get('message'))[:120]}")
    html = (data.get("data") or {}).get("html") if isinstance(data.get("data"), dict) else None
    if not isinstance(html, str):
        raise SiteChangedError(f"list endpoint {url} answered no data.html")
    return JpaasList.from_html(html, url)


# ---- gkmlpt --------------------------------------------------------------------------------

# The rendered article: the script marks its box ready (or failed) once the body is in. A page
# without the box (an error page) is settled at once, so its status reaches the retry logic.
GKMLPT_SETTLED = (
    "() => { const box = document.querySelector('#gkmlpt-content');"
    " return !box || box.getAttribute('data-state') !== 'loading'; }"
)


@dataclass(frozen=True)
class GkmlptList:
    """One page of ``/gkmlpt/api/all/{cat}``: the category's total and this page's articles."""

    total: int
    records: list[ListedRecord]
    unreadable: list[str]

    @classmethod
    def from_json(cls, text: str, url: str) -> GkmlptList:
        data = _json(text, url)
        total, articles = data.get("total"), data.get("articles")
        if not isinstance(total, int) or not isinstance(articles, list):
            raise SiteChangedError(f"gkmlpt list {url} has no integer 'total' and 'articles' list")
        records: list[ListedRecord] = []
        unreadable: list[str] = []
        for article in articles:
            title = article.get("title") if isinstance(article, dict) else None
            link = article.get("url") if isinstance(article, dict) else None
            if not isinstance(title, str) or not title.strip() or not isinstance(link, str):
                unreadable.append(f"gkmlpt list {url}: article without title or url: "
                                  f"{str(article)[:160]}")
                continue
            date = article.get("date")
            records.append(ListedRecord(title.strip(), urljoin(url, link),
                                        date if isinstance(date, str) else None))
        return cls(total, records, unreadable)


def gkmlpt_render_error(html: str) -> str | None:
    """Why a rendered gkmlpt article holds no report body (the script did not fill it), else None."""
    sel = Selector(text=html)
    box = sel.css("#gkmlpt-content")
    if not box:
        return "rendered page has no #gkmlpt-content box"
    state = box[0].attrib.get("data-state")
    if state != "ready":
        return f"the page's script left its content {state or 'unmarked'}"
    if not "".join(box[0].css("#zoom ::text").getall()).strip():
        return "rendered page's #zoom is empty"
    return None


def _json(text: str, url: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise SiteChangedError(f"{url} is not JSON: {text[:120]!r}") from None
    if not isinstance(data, dict):
        raise SiteChangedError(f"{url} is not a JSON object: {text[:120]!r}")
    return data
