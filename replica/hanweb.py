"""Hanweb (大汉 JCMS) page templates of the replica portal: column page, dataproxy reply, article.

Markup follows what domain.md §3 records of www.hangzhou.gov.cn and what public crawlers of
Hanweb sites show: the ``<datastore>`` embedded in ``<script type="text/xml">``, the
``var param_{unitid}`` block and the ``jpage({... totalRecord ...})`` call, the
``/module/jpage/dataproxy.jsp`` reply, the government-site meta tags (plus ``i_columnid`` and
``i_articleid``), the ``xxgkinfo`` header table, and ``div#zoom`` with the CMS's
``<!--<$[信息内容]>begin-->`` and ``ZJEG_RSS.content`` markers around the body. Pure functions
of what they are given: no I/O, no randomness.

Inferred rather than observed, and kept deliberately plain: the site chrome around the list and
the article (header, navigation, footer), and that the column page embeds one group of records
(``perPage`` x ``groupSize`` = 60), which is what the browser's first dataproxy call would ask.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from replica.catalog import COLUMNS, SITE_DOMAIN, SITE_ID_CODE, SITE_NAME, WEBID, Column, Entry

PER_PAGE = 20
GROUP_SIZE = 3  # pages per dataproxy call; the column page embeds one group
EMBEDDED_RECORDS = PER_PAGE * GROUP_SIZE
DATAPROXY_PATH = "/module/jpage/dataproxy.jsp"
LIST_TITLE_CHARS = 36  # longer titles are cut with "..." in the link text (title= keeps them)


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _site_meta(column: Column) -> str:
    return (
        f'<meta name="SiteName" content="{SITE_NAME}">\n'
        f'<meta name="SiteDomain" content="{SITE_DOMAIN}">\n'
        f'<meta name="SiteIDCode" content="{SITE_ID_CODE}">\n'
        f'<meta name="ColumnName" content="{_attr(column.name)}">\n'
        f'<meta name="ColumnDescription" content="{_attr(column.name)}">\n'
        f'<meta name="ColumnKeywords" content="政务公开,{_attr(column.name)}">\n'
        '<meta name="ColumnType" content="政务公开">\n'
    )


_HEAD = (
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
    '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
    '<meta http-equiv="X-UA-Compatible" content="IE=edge" />\n'
)
_ASSETS = (
    '<link href="/images/hz_style.css" rel="stylesheet" type="text/css" />\n'
    '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n'
)


def _banner() -> str:
    nav = "".join(
        f'<li><a href="{c.path}">{escape(c.name)}</a></li>' for c in COLUMNS.values()
    )
    return (
        '<div class="top"><div class="top_nr">'
        f'<a href="/" class="logo" title="{SITE_NAME}">{SITE_NAME}</a>'
        '<span class="top_link"><a href="javascript:void(0)">繁體版</a> | '
        '<a href="javascript:void(0)">无障碍浏览</a></span></div></div>\n'
        f'<div class="nav"><ul>{nav}</ul></div>\n'
    )


_FOOTER = (
    '<div class="footer"><p>主办：杭州市人民政府办公厅 承办：杭州市数据资源管理局</p>'
    f"<p>网站标识码：{SITE_ID_CODE} 浙ICP备05004262号</p></div>\n"
)


def _position(column: Column) -> str:
    return (
        '<div class="position">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{column.path}">{escape(column.name)}</a></div>\n'
    )


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------


def record_li(entry: Entry) -> str:
    """One list record as its CDATA holds it: ``<li><a title target href>…</a><b>date</b></li>``."""
    text = entry.title
    if len(text) > LIST_TITLE_CHARS:
        text = text[: LIST_TITLE_CHARS - 1] + "..."
    return (
        f'<li><a title="{_attr(entry.title)}" target="_blank" href="{entry.path}">'
        f"{escape(text)}</a><b>{entry.date}</b></li>"
    )


def _records(entries: list[Entry]) -> str:
    return "".join(f"<record><![CDATA[\n{record_li(e)}]]></record>\n" for e in entries)


def list_params(column: Column) -> dict[str, str]:
    """The dataproxy's form fields for a column, as its page's ``var param_…`` states them."""
    return {
        "col": "1", "appid": "1", "webid": str(WEBID), "path": "/",
        "columnid": str(column.column_id), "sourceContentType": "1",
        "unitid": str(column.unit_id), "webname": SITE_NAME, "permissiontype": "0",
    }


def _nextgroup(column: Column) -> str:
    return (
        f'<nextgroup><![CDATA[<a href="{DATAPROXY_PATH}?page=1&webid={WEBID}&path=/'
        f"&columnid={column.column_id}&unitid={column.unit_id}&webname={quote(SITE_NAME)}"
        '&permissiontype=0"></a>]]></nextgroup>\n'
    )


def column_page(column: Column, embedded: list[Entry], total: int) -> str:
    """A column's index page with its first records embedded and the jpage pager set up."""
    unit = column.unit_id
    return (
        f"{_HEAD}<title>{escape(column.name)}_{SITE_NAME}</title>\n{_site_meta(column)}{_ASSETS}"
        f"</head>\n<body>\n{_banner()}<div class=\"main\">\n{_position(column)}"
        f'<div class="list_title">{escape(column.name)}</div>\n'
        f'<div class="list_content">\n<div id="{unit}"><script type="text/xml"><datastore>\n'
        f"{_nextgroup(column)}<recordset>\n{_records(embedded)}</recordset>\n</datastore>\n"
        "</script></div>\n"
        '<script language="javascript" '
        'src="/module/jpage/resources/js/default_jpage.js"></script>\n'
        f"<script language=\"javascript\">var param_{unit}={{col:1,webid:{WEBID},path:'/',"
        f"columnid:{column.column_id},sourceContentType:1,unitid:'{unit}',webname:'{SITE_NAME}',"
        "permissiontype:0};\n"
        f"$(function(){{$('#{unit}').jpage({{themeName:'default',showMode:'full',"
        f"totalRecord:{total},openCookies:false,dataBefore:'<ul class=\"list\">',"
        f"dataAfter:'</ul>',groupSize:{GROUP_SIZE},proxyUrl:'{DATAPROXY_PATH}',"
        f"perPage:{PER_PAGE},barPosition:'bottom',ajaxParam:param_{unit}}});}});\n</script>\n"
        f"</div>\n</div>\n{_FOOTER}</body>\n</html>\n"
    )


