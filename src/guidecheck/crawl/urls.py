"""URLs: canonical form, scope, link extraction and crawler-trap bounds.

Canonical form: scheme and host lower-cased, default port dropped, fragment dropped,
``&amp;`` (and ``&amp;amp;`` …) unescaped until stable, session ids (``;jsessionid=``
path parameters, ``jsessionid``/``phpsessid``/``sid`` query parameters) removed,
query parameters sorted, unsafe characters percent-encoded once (never twice).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

MAX_URL_LENGTH = 2048

SESSION_PARAMS = frozenset({
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid", "cfid",
    "cftoken", "sessid",
})
_PATH_SESSION_RE = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.IGNORECASE)
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/:@!$'()*+,;-._~?"
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "ftp:", "file:")


@lru_cache(maxsize=16384)
def host_of(url: str) -> str:
    """``host`` or ``host:port`` (default ports dropped), lower-case.

    Cached: the crawler asks for the host of each URL several times (claim, policy
    slot, scope, robots), and urlsplit is the costly part.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if port in (None, default) else f"{host}:{port}"


def _unescape_amp(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = text.replace("&amp;", "&").replace("&#38;", "&").replace("&#x26;", "&")
    return text


def canonicalize(url: str, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base``); None if not http(s)."""
    url = url.strip().replace("\\", "/")
    if not url or url.lower().startswith(_SKIP_SCHEMES) or url.startswith("#"):
        return None
    url = _unescape_amp(url)
    if base is not None:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower()
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = _PATH_SESSION_RE.sub("", parts.path) or "/"
    path = quote(path, safe=_SAFE_PATH)
    query_pairs = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in SESSION_PARAMS and not k.lower().startswith("aspsessionid")
    ]
    query_pairs.sort()
    query = urlencode(query_pairs, doseq=True, safe=_SAFE_QUERY) if query_pairs else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def in_scope(url: str, hosts: Iterable[str]) -> bool:
    """An http(s) URL on one of the configured hosts (``host`` or ``host:port``)."""
    if not url.lower().startswith(("http://", "https://")):
        return False
    if not isinstance(hosts, Collection) or isinstance(hosts, str):
        hosts = set(hosts)
    return host_of(url) in hosts


def is_downgrade(source: str, target: str) -> bool:
    """https → http (never followed)."""
    return source.lower().startswith("https://") and target.lower().startswith("http://")


def extract_links(text: str | bytes, base_url: str) -> list[str]:
    """Canonical absolute links of an HTML page, in order, each once.

    ``<base href>`` is respected; ``a``/``area`` hrefs, ``link rel=next`` and
    meta-refresh targets are read. Markup lxml cannot parse yields no links.
    """
    if not text or not text.strip():
        return []
    try:
        root = lxml_html.fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    base = base_url
    for el in root.iter("base"):
        href = el.get("href")
        if href:
            resolved = urljoin(base_url, href.strip())
            if resolved.lower().startswith(("http://", "https://")):
                base = resolved
        break
    seen: dict[str, None] = {}
    candidates: list[str] = []
    for el in root.iter("a", "area", "link"):
        if el.tag == "link" and (el.get("rel") or "").lower() != "next":
            continue
        href = el.get("href")
        if href:
            candidates.append(href)
    target = meta_refresh_target(root)
    if target:
        candidates.append(target)
    for href in candidates:
        url = canonicalize(href, base)
        if url is not None:
            seen.setdefault(url, None)
    return list(seen)


_REFRESH_RE = re.compile(r"""^\s*[\d.]*\s*[;,]\s*(?:url\s*=\s*)?(.+)$""", re.IGNORECASE)


def refresh_url(content: str) -> str | None:
    """The target of a meta-refresh ``content`` (``0;url=/x``), None for a plain reload."""
    match = _REFRESH_RE.match(content or "")
    target = match.group(1).strip().strip("'\"").strip() if match else ""
    return target or None


def meta_refresh_target(root: etree._Element) -> str | None:
    for el in root.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "refresh":
            return refresh_url(el.get("content") or "")
    return None


class Bounds:
    """Crawler-trap bounds: depth, URL length, URLs per host (not thread-safe: one owner)."""

    def __init__(self, *, max_depth: int, max_url_length: int = MAX_URL_LENGTH,
                 max_urls_per_host: int = 50_000) -> None:
        self.max_depth = max_depth
        self.max_url_length = max_url_length
        self.max_urls_per_host = max_urls_per_host
        self.per_host: dict[str, int] = {}
        self.rejected: dict[str, int] = {}

    def admit(self, url: str, depth: int) -> bool:
        reason = None
        if depth > self.max_depth:
            reason = "depth"
        elif len(url) > self.max_url_length:
            reason = "url_length"
        else:
            host = host_of(url)
            if self.per_host.get(host, 0) >= self.max_urls_per_host:
                reason = "urls_per_host"
            else:
                self.per_host[host] = self.per_host.get(host, 0) + 1
        if reason:
            self.rejected[reason] = self.rejected.get(reason, 0) + 1
            return False
        return True
