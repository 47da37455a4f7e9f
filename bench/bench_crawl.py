"""Crawl throughput against the local fault server (127.0.0.1 only).

    .venv/bin/python bench/bench_crawl.py [--urls 2000] [--levels 1,4,8,16] [--skip-load]

1. A bare ``requests.Session`` loop (the reference: fetch only, no bounds, no store).
2. ``crawl()`` into a fresh SQLite snapshot store, politeness off (delay 0, no per-host
   limit beyond the level), ~64 KB guide pages, at each concurrency level — with the
   real extractor labelling every page, and with marker-only labels (the crawler's
   own cost: fetch bounds, robots, canonicalisation, hashing, zlib, one transaction
   per page).
3. L1: ``--urls`` URLs over 20 virtual hosts, concurrency 8, 2 per host, no faults:
   snapshots, duplicates, pages/s, peak RSS, open FDs before/after.
4. L2: the same with 10 % injected faults (+1 % permanent 500): how many end done or
   failed, lost/duplicated, the most requests any URL got, wall time.

Raw numbers come first; then a calibration block. The machine this runs on is not
the issue's reference machine (there the bare requests loop did ~1,700 pages/s), and
it is shared: each crawler figure is also given as a fraction of this run's bare
requests loop, and scaled to the reference machine by that yardstick. CPU ms/page is
the crawling process's own CPU time (all threads; the fault server runs in another
process), which is less sensitive to other load than pages/s. ``--repeat N`` takes
the best of N runs of each measurement.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from faultserver import FaultServer

from guidecheck.crawl.config import CrawlConfig, parse_channel_crawl
from guidecheck.crawl.crawler import crawl
from guidecheck.store import SnapshotStore


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def config(server: FaultServer, hosts: int, per_host: int, *, concurrency: int,
           host_concurrency: int, use_extractor: bool, retries: int = 2,
           read: float = 10.0, total: float = 60.0) -> CrawlConfig:
    channels = []
    for i in range(hosts):
        name = f"load-{i}"
        channels.append(parse_channel_crawl(name, {
            "sitemaps": [server.url(name, f"/sitemap.xml?n={per_host}")], "guides": r"/p/\d+",
            "delay": 0, "host_concurrency": host_concurrency, "retries": retries,
            "backoff_base": 0.2, "timeouts": {"connect": 5, "read": read, "total": total},
        }))
    return CrawlConfig(channels=tuple(channels), concurrency=concurrency, max_wait=10,
                       use_extractor=use_extractor)


REFERENCE_BARE = 1700.0
"""Pages/s of the bare requests loop on the issue's reference machine."""


def bare(server: FaultServer, n: int) -> tuple[float, float]:
    """(pages/s, CPU ms/page) of a bare requests.Session loop."""
    session = requests.Session()
    urls = [server.url("load-0", f"/p/{i}.html") for i in range(n)]
    _ = session.get(urls[0]).content  # warm the connection
    start, cpu = time.perf_counter(), time.process_time()
    for url in urls:
        _ = session.get(url).content
    return n / (time.perf_counter() - start), (time.process_time() - cpu) / n * 1e3


def run_crawl(server: FaultServer, cfg: CrawlConfig, db: Path):
    with SnapshotStore.open(db) as store:
        start, cpu = time.perf_counter(), time.process_time()
        summary = crawl(cfg, store, progress=False)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    with sqlite3.connect(db) as conn:
        snaps = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        dups = conn.execute("SELECT count(*) FROM (SELECT url_id FROM snapshots GROUP BY url_id"
                            " HAVING count(*) > 1)").fetchone()[0]
    return summary, wall, snaps, dups, cpu


