"""The Hanweb base spider's own rules: which list titles are reports, how the list is paged."""

from __future__ import annotations

import pytest

from crawler.spiders.hangzhou import HangzhouSpider

REPORT_TITLES = [
    "杭州市商务局2023年政府信息公开工作年度报告",
    "杭州市财政局2019年度政府信息公开工作年度报告",
    "2018年杭州市民政局政府信息公开年度报告",
    "杭州市审计局2017年政府信息公开年报",
    "杭州市人民政府办公厅 2022 年政府信息公开工作年度报告",
    "杭州市2007年政府信息公开工作报告",
]
OTHER_TITLES = [
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
    "图解：杭州市商务局2023年政府信息公开工作年度报告",
    "杭州市2023年法治政府建设年度报告",
    "2024年杭州市政府工作报告",
    "杭州市2023年国民经济和社会发展统计公报",
    "杭州市商务局政府信息公开指南",
]


@pytest.fixture
def spider() -> HangzhouSpider:
    return HangzhouSpider(base_url="http://127.0.0.1:8123/")


@pytest.mark.parametrize("title", REPORT_TITLES)
def test_annual_report_titles_are_kept(spider: HangzhouSpider, title: str) -> None:
    assert spider._is_report_title(title)


@pytest.mark.parametrize("title", OTHER_TITLES)
def test_notices_and_other_reports_are_skipped(spider: HangzhouSpider, title: str) -> None:
    assert not spider._is_report_title(title)


def test_real_portal_by_default_and_replica_by_argument() -> None:
    real = HangzhouSpider()
    assert real.base_url == "https://www.hangzhou.gov.cn"
    assert real.allowed_domains == ["www.hangzhou.gov.cn"]
    assert real._column_url("1229063423") == "https://www.hangzhou.gov.cn/col/col1229063423/index.html"
    local = HangzhouSpider(base_url="http://127.0.0.1:8123/")
    assert local.allowed_domains == ["127.0.0.1"]
    assert local.portal == "127.0.0.1:8123"


def test_windows_are_one_based_inclusive_three_pages_each(spider: HangzhouSpider) -> None:
    # 60 records embedded, 137 in all: the browser asks for 61-120, then 121-180.
    assert list(spider._windows(60, 137, 20)) == [(61, 120), (121, 180)]
    assert list(spider._windows(20, 20, 20)) == []
    assert list(spider._windows(15, 16, 15)) == [(16, 60)]
    covered = [n for start, end in spider._windows(60, 1000, 20) for n in range(start, end + 1)]
    assert covered[0] == 61 and covered[-1] >= 1000 and len(covered) == len(set(covered))


def test_dataproxy_url(spider: HangzhouSpider) -> None:
    assert spider._dataproxy_url(None, 61, 120, 20) == (
        "http://127.0.0.1:8123/module/jpage/dataproxy.jsp?startrecord=61&endrecord=120&perpage=20"
    )


def test_a_base_url_without_host_is_refused() -> None:
    with pytest.raises(ValueError, match="no host"):
        HangzhouSpider(base_url="not a url")


def test_project_settings_are_polite_by_default() -> None:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert not settings.getbool("HTTPCACHE_ENABLED")
    assert settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS")
    assert settings.getint("DOWNLOAD_MAXSIZE") <= 16 * 1024 * 1024
    user_agent = settings.get("USER_AGENT")
    assert "disclosure-archive" in user_agent and "+http" in user_agent
