"""Small closed vocabularies: visits (跑动次数) and online handling (网上办理)."""

from __future__ import annotations

import functools
import re

from guidecheck.model import Location, Online, Visits
from guidecheck.normalize.numerals import arabize
from guidecheck.normalize.text import clean

_VISIT_COUNT = re.compile(r"(\d+)\s*次")
_VISIT_BARE = re.compile(r"^(\d+)$")
_ZERO_VISITS = re.compile(r"零跑|不跑|无需到(?:现场|窗口)|不用跑|跑零次|零次")


def parse_visits(raw: str, location: Location) -> Visits:
    """``0次``/``零次``/``0`` → 0; ``1次``/``一次``/``最多跑一次`` → 1; else count None."""
    return Visits(raw=raw, count=_visit_count(raw), location=location)


@functools.lru_cache(maxsize=1 << 10)
def _visit_count(raw: str) -> int | None:
    text = arabize(clean(raw))
    m = _VISIT_COUNT.search(text) or _VISIT_BARE.match(text)
    if m:
        return int(m.group(1))
    if _ZERO_VISITS.search(text):
        return 0
    return None


_NOT_ONLINE = re.compile(r"^否|不支持|不可|不能|暂不|无法|仅(?:限)?(?:窗口|现场|线下)|不提供|^无$|^不$")
_ONLINE = re.compile(r"^是|网上办理|网上办|全程网办|网办|在线办理|网上申请|可网上|支持|浙里办|掌上办|^可以?$")
_DEPTH_ROMAN = re.compile(r"(IV|III|II|I)\s*级")
_DEPTH_DIGIT = re.compile(r"([1-4一二三四])\s*级")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_CN_DEPTH = {"一": 1, "二": 2, "三": 3, "四": 4}
_FULL_ONLINE = re.compile(r"全程网办|全流程网上办理|全程网上办理")


def parse_depth(text: str) -> int | None:
    """Ⅳ级/IV级/四级/4级/全程网办 → 4, Ⅲ级 → 3 … (text already NFKC-folded)."""
    m = _DEPTH_ROMAN.search(text)
    if m:
        return _ROMAN[m.group(1)]
    m = _DEPTH_DIGIT.search(text)
    if m:
        return _CN_DEPTH.get(m.group(1)) or int(m.group(1))
    return 4 if _FULL_ONLINE.search(text) else None


def parse_online(raw: str, location: Location) -> Online:
    """Available (是/网上办理/全程网办 vs 否/仅窗口办理/不支持) and depth (Ⅰ–Ⅳ → 1–4).
    A stated depth (any of Ⅰ–Ⅳ) implies available, as the demo corpus's truth has it."""
    available, depth = _online_parts(raw)
    return Online(raw=raw, available=available, depth=depth, location=location)


@functools.lru_cache(maxsize=1 << 10)
def _online_parts(raw: str) -> tuple[bool | None, int | None]:
    text = clean(raw).upper()
    depth = parse_depth(text)
    available: bool | None = None
    if _NOT_ONLINE.search(text):
        available = False
    elif _ONLINE.search(text) or depth is not None:
        available = True
    elif "窗口" in text or "现场" in text:
        available = False
    return available, depth