def calibration(bare_rate: float, rows: list[tuple[str, float]]) -> list[str]:
    """The calibration block: this machine's yardstick, the ratio, each crawler figure
    as a fraction of bare requests and what that means on the reference machine."""
    ratio = bare_rate / REFERENCE_BARE
    out = [f"calibration: bare requests loop here {bare_rate:,.0f} pages/s, on the reference "
           f"machine ~{REFERENCE_BARE:,.0f} pages/s: this machine runs at {ratio:.2f}× the "
           "reference (pages/s below are scaled by that yardstick)"]
    for label, rate in rows:
        share = rate / bare_rate
        out.append(f"  {label}: {rate:,.0f} pages/s = {share:.0%} of bare requests; on the "
                   f"reference machine that is ≈ {share * REFERENCE_BARE:,.0f} pages/s "
                   "(calibrated by the bare-requests yardstick)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=10_000, help="L1/L2 size (10,000 = the plan)")
    parser.add_argument("--pages", type=int, default=800, help="pages per throughput run")
    parser.add_argument("--levels", default="1,4,8,16")
    parser.add_argument("--skip-load", action="store_true", help="throughput only, no L1/L2")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each figure")
    parser.add_argument("--marker-only", action="store_true", help="skip the extractor runs")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench_crawl_"))
    server = FaultServer(tmp / "requests.log", load_hosts=20)
    try:
        size = len(requests.get(server.url("load-0", "/p/0.html")).content)
        print(f"page size {size / 1024:.0f} KiB; cpu count {os.cpu_count()}")
        bare_rate, bare_cpu = max(bare(server, args.pages) for _ in range(args.repeat))
        print(f"bare requests.Session loop: {bare_rate:.0f} pages/s, {bare_cpu:.2f} CPU ms/page"
              " (fetch only)")
        rates: list[tuple[str, float]] = []
        for use_extractor in (False, True) if not args.marker_only else (False,):
            what = "extractor labels" if use_extractor else "marker labels"
            for level in levels:
                hosts = max(1, level // 2) if level > 1 else 1
                cfg = config(server, hosts, args.pages // hosts, concurrency=level,
                             host_concurrency=max(1, level // hosts), use_extractor=use_extractor)
                best = None
                for k in range(args.repeat):
                    db = tmp / f"t_{level}_{use_extractor}_{k}.db"
                    summary, wall, snaps, dups, cpu = run_crawl(server, cfg, db)
                    if best is None or snaps / wall > best[2] / best[1]:
                        best = (summary, wall, snaps, dups, cpu)
                summary, wall, snaps, dups, cpu = best
                print(f"crawl → store, {what}, concurrency {level:>2}: "
                      f"{snaps / wall:6.0f} stored pages/s, {cpu / max(snaps, 1) * 1e3:.2f} CPU "
                      f"ms/page ({snaps} snapshots, {dups} dup, {summary.requests} requests, "
                      f"{wall:.1f} s)")
                rates.append((f"crawler, {what}, concurrency {level}", snaps / wall))
        for line in calibration(bare_rate, rates):
            print(line)
        if args.skip_load:
            return 0
        per_host = max(1, args.urls // 20)
        for label, faults in (("L1", False), ("L2", True)):
            srv = FaultServer(tmp / f"{label}.log", load_hosts=20, faults=faults) if faults else server
            try:
                fd0 = fds()
                t0 = time.time()
                cfg = config(srv, 20, per_host, concurrency=8, host_concurrency=2,
                             use_extractor=False, retries=3, read=10.0, total=20.0)
                summary, wall, snaps, dups, _ = run_crawl(srv, cfg, tmp / f"{label}.db")
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                per_url = Counter((r["site"], r["path"]) for r in srv.requests()
                                  if r["path"].startswith("/p/") and r["ts"] >= t0)
                print(f"{label}: {20 * per_host} URLs over 20 hosts, concurrency 8, 2/host: "
                      f"{snaps} snapshots, {dups} duplicates, fetched {summary.fetched}, "
                      f"failed {dict(summary.failed)}, deferred {summary.deferred}, "
                      f"{snaps / wall:.0f} pages/s, wall {wall:.1f} s, peak RSS {rss:.0f} MiB, "
                      f"FDs {fd0}→{fds()}, max requests per URL {max(per_url.values())}")
            finally:
                if srv is not server:
                    srv.stop()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
