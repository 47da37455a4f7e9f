"""Page labels for fetched pages (A18, A23–A25, C1–C3) with the real extractor."""

from __future__ import annotations

import time

import pytest
from faultserver import FaultServer

from guidecheck.crawl.config import FetchSettings
from guidecheck.crawl.fetch import Fetcher, FetchOutcome
from guidecheck.crawl.quality import label_page

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = FaultServer(tmp_path_factory.mktemp("fs") / "requests.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def fetcher():
    f = Fetcher(FetchSettings(connect_timeout=2, read_timeout=5, total_timeout=20, retries=0,
                              max_bytes=10 * 1024 * 1024))
    yield f
    f.close()


def _label(server, fetcher, vocab, path, **kw):
    out = fetcher.fetch(server.url("faults", path))
    return label_page(out, vocab=vocab, **kw)


def test_guide_page(server, fetcher, vocab):
    q = _label(server, fetcher, vocab, "/ok")
    assert q.label == "guide" and q.guides == 1 and q.decoded.encoding == "utf-8"


def test_city_page_gbk_decided_from_meta(server, fetcher, vocab, corpus_dir):
    name = sorted((corpus_dir / "web" / "city").glob("*.html"))[0].name
    out = fetcher.fetch(server.url("city", f"/guide/{name}"))
    q = label_page(out, vocab=vocab)
    assert q.label == "guide"
    assert q.decoded.encoding == "gb18030" and q.decoded.decided_by == "meta"


def test_b1_gb2312_header_with_gbk_only_characters(server, fetcher, vocab):
    q = _label(server, fetcher, vocab, "/enc/gb2312-gbk-only")
    assert "朱镕基" in q.decoded.text and "王堃" in q.decoded.text
    assert q.decoded.replacement_count == 0


def test_a18_redirect_stubs(server, fetcher, vocab):
    meta = _label(server, fetcher, vocab, "/stub-meta")
    js = _label(server, fetcher, vocab, "/stub-js")
    assert (meta.label, meta.target) == ("redirect_stub", "/ok")
    assert (js.label, js.target) == ("redirect_stub", "/ok")


def test_a23_soft_404(server, fetcher, vocab):
    assert _label(server, fetcher, vocab, "/soft404").label == "soft_404"


def test_a23_real_404_is_an_error_label(server, fetcher, vocab):
    q = _label(server, fetcher, vocab, "/status/404")
    assert q.label == "error" and q.reason == "http_404"


def test_a24_waf_page_with_200_is_blocked(server, fetcher, vocab):
    q = _label(server, fetcher, vocab, "/blocked")
    assert q.label == "blocked"


def test_a25_empty_and_pdf_as_html(server, fetcher, vocab):
    assert _label(server, fetcher, vocab, "/empty").label == "empty"
    pdf = _label(server, fetcher, vocab, "/pdf-as-html")
    assert pdf.label == "binary_mismatch" and pdf.decoded is None and "PDF" in pdf.reason


def test_list_page_is_not_a_guide(server, fetcher, vocab):
    out = fetcher.fetch(server.url("province", "/list/1.html"))
    assert label_page(out, vocab=vocab).label == "not_guide"
    assert label_page(out, vocab=vocab, expect_guide=False).label == "not_guide"


def test_guide_mentioning_captcha_in_boilerplate_is_still_a_guide(vocab, corpus_dir):
    page = sorted((corpus_dir / "web" / "province").glob("*.html"))[0].read_bytes()
    page = page.replace(b"</body>", "<div>登录请输入验证码</div></body>".encode(), 1)
    out = FetchOutcome(url="http://h/g", final_url="http://h/g", status=200, error=None,
                       headers={"content-type": "text/html; charset=utf-8"}, body=page)
    assert label_page(out, vocab=vocab).label == "guide"


def test_c1_deeply_nested_divs_no_crash(server, fetcher, vocab):
    q = _label(server, fetcher, vocab, "/deep-div?n=100000")
    assert q.label in {"not_guide", "error", "empty"}


def test_c2_nine_mb_single_line_within_bound(server, fetcher, vocab):
    out = fetcher.fetch(server.url("faults", "/one-line?mb=9"))
    assert out.ok and len(out.body) > 8 * 1024 * 1024
    started = time.monotonic()
    q = label_page(out, vocab=vocab)
    assert time.monotonic() - started < 10
    assert q.label in {"guide", "not_guide", "error"}


def test_c3_markup_the_parser_rejects(vocab):
    out = FetchOutcome(url="http://h/x", final_url="http://h/x", status=200, error=None,
                       headers={"content-type": "text/html"}, body=b"<?xml version='1.0'?>\x00\x00\x00")
    q = label_page(out, vocab=vocab)
    assert q.label in {"error", "not_guide", "binary_mismatch", "empty"}


def test_marker_only_labels_still_catch_block_and_soft_404(server, fetcher, vocab):
    assert _label(server, fetcher, vocab, "/ok", use_extractor=False).label == "guide"
    assert _label(server, fetcher, vocab, "/blocked", use_extractor=False).label == "blocked"
    assert _label(server, fetcher, vocab, "/soft404", use_extractor=False).label == "soft_404"
    assert _label(server, fetcher, vocab, "/stub-js", use_extractor=False).label == "redirect_stub"
