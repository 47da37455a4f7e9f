"""Per-channel crawl settings, parsed from the ``crawl:`` section of each channel.

A scan config channel may carry::

    channels:
      province:
        inputs: [web/province/]
        crawl:
          list_pages: [http://127.0.0.1:8701/list/1.html]   # start pages (lists)
          pagination: '/list/\\d+\\.html$'                  # links on a list page that are list pages
          guides: '/guide/[^/]+\\.html$'                     # links that are guide pages (str or list)
          sitemaps: [http://127.0.0.1:8701/sitemap.xml]
          json: [{url: 'http://…/api/guides?page=1', url_key: url, next_key: next}]
          hosts: [127.0.0.1:8701]        # default: the hosts of the start URLs
          obey_robots: true              # false only by this explicit per-channel setting
          user_agent: '…'
          host_concurrency: 1            # requests at once per host
          delay: 1.0                     # seconds between requests to one host
          timeouts: {connect: 10, read: 30, total: 60}
          max_page_size: 10485760        # bytes, decoded
          max_redirects: 10
          retries: 3
          max_depth: 20
          max_urls_per_host: 50000
          ca_bundle: certs/province-chain.pem  # PEM bundle (intermediate + root) used as the
                                               # trust store for this channel; never verify=False

and the scan config may carry a top-level ``crawl:`` with ``concurrency`` (workers for
the whole run), ``robots_retry`` (seconds before a failed robots.txt is asked again),
``max_wait`` (how long a run waits in-process for deferred URLs before leaving them to
the next run) and defaults for every per-channel key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from guidecheck.errors import ConfigError

DEFAULT_USER_AGENT = (
    "guidecheck/0.1 (government service guide consistency check; weekly portal scan; "
    "polite crawler, obeys robots.txt)"
)
"""HTTP headers are latin-1: the User-Agent stays ASCII."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    """How one GET behaves (reliability.md "Recommended defaults")."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 300.0
    max_sleep: float = 10.0
    """A Retry-After longer than this defers the host instead of sleeping in a worker."""
    ca_bundle: str | None = None
    """A PEM CA bundle passed as requests' ``verify=`` (e.g. root + the intermediate a site
    fails to send); it replaces the default store for this channel. Verification is never off."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonEndpoint:
    url: str
    url_key: str = "url"
    next_key: str | None = "next"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCrawl:
    channel: str
    list_pages: tuple[str, ...] = ()
    pagination: tuple[re.Pattern[str], ...] = ()
    guides: tuple[re.Pattern[str], ...] = ()
    sitemaps: tuple[str, ...] = ()
    json: tuple[JsonEndpoint, ...] = ()
    hosts: frozenset[str] = frozenset()
    obey_robots: bool = True
    concurrency: int = 1
    delay: float = 1.0
    max_depth: int = 20
    max_urls_per_host: int = 50_000
    max_url_length: int = 2048
    fetch: FetchSettings = field(default_factory=FetchSettings)

    def seeds(self) -> list[str]:
        return [*self.list_pages, *self.sitemaps, *(j.url for j in self.json)]

    def kind_of(self, url: str) -> str | None:
        """``list`` | ``sitemap`` | ``json`` | ``guide`` for a URL of this channel, else None.

        Child sitemaps (from a sitemap index) are recognised by a ``.xml``/``.xml.gz`` path.
        """
        if url in self.list_pages:
            return "list"
        if url in self.sitemaps:
            return "sitemap"
        if self.json_endpoint(url) is not None:
            return "json"
        if any(p.search(url) for p in self.guides):
            return "guide"
        if any(p.search(url) for p in self.pagination):
            return "list"
        if self.sitemaps and url.split("?")[0].endswith((".xml", ".xml.gz")):
            return "sitemap"
        return None

    def json_endpoint(self, url: str) -> JsonEndpoint | None:
        """The JSON endpoint a URL belongs to (the endpoint itself or a page of it)."""
        for endpoint in self.json:
            if url == endpoint.url or url.split("?")[0] == endpoint.url.split("?")[0]:
                return endpoint
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlConfig:
    channels: tuple[ChannelCrawl, ...]
    concurrency: int = 8
    robots_retry: float = 60.0
    max_wait: float = 30.0
    use_extractor: bool = True
    """Label ``guide`` with the real HTML extractor (default). False: markers only (blocked,
    soft_404, stub, empty, binary); a guide URL otherwise counts as ``guide`` — for
    benchmarks of the crawler itself, or when the scan re-labels from the snapshots."""
    source: str = ""

    def channel(self, name: str) -> ChannelCrawl:
        for channel in self.channels:
            if channel.channel == name:
                return channel
        raise KeyError(name)

    def digest(self) -> str:
        """A stable digest of what is crawled (stored with the run)."""
        data = [
            [c.channel, list(c.seeds()), [p.pattern for p in c.guides],
             [p.pattern for p in c.pagination], sorted(c.hosts), c.obey_robots]
            for c in self.channels
        ]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


CHANNEL_KEYS = frozenset({
    "list_pages", "pagination", "guides", "sitemaps", "json", "hosts", "obey_robots",
    "user_agent", "host_concurrency", "delay", "timeouts", "max_page_size", "max_redirects",
    "retries", "max_depth", "max_urls_per_host", "max_url_length", "retry_after_cap",
    "max_sleep", "ca_bundle", "backoff_base",
})
TOP_KEYS = CHANNEL_KEYS | {"concurrency", "robots_retry", "max_wait", "use_extractor"}


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _fail(where, "应为字符串或字符串列表")


def _patterns(value: Any, where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for text in _strings(value, where):
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise _fail(where, f"正则表达式无效（{exc}）：{text}") from exc
    return tuple(out)


def _number(value: Any, where: str, *, minimum: float = 0, integer: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, "应为数字")
    if value < minimum:
        raise _fail(where, f"不能小于 {minimum}")
    if integer and int(value) != value:
        raise _fail(where, "应为整数")
    return int(value) if integer else float(value)


def _url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise _fail(where, f"不是 http(s) 网址：{value}")
    return value


def _json_endpoints(value: Any, where: str) -> tuple[JsonEndpoint, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        if isinstance(item, str):
            out.append(JsonEndpoint(url=_url(item, spot)))
            continue
        if not isinstance(item, Mapping) or "url" not in item:
            raise _fail(spot, "应为网址或 {url, url_key, next_key}")
        unknown = set(item) - {"url", "url_key", "next_key"}
        if unknown:
            raise _fail(spot, f"未知的键 {sorted(unknown)}")
        out.append(JsonEndpoint(
            url=_url(str(item["url"]), spot),
            url_key=str(item.get("url_key", "url")),
            next_key=None if item.get("next_key", "next") is None else str(item.get("next_key", "next")),
        ))
    return tuple(out)


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def parse_channel_crawl(
    name: str, spec: Any, *, where: str = "", defaults: Mapping[str, Any] | None = None
) -> ChannelCrawl:
    """One channel's ``crawl:`` mapping → :class:`ChannelCrawl` (raises ConfigError)."""
    where = where or f"channels.{name}.crawl"
    if not isinstance(spec, Mapping):
        raise _fail(where, "应为映射（list_pages、guides 等）")
    unknown = set(spec) - CHANNEL_KEYS
    if unknown:
        raise _fail(where, f"未知的键 {sorted(unknown)}；可用：{sorted(CHANNEL_KEYS)}")
    data = {k: v for k, v in (defaults or {}).items() if k in CHANNEL_KEYS}
    data.pop("obey_robots", None)  # the override must be set on the channel itself
    data.update(spec)

    list_pages = tuple(_url(u, f"{where}.list_pages") for u in _strings(data.get("list_pages"), f"{where}.list_pages"))
    sitemaps = tuple(_url(u, f"{where}.sitemaps") for u in _strings(data.get("sitemaps"), f"{where}.sitemaps"))
    endpoints = _json_endpoints(data.get("json"), f"{where}.json")
    if not (list_pages or sitemaps or endpoints):
        raise _fail(where, "至少需要 list_pages、sitemaps 或 json 之一作为起点")
    guides = _patterns(data.get("guides"), f"{where}.guides")
    if not guides:
        raise _fail(where, "需要 guides（办事指南页面网址的正则表达式）")
    hosts = frozenset(h.lower() for h in _strings(data.get("hosts"), f"{where}.hosts"))
    if not hosts:
        hosts = frozenset(_host(u) for u in (*list_pages, *sitemaps, *(j.url for j in endpoints)))
    obey = data.get("obey_robots", True)
    if not isinstance(obey, bool):
        raise _fail(f"{where}.obey_robots", "应为 true 或 false")

    fetch = FetchSettings()
    changes: dict[str, Any] = {}
    if "user_agent" in data:
        if not isinstance(data["user_agent"], str) or not data["user_agent"].strip():
            raise _fail(f"{where}.user_agent", "应为非空字符串")
        if not data["user_agent"].isascii():
            raise _fail(f"{where}.user_agent", "只能用 ASCII 字符（HTTP 头不支持中文）")
        changes["user_agent"] = data["user_agent"].strip()
    timeouts = data.get("timeouts") or {}
    if not isinstance(timeouts, Mapping) or set(timeouts) - {"connect", "read", "total"}:
        raise _fail(f"{where}.timeouts", "应为 {connect, read, total}（秒）")
    for key, attr in (("connect", "connect_timeout"), ("read", "read_timeout"), ("total", "total_timeout")):
        if key in timeouts:
            changes[attr] = _number(timeouts[key], f"{where}.timeouts.{key}", minimum=0.01)
    for key, attr, integer in (
        ("max_page_size", "max_bytes", True), ("max_redirects", "max_redirects", True),
        ("retries", "retries", True), ("retry_after_cap", "retry_after_cap", False),
        ("max_sleep", "max_sleep", False), ("backoff_base", "backoff_base", False),
    ):
        if key in data:
            changes[attr] = _number(data[key], f"{where}.{key}", integer=integer)
    if "ca_bundle" in data:
        bundle = str(data["ca_bundle"])
        if not Path(bundle).is_file():  # requests would fail every page with an OSError
            raise _fail(f"{where}.ca_bundle", f"找不到证书文件 {bundle}（PEM：中间证书 + 根证书）")
        changes["ca_bundle"] = bundle
    fetch = replace(fetch, **changes)

    ints = {}
    for key, attr in (("host_concurrency", "concurrency"), ("max_depth", "max_depth"),
                      ("max_urls_per_host", "max_urls_per_host"), ("max_url_length", "max_url_length")):
        if key in data:
            ints[attr] = _number(data[key], f"{where}.{key}", minimum=1, integer=True)
    delay = _number(data["delay"], f"{where}.delay") if "delay" in data else 1.0
    return ChannelCrawl(
        channel=name,
        list_pages=list_pages,
        pagination=_patterns(data.get("pagination"), f"{where}.pagination"),
        guides=guides,
        sitemaps=sitemaps,
        json=endpoints,
        hosts=hosts,
        obey_robots=obey,
        delay=delay,
        fetch=fetch,
        **ints,
    )


