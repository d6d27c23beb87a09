"""Guangdong provincial portal's gkmlpt platform: the provincial departments' annual reports."""

from __future__ import annotations

from crawler.spiders.gkmlpt import GkmlptSpider


class GuangdongSpider(GkmlptSpider):
    """``scrapy crawl guangdong`` (real portal) or ``-a base_url=http://127.0.0.1:PORT`` (replica).

    The site id and the annual-report category are the replica's; on the live portal check
    them (``-a sid=… -a categories=…``): a category that lists nothing fails the crawl loudly
    (``gkmlpt/categories_empty``).
    """

    name = "guangdong"
    base_url = "https://www.gd.gov.cn"
    sid = "2"
    categories = ("2893",)
