"""Anti-bot challenges: recognised, counted as blocked, never parsed, and never hammered.

Chinese government portals sit behind WAFs that answer a crawler with a JavaScript challenge
instead of the page: Ruishu/瑞数 (HTTP 412 with a ``$_ts`` script), Jiasule/加速乐 (HTTP 521 with
a script that builds the ``__jsl_clearance`` cookie, and a ``__jsluid`` cookie) and Anquanbao/WZWS (HTTP 200 with a ``wzws_cid`` cookie and
a ``wzwschallenge`` script). We never try to defeat them: a challenged request is dropped
(``IgnoreRequest``, so no spider callback ever parses it), counted under ``antibot/…``, each
challenge doubles the host's download delay, and after ``ANTIBOT_MAX_CHALLENGES`` the host is
not asked again in this run.
"""

from __future__ import annotations

import logging
from typing import Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

STAT = "antibot"


def challenge_kind(response: Response) -> str | None:
    """``ruishu``, ``jsl`` or ``wzws`` when the response is an anti-bot challenge, else None."""
    head = response.body[:8192]
    cookies = b" ".join(response.headers.getlist(b"Set-Cookie"))
    if response.status == 412 and b"$_ts" in head:
        return "ruishu"
    # The clearance cookie is assembled character by character: ('_')+('_')+('j')+…
    if response.status == 521 and (b"__jsl" in cookies or b"__jsl_clearance" in head
                                   or b"document.cookie" in head):
        return "jsl"
    if b"wzws_cid=" in cookies or b"wzwschallenge" in head or b"/WZWSREL" in head:
        return "wzws"
    return None


class ChallengeMiddleware:
    """Downloader middleware: drops challenge pages, backs off, gives up on a host after N."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_challenges = crawler.settings.getint("ANTIBOT_MAX_CHALLENGES", 3)
        self.base_delay = crawler.settings.getfloat("ANTIBOT_BACKOFF_DELAY", 30.0)
        self.max_delay = crawler.settings.getfloat("ANTIBOT_BACKOFF_MAX_DELAY", 600.0)
        self.challenges: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if self.challenges.get(host, 0) >= self.max_challenges:
            self.crawler.stats.inc_value(f"{STAT}/requests_not_sent")
            raise IgnoreRequest(f"{host} answers with anti-bot challenges: not asked again")

    def process_response(self, request: Request, response: Response) -> Response:
        kind = challenge_kind(response)
        if kind is None:
            return response
        host = urlsplit(request.url).hostname or ""
        count = self.challenges[host] = self.challenges.get(host, 0) + 1
        stats = self.crawler.stats
        stats.inc_value(f"{STAT}/challenges")
        stats.inc_value(f"{STAT}/{kind}")
        stats.set_value(f"{STAT}/last", f"{kind} (HTTP {response.status}) on {request.url}")
        if count >= self.max_challenges:
            stats.inc_value(f"{STAT}/hosts_blocked")
            logger.error("%s: %d anti-bot challenges (%s): blocked, no more requests to it",
                         host, count, kind)
        else:
            self._back_off(request, count)
        raise IgnoreRequest(f"anti-bot challenge ({kind}, HTTP {response.status}) on {request.url}")

    def _back_off(self, request: Request, count: int) -> None:
        """Double the host's download delay for each challenge (AutoThrottle may not lower it)."""
        delay = min(self.max_delay, self.base_delay * 2 ** (count - 1))
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
        logger.warning("anti-bot challenge %d from %s: waiting %.1f s between requests",
                       count, key, delay)
