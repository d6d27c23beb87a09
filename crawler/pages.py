"""Page objects for Hanweb (大汉 JCMS) portals: each states what it expects and fails loudly.

A scraper that quietly yields less when the site changes is the worst kind of broken, so every
page object here checks the structure it relies on (the ``<datastore>``, ``totalRecord``, the
``var param_…`` block, the dataproxy reply's ``<totalrecord>``) and raises ``SiteChangedError``
naming what is missing. Markup as recorded in ``shared/domain.md`` §3.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from parsers.errors import NotAReportError, ParseError


class SiteChangedError(Exception):
    """A page no longer has the structure the spider relies on; ``str()`` says what is missing."""


@dataclass(frozen=True)
class ListedRecord:
    """One entry of a column's list: the article's title, absolute URL and listed date."""

    title: str
    url: str
    date: str | None


_DATASTORE = re.compile(r"<datastore>.*?</datastore>", re.S | re.I)
_PARAM_VAR = re.compile(r"var\s+param_(\w+)\s*=\s*\{(.*?)\}", re.S)
_JS_PAIR = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
_TOTAL_RECORD = re.compile(r"""totalRecord['"]?\s*[:=]\s*['"]?(\d+)""")
_PER_PAGE = re.compile(r"""perPage['"]?\s*[:=]\s*['"]?(\d+)""")
_PROXY_URL = re.compile(r"""proxyUrl['"]?\s*[:=]\s*['"]([^'"]+)['"]""")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def parse_js_object(text: str) -> dict[str, str]:
    """The flat ``{key: value, key: 'value'}`` literal of a ``var param_…`` block, as strings."""
    return {m[1]: next(v for v in m.groups()[1:] if v is not None) for m in _JS_PAIR.finditer(text)}


def parse_record(html: str, base_url: str) -> ListedRecord:
    """One ``<record>``'s CDATA (``<li><a title href>…</a><b>date</b></li>``) as a ListedRecord."""
    sel = Selector(text=html)
    link = sel.xpath("//a[@href]")
    if not link:
        raise SiteChangedError(f"list record without a link: {html[:200]!r}")
    anchor = link[0]
    title = (anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall())).strip()
    if not title:
        raise SiteChangedError(f"list record without a title: {html[:200]!r}")
    date_match = _DATE.search(" ".join(sel.xpath("//text()[not(ancestor::a)]").getall()))
    return ListedRecord(
        title=title,
        url=urljoin(base_url, anchor.attrib["href"].strip()),
        date=date_match.group(0) if date_match else None,
    )


def _records(datastore_xml: str, base_url: str) -> tuple[list[ListedRecord], list[str]]:
    """Records of a datastore, and the reasons for any record that could not be read."""
    store = Selector(text=datastore_xml, type="xml")
    records: list[ListedRecord] = []
    unreadable: list[str] = []
    for cdata in store.xpath("//recordset/record/text()").getall():
        try:
            records.append(parse_record(cdata, base_url))
        except SiteChangedError as exc:
            unreadable.append(str(exc))
    return records, unreadable


@dataclass(frozen=True)
class ColumnPage:
    """A column's index page: the first records embedded in ``<datastore>``, plus how to page on.

    ``params`` are the form fields of the ``var param_{unitid}`` block the browser posts to the
    dataproxy; ``total_record`` is the jpage call's ``totalRecord``.
    """

    unitid: str
    params: dict[str, str]
    total_record: int
    per_page: int | None
    proxy_url: str | None
    records: list[ListedRecord]
    unreadable: list[str]

    @classmethod
    def from_html(cls, html: str, url: str) -> ColumnPage:
        store = _DATASTORE.search(html)
        if store is None:
            raise SiteChangedError(f"column page {url} has no <datastore> of embedded records")
        param = _PARAM_VAR.search(html)
        if param is None:
            raise SiteChangedError(f"column page {url} has no 'var param_…' block of list parameters")
        total = _TOTAL_RECORD.search(html)
        if total is None:
            raise SiteChangedError(f"column page {url} states no totalRecord")
        per_page = _PER_PAGE.search(html)
        proxy = _PROXY_URL.search(html)
        records, unreadable = _records(store.group(0), url)
        page = cls(
            unitid=param.group(1),
            params=parse_js_object(param.group(2)),
            total_record=int(total.group(1)),
            per_page=int(per_page.group(1)) if per_page else None,
            proxy_url=proxy.group(1) if proxy else None,
            records=records,
            unreadable=unreadable,
        )
        if page.total_record > 0 and not records:
            raise SiteChangedError(
                f"column page {url} says totalRecord={page.total_record} but embeds no readable record"
            )
        return page


@dataclass(frozen=True)
class DataproxyPage:
    """The dataproxy's reply for one window of records: bare ``<datastore>`` XML."""

    total_record: int
    records: list[ListedRecord]
    unreadable: list[str]

    @classmethod
    def from_xml(cls, xml: str, url: str, base_url: str) -> DataproxyPage:
        store = _DATASTORE.search(xml)
        if store is None:
            raise SiteChangedError(f"dataproxy reply {url} is not a <datastore>: {xml[:120]!r}")
        total = Selector(text=store.group(0), type="xml").xpath("//totalrecord/text()").get()
        if total is None or not total.strip().isdigit():
            raise SiteChangedError(f"dataproxy reply {url} states no <totalrecord>")
        records, unreadable = _records(store.group(0), base_url)
        return cls(total_record=int(total.strip()), records=records, unreadable=unreadable)


_CLOSING_HTML = re.compile(rb"</html\s*>", re.I)


def article_completeness_error(body: bytes) -> str | None:
    """Why an article body cannot be a whole page (it never reached ``</html>``), else None.

    Transport-level truncation is caught by Scrapy (DOWNLOAD_FAIL_ON_DATALOSS); this catches a
    server that closes early without a Content-Length, so a cut-off page never becomes a version.
    """
    if not body.strip():
        return "empty body"
    if not _CLOSING_HTML.search(body[-4096:]):
        return "page ends before </html>: truncated"
    return None


def read_report(parse: Callable[..., Any], text: str, url: str) -> tuple[Any, str | None]:
    """The report a fetched page holds, or why it holds none, worded alike on every platform:
    the reason is stored beside the raw page so that it can be re-parsed later."""
    try:
        return parse(text, url=url), None
    except NotAReportError as exc:
        return None, f"not a report: {exc}"
    except ParseError as exc:
        return None, f"parse error: {exc}"
