"""Whole crawls against the real fault server, into the real snapshot store."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from faultserver import ROOT, FaultServer

from guidecheck.crawl.config import CrawlConfig, parse_channel_crawl, parse_crawl_config
from guidecheck.crawl.crawler import crawl
from guidecheck.store import SnapshotStore

pytestmark = pytest.mark.timeout(90)
sys.path.insert(0, str(ROOT / "scripts"))
from serve_demo import CHANNELS, DECOY_PATH, crawl_config

FAST = {"timeouts": {"connect": 1, "read": 1, "total": 3}, "retries": 2, "backoff_base": 0.05,
        "delay": 0}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = FaultServer(tmp_path_factory.mktemp("fs") / "requests.log")
    yield srv
    srv.stop()


def demo_config(server, delay=0.0):
    return parse_crawl_config(crawl_config({c: server.ports[c] for c in CHANNELS}, delay=delay))


def rows(db: Path, sql: str, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot_counts(db: Path) -> dict[str, int]:
    return dict(rows(db, "SELECT u.url, count(s.id) FROM urls u JOIN snapshots s ON s.url_id = u.id"
                         " GROUP BY u.url"))


def test_demo_sites_every_guide_fetched_decoy_skipped(server, tmp_path, corpus_dir):
    db = tmp_path / "snap.db"
    with SnapshotStore.open(db) as store:
        summary = crawl(demo_config(server), store, progress=False)
        expected = {
            server.url(ch, f"/guide/{f.name}")
            for ch in CHANNELS for f in (corpus_dir / "web" / ch).glob("*.html")
        }
        guides = {s.url for s in store.latest_snapshots()}
        assert guides == expected
        assert summary.quality["guide"] == len(expected)
        assert summary.skipped_robots == 3 and not summary.failed and summary.deferred == 0
        assert not summary.incomplete_channels
        for ch in CHANNELS:
            assert server.requests(ch, DECOY_PATH) == []  # robots-disallowed: never requested
        assert all(n == 1 for n in snapshot_counts(db).values())

        # the weekly re-crawl: every guide answers 304 to a conditional GET, nothing new stored
        again = crawl(demo_config(server), store, progress=False)
        assert again.fetched == 0 and again.unchanged == summary.fetched + summary.unchanged
        assert all(n == 1 for n in snapshot_counts(db).values())
    conditional = [r for r in server.requests() if r["inm"]]
    assert len(conditional) >= len(expected)
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_c4_amp_links_canonicalized_in_a_crawl(server, tmp_path):
    channel = parse_channel_crawl("faulty", {
        "list_pages": [server.url("faults", "/amp-links")],  # links to /ok?a=1&p=2
        "guides": r"/ok", **FAST})
    config = CrawlConfig(channels=(channel,), concurrency=2, max_wait=1)
    with SnapshotStore.open(tmp_path / "s.db") as store:
        summary = crawl(config, store, progress=False)
        assert summary.quality["guide"] == 1
        assert server.requests("faults", "/ok?a=1&p=2")  # &amp;amp; canonicalized once


def test_failures_deferrals_and_incomplete_channel(server, tmp_path):
    # Seeds are list pages: a flaky list, a 404 list, and on another host a 429 with a
    # one-day Retry-After (that whole host is deferred, the first one carries on).
    channel = parse_channel_crawl("faulty", {
        "list_pages": [server.url("faults", "/flaky/2?crawl"), server.url("faults", "/status/404?crawl"),
                       server.url("other", "/retry-after/429/date?in=86400&crawl")],
        "guides": r"/nothing-matches", "retry_after_cap": 300, **FAST})
    config = CrawlConfig(channels=(channel,), concurrency=2, max_wait=1)
    db = tmp_path / "s.db"
    with SnapshotStore.open(db) as store:
        summary = crawl(config, store, progress=False)
    assert summary.failed == {"http_404": 1}
    assert summary.deferred == 1 and summary.fetched == 1
    assert len(server.requests("faults", "/flaky/2?crawl=")) == 3  # A1: 3 requests, 1 snapshot
    assert len(server.requests("other", "/retry-after/429/date?crawl=&in=86400")) == 1
    assert "faulty" in summary.incomplete_channels
    assert any("未完整抓取" in line for line in summary.lines())
    deferred = rows(db, "SELECT u.url, f.next_attempt_at, f.reason FROM frontier f JOIN urls u"
                        " ON u.id = f.url_id WHERE f.state = 'deferred'")
    assert len(deferred) == 1 and deferred[0][1] and deferred[0][2] == "http_429"
    failed = rows(db, "SELECT reason FROM frontier WHERE state = 'failed'")
    assert failed == [("http_4xx",)]


def test_a21_robots_503_defers_instead_of_failing(server, tmp_path):
    channel = parse_channel_crawl("r", {"list_pages": [server.url("robots-503", "/list")],
                                        "guides": "/g", **FAST})
    config = CrawlConfig(channels=(channel,), concurrency=1, max_wait=0.5, robots_retry=60)
    with SnapshotStore.open(tmp_path / "s.db") as store:
        summary = crawl(config, store, progress=False)
    assert summary.deferred == 1 and not summary.failed
    assert server.requests("robots-503", "/list") == []


def test_a22_calendar_trap_terminates(server, tmp_path):
    channel = parse_channel_crawl("trap", {
        "list_pages": [server.url("faults", "/trap/calendar?y=2000")],
        "pagination": r"/trap/calendar", "guides": "/never", "max_depth": 15, **FAST})
    config = CrawlConfig(channels=(channel,), concurrency=2)
    with SnapshotStore.open(tmp_path / "s.db") as store:
        summary = crawl(config, store, progress=False)
    fetched = [r for r in server.requests("faults") if r["path"].startswith("/trap/")]
    assert len(fetched) <= 2 * 16 + 1  # ±1 year per level, session ids and &amp; folded
    assert not any("jsessionid" in r["path"] or "amp" in r["path"] for r in fetched)
    assert summary.trap_bounds.get("depth", 0) >= 1


KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path[:0] = [{tests!r}, {scripts!r}]
    from pathlib import Path
    import json
    from serve_demo import crawl_config
    from guidecheck.crawl.config import parse_crawl_config
    from guidecheck.crawl.crawler import crawl
    from guidecheck.store import SnapshotStore
    ports = json.loads(sys.argv[2])
    config = parse_crawl_config(crawl_config(ports, delay=0.01))
    with SnapshotStore.open(Path(sys.argv[1])) as store:
        crawl(config, store, progress=False)
""")


def test_sigkill_midway_then_resume_stores_every_page_once(server, tmp_path, corpus_dir):
    db = tmp_path / "kill.db"
    script = tmp_path / "run.py"
    script.write_text(KILL_SCRIPT.format(tests=str(ROOT / "tests"), scripts=str(ROOT / "scripts")))
    ports = json.dumps({c: server.ports[c] for c in CHANNELS})
    proc = subprocess.Popen([sys.executable, str(script), str(db), ports])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            done = rows(db, "SELECT count(*) FROM snapshots")[0][0]
        except sqlite3.Error:
            continue
        if done >= 100:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    with SnapshotStore.open(db) as store:
        summary = crawl(demo_config(server), store, progress=False)
        assert summary.resumed
        expected = {server.url(ch, f"/guide/{f.name}")
                    for ch in CHANNELS for f in (corpus_dir / "web" / ch).glob("*.html")}
        assert {s.url for s in store.latest_snapshots()} == expected
    counts = snapshot_counts(db)
    assert all(n == 1 for n in counts.values()), {u: n for u, n in counts.items() if n != 1}
    assert rows(db, "SELECT count(*) FROM frontier WHERE state IN ('pending', 'in_flight')") == [(0,)]
