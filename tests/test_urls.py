"""URL canonicalization, scope, link extraction and trap bounds (A22, C4, C5)."""

from __future__ import annotations

from guidecheck.crawl.urls import Bounds, canonicalize, extract_links, in_scope


def test_canonical_form():
    assert canonicalize("HTTP://Example.GOV.cn:80/a/b?z=1&a=2#frag") == "http://example.gov.cn/a/b?a=2&z=1"
    assert canonicalize("https://h:443/") == "https://h/"
    assert canonicalize("http://h:8080") == "http://h:8080/"
    assert canonicalize("/x y/中文", "http://h/p/") == "http://h/x%20y/%E4%B8%AD%E6%96%87"
    assert canonicalize("javascript:void(0)", "http://h/") is None
    assert canonicalize("mailto:a@b", "http://h/") is None
    assert canonicalize("ftp://h/x") is None


def test_session_ids_stripped():
    assert canonicalize("http://h/a;jsessionid=ABC123?y=1") == "http://h/a?y=1"
    assert canonicalize("http://h/a?PHPSESSID=1&y=2&sid=9") == "http://h/a?y=2"


def test_c4_amp_growth_canonicalized_once():
    url = canonicalize("?a=1&amp;amp;p=2", "http://h/list")
    assert url == "http://h/list?a=1&p=2"
    assert canonicalize(url) == url  # idempotent: no growth
    assert canonicalize("http://h/a?q=%25x") == canonicalize(canonicalize("http://h/a?q=%25x"))


def test_c5_base_href_to_another_site():
    html = ('<html><head><base href="http://other.example/x/"></head><body>'
            '<a href="g.html">g</a><a href="/abs">abs</a><a href="#top">top</a></body></html>')
    links = extract_links(html, "http://portal.gov.cn/list")
    assert links == ["http://other.example/x/g.html", "http://other.example/abs"]
    assert not any(in_scope(u, {"portal.gov.cn"}) for u in links)


def test_scope_hosts_and_ports():
    assert in_scope("http://127.0.0.1:8701/a", {"127.0.0.1:8701"})
    assert not in_scope("http://127.0.0.1:8702/a", {"127.0.0.1:8701"})
    assert not in_scope("ftp://127.0.0.1:8701/a", {"127.0.0.1:8701"})


def test_a22_bounds():
    bounds = Bounds(max_depth=3, max_url_length=60, max_urls_per_host=2)
    assert bounds.admit("http://h/a", 1)
    assert not bounds.admit("http://h/b", 4)
    assert not bounds.admit("http://h/" + "x" * 80, 1)
    assert bounds.admit("http://h/c", 2)
    assert not bounds.admit("http://h/d", 2)  # per-host cap
    assert bounds.rejected == {"depth": 1, "url_length": 1, "urls_per_host": 1}


def test_links_unparseable_and_empty():
    assert extract_links("", "http://h/") == []
    assert extract_links(b"\x00\x01", "http://h/") == []
