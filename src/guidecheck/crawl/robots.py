"""robots.txt per host, RFC 9309.

* 2xx: parse the first 500 KiB (RFC 9309 §2.5) — groups by user-agent (the most
  specific product token wins, else ``*``), longest matching rule wins, ``allow``
  wins a tie, ``*`` and ``$`` wildcards.
* 4xx (404, 403 …): no restrictions (allow all).
* 5xx, timeout, unreachable: disallow all *for now*; asked again after
  ``retry_after`` seconds (the crawler defers the host's URLs, it does not fail them).

The cache is per run (one :class:`RobotsCache` per crawl) and thread-safe: one
fetch per host, other workers wait for it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from guidecheck.crawl.urls import host_of

MAX_ROBOTS_BYTES = 500 * 1024


@dataclass(frozen=True, slots=True)
class Rule:
    allow: bool
    path: str
    regex: re.Pattern[str]


@dataclass(slots=True)
class Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


def _pattern(path: str) -> re.Pattern[str]:
    anchored = path.endswith("$")
    if anchored:
        path = path[:-1]
    body = ".*".join(re.escape(part) for part in path.split("*"))
    return re.compile(body + ("$" if anchored else ""))


def _norm_path(path: str) -> str:
    # Compare percent-decoded forms so /%E4%B8%AD and /中 match the same rule.
    return unquote(path)


@dataclass(slots=True)
class RobotsRules:
    """Parsed robots.txt; ``allowed(path)`` for one user agent."""

    groups: list[Group]

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        groups: list[Group] = []
        current: Group | None = None
        last_was_agent = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip()
            if key in {"user-agent", "useragent", "user agent"}:
                if current is None or not last_was_agent:
                    current = Group()
                    groups.append(current)
                current.agents.append(value.lower())
                last_was_agent = True
                continue
            last_was_agent = False
            if current is None:
                continue
            if key in {"allow", "disallow"}:
                if not value:
                    continue  # "Disallow:" (empty) allows everything
                path = _norm_path(value)
                current.rules.append(Rule(key == "allow", path, _pattern(path)))
            elif key == "crawl-delay":
                try:
                    current.crawl_delay = float(value)
                except ValueError:
                    pass
        return cls(groups)

    def group_for(self, user_agent: str) -> Group | None:
        token = re.split(r"[/\s(]", user_agent.strip(), maxsplit=1)[0].lower()
        best: Group | None = None
        best_len = -1
        merged: Group | None = None
        for group in self.groups:
            for agent in group.agents:
                if agent != "*" and token and (token.startswith(agent) or agent.startswith(token)):
                    if len(agent) > best_len:
                        best, best_len = group, len(agent)
        if best is not None:
            return best
        for group in self.groups:
            if "*" in group.agents:
                if merged is None:
                    merged = Group(agents=["*"])
                merged.rules.extend(group.rules)
                merged.crawl_delay = merged.crawl_delay or group.crawl_delay
        return merged

    def allowed(self, path: str, user_agent: str) -> bool:
        if path in {"/robots.txt"}:
            return True
        group = self.group_for(user_agent)
        if group is None:
            return True
        target = _norm_path(path)
        best: Rule | None = None
        for rule in group.rules:
            if rule.regex.match(target):
                if best is None or len(rule.path) > len(best.path) or (
                    len(rule.path) == len(best.path) and rule.allow and not best.allow
                ):
                    best = rule
        return best is None or best.allow

    def crawl_delay(self, user_agent: str) -> float | None:
        group = self.group_for(user_agent)
        return group.crawl_delay if group else None


@dataclass(frozen=True, slots=True)
class RobotsDecision:
    allowed: bool
    unavailable: bool = False  # 5xx / unreachable: disallowed for now, ask again later
    retry_at: float | None = None  # monotonic time when robots.txt is asked again
    reason: str = ""


@dataclass(slots=True)
class _Entry:
    rules: RobotsRules | None  # None = allow all (4xx)
    unavailable: bool
    fetched_at: float
    reason: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


class RobotsCache:
    """robots.txt decisions per host for one run.

    ``fetch_robots(url) -> (status, body_text | None, error | None)`` does the GET
    (the crawler passes its Fetcher, capped at 500 KiB).
    """

    def __init__(
        self,
        fetch_robots: Callable[[str], tuple[int | None, str | None, str | None]],
        *,
        user_agent: str,
        retry_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch_robots
        self._user_agent = user_agent
        self._retry_after = retry_after
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.fetches = 0

    def _host_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(key, threading.Lock())

    def _entry(self, url: str) -> _Entry:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{host_of(url)}"
        with self._host_lock(key):
            entry = self._entries.get(key)
            now = self._clock()
            if entry is not None and not (entry.unavailable and now - entry.fetched_at >= self._retry_after):
                return entry
            self.fetches += 1
            status, text, error = self._fetch(f"{key}/robots.txt")
            now = self._clock()
            if error is None and status is not None and 200 <= status < 300:
                entry = _Entry(RobotsRules.parse(text or ""), False, now)
            elif error is None and status is not None and 400 <= status < 500:
                entry = _Entry(None, False, now, f"robots.txt 返回 {status}，视为不限制")
            else:
                why = f"HTTP {status}" if error is None else error
                entry = _Entry(None, True, now, f"robots.txt 无法获取（{why}），暂按全部禁止处理")
            self._entries[key] = entry
            return entry

    def check(self, url: str) -> RobotsDecision:
        entry = self._entry(url)
        if entry.unavailable:
            return RobotsDecision(False, True, entry.fetched_at + self._retry_after, entry.reason)
        if entry.rules is None:
            return RobotsDecision(True, reason=entry.reason)
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        ok = entry.rules.allowed(path, self._user_agent)
        return RobotsDecision(ok, reason="" if ok else "robots.txt 禁止抓取")

    def crawl_delay(self, url: str) -> float | None:
        entry = self._entry(url)
        return entry.rules.crawl_delay(self._user_agent) if entry.rules else None
