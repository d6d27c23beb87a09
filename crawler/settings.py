"""Scrapy settings of the disclosure-archive crawler: polite by default.

Government portals are public infrastructure run on small budgets, so the defaults are slow and
honest: robots.txt obeyed, one request at a time per host, AutoThrottle, a User-Agent that says
who we are. Local crawls (tests, the demo, benchmarks against the replica) switch politeness off
with ``crawler.local.FAST_SETTINGS``; never use those against a real portal.
"""

from __future__ import annotations

from crawler.browser import launch_options

PROJECT_URL = "https://github.com/disclosure-archive/disclosure-archive"

BOT_NAME = "disclosure-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"disclosure-archive/0.1 (+{PROJECT_URL}; research archive of disclosure reports)"

# --- politeness ---------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
HTTPCACHE_ENABLED = False  # every fetch must be a real fetch: the archive records what the site served
COOKIES_ENABLED = False  # the portal needs none; cookies would only track us
# A response yields one item or one list of requests: a few workers per response suffice
# (Scrapy's default of 100 starts 100 tasks for every response).
CONCURRENT_ITEMS = 8

# --- what may be stored -------------------------------------------------------------------
# A body cut short (Content-Length not reached) fails the request instead of reaching the
# spider: it is retried, and never becomes a version. Pages larger than any real report are
# refused outright (a report page is a few hundred kilobytes).
DOWNLOAD_FAIL_ON_DATALOSS = True
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60

# --- retries: 5xx, timeouts, dropped connections, truncated bodies -------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Each retry waits RETRY_BACKOFF_BASE * 2 ** (attempt - 1) s, at most RETRY_BACKOFF_MAX.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
# (the middlewares: DOWNLOADER_MIDDLEWARES below)
# --- anti-bot challenges (412 $_ts, 521 __jsl_clearance, wzws_cid): never parsed, never hammered.
# Each challenge doubles the host's delay from ANTIBOT_BACKOFF_DELAY; after
# ANTIBOT_MAX_CHALLENGES the host is not asked again this run.
ANTIBOT_MAX_CHALLENGES = 3
ANTIBOT_BACKOFF_DELAY = 30.0
ANTIBOT_BACKOFF_MAX_DELAY = 600.0

# --- output -------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.ProgressLine": 500,
    "crawler.extensions.StatsFile": 500,
    "crawler.monitors.Monitors": 400,  # spidermon: alarms first, then the run's row
    "crawler.runs.RunRecorder": 450,
}
# --- alarms (crawler/monitors.py): run when the engine stops; each prints one line.
SPIDERMON_ENABLED = True
SPIDERMON_ENGINE_STOP_MONITORS = ["crawler.monitors.CrawlAlarms"]
ALARM_MAX_PARSE_FAILURES = 0.05  # share of report pages not fetched or not readable
ALARM_MAX_CHECK_FAILURES = 0.5   # share of fetched reports whose sums do not hold

# The archive: None means the DATABASE_URL environment variable, else sqlite:///archive.db.
DATABASE_URL = None
ARCHIVE_ENABLED = True
# Records per write transaction, and the longest a record waits in the buffer (0: the archive's
# own defaults). Smaller batches lose less work to a crash and cost more commits.
ARCHIVE_BATCH_SIZE = 0
ARCHIVE_MAX_DELAY = 0
# Seconds between progress lines on stdout (0 turns them off); the demo turns them on.
PROGRESS_INTERVAL = 0
# Path of a JSON file that receives the final crawl stats (unset: none is written).
STATS_FILE = None

# --- the browser (scrapy-playwright): only requests with meta["playwright"] use it ---------
# Everything else goes through the same handler as plain HTTP. See crawler/browser.py.
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.LazyPlaywrightHandler",
    "https": "crawler.browser.LazyPlaywrightHandler",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = launch_options()  # $DISCLOSURE_CHROMIUM_PATH, headless
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4  # open pages at once: each costs tens of MB
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"
DOWNLOADER_MIDDLEWARES = {
    "crawler.browser.BrowserRequestStats": 950,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.backoff.BackoffRetryMiddleware": 550,  # retries wait: RETRY_BACKOFF_*
    "crawler.antibot.ChallengeMiddleware": 560,     # anti-bot challenges: ANTIBOT_*
}

# One crawl shared by several workers through Redis (crawler/distributed.py): off unless
# DISTRIBUTED = True and REDIS_URL are set; the add-on sets the scheduler and duplicate filter.
ADDONS = {"crawler.distributed.Distributed": 0}
DISTRIBUTED = False
REDIS_URL = None

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports on the crawl machine

