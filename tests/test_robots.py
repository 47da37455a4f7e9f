"""robots.txt: RFC 9309 parsing and the per-run cache against the real server (A21)."""

from __future__ import annotations

import pytest
from faultserver import FaultServer

from guidecheck.crawl.config import FetchSettings
from guidecheck.crawl.fetch import Fetcher
from guidecheck.crawl.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsRules

pytestmark = pytest.mark.timeout(60)
UA = "guidecheck/0.1 (test)"


def test_longest_match_and_allow_wins_tie():
    rules = RobotsRules.parse(
        "User-agent: *\nDisallow: /a/\nAllow: /a/open/\nDisallow: /x\nAllow: /x\n"
        "Disallow: /*.pdf$\nDisallow: /p*q\n"
    )
    assert not rules.allowed("/a/b", UA)
    assert rules.allowed("/a/open/c", UA)
    assert rules.allowed("/x", UA)  # equal length: allow wins
    assert not rules.allowed("/doc/f.pdf", UA)
    assert rules.allowed("/doc/f.pdf?x=1", UA)
    assert not rules.allowed("/p123q", UA)
    assert rules.allowed("/robots.txt", UA)


def test_specific_group_beats_star_and_empty_disallow_allows():
    rules = RobotsRules.parse(
        "User-agent: *\nDisallow: /\n\nUser-agent: guidecheck\nDisallow:\nCrawl-delay: 2\n"
    )
    assert rules.allowed("/anything", UA)
    assert rules.crawl_delay(UA) == 2.0
    assert not rules.allowed("/anything", "OtherBot/1.0")


def test_percent_encoding_matches_unicode_rule():
    rules = RobotsRules.parse("User-agent: *\nDisallow: /草稿/\n")
    assert not rules.allowed("/%E8%8D%89%E7%A8%BF/a.html", UA)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = FaultServer(tmp_path_factory.mktemp("fs") / "requests.log")
    yield srv
    srv.stop()


def _cache(clock=None):
    fetcher = Fetcher(FetchSettings(connect_timeout=1, read_timeout=0.5, total_timeout=2, retries=0))

    def fetch(url):
        out = fetcher.fetch(url, max_bytes=MAX_ROBOTS_BYTES, truncate=True)
        if out.error in {"http_4xx", "http_5xx"}:
            return out.status, None, None
        if out.error:
            return None, None, out.error
        return out.status, out.body.decode("utf-8", "replace"), None

    kwargs = {"clock": clock} if clock else {}
    return RobotsCache(fetch, user_agent=UA, retry_after=30.0, **kwargs)


def test_a21_404_allows_all(server):
    cache = _cache()
    assert cache.check(server.url("robots-404", "/any/page")).allowed


def test_a21_503_disallows_for_now_and_is_asked_again_later(server):
    now = [1000.0]
    cache = _cache(clock=lambda: now[0])
    first = cache.check(server.url("robots-503", "/page"))
    assert not first.allowed and first.unavailable and first.retry_at == 1030.0
    cache.check(server.url("robots-503", "/other"))
    assert len(server.requests("robots-503", "/robots.txt")) == 1  # cached per run
    now[0] += 31
    cache.check(server.url("robots-503", "/page"))
    assert len(server.requests("robots-503", "/robots.txt")) == 2


def test_a21_timeout_disallows_for_now(server):
    decision = _cache().check(server.url("robots-timeout", "/page"))
    assert not decision.allowed and decision.unavailable


def test_a21_huge_parsed_to_500_kib_only(server):
    cache = _cache()
    assert not cache.check(server.url("robots-huge", "/early/x")).allowed
    assert cache.check(server.url("robots-huge", "/late/x")).allowed  # "Disallow: /" lies beyond


def test_disallowed_path(server):
    cache = _cache()
    assert not cache.check(server.url("robots-ok", "/private/a.html")).allowed
    assert cache.check(server.url("robots-ok", "/public/a.html")).allowed