def parse_crawl_config(data: Mapping[str, Any], *, source: str = "") -> CrawlConfig:
    """A whole scan config mapping → the crawl settings of its web channels.

    Channels without a ``crawl:`` section are not crawled (files, manuals).
    """
    where = source or "配置"
    top = data.get("crawl") or {}
    if not isinstance(top, Mapping):
        raise _fail(f"{where}: crawl", "应为映射")
    unknown = set(top) - TOP_KEYS
    if unknown:
        raise _fail(f"{where}: crawl", f"未知的键 {sorted(unknown)}")
    channels = []
    for name, spec in (data.get("channels") or {}).items():
        if isinstance(spec, Mapping) and spec.get("crawl") is not None:
            channels.append(parse_channel_crawl(
                str(name), spec["crawl"], where=f"{where}: channels.{name}.crawl", defaults=top
            ))
    if not channels:
        raise _fail(where, "没有任何渠道配置了 crawl（抓取设置）")
    extra = {}
    if "concurrency" in top:
        extra["concurrency"] = _number(top["concurrency"], f"{where}: crawl.concurrency", minimum=1, integer=True)
    for key in ("robots_retry", "max_wait"):
        if key in top:
            extra[key] = _number(top[key], f"{where}: crawl.{key}")
    if "use_extractor" in top:
        if not isinstance(top["use_extractor"], bool):
            raise _fail(f"{where}: crawl.use_extractor", "应为 true 或 false")
        extra["use_extractor"] = top["use_extractor"]
    return CrawlConfig(channels=tuple(channels), source=source, **extra)


def load_crawl_config(path: str | Path) -> CrawlConfig:
    """Read a scan config file (YAML) and return its crawl settings."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取配置文件（{exc.strerror}）") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML 格式错误（{exc}）") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: 配置应为映射")
    return parse_crawl_config(data, source=str(path))
