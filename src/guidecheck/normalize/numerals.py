"""Chinese numerals: 十五, 两, 壹拾伍, 二十一, 一百零五, 〇 → Arabic.

The conversion of a numeral run is delegated to ``cn2an`` (imported lazily,
results cached); deciding *where* a run is a number is ours: ``arabize``
converts a run only before a measure word (个, 份, 日, 条…) or after 第, so
words such as 一律, 统一, 一次性 and 一件事 stay as written.
"""

from __future__ import annotations

import functools
import re
import unicodedata

CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟"
_CN_DIGIT_ONLY = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_RUN = re.compile(f"[{CN_NUMERAL_CHARS}]+")
_ARABIC = re.compile(r"^\d+(?:\.\d+)?$")

# Measure words after which a numeral run is a number.
_UNITS = (
    "个工作日|工作日|个自然日|自然日|日历日|个小时|小时|个月|个|份|日|天|月|年|周|条|款|项|次|"
    "元|角|万元|页|张|本|件|名|岁|倍|层|楼|室|栋|幢|套|组|户|类|章|节|步|级|号|公里|米|平方米|分钟"
)
_NUMBER_IN_TEXT = re.compile(
    f"(?P<pre>第)?(?P<run>[{CN_NUMERAL_CHARS}]+)(?=(?P<unit>{_UNITS}))"
    f"|(?P<pre2>第)(?P<run2>[{CN_NUMERAL_CHARS}]+)"
)
# Words where a numeral + measure word is not a count.
_FIXED_WORDS = ("一次性", "一件事", "一站式", "一窗", "一网", "一证", "一次办", "一套表", "一类")
# Characters that form a word with a following 一 (统一, 唯一, 同一, 万一…).
_WORD_BEFORE_ONE = frozenset("统唯同单万专合划逐归如整第均")


@functools.lru_cache(maxsize=4096)
def _cn_to_number(run: str) -> int | float | None:
    import cn2an  # lazy: ~0.3 s import, only paid when a Chinese numeral is seen

    try:
        value = cn2an.cn2an(run, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if float(value).is_integer() else float(value)


def parse_number(s: str) -> int | float | None:
    """An Arabic or Chinese number (``15``, ``１５``, ``十五``, ``两``, ``壹拾伍``), else None."""
    t = unicodedata.normalize("NFKC", s).strip().replace(",", "")
    if not t:
        return None
    if _ARABIC.match(t):
        value = float(t)
        return int(value) if value.is_integer() and "." not in t else value
    if not _RUN.fullmatch(t):
        return None
    if len(t) > 1 and "两" in t and all(ch in _CN_DIGIT_ONLY for ch in t):
        return None  # "两两" is no number
    return _cn_to_number(t)


def _is_fixed_word(text: str, start: int, end: int) -> bool:
    if any(text.startswith(word, start) for word in _FIXED_WORDS):
        return True
    run = text[start:end]
    return run == "一" and start > 0 and text[start - 1] in _WORD_BEFORE_ONE


def _replace(m: re.Match[str]) -> str:
    pre = m.group("pre") or m.group("pre2") or ""
    start, end = m.span("run") if m.group("run") else m.span("run2")
    text = m.string
    if not pre and _is_fixed_word(text, start, end):
        return m.group(0)
    keep = ""
    if not pre and start > 0 and text[start - 1] in _WORD_BEFORE_ONE and text[start] == "一":
        keep, start = "一", start + 1  # 唯一一次 → 唯一1次
    value = parse_number(text[start:end])
    if value is None:
        return m.group(0)
    return f"{pre}{keep}{value}"


def arabize(s: str) -> str:
    """Chinese numerals that count something replaced by Arabic digits:
    ``十五个工作日`` → ``15个工作日``, ``原件两份`` → ``原件2份``, ``第二十九条`` → ``第29条``;
    ``一律``, ``统一``, ``一次性`` stay."""
    if not _RUN.search(s):
        return s
    return _NUMBER_IN_TEXT.sub(_replace, s)


def format_number(value: float) -> str:
    """``10.0`` → ``10``, ``10.50`` → ``10.5``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")