def redesigned_column_page(column: Column, entries: list[Entry]) -> str:
    """A column page after a site redesign: a plain list, no ``<datastore>``, no jpage pager."""
    items = "".join(
        f'<li><a href="{e.path}" title="{_attr(e.title)}">{escape(e.title)}</a>'
        f"<span>{e.date}</span></li>\n" for e in entries
    )
    return (
        f"{_HEAD}<title>{escape(column.name)}_{SITE_NAME}</title>\n{_site_meta(column)}</head>\n"
        f"<body>\n{_banner()}<div class=\"main\">\n{_position(column)}"
        f'<ul class="news-list">\n{items}</ul>\n<div class="pagination"></div>\n</div>\n'
        f"{_FOOTER}</body>\n</html>\n"
    )


def dataproxy_reply(entries: list[Entry], total: int, per_page: int) -> str:
    """The dataproxy's bare XML: ``<totalrecord>``, ``<totalpage>``, then the window's records."""
    pages = -(-total // per_page) if per_page > 0 else 0
    return (
        f"<datastore>\n<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
        f"<recordset>\n{_records(entries)}</recordset>\n</datastore>\n"
    )


# --------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------

HEADER_ROWS: tuple[tuple[str, str], ...] = (
    ("索引号", "公开方式"), ("文号", "公开日期"), ("发布单位", "主题分类"),
)


def header_table(values: dict[str, str | None]) -> str:
    """The 3x4 ``xxgkinfo`` table: label cell (ending in a full-width colon), value cell, twice
    per row. A missing value is an empty cell."""
    rows = []
    for left, right in HEADER_ROWS:
        cells = "".join(
            f'<td class="xxgk_label" width="13%">{label}：</td>'
            f'<td class="xxgk_value" width="37%">{escape(values.get(label) or "")}</td>'
            for label in (left, right)
        )
        rows.append(f"<tr>{cells}</tr>\n")
    return (
        '<table class="xxgkinfo" width="100%" border="0" cellspacing="0" cellpadding="0">\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def paragraphs_html(paragraphs: list[str]) -> str:
    """A plain body: one indented paragraph per line (notices and other non-report articles)."""
    return "".join(
        f'<p style="text-indent:2em;line-height:2;">{escape(p)}</p>\n' for p in paragraphs
    )


def article_page(entry: Entry, header: dict[str, str | None], body_html: str,
                 source: str) -> tuple[str, str]:
    """An article page, split where the view counter goes: ``before + str(views) + after``.

    ``header`` maps the header table's labels (索引号 …) to values; ``source`` is the 来源 of the
    time line and the ContentSource meta tag.
    """
    column = entry.column
    title = escape(entry.title)
    before = (
        f"{_HEAD}<title>{title}</title>\n{_site_meta(column)}"
        f'<meta name="ArticleTitle" content="{_attr(entry.title)}">\n'
        f'<meta name="PubDate" content="{entry.pub_time}">\n'
        f'<meta name="ContentSource" content="{_attr(source)}">\n'
        f'<meta name="i_columnid" content="{column.column_id}">\n'
        f'<meta content="{entry.article_id}" name="i_articleid">\n'
        f'<meta name="Keywords" content="{_attr(entry.title)}">\n'
        f'<meta name="Author" content="{_attr(source)}">\n'
        f'<meta name="Description" content="{_attr(entry.title)}">\n'
        f'<meta name="Url" content="http://{SITE_DOMAIN}{entry.path}">\n'
        f"{_ASSETS}</head>\n<body>\n{_banner()}<div class=\"main\">\n{_position(column)}"
        f'<div class="xxgk_top">\n{header_table(header)}</div>\n'
        f'<div class="article">\n<div class="article_title">{title}</div>\n'
        f'<div class="article_info"><span>时间:{entry.pub_time}</span>&nbsp;&nbsp;'
        f"<span>来源:<!--<$[信息来源]>begin-->{escape(source)}<!--<$[信息来源]>end--></span>"
        "&nbsp;&nbsp;<span>浏览次数:"
    )
    after = (
        "</span></div>\n"
        '<div class="article_content" id="zoom">\n'
        '<!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n'
        f"{body_html}\n"
        '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end-->\n'
        "</div>\n"
        '<div class="article_tools"><a href="javascript:window.print()">打印本页</a> '
        '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        f"</div>\n</div>\n{_FOOTER}</body>\n</html>\n"
    )
    return before, after


# --------------------------------------------------------------------------------------------
# Everything else
# --------------------------------------------------------------------------------------------


def home_page() -> str:
    """The portal's front page: links to its columns (a crawler starts from a column)."""
    links = "".join(
        f'<li><a href="{c.path}">{escape(c.name)}</a></li>\n' for c in COLUMNS.values()
    )
    return (
        f"{_HEAD}<title>{SITE_NAME}</title>\n</head>\n<body>\n{_banner()}"
        f'<div class="main"><ul class="columns">\n{links}</ul></div>\n{_FOOTER}</body>\n</html>\n'
    )


def not_found_page() -> str:
    return (
        f"{_HEAD}<title>404 页面不存在_{SITE_NAME}</title>\n</head>\n<body>\n"
        '<div class="error"><p>抱歉，您访问的页面不存在或已被删除。</p>'
        '<p><a href="/">返回首页</a></p></div>\n</body>\n</html>\n'
    )


ROBOTS_TXT = (
    "User-agent: *\n"
    "Disallow: /module/search/\n"
    "Disallow: /module/visitcount/\n"
    "Disallow: /__replica__/\n"
    "Allow: /\n"
)
