"""What the latest crawl reached in each web channel, and the snapshots a scan reads.

The scan never compares a block page, a soft 404 or an error, and never reports a guide
missing (GC101) because of one. For each channel with ``crawl:`` settings this module
looks at the channel's latest crawl run (not abandoned) and sorts every URL:

* a guide page whose latest fetch is a guide: compared, from that snapshot;
* a guide page listed by the latest crawl whose fetch failed, was blocked, a soft 404,
  deferred…: **unreached**; its last good snapshot (if any) stays the comparison
  baseline, and without one the scan cannot tell which guide it is;
* a page the latest crawl did not list: **gone** when the run reached the whole
  channel, or when the previous crawl did not fetch it as a guide either (absent or
  failing across two crawls); otherwise unreached (``not_listed``), baseline kept;
* a list page, sitemap or JSON endpoint that could not be read: unreached — the guides
  behind it are unknown;
* robots.txt-disallowed pages are outside the channel's public scope: ignored.

A channel is **complete** when its latest run finished and nothing was unreached.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guidecheck.crawl.config import ChannelCrawl, CrawlConfig
from guidecheck.crawl.crawler import _normalise_seeds
from guidecheck.store import SnapshotStore
from guidecheck.store.db import iso
from guidecheck.store.history import QUALITY_NAMES

LIST_OK = frozenset({"not_guide", "guide", "redirect_stub"})
"""Labels of a list page, sitemap or JSON endpoint that was read."""

REASON_NAMES = {
    **QUALITY_NAMES,
    "http_4xx": "HTTP 4xx 错误",
    "http_5xx": "服务器错误（5xx）",
    "connection_error": "连接失败",
    "dns_error": "域名解析失败",
    "read_timeout": "读取超时",
    "deadline_exceeded": "超过单页总时限",
    "too_large": "页面过大",
    "incomplete_body": "内容不完整",
    "redirect_loop": "重定向循环",
    "redirect_out_of_scope": "重定向出渠道范围",
    "tls_verify": "证书校验失败",
    "tls_self_signed": "证书为自签名",
    "tls_expired": "证书过期",
    "tls_hostname": "证书域名不符",
    "tls_protocol": "TLS 协议错误",
    "content_encoding": "内容压缩错误",
    "bad_header": "响应头错误",
    "host_paused": "站点要求暂停",
    "robots_unavailable": "robots.txt 暂不可用",
    "retry_after": "站点要求稍后再试",
    "deferred": "推迟到下次抓取",
    "pending": "运行未完成，尚未抓取",
    "in_flight": "运行未完成，尚未抓取",
    "not_listed": "本次抓取的列表中未出现（上次仍在）",
}


def reason_name(reason: str) -> str:
    return REASON_NAMES.get(reason, reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """The snapshot a guide was read from."""

    url: str
    fetched_at: datetime  # the latest fetch that returned exactly these bytes (UTC)
    content_sha256: str
    snapshot_id: int

    def to_data(self) -> dict[str, str]:
        return {"url": self.url, "fetched_at": iso(self.fetched_at),
                "content_sha256": self.content_sha256}


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A guide page to extract: the latest snapshot, or the last good one (``stale``)."""

    url: str
    channel: str
    body: bytes
    encoding: str | None
    evidence: Evidence
    stale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachedPage:
    channel: str
    url: str
    kind: str  # guide | list | sitemap | json
    reason: str  # error class, quality label, deferred, pending, not_listed
    detail: str = ""
    baseline: Evidence | None = None  # the last good snapshot compared instead

    def to_data(self) -> dict[str, Any]:
        return {
            "channel": self.channel, "url": self.url, "kind": self.kind, "reason": self.reason,
            "reason_label": reason_name(self.reason), "detail": self.detail,
            "baseline": self.baseline.to_data() if self.baseline else None,
        }


