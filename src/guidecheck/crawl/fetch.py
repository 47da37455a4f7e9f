"""One polite, bounded HTTP GET → :class:`FetchOutcome` (docs/crawl.md).

Never raises for network or HTTP trouble: the outcome names it (``error``). Bounds:
connect and read timeouts, a *total* deadline per response enforced while streaming
(requests' own timeout never fires on a server that drips bytes), a decoded-size cap
counted after decompression (a gzip bomb stops within one extra chunk; a too-big
``Content-Length`` is refused before the body is read), redirects followed by hand
(≤ ``max_redirects``, loops named, out-of-scope targets and https→http downgrades not
followed), retries with exponential backoff and jitter for transient trouble only,
``Retry-After`` honoured (seconds or HTTP-date, capped; a long wait is handed back so
the crawler defers the host instead of sleeping). TLS verification is never off.
"""

from __future__ import annotations

import email.utils
import hashlib
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3.exceptions as u3
from requests.structures import CaseInsensitiveDict

from guidecheck.crawl.config import FetchSettings
from guidecheck.crawl.urls import host_of, is_downgrade

CHUNK = 64 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
TRANSIENT_ERRORS = frozenset({
    "connection_error", "dns_error", "read_timeout", "incomplete_body", "deadline_exceeded",
})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ERROR_TEXT = {
    "connection_error": "无法连接服务器",
    "dns_error": "域名无法解析",
    "read_timeout": "服务器响应超时",
    "deadline_exceeded": "页面下载超过总时限",
    "too_large": "页面超过大小上限",
    "incomplete_body": "页面传输不完整",
    "redirect_loop": "重定向循环或次数过多",
    "redirect_out_of_scope": "重定向到配置范围以外（或 https→http 降级），未跟随",
    "tls_verify": "TLS 证书无法验证（证书链不完整或签发机构不受信任）",
    "tls_self_signed": "TLS 证书为自签名，不受信任",
    "tls_expired": "TLS 证书已过期",
    "tls_hostname": "TLS 证书与域名不符",
    "tls_protocol": "TLS 协议版本或握手失败",
    "robots_disallowed": "robots.txt 禁止抓取",
    "http_4xx": "服务器返回客户端错误",
    "http_5xx": "服务器返回服务端错误",
    "content_encoding": "内容编码（压缩）无法解码",
    "bad_header": "响应头格式错误",
    "host_paused": "服务器要求稍后再访问（Retry-After），已推迟",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchOutcome:
    url: str
    final_url: str
    status: int | None
    error: str | None
    detail: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    not_modified: bool = False
    attempts: int = 1
    retry_after: float | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def reason(self) -> str | None:
        """The failure reason for logs and summaries (``http_503`` rather than ``http_5xx``)."""
        if self.error in {"http_4xx", "http_5xx"} and self.status is not None:
            return f"http_{self.status}"
        return self.error

    @property
    def transient(self) -> bool:
        return self.error in TRANSIENT_ERRORS or (
            self.error in {"http_4xx", "http_5xx"} and self.status in RETRY_STATUSES
        )


def content_hash(body: bytes) -> str:
    """The content hash the store compares (sha256 of the raw body, hex)."""
    return hashlib.sha256(body).hexdigest()


def parse_retry_after(value: str | None, *, cap: float, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or HTTP-date), capped; None if bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return min(max(0.0, when.timestamp() - current), cap)


class HostPolicy:
    """Per-host politeness shared by every worker: concurrency slots, the delay
    between requests, and pauses asked for by ``Retry-After``."""

    def __init__(self, *, concurrency: int = 1, delay: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._default = (max(1, concurrency), max(0.0, delay))
        self._limits: dict[str, tuple[int, float]] = {}
        self._active: dict[str, int] = defaultdict(int)
        self._next: dict[str, float] = defaultdict(float)
        self._cond = threading.Condition()
        self._clock = clock

    def configure(self, host: str, *, concurrency: int, delay: float) -> None:
        with self._cond:
            self._limits[host] = (max(1, concurrency), max(0.0, delay))

    def raise_delay(self, host: str, delay: float) -> None:
        """Never lower: a robots.txt Crawl-delay only makes a host slower."""
        with self._cond:
            conc, current = self._limits.get(host, self._default)
            self._limits[host] = (conc, max(current, delay))

    def pause(self, host: str, seconds: float) -> None:
        with self._cond:
            self._next[host] = max(self._next[host], self._clock() + seconds)
            self._cond.notify_all()

    def paused_for(self, host: str) -> float:
        with self._cond:
            return max(0.0, self._next[host] - self._clock())

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._cond:
            limit, delay = self._limits.get(host, self._default)
            while True:
                now = self._clock()
                if self._active[host] < limit and now >= self._next[host]:
                    break
                wait = self._next[host] - now if self._active[host] < limit else None
                self._cond.wait(timeout=wait if wait is None or wait > 0 else 0.001)
            self._active[host] += 1
            if delay:
                self._next[host] = max(self._next[host], now + delay)
        try:
            yield
        finally:
            with self._cond:
                self._active[host] -= 1
                if delay:
                    self._next[host] = max(self._next[host], self._clock() + delay)
                self._cond.notify_all()


class _Failure(Exception):
    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


def _tls_class(text: str) -> str:
    low = text.lower()
    if "expired" in low:
        return "tls_expired"
    if "self-signed certificate" in low or "self signed certificate" in low:
        return "tls_self_signed"
    if "hostname mismatch" in low or "doesn't match" in low or "not valid for" in low:
        return "tls_hostname"
    if any(k in low for k in ("wrong_version", "unsupported protocol", "protocol_version",
                              "no protocols available", "handshake failure", "tlsv1 alert")):
        return "tls_protocol"
    return "tls_verify"


def classify_exception(exc: BaseException) -> str:
    """The FetchOutcome error class of a requests/urllib3/socket exception."""
    text = repr(exc)
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        nxt = seen.__cause__ or seen.__context__
        args = getattr(seen, "args", ())
        if nxt is None and args and isinstance(args[0], BaseException):
            nxt = args[0]
        if nxt is None:
            reason = getattr(seen, "reason", None)
            nxt = reason if isinstance(reason, BaseException) else None
        seen = nxt
        text += " " + repr(seen) if seen is not None else ""
    for item in chain:
        if isinstance(item, (requests.exceptions.SSLError, u3.SSLError)) or "SSLError" in type(item).__name__:
            return _tls_class(text)
        if isinstance(item, u3.NameResolutionError) or "NameResolutionError" in text or "Name or service not known" in text:
            return "dns_error"
    for item in chain:
        if isinstance(item, (requests.exceptions.ContentDecodingError, u3.DecodeError)):
            return "content_encoding"
        if isinstance(item, (requests.exceptions.InvalidHeader, u3.HeaderParsingError)):
            return "bad_header"
        if isinstance(item, (requests.exceptions.ReadTimeout, u3.ReadTimeoutError)):
            return "read_timeout"
        if isinstance(item, (requests.exceptions.ConnectTimeout, u3.ConnectTimeoutError)):
            return "connection_error"
    if any(k in text for k in ("BadStatusLine", "LineTooLong", "InvalidHeader", "got more than")):
        return "bad_header"
    if any(k in text for k in ("IncompleteRead", "InvalidChunkLength", "Connection broken",
                               "ChunkedEncodingError", "reset by peer")):
        return "incomplete_body"
    if "timed out" in text.lower():
        return "read_timeout"
    return "connection_error"


class _LeanSession(requests.Session):
    """A :class:`requests.Session` whose ``request()`` skips what the crawler's GETs never
    use: no body, params, auth or per-request cookies, and ``trust_env`` is off, so
    ``prepare_request``'s merging (a fresh copy of the cookie jar per request, netrc,
    environment proxies) is not needed. Session headers, session cookies (sent, and
    kept from responses by :meth:`send`), hooks, ``verify`` and the mounted adapters
    behave as with a plain Session. Anything else falls back to the full path.
    Saves about a fifth of a fetch's CPU (a 64 KB page over loopback: 0.97 → 0.75 ms)."""

    def request(self, method: str, url: Any, *args: Any, headers: Any = None, timeout: Any = None,
                verify: Any = None, stream: Any = None, allow_redirects: bool = True,
                **kwargs: Any) -> requests.Response:
        if (args or self.trust_env or self.auth is not None or self.params
                or any(v is not None for v in kwargs.values())):
            return super().request(method, url, *args, headers=headers, timeout=timeout,
                                   verify=verify, stream=stream,
                                   allow_redirects=allow_redirects, **kwargs)
        merged = CaseInsensitiveDict(self.headers)
        if headers:
            merged.update(headers)
        for key in [k for k, v in merged.items() if v is None]:
            del merged[key]  # a None header removes a session default, as in merge_setting
        prepared = requests.PreparedRequest()
        prepared.prepare(method=method.upper(), url=url, headers=merged, cookies=self.cookies,
                         hooks=self.hooks)
        return self.send(
            prepared, timeout=timeout, allow_redirects=allow_redirects,
            proxies=dict(self.proxies), stream=self.stream if stream is None else stream,
            verify=self.verify if verify is None else verify, cert=self.cert,
        )


class Fetcher:
    """Bounded GETs over one shared :class:`requests.Session` (thread-safe to share)."""

    def __init__(self, settings: FetchSettings | None = None, *, policy: HostPolicy | None = None,
                 session: requests.Session | None = None, pool_size: int = 16,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or FetchSettings()
        self.policy = policy or HostPolicy()
        self.session = session or self._session(pool_size)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.requests = 0

    @staticmethod
    def _session(pool_size: int) -> requests.Session:
        session = _LeanSession()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=max(10, pool_size), pool_maxsize=pool_size, max_retries=0
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False  # no proxies or netrc credentials from the environment
        return session

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ public
    def fetch(
        self,
        url: str,
        *,
        validators: Any = None,
        scope: Callable[[str], bool] | None = None,
        settings: FetchSettings | None = None,
        max_bytes: int | None = None,
        truncate: bool = False,
    ) -> FetchOutcome:
        """GET ``url`` with retries. ``validators`` (``etag``/``last_modified``) make it
        conditional; ``scope(url)`` says which redirect targets may be followed;
        ``truncate`` keeps the first ``max_bytes`` instead of failing (robots.txt)."""
        s = settings or self.settings
        started = time.monotonic()
        headers = {"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate",
                   "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.8,*/*;q=0.5"}
        etag = _get(validators, "etag")
        modified = _get(validators, "last_modified")
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        limit = max_bytes if max_bytes is not None else s.max_bytes
        attempt = 0
        host = host_of(url)
        last: FetchOutcome | None = None
        while True:
            paused = self.policy.paused_for(host)
            if paused > s.max_sleep:
                # another request was told to come back much later: do not wait in a worker
                if last is not None:
                    return replace(last, retry_after=paused, elapsed=time.monotonic() - started)
                return FetchOutcome(
                    url=url, final_url=url, status=None, error="host_paused", retry_after=paused,
                    detail=f"服务器要求 {paused:.0f} 秒后再访问，推迟：{url}", attempts=0,
                    elapsed=time.monotonic() - started)
            attempt += 1
            with self.policy.slot(host):
                outcome = self._attempt(url, headers, s, scope, limit, truncate, attempt, started)
            last = outcome
            if outcome.error is None or not outcome.transient or attempt > s.retries:
                return outcome
            wait = min(s.backoff_max, s.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
            if outcome.retry_after is not None:
                self.policy.pause(host_of(outcome.final_url), outcome.retry_after)
                if outcome.retry_after > s.max_sleep:
                    return outcome  # the crawler defers the host: no worker sleeps that long
                wait = max(wait, outcome.retry_after)
            self._sleep(wait)

    # ------------------------------------------------------------------ one attempt
    def _attempt(self, url: str, headers: dict[str, str], s: FetchSettings,
                 scope: Callable[[str], bool] | None, limit: int, truncate: bool,
                 attempt: int, started: float) -> FetchOutcome:
        deadline = time.monotonic() + s.total_timeout
        current = url
        seen = [url]
        status: int | None = None
        resp_headers: dict[str, str] = {}
        retry_after: float | None = None

        def out(error: str | None, detail: str = "", body: bytes | None = None,
                not_modified: bool = False) -> FetchOutcome:
            if error is not None and not detail:
                detail = f"{ERROR_TEXT.get(error, error)}：{current}"
            return FetchOutcome(
                url=url, final_url=current, status=status, error=error, detail=detail,
                headers=resp_headers, body=None if error else body, not_modified=not_modified,
                attempts=attempt, retry_after=retry_after, elapsed=time.monotonic() - started,
            )

        for _hop in range(s.max_redirects + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return out("deadline_exceeded")
            with self._lock:
                self.requests += 1
            try:
                resp = self.session.get(
                    current, headers=headers, stream=True, allow_redirects=False,
                    timeout=(min(s.connect_timeout, remaining), min(s.read_timeout, remaining)),
                    verify=s.ca_bundle or True,
                )
            except Exception as exc:
                error = classify_exception(exc)
                return out(error, f"{ERROR_TEXT.get(error, error)}：{current}（{type(exc).__name__}）")
            try:
                status = resp.status_code
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                location = resp.headers.get("location")
                if status in REDIRECT_STATUSES and location:
                    target = urljoin(current, location.strip())
                    if is_downgrade(current, target):
                        return out("redirect_out_of_scope",
                                   f"https 重定向到 http（降级），未跟随：{current} → {target}")
                    if scope is not None and not scope(target):
                        return out("redirect_out_of_scope",
                                   f"重定向到配置范围以外，未跟随：{current} → {target}")
                    if target in seen:
                        return out("redirect_loop", f"重定向循环：{current} → {target}")
                    seen.append(target)
                    current = target
                    continue
                if status == 304:
                    return out(None, not_modified=True)
                if status >= 400:
                    retry_after = parse_retry_after(resp.headers.get("retry-after"), cap=s.retry_after_cap)
                    kind = "http_5xx" if status >= 500 else "http_4xx"
                    return out(kind, f"服务器返回 HTTP {status}：{current}")
                if 300 <= status < 400:
                    return out("http_4xx", f"重定向缺少 Location（HTTP {status}）：{current}")
                body = self._read(resp, limit, truncate, deadline)
                return out(None, body=body)
            except _Failure as failure:
                return out(failure.error, failure.detail or f"{ERROR_TEXT.get(failure.error, failure.error)}：{current}")
            except Exception as exc:
                error = classify_exception(exc)
                return out(error, f"{ERROR_TEXT.get(error, error)}：{current}（{type(exc).__name__}）")
            finally:
                resp.close()
        return out("redirect_loop", f"重定向超过 {s.max_redirects} 次：{url} → {current}")

    @staticmethod
    def _read(resp: requests.Response, limit: int, truncate: bool, deadline: float) -> bytes:
        declared = resp.headers.get("content-length")
        if declared is not None and not truncate:
            try:
                if int(declared.split(",")[0].strip()) > limit:
                    raise _Failure("too_large", f"页面声明大小 {declared} 字节，超过上限 {limit} 字节，未下载：{resp.url}")
            except ValueError:
                raise _Failure("bad_header", f"Content-Length 无效（{declared[:40]}）：{resp.url}") from None
        raw = resp.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() >= deadline:
                raise _Failure("deadline_exceeded", f"页面下载超过总时限（已收 {size} 字节）：{resp.url}")
            chunk = raw.read1(CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                if truncate:
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    break
                raise _Failure("too_large", f"页面解压后超过上限 {limit} 字节，已中止：{resp.url}")
            chunks.append(chunk)
        return b"".join(chunks)


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)
