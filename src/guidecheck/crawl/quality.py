"""Label a fetched page before anything compares it.

Labels: ``guide`` (the real HTML extractor finds a guide), ``not_guide`` (a readable
page without one: list pages, news), ``blocked`` (WAF / captcha / access-denied page
served with 200), ``soft_404`` (200 + 页面不存在…), ``redirect_stub`` (meta-refresh or
JavaScript ``location`` stub), ``empty``, ``binary_mismatch`` (a PDF, image or archive
served as a page), ``error`` (the fetch failed, or the markup cannot be parsed).

Only ``guide`` pages are compared; a ``blocked`` or ``soft_404`` page never counts as
"the guide changed or disappeared" (reliability.md A18, A23–A25).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from guidecheck.errors import GuidecheckError, InvalidUpload, NoGuideFound
from guidecheck.extract.html import extract_html
from guidecheck.extract.sites import SiteAdapter, adapter_for
from guidecheck.read.decode import Decoded, charset_from_content_type, decode_html
from guidecheck.vocab import FieldVocab

LABELS = ("guide", "not_guide", "blocked", "soft_404", "redirect_stub", "empty",
          "binary_mismatch", "error")

BINARY_MAGIC = (
    (b"%PDF-", "PDF"), (b"PK\x03\x04", "ZIP/Office"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE/Office"),
    (b"\x89PNG", "PNG"), (b"GIF8", "GIF"), (b"\xff\xd8\xff", "JPEG"), (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"), (b"7z\xbc\xaf", "7z"),
)
BLOCK_MARKERS = (
    "验证码", "访问受限", "安全验证", "请开启JavaScript", "请开启javascript", "请启用JavaScript",
    "请打开JavaScript", "访问被拒绝", "访问被阻断", "拒绝访问", "您的访问请求可能对网站造成安全威胁",
    "检测到您的访问存在异常", "访问过于频繁", "请求过于频繁", "人机验证", "滑动验证", "网站防火墙",
    "安全狗", "云锁", "创宇盾", "知道创宇", "阿里云盾", "腾讯云WAF", "Web应用防火墙",
    "Access Denied", "Request blocked", "Attention Required! | Cloudflare", "cf-browser-verification",
    "cf-chl-", "__jsl_clearance", "jsl_clearance", "yunsuo_session", "safedog", "WAF/", "_waf_",
    "Powered by ChinaCache", "bot-detect",
)
NOT_FOUND_MARKERS = (
    "页面不存在", "页面未找到", "找不到页面", "您访问的页面不存在", "页面已删除", "信息不存在",
    "该事项不存在", "事项已下线", "页面走丢了", "404 Not Found", "404错误", "错误404", "Page Not Found",
    "page not found",
)
_JS_REDIRECT_RE = re.compile(
    r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*['"]([^'"]+)['"]"""
    r"""|location\.(?:replace|assign)\(\s*['"]([^'"]+)['"]\s*\)""",
)
_META_REFRESH_RE = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*['"]?refresh['"]?[^>]*content\s*=\s*['"]\s*[\d.]*\s*[;,]\s*(?:url\s*=\s*)?([^'">]+)""",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)
STUB_TEXT_LIMIT = 300
"""A page with this little visible text and a redirect is a stub, not content."""
SMALL_PAGE = 32 * 1024
"""Stub and block-page checks only read pages up to this many characters (markup included):
the portals' real pages carry 30–60 KB of boilerplate, stubs and WAF pages are small."""
BLOCK_TEXT_LIMIT = 3000
"""Block markers count only on a page this short (a real page may mention 验证码)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Quality:
    label: str
    reason: str = ""
    decoded: Decoded | None = None
    target: str | None = None  # redirect_stub: where it points
    guides: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def visible_text(html_text: str) -> str:
    return re.sub(r"\s+", " ", _TAG_RE.sub(" ", html_text)).strip()


def _binary(body: bytes) -> str | None:
    head = body.lstrip()[:16]
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            return name
    sample = body[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 10:
        return "二进制数据"
    return None


def stub_target(text: str) -> str | None:
    """The target of a meta-refresh or JavaScript location stub, if the page is one."""
    match = _META_REFRESH_RE.search(text[:8192])
    if match:
        return match.group(1).strip()
    match = _JS_REDIRECT_RE.search(text)
    if match:
        return (match.group(1) or match.group(2)).strip()
    return None


def label_page(
    outcome: Any,
    *,
    vocab: FieldVocab,
    sites: list[SiteAdapter] | None = None,
    expect_guide: bool = True,
    use_extractor: bool = True,
) -> Quality:
    """Label one fetch outcome (a FetchOutcome). ``expect_guide`` is False for list
    pages, sitemaps and JSON endpoints: the extractor is not run on them.
    ``use_extractor=False`` trusts the URL pattern instead (markers still apply)."""
    if outcome.error is not None:
        return Quality(label="error", reason=outcome.reason or outcome.error)
    if outcome.not_modified:
        return Quality(label="guide" if expect_guide else "not_guide", reason="not_modified")
    body: bytes = outcome.body or b""
    if not body.strip():
        return Quality(label="empty", reason="页面为空（HTTP 200 但没有内容）")
    content_type = (outcome.headers.get("content-type") or "").lower()
    kind = _binary(body)
    if kind is not None:
        return Quality(label="binary_mismatch",
                       reason=f"返回的是{kind}文件（Content-Type: {content_type or '未声明'}），不是网页")
    if not expect_guide and ("json" in content_type or "xml" in content_type):
        return Quality(label="not_guide", reason="列表数据")
    decoded = decode_html(body, header_charset=charset_from_content_type(content_type))
    text = decoded.text
    small = len(text) <= SMALL_PAGE
    visible = visible_text(text) if small else text  # big pages: never stubs or block pages
    target = stub_target(text) if small else None
    if target is not None and len(visible) <= STUB_TEXT_LIMIT:
        return Quality(label="redirect_stub", reason=f"跳转页（指向 {target}）", decoded=decoded,
                       target=target)
    if not visible:
        return Quality(label="empty", reason="页面没有可见文字", decoded=decoded)
    guides = 0
    notes: tuple[str, ...] = ()
    parse_error = None
    if expect_guide and not use_extractor:
        guides = 1
    elif expect_guide:
        site = adapter_for(outcome.final_url, sites) if sites else None
        try:
            raws = extract_html(body, outcome.final_url, vocab,
                                header_charset=charset_from_content_type(content_type), site=site,
                                decoded=decoded)
            guides = len(raws)
            notes = tuple(n for raw in raws for n in getattr(raw, "notes", ()))
        except NoGuideFound:
            guides = 0
        except InvalidUpload as exc:
            parse_error = exc.reason
        except (GuidecheckError, RecursionError, ValueError) as exc:
            parse_error = str(exc) or type(exc).__name__
    short = small and len(visible) <= BLOCK_TEXT_LIMIT
    if guides and (use_extractor or not short):
        return Quality(label="guide", decoded=decoded, guides=guides, notes=notes)
    marker = next((m for m in BLOCK_MARKERS if m in text), None) if short else None
    if marker is not None:
        return Quality(label="blocked", reason=f"拦截/验证页面（含“{marker}”）", decoded=decoded)
    marker = next((m for m in NOT_FOUND_MARKERS if m in visible), None) if short else None
    if marker is not None:
        return Quality(label="soft_404", reason=f"页面显示“{marker}”（HTTP 200）", decoded=decoded)
    if parse_error is not None:
        return Quality(label="error", reason=f"parse_error：{parse_error}", decoded=decoded)
    if target is not None:
        return Quality(label="redirect_stub", reason=f"跳转页（指向 {target}）", decoded=decoded,
                       target=target)
    if guides:
        return Quality(label="guide", decoded=decoded, guides=guides, notes=notes)
    return Quality(label="not_guide", reason="未识别出办事指南" if expect_guide else "",
                   decoded=decoded)