@dataclass(slots=True, kw_only=True)
class ChannelReach:
    channel: str
    run_id: int | None = None  # the latest crawl run of the channel; None: never crawled
    run_state: str | None = None
    pages: list[Page] = field(default_factory=list)
    unreached: list[UnreachedPage] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.run_state == "finished" and not self.unreached

    @property
    def lists_unreached(self) -> bool:
        """A list page, sitemap or endpoint was not read, or the run did not finish:
        guides behind it are unknown."""
        return self.run_state != "finished" or any(u.kind != "guide" for u in self.unreached)

    def reasons(self) -> Counter[str]:
        return Counter(reason_name(u.reason) for u in self.unreached)


def _runs(store: SnapshotStore, channel: str) -> list[tuple[int, str]]:
    rows = store.connection.execute(
        "SELECT id, state, channels FROM runs WHERE state != 'abandoned' ORDER BY id DESC"
    ).fetchall()
    return [(r[0], r[1]) for r in rows if channel in json.loads(r[2])]


def channel_reach(store: SnapshotStore, channel: ChannelCrawl) -> ChannelReach:
    """Sort the channel's URLs by what its latest crawl saw (module docstring)."""
    runs = _runs(store, channel.channel)
    reach = ChannelReach(channel=channel.channel)
    if not runs:
        return reach
    reach.run_id, reach.run_state = runs[0]
    previous = runs[1][0] if len(runs) > 1 else None
    snaps = {s.url: s for s in store.latest_snapshots(channel.channel)}

    def evidence(url: str) -> Evidence | None:
        s = snaps.get(url)
        if s is None:
            return None
        return Evidence(url=url, fetched_at=s.last_seen_at, content_sha256=s.content_sha256,
                        snapshot_id=s.id)

    def page(url: str, stale: bool) -> None:
        s = snaps[url]
        reach.pages.append(Page(url=url, channel=channel.channel, body=s.body, encoding=s.encoding,
                                evidence=evidence(url), stale=stale))  # type: ignore[arg-type]

    rows = store.connection.execute(
        "SELECT u.url, fr.state, fr.reason, f.quality, f.error, f.detail"
        " FROM frontier fr JOIN urls u ON u.id = fr.url_id"
        " LEFT JOIN fetches f ON f.url_id = fr.url_id AND f.run_id = fr.run_id"
        " WHERE fr.run_id = ? AND u.channel = ? ORDER BY u.url",
        (reach.run_id, channel.channel),
    ).fetchall()
    listed = set()
    for url, state, reason, quality, error, detail in rows:
        listed.add(url)
        kind = channel.kind_of(url) or "guide"
        if reason == "robots_disallowed" or error == "robots_disallowed":
            continue
        why = error or (quality if quality is not None else (reason or state))
        if kind != "guide":
            if quality is None or error is not None or quality not in LIST_OK:
                reach.unreached.append(UnreachedPage(channel=channel.channel, url=url, kind=kind,
                                                     reason=why, detail=detail or ""))
            continue
        if quality == "guide" and url in snaps:
            page(url, stale=False)
            continue
        reach.unreached.append(UnreachedPage(channel=channel.channel, url=url, kind="guide",
                                             reason=why, detail=detail or "",
                                             baseline=evidence(url)))
        if url in snaps:
            page(url, stale=True)
    finished_and_reached = reach.run_state == "finished" and not reach.unreached
    seen_before: set[str] = set()
    if previous is not None and not finished_and_reached:
        seen_before = {r[0] for r in store.connection.execute(
            "SELECT u.url FROM fetches f JOIN urls u ON u.id = f.url_id"
            " WHERE f.run_id = ? AND u.channel = ? AND f.quality = 'guide'",
            (previous, channel.channel),
        )}
    for url in sorted(set(snaps) - listed):
        if (channel.kind_of(url) or "guide") != "guide":
            continue
        if url in seen_before:
            reach.unreached.append(UnreachedPage(channel=channel.channel, url=url, kind="guide",
                                                 reason="not_listed", baseline=evidence(url)))
            page(url, stale=True)
        else:
            reach.gone.append(url)
    return reach


def crawl_reach(store: SnapshotStore, config: CrawlConfig) -> dict[str, ChannelReach]:
    """:func:`channel_reach` for every channel of the crawl config."""
    config = _normalise_seeds(config)
    return {c.channel: channel_reach(store, c) for c in config.channels}
