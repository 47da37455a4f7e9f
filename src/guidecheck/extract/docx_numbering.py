"""numbering.xml → the list numbers Word draws in front of paragraphs ("1. ", "（一）")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from guidecheck.extract.docx_xml import FALSE, W_VAL, W, child_val, to_int


@dataclass(frozen=True, slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False
    suffix: str = "tab"


_PLACEHOLDER = re.compile(r"%([1-9])")  # "%1." → the counter of level 1
_CN = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if rest == 0 else ("零" if rest < 10 else "") + _chinese(rest)
        if 10 <= rest < 20:
            tail = "一" + tail
        return _CN[hundreds] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """One counter in a Word numbering format (decimal, chineseCounting, …)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital"):
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese(n).translate(str.maketrans("一二三四五六七八九十百", "壹贰叁肆伍陆柒捌玖拾佰"))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        s = _letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.lower() if fmt == "lowerRoman" else s
    return str(n)


def _parse_level(lvl: etree._Element) -> _Level:
    legal = lvl.find(W + "isLgl")
    return _Level(start=to_int(child_val(lvl, "start"), 1),
                  fmt=child_val(lvl, "numFmt") or "decimal",
                  text=child_val(lvl, "lvlText") or "", suffix=child_val(lvl, "suff") or "tab",
                  legal=legal is not None and legal.get(W_VAL) not in FALSE)


class Numbering:
    """Rebuilds the numbers Word draws in front of list paragraphs (counters per num id)."""

    def __init__(self, root: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, _Level | int]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.levels: dict[tuple[str, int], _Level | None] = {}  # level(), memoized
        if root is None:
            return
        for ab in root.iterchildren(W + "abstractNum"):
            levels = {to_int(lvl.get(W + "ilvl"), 0): _parse_level(lvl)
                      for lvl in ab.iterchildren(W + "lvl")}
            self.abstract[ab.get(W + "abstractNumId", "")] = levels
        for num in root.iterchildren(W + "num"):
            self.nums[num.get(W + "numId", "")] = (child_val(num, "abstractNumId") or "",
                                                   self._overrides(num))

    @staticmethod
    def _overrides(num: etree._Element) -> dict[int, _Level | int]:
        out: dict[int, _Level | int] = {}
        for ov in num.iterchildren(W + "lvlOverride"):
            ilvl = to_int(ov.get(W + "ilvl"), 0)
            lvl = ov.find(W + "lvl")
            if lvl is not None:
                out[ilvl] = _parse_level(lvl)
            elif (start := child_val(ov, "startOverride")) is not None:
                out[ilvl] = to_int(start, 1)
        return out

    def level(self, num_id: str, ilvl: int) -> _Level | None:
        """The level definition of list ``num_id`` at ``ilvl`` (overrides applied)."""
        key = (num_id, ilvl)
        try:
            return self.levels[key]
        except KeyError:
            lvl = self.levels[key] = self._level(num_id, ilvl)
            return lvl

    def _level(self, num_id: str, ilvl: int) -> _Level | None:
        entry = self.nums.get(num_id)
        if entry is None:
            return None
        abstract_id, overrides = entry
        override = overrides.get(ilvl)
        if isinstance(override, _Level):
            return override
        base = self.abstract.get(abstract_id, {}).get(ilvl)
        if base is not None and isinstance(override, int):
            return _Level(override, base.fmt, base.text, base.legal, base.suffix)
        return base

    def prefix(self, num_id: str, ilvl: int) -> tuple[str, str]:
        """(number text, format) for the next paragraph of list ``num_id`` at ``ilvl``."""
        lvl = self.level(num_id, ilvl)
        if lvl is None or num_id == "0":
            return "", ""
        counts = self.counters.get(num_id)
        if counts is None:
            counts = self.counters[num_id] = [0] * 9
        ilvl = min(max(ilvl, 0), 8)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else lvl.start
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        if lvl.fmt in ("bullet", "none"):
            return "", lvl.fmt
        text = _PLACEHOLDER.sub(lambda m: self._counter(num_id, int(m.group(1)) - 1, lvl),
                                lvl.text)
        if lvl.suffix != "nothing" and text and (text[-1].isalnum() or text[-1] in ".．"):
            text += " "
        return text, lvl.fmt

    def _counter(self, num_id: str, ilvl: int, current: _Level) -> str:
        counts = self.counters[num_id]
        lvl = self.level(num_id, ilvl) or _Level()
        n = counts[ilvl] or lvl.start
        return format_number(n, "decimal" if current.legal else lvl.fmt)
