"""Hangzhou municipal portal: the municipal departments' annual disclosure reports.

Hanweb column pages and the newer platform's (2025 onward) are both crawled: a column page
says which platform it is on (``crawler.spiders.jpaas``).
"""

from __future__ import annotations

from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jpaas import JpaasMixin


class HangzhouSpider(JpaasMixin, HanwebSpider):
    """``scrapy crawl hangzhou`` (real portal) or ``-a base_url=http://127.0.0.1:PORT`` (replica)."""

    name = "hangzhou"
    base_url = "https://www.hangzhou.gov.cn"
    column_ids = ("1229063423",)
    webid = "149"
    webname = "杭州市人民政府门户网站"
