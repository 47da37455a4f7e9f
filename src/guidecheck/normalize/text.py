"""Text normalization: the comparison form of a string, numbering, list entries.

``clean()`` is the contract of docs/architecture.md: NFKC width folding,
zero-width characters removed, whitespace removed next to CJK characters and
collapsed to one space elsewhere, trailing ``。；;，,`` stripped.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_NBSP_ENTITY = re.compile(r"&nbsp;?|&#160;|&#xa0;", re.IGNORECASE)
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# Whitespace with a CJK character (ideograph or CJK punctuation) on either side.
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_TRAILING_PUNCT = re.compile(r"[。；;，,\s]+$")

_CN_DIGITS = "一二三四五六七八九十"
_NUMBERING = re.compile(
    r"^\s*(?:"
    r"第[一二三四五六七八九十\d]{1,3}[步条项]\s*[:：、.．]?"
    r"|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)][、.．]?"
    r"|[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|\d{1,3}\s*(?:[、．]|\.(?!\d)|[)）])"
    r"|[①-⑳]|[⑴-⒇]|[⒈-⒛]"
    r"|[•·●○◆◇■□▪\-*]"
    r")\s*"
)


def remove_control_chars(s: str) -> str:
    """Drop C0 control characters (and DEL) except tab and newline; CR becomes newline."""
    return _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))


@functools.lru_cache(maxsize=1 << 14)
def fold(s: str) -> str:
    """NFKC width folding with zero-width and control characters removed (cached)."""
    s = _NBSP_ENTITY.sub(" ", s)
    s = unicodedata.normalize("NFKC", s)
    return _CONTROL.sub("", _ZERO_WIDTH.sub("", s))


def squash_spaces(s: str) -> str:
    """Whitespace removed next to CJK characters, collapsed to one space elsewhere."""
    return _SPACES.sub(" ", _SPACE_NEAR_CJK.sub("", s)).strip()


def strip_trailing_punct(s: str) -> str:
    return _TRAILING_PUNCT.sub("", s)


@functools.lru_cache(maxsize=1 << 16)
def clean(s: str) -> str:
    """The comparison form of a string (see module docstring). Cached: guides repeat
    the same short values (必要, 原件, 不收费) page after page."""
    return strip_trailing_punct(squash_spaces(fold(s)))


def strip_numbering(s: str) -> str:
    """Remove leading list numbering: ``1.`` ``1、`` ``（一）`` ``一、`` ``①`` ``(1)`` ``第一步：``."""
    out = _NUMBERING.sub("", s, count=1)
    return out if out.strip() else s


# --- splitting a field into entries -------------------------------------------------

_MARK_ARABIC = re.compile(r"(?<![\d.．])(\d{1,2})\s*(?:[、．]|\.(?!\d))")
_MARK_PAREN = re.compile(r"[（(]\s*([一二三四五六七八九十\d]{1,3})\s*[）)]")
_MARK_CN = re.compile(r"(?<![一二三四五六七八九十第])([一二三四五六七八九十]{1,3})\s*、")
_MARK_CIRCLED = re.compile(r"([①-⑳])")
_MARK_STEP = re.compile(r"第([一二三四五六七八九十\d]{1,3})步")
_MARKERS = (_MARK_STEP, _MARK_PAREN, _MARK_ARABIC, _MARK_CN, _MARK_CIRCLED)
# NFKC turns ① into "1"; keep it a list marker by writing it as "(1)" first.
_CIRCLED_TO_PAREN = {0x2460 + i: f"({i + 1})" for i in range(20)}
_OPEN = "(（[【《〔"
_CLOSE = ")）]】》〕"


def _marker_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if "①" <= token <= "⑳":
        return ord(token) - ord("①") + 1
    if len(token) == 1 and token in _CN_DIGITS:
        return _CN_DIGITS.index(token) + 1
    if token.startswith("十"):
        rest = token[1:]
        return 10 + (_CN_DIGITS.index(rest) + 1 if rest else 0)
    if len(token) >= 2 and token[1] == "十" and token[0] in _CN_DIGITS:
        rest = token[2:]
        return (_CN_DIGITS.index(token[0]) + 1) * 10 + (_CN_DIGITS.index(rest) + 1 if rest else 0)
    return None


def _split_numbered(line: str) -> list[str]:
    """Split a line holding several numbered entries ("1.甲 2.乙 3.丙").

    Only a sequence that starts the line and counts up by one splits, so
    "附件1、附件2" or "第29条、第30条" inside a sentence never do.
    """
    for marker in _MARKERS:
        first = marker.match(line.lstrip())
        if not first:
            continue
        offset = len(line) - len(line.lstrip())
        expected = _marker_value(first.group(1))
        if expected is None:
            return [line]
        cuts = []
        for m in marker.finditer(line, offset + first.end()):
            if _marker_value(m.group(1)) == expected + 1:
                cuts.append(m.start())
                expected += 1
        bounds = [offset, *cuts, len(line)]
        return [line[a:b] for a, b in zip(bounds, bounds[1:])]
    return [line]


def split_top_level(s: str, separators: str) -> list[str]:
    """Split on any of ``separators`` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in separators:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


def split_entries(lines: Iterable[str], *, arrows: bool = False) -> list[str]:
    """Entries of a list field in comparison form: one per line, several numbered
    entries or ``；``-separated sentences on a line split, ``→`` split when
    ``arrows``; numbering and trailing ``。；`` removed; empty entries dropped."""
    return list(entry_tuple(tuple(lines), arrows))


@functools.lru_cache(maxsize=1 << 14)
def entry_tuple(lines: tuple[str, ...], arrows: bool = False) -> tuple[str, ...]:
    """:func:`split_entries` as a tuple, cached on the whole value: a channel's pages
    repeat the same conditions and process steps item after item."""
    separators = "；;→" if arrows else "；;"
    out: list[str] = []
    for line in lines:
        folded = fold(line.translate(_CIRCLED_TO_PAREN)).replace("->", "→").replace("—>", "→")
        for chunk in _split_numbered(folded):
            for part in split_top_level(chunk, separators):
                entry = clean(strip_numbering(part))
                if entry:
                    out.append(entry)
    return tuple(out)


_VALUE_SEPARATORS = re.compile(r"[\s;；,，、]+")


def split_values(text: str) -> list[str]:
    """Values of a field that lists short tokens (codes): split on whitespace and separators."""
    return list(_values(text))


@functools.lru_cache(maxsize=1 << 12)
def _values(text: str) -> tuple[str, ...]:
    parts = (clean(p) for p in _VALUE_SEPARATORS.split(fold(text)))
    return tuple(p for p in parts if p)
