"""The crawl run: frontier loop, politeness, robots.txt, labelling, end summary.

``crawl(config, store)`` starts a run (or resumes the one a killed process left),
seeds each web channel's list pages, sitemaps and JSON endpoints, follows pagination
and the links matching the channel's guide patterns (never leaving its hosts), and
records every fetched page in the snapshot store — one transaction per page, links
enqueued *before* the page is recorded so a kill at any point loses nothing.

Workers (threads) fetch, label and record; the main thread claims work from the
store's frontier. Per-host concurrency, delay and Retry-After pauses are shared by
all workers (:class:`~guidecheck.crawl.fetch.HostPolicy`). A long wait defers the URL
(``next_attempt_at``) rather than blocking a worker; deferred URLs due within
``max_wait`` seconds are retried in this run, later ones are left for the next run
and reported.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import threading
import time
import zlib
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from lxml import etree

from guidecheck.crawl.config import ChannelCrawl, CrawlConfig
from guidecheck.crawl.fetch import Fetcher, FetchOutcome, HostPolicy
from guidecheck.crawl.progress import Progress
from guidecheck.crawl.quality import Quality, label_page
from guidecheck.crawl.robots import MAX_ROBOTS_BYTES, RobotsCache
from guidecheck.crawl.urls import Bounds, canonicalize, extract_links, host_of, in_scope
from guidecheck.extract.files import default_sites
from guidecheck.store import FrontierEntry, SnapshotStore
from guidecheck.vocab import FieldVocab, load_field_vocab

log = logging.getLogger("guidecheck.crawl")

SITEMAP_MAX_URLS = 50_000


@dataclass(slots=True)
class ChannelReport:
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    deferred: int = 0
    skipped_robots: int = 0
    guides: int = 0
    unreached: list[str] = field(default_factory=list)  # list pages / sitemaps not read

    @property
    def complete(self) -> bool:
        return not (self.failed or self.deferred or self.unreached)


@dataclass(slots=True)
class CrawlSummary:
    run_id: int
    resumed: bool = False
    fetched: int = 0  # pages whose content is new (a new snapshot)
    unchanged: int = 0  # 304, or the same bytes as the latest snapshot
    failed: Counter[str] = field(default_factory=Counter)  # reason → count
    skipped_robots: int = 0
    deferred: int = 0  # left deferred at the end of the run (picked up next run)
    quality: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    elapsed: float = 0.0
    channels: dict[str, ChannelReport] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # url, reason, detail
    trap_bounds: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return self.fetched + self.unchanged + sum(self.failed.values())

    @property
    def incomplete_channels(self) -> list[str]:
        return [name for name, rep in self.channels.items() if not rep.complete]

    def to_data(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "resumed": self.resumed,
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "failed": dict(self.failed),
            "skipped_robots": self.skipped_robots,
            "deferred": self.deferred,
            "quality": dict(self.quality),
            "requests": self.requests,
            "elapsed": round(self.elapsed, 3),
            "channels": {
                name: {
                    "fetched": r.fetched, "unchanged": r.unchanged, "failed": r.failed,
                    "deferred": r.deferred, "skipped_robots": r.skipped_robots,
                    "guides": r.guides, "unreached": r.unreached, "complete": r.complete,
                }
                for name, r in self.channels.items()
            },
            "incomplete_channels": self.incomplete_channels,
            "failures": [list(f) for f in self.failures],
            "trap_bounds": self.trap_bounds,
        }

    def lines(self) -> list[str]:
        """The end summary, in Chinese, one line each."""
        rate = self.pages / self.elapsed if self.elapsed else 0.0
        out = [
            f"抓取运行 #{self.run_id}{'（续跑）' if self.resumed else ''}："
            f"新内容 {self.fetched} 页，未变化 {self.unchanged} 页，"
            f"失败 {sum(self.failed.values())} 页，robots.txt 禁止 {self.skipped_robots} 页，"
            f"推迟 {self.deferred} 页；请求 {self.requests} 次，用时 {self.elapsed:.1f} 秒"
            f"（{rate:.1f} 页/秒）",
        ]
        if self.failed:
            out.append("失败原因：" + "，".join(f"{k} {v}" for k, v in self.failed.most_common()))
        labels = {k: v for k, v in self.quality.items() if k != "guide"}
        if labels:
            out.append(f"办事指南页 {self.quality.get('guide', 0)} 页；其他："
                       + "，".join(f"{k} {v}" for k, v in sorted(labels.items())))
        for name, rep in self.channels.items():
            if not rep.complete:
                parts = []
                if rep.unreached:
                    parts.append(f"{len(rep.unreached)} 个列表/站点地图无法读取")
                if rep.failed:
                    parts.append(f"{rep.failed} 页失败")
                if rep.deferred:
                    parts.append(f"{rep.deferred} 页推迟到下次")
                out.append(f"渠道 {name} 未完整抓取（{'，'.join(parts)}）：未抓到的页面不能当作指南缺失")
        for url, reason, detail in self.failures[:50]:
            out.append(f"  失败 {url}：{reason}（{detail}）")
        if len(self.failures) > 50:
            out.append(f"  ……另有 {len(self.failures) - 50} 条失败记录，见快照库")
        return out


@dataclass(slots=True)
class _Result:
    entry: FrontierEntry
    action: str  # fetched | unchanged | failed | robots | deferred
    reason: str = ""
    detail: str = ""
    quality: str | None = None
    requests: int = 0
    until: float | None = None  # deferred: wall-clock epoch seconds
    kind: str = "guide"


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


class _Crawl:
    def __init__(self, config: CrawlConfig, store: SnapshotStore, *, vocab: FieldVocab,
                 sites: list[Any], fetcher: Fetcher | None) -> None:
        self.config = config
        self.store = store
        self.vocab = vocab
        self.sites = sites
        self.policy = HostPolicy()
        for channel in config.channels:
            for host in channel.hosts:
                self.policy.configure(host, concurrency=channel.concurrency, delay=channel.delay)
        if fetcher is None:
            self.fetcher = Fetcher(policy=self.policy, pool_size=max(4, config.concurrency * 2))
            self._own_fetcher = True
        else:
            fetcher.policy = self.policy
            self.fetcher = fetcher
            self._own_fetcher = False
        self.robots = {c.channel: self._robots_cache(c) for c in config.channels}
        self.bounds = {c.channel: Bounds(max_depth=c.max_depth, max_url_length=c.max_url_length,
                                         max_urls_per_host=c.max_urls_per_host)
                       for c in config.channels}
        self._bounds_lock = threading.Lock()
        self._delays_set: set[str] = set()

    def _robots_cache(self, channel: ChannelCrawl) -> RobotsCache:
        settings = replace(channel.fetch, retries=0, max_redirects=5)

        def fetch_robots(url: str) -> tuple[int | None, str | None, str | None]:
            outcome = self.fetcher.fetch(
                url, settings=settings, max_bytes=MAX_ROBOTS_BYTES, truncate=True,
                scope=lambda u: in_scope(u, channel.hosts),
            )
            if outcome.error in {"http_4xx", "http_5xx"}:
                return outcome.status, None, None
            if outcome.error is not None:
                return None, None, outcome.error
            return outcome.status, (outcome.body or b"").decode("utf-8", errors="replace"), None

        return RobotsCache(fetch_robots, user_agent=channel.fetch.user_agent,
                           retry_after=self.config.robots_retry)

    # ------------------------------------------------------------------ discovery
    def _admit(self, channel: ChannelCrawl, urls: list[str], depth: int, source: str
               ) -> list[FrontierEntry]:
        out = []
        with self._bounds_lock:
            bounds = self.bounds[channel.channel]
            for url in urls:
                if not in_scope(url, channel.hosts) or channel.kind_of(url) is None:
                    continue
                if bounds.admit(url, depth):
                    out.append(FrontierEntry(url=url, channel=channel.channel, depth=depth,
                                             source_url=source))
        return out

    def _links(self, channel: ChannelCrawl, kind: str, outcome: FetchOutcome, quality: Quality,
               entry: FrontierEntry) -> list[FrontierEntry]:
        body = outcome.body or b""
        base = outcome.final_url
        if kind == "sitemap":
            urls = _sitemap_urls(body, base, channel.fetch.max_bytes)
        elif kind == "json":
            urls = _json_urls(body, base, channel.json_endpoint(entry.url))
        elif quality.decoded is not None:
            urls = extract_links(quality.decoded.text, base)
            if quality.target:
                target = canonicalize(quality.target, base)
                urls += [target] if target else []
        else:
            urls = []
        return self._admit(channel, urls, entry.depth + 1, entry.url)

    # ------------------------------------------------------------------ one URL
    def process(self, run: Any, entry: FrontierEntry) -> _Result:
        channel = self.config.channel(entry.channel)
        kind = channel.kind_of(entry.url) or "guide"
        host = host_of(entry.url)
        s = channel.fetch
        requests_before = self.fetcher.requests
        if not in_scope(entry.url, channel.hosts):
            outcome = FetchOutcome(url=entry.url, final_url=entry.url, status=None,
                                   error="redirect_out_of_scope",
                                   detail=f"网址不在渠道 {channel.channel} 的范围内：{entry.url}")
            self.store.record(run, entry, outcome, "error")
            return _Result(entry, "failed", outcome.error or "", outcome.detail, "error", kind=kind)
        if channel.obey_robots:
            decision = self.robots[channel.channel].check(entry.url)
            if decision.unavailable:
                until = time.time() + max(1.0, (decision.retry_at or time.monotonic()) - time.monotonic())
                self.store.defer(run, entry.url, _utc(until), "robots_unavailable")
                return _Result(entry, "deferred", "robots_unavailable", decision.reason,
                               requests=self.fetcher.requests - requests_before, until=until, kind=kind)
            if host not in self._delays_set:
                self._delays_set.add(host)
                crawl_delay = self.robots[channel.channel].crawl_delay(entry.url)
                if crawl_delay:
                    self.policy.raise_delay(host, min(crawl_delay, 60.0))
            if not decision.allowed:
                outcome = FetchOutcome(url=entry.url, final_url=entry.url, status=None,
                                       error="robots_disallowed",
                                       detail=f"robots.txt 禁止抓取：{entry.url}")
                self.store.record(run, entry, outcome, "error")
                return _Result(entry, "robots", "robots_disallowed", outcome.detail, "error",
                               requests=self.fetcher.requests - requests_before, kind=kind)
        validators = self.store.validators(entry.url) if kind == "guide" else None
        outcome = self.fetcher.fetch(
            entry.url, validators=validators, settings=s,
            scope=lambda u: in_scope(canonicalize(u) or u, channel.hosts),
        )
        used = self.fetcher.requests - requests_before
        if outcome.error is not None and outcome.retry_after is not None and outcome.retry_after > s.max_sleep:
            until = time.time() + outcome.retry_after
            self.store.defer(run, entry.url, _utc(until), outcome.reason or "retry_after")
            return _Result(entry, "deferred", outcome.reason or "", outcome.detail,
                           requests=used, until=until, kind=kind)
        quality = label_page(outcome, vocab=self.vocab, sites=self.sites,
                             expect_guide=kind == "guide",
                             use_extractor=self.config.use_extractor)
        if outcome.error is None and (kind != "guide" or quality.label == "redirect_stub"):
            found = self._links(channel, kind, outcome, quality, entry)
            if found:
                self.store.enqueue(run, found)  # before record: a kill between loses nothing
        recorded = self.store.record(run, entry, outcome, quality.label, quality.decoded)
        if outcome.error is not None:
            return _Result(entry, "failed", outcome.reason or "", outcome.detail, quality.label,
                           requests=used, kind=kind)
        action = "fetched" if recorded.new_snapshot else "unchanged"
        return _Result(entry, action, quality=quality.label, detail=quality.reason,
                       requests=used, kind=kind)

    def close(self) -> None:
        if self._own_fetcher:
            self.fetcher.close()


def _sitemap_urls(body: bytes, base: str, limit: int) -> list[str]:
    if body[:2] == b"\x1f\x8b":
        try:
            body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, limit)
        except zlib.error:
            return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, load_dtd=False)
    try:
        root = etree.parse(io.BytesIO(body), parser).getroot()
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    out = []
    for el in root.iter("{*}loc"):
        url = canonicalize((el.text or "").strip(), base)
        if url:
            out.append(url)
        if len(out) >= SITEMAP_MAX_URLS:
            break
    return out


def _json_urls(body: bytes, base: str, endpoint: Any) -> list[str]:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return []
    url_key = endpoint.url_key if endpoint else "url"
    next_key = endpoint.next_key if endpoint else "next"
    out: list[str] = []
    stack = [data]
    while stack and len(out) < SITEMAP_MAX_URLS:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and key in {url_key, next_key}:
                    url = canonicalize(value, base)
                    if url:
                        out.append(url)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def _seed_entries(config: CrawlConfig) -> list[FrontierEntry]:
    out = []
    for channel in config.channels:
        for url in channel.seeds():
            canonical = canonicalize(url) or url
            out.append(FrontierEntry(url=canonical, channel=channel.channel, depth=0))
    return out


def _normalise_seeds(config: CrawlConfig) -> CrawlConfig:
    """Seeds in canonical form, so kind_of() recognises them after canonicalisation."""
    def canon(urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(canonicalize(u) or u for u in urls)

    channels = tuple(
        replace(c, list_pages=canon(c.list_pages), sitemaps=canon(c.sitemaps),
                json=tuple(replace(j, url=canonicalize(j.url) or j.url) for j in c.json))
        for c in config.channels
    )
    return replace(config, channels=channels)


def crawl(
    config: CrawlConfig,
    store: SnapshotStore,
    *,
    progress: bool | None = True,
    vocab: FieldVocab | None = None,
    sites: list[Any] | None = None,
    fetcher: Fetcher | None = None,
) -> CrawlSummary:
    """Crawl every web channel of ``config`` into ``store``; resumes an unfinished run.

    ``progress``: True shows a progress line when stderr is a terminal, False never,
    None the same as True. Returns the end summary (also stored with the run).
    """
    config = _normalise_seeds(config)
    vocab = vocab or load_field_vocab()
    sites = default_sites() if sites is None else sites
    started = time.monotonic()
    run = store.resume_run()
    resumed = run is not None
    if run is None:
        run = store.begin_run(channels=[c.channel for c in config.channels],
                              config_digest=config.digest())
    elif run.config_digest != config.digest():
        log.warning("续跑的运行 #%s 使用的配置与当前配置不同；按当前配置继续", run.id)
    summary = CrawlSummary(run_id=run.id, resumed=resumed,
                           channels={c.channel: ChannelReport() for c in config.channels})
    store.enqueue(run, _seed_entries(config))
    job = _Crawl(config, store, vocab=vocab, sites=sites, fetcher=fetcher)
    bar = Progress(None if progress else False)
    deferred: dict[str, tuple[float, str]] = {}  # url → (epoch seconds it is due, channel)
    errors = 0
    inflight: dict[Future[_Result], FrontierEntry] = {}
    # Claimed entries wait here per host, so a worker is only handed a URL whose host has
    # a free slot (the frontier is in discovery order: often one host after another).
    ready: dict[str, deque[FrontierEntry]] = {}
    busy: Counter[str] = Counter()
    limits = {h: c.concurrency for c in config.channels for h in c.hosts}
    buffered = 0
    # Workers hand finished futures back through this queue (cheaper per page than
    # concurrent.futures.wait(), which installs a waiter on every in-flight future).
    finished: queue.SimpleQueue[Future[_Result]] = queue.SimpleQueue()
    try:
        with ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="crawl") as pool:
            while True:
                claimed: list[FrontierEntry] = []
                if buffered < config.concurrency * 4:
                    claimed = store.claim(run, config.concurrency * 8 - buffered)
                    for entry in claimed:
                        deferred.pop(entry.url, None)
                        ready.setdefault(host_of(entry.url), deque()).append(entry)
                    buffered += len(claimed)
                for host in list(ready):
                    waiting = ready[host]
                    while waiting and len(inflight) < config.concurrency and busy[host] < limits.get(host, 1):
                        entry = waiting.popleft()
                        buffered -= 1
                        busy[host] += 1
                        future = pool.submit(job.process, run, entry)
                        inflight[future] = entry
                        future.add_done_callback(finished.put)
                    if not waiting:
                        del ready[host]
                if not inflight:
                    if buffered:
                        continue
                    if not deferred:
                        break
                    due = min(t for t, _ in deferred.values()) - time.time()
                    if due > config.max_wait:
                        break
                    time.sleep(min(max(due, 0.02), 0.5))
                    continue
                try:
                    done = [finished.get(timeout=0.5)]
                except queue.Empty:
                    continue
                while not finished.empty():
                    done.append(finished.get_nowait())
                for future in done:
                    entry = inflight.pop(future)
                    busy[host_of(entry.url)] -= 1
                    result = future.result()
                    errors += _account(summary, result, deferred)
                if bar.enabled:
                    bar.update(done=summary.pages, errors=errors,
                               pending=len(inflight) + buffered, deferred=len(deferred))
    finally:
        bar.close()
        job.close()
    summary.deferred = len(deferred)
    for _, channel_name in deferred.values():
        summary.channels[channel_name].deferred += 1
    summary.requests = job.fetcher.requests
    summary.elapsed = time.monotonic() - started
    for bounds in job.bounds.values():
        for reason, count in bounds.rejected.items():
            summary.trap_bounds[reason] = summary.trap_bounds.get(reason, 0) + count
    store.finish_run(run, summary.to_data())
    for line in summary.lines():
        log.info("%s", line)
    return summary


def _account(summary: CrawlSummary, result: _Result, deferred: dict[str, tuple[float, str]]) -> int:
    rep = summary.channels.setdefault(result.entry.channel, ChannelReport())
    if result.quality:
        summary.quality[result.quality] += 1
        if result.quality == "guide":
            rep.guides += 1
    if result.action == "deferred":
        deferred[result.entry.url] = (result.until or time.time(), result.entry.channel)
        log.info("推迟 %s：%s %s", result.entry.url, result.reason, result.detail)
        return 0
    if result.action == "robots":
        summary.skipped_robots += 1
        rep.skipped_robots += 1
        return 0
    if result.action == "failed":
        summary.failed[result.reason] += 1
        summary.failures.append((result.entry.url, result.reason, result.detail))
        rep.failed += 1
        if result.kind != "guide":
            rep.unreached.append(result.entry.url)
        log.warning("抓取失败 %s：%s（%s）", result.entry.url, result.reason, result.detail)
        return 1
    if result.action == "fetched":
        summary.fetched += 1
        rep.fetched += 1
    else:
        summary.unchanged += 1
        rep.unchanged += 1
    return 0
