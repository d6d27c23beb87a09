"""Hangzhou municipal portal: the municipal departments' annual disclosure reports."""

from __future__ import annotations

from crawler.spiders.hanweb import HanwebSpider


class HangzhouSpider(HanwebSpider):
    """``scrapy crawl hangzhou`` (real portal) or ``-a base_url=http://127.0.0.1:PORT`` (replica)."""

    name = "hangzhou"
    base_url = "https://www.hangzhou.gov.cn"
    column_ids = ("1229063423",)
    webid = "149"
    webname = "杭州市人民政府门户网站"
