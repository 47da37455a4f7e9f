"""Fetch against the real fault server on 127.0.0.1 (reliability.md section A)."""

from __future__ import annotations

import resource
import socket
import time
from dataclasses import replace

import pytest
import requests
import urllib3.exceptions as u3
from faultserver import FaultServer

from guidecheck.crawl.config import FetchSettings
from guidecheck.crawl.fetch import Fetcher, classify_exception, parse_retry_after
from guidecheck.crawl.urls import in_scope, is_downgrade

pytestmark = pytest.mark.timeout(60)

FAST = FetchSettings(connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0, retries=2,
                     backoff_base=0.05, backoff_max=0.2, max_bytes=1024 * 1024, max_sleep=6.0)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = FaultServer(tmp_path_factory.mktemp("fs") / "requests.log")
    yield srv
    srv.stop()


@pytest.fixture()
def fetcher():
    f = Fetcher(FAST)
    yield f
    f.close()


def test_success_sends_user_agent_and_returns_body(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/ok?ua"))
    assert out.ok and out.status == 200 and out.body and b"<html" in out.body.lower()
    assert out.attempts == 1
    assert server.requests("faults", "/ok?ua")[0]["ua"].startswith("guidecheck/")


def test_conditional_get_304_is_not_modified(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/ok"), validators={"etag": '"v1"'})
    assert out.ok and out.not_modified and out.status == 304 and not out.body


def test_a1_flaky_retried_with_backoff(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/flaky/2"))
    assert out.ok and out.attempts == 3
    hits = server.requests("faults", "/flaky/2")
    assert len(hits) == 3
    assert hits[1]["ts"] - hits[0]["ts"] >= 0.02  # backoff, not hammering


def test_a2_always_500_fails_after_retries(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/status/500"))
    assert out.error == "http_5xx" and out.reason == "http_500" and out.body is None
    assert len(server.requests("faults", "/status/500")) == 1 + FAST.retries


def test_404_is_not_retried(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/status/404"))
    assert out.error == "http_4xx" and out.reason == "http_404"
    assert len(server.requests("faults", "/status/404")) == 1


def test_a3_retry_after_spacing_by_server_timestamps(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/retry-after/503/2"))
    assert out.ok and out.attempts == 2
    first, second = server.requests("faults", "/retry-after/503/2")
    assert second["ts"] - first["ts"] >= 2.0


def test_a4_retry_after_http_date_is_capped_and_handed_back(server, fetcher):
    s = replace(FAST, retry_after_cap=300.0)
    out = fetcher.fetch(server.url("faults", "/retry-after/429/date?in=86400"), settings=s)
    assert out.error == "http_4xx" and out.status == 429
    assert out.retry_after == pytest.approx(300.0)  # capped; > max_sleep → no sleeping here
    assert len(server.requests("faults", "/retry-after/429/date?in=86400")) == 1
    assert fetcher.policy.paused_for(f"127.0.0.1:{server.ports['faults']}") > 200
    fetcher.policy.pause(f"127.0.0.1:{server.ports['faults']}", 0)


def test_parse_retry_after_forms():
    assert parse_retry_after("5", cap=300) == 5
    assert parse_retry_after("99999", cap=300) == 300
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", cap=300) == 0.0
    assert parse_retry_after("soon", cap=300) is None


def test_a5_connection_refused(fetcher):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    out = fetcher.fetch(f"http://127.0.0.1:{port}/x")
    assert out.error == "connection_error" and out.attempts == 1 + FAST.retries
    assert out.status is None and out.body is None


def test_a5_dns_error_class():
    # Built from the real exception types; no name is looked up (127.0.0.1 only).
    inner = u3.NameResolutionError("nohost.invalid", None, socket.gaierror(-2, "Name or service not known"))
    exc = requests.exceptions.ConnectionError(u3.MaxRetryError(None, "/", inner))
    assert classify_exception(exc) == "dns_error"


def test_a6_hang_read_timeout_retried(server, fetcher):
    s = replace(FAST, retries=1, read_timeout=0.5)
    started = time.monotonic()
    out = fetcher.fetch(server.url("faults", "/hang?s=5"), settings=s)
    assert out.error == "read_timeout" and out.attempts == 2
    assert time.monotonic() - started < 3
    assert len(server.requests("faults", "/hang?s=5")) == 2


def test_a7_hang_after_headers_no_partial_body(server, fetcher):
    s = replace(FAST, retries=0, read_timeout=0.5)
    out = fetcher.fetch(server.url("faults", "/hang-after-headers?s=5"), settings=s)
    assert out.error in {"read_timeout", "deadline_exceeded"} and out.body is None


def test_a8_drip_hits_total_deadline(server, fetcher):
    s = replace(FAST, retries=0, read_timeout=1.0, total_timeout=1.5)
    started = time.monotonic()
    out = fetcher.fetch(server.url("faults", "/drip?bps=200&size=100000"), settings=s)
    assert out.error == "deadline_exceeded" and out.body is None
    assert time.monotonic() - started < 1.5 + 1.0


def test_a9_partial_body_retried_never_returned(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/partial"))
    assert out.error == "incomplete_body" and out.body is None
    assert len(server.requests("faults", "/partial")) == 1 + FAST.retries


@pytest.mark.parametrize("path", ["/drop?abort=1", "/broken-chunked"])
def test_a10_reset_and_broken_chunked(server, fetcher, path):
    out = fetcher.fetch(server.url("faults", path))
    assert out.error in {"incomplete_body", "connection_error"} and out.body is None
    assert len(server.requests("faults", path)) == 1 + FAST.retries


def test_a11_big_without_length_stops_at_cap(server, fetcher):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = fetcher.fetch(server.url("faults", "/big?mb=50"))
    assert out.error == "too_large" and out.body is None
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB


def test_a12_huge_content_length_rejected_before_reading(server, fetcher):
    started = time.monotonic()
    out = fetcher.fetch(server.url("faults", "/huge-length"))
    assert out.error == "too_large" and "5000000000" in out.detail
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("kind", ["gzip", "deflate"])
def test_a13_decompression_bomb_aborted_at_cap(server, fetcher, kind):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = fetcher.fetch(server.url("faults", f"/bomb/{kind}"))
    assert out.error == "too_large" and out.body is None
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB


def test_a14_six_content_encodings_rejected(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/bomb/chain6"))
    assert out.error == "content_encoding"
    assert len(server.requests("faults", "/bomb/chain6")) == 1


def test_a15_redirect_loop_names_both_urls(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/redirect-loop/a"))
    assert out.error == "redirect_loop"
    assert "/redirect-loop/a" in out.detail and "/redirect-loop/b" in out.detail


def test_redirect_chain_limit(server, fetcher):
    ok = fetcher.fetch(server.url("faults", "/redirect-chain/3"))
    assert ok.ok and ok.final_url.endswith("/redirect-chain/0")
    too_many = fetcher.fetch(server.url("faults", "/redirect-chain/12"))
    assert too_many.error == "redirect_loop"
    assert len([r for r in server.requests("faults") if r["path"].startswith("/redirect-chain/")]) <= 4 + 11


def test_a16_self_redirect_with_cookie_stops(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/self-redirect-cookie"))
    assert out.error == "redirect_loop"
    assert len(server.requests("faults", "/self-redirect-cookie")) <= 2


def test_a17_out_of_scope_redirect_not_followed(server, fetcher):
    hosts = {server.host("faults")}
    out = fetcher.fetch(server.url("faults", "/redirect-out"), scope=lambda u: in_scope(u, hosts))
    assert out.error == "redirect_out_of_scope" and str(server.ports["other"]) in out.detail
    assert server.requests("other") == []


def test_a17_https_downgrade_is_detected():
    assert is_downgrade("https://a.gov.cn/x", "http://a.gov.cn/x")
    assert not is_downgrade("http://a.gov.cn/x", "https://a.gov.cn/x")


def test_a26_bad_headers_do_not_crash(server, fetcher):
    out = fetcher.fetch(server.url("faults", "/bad-header"))
    assert out.ok or out.error == "bad_header"
    if out.ok:
        assert out.body and out.headers.get("content-type", "").startswith("text/html")
