"""Time limits: 15个工作日, 十五日, 即办, 无法定时限 → TimeLimit."""

from __future__ import annotations

import functools
import re
from typing import Any

from guidecheck.model import Location, TimeLimit, TimeUnit
from guidecheck.normalize.numerals import arabize
from guidecheck.normalize.text import clean

UNIT_TEXT = {
    TimeUnit.WORKING_DAY: "个工作日",
    TimeUnit.DAY: "日",
    TimeUnit.CALENDAR_DAY: "个自然日",
    TimeUnit.HOUR: "小时",
    TimeUnit.MONTH: "个月",
    TimeUnit.YEAR: "年",
}
"""How each unit is written after its number, for display (15个工作日)."""

_IMMEDIATE = re.compile(r"即办|即来即办|当场办结|当场办理|当场|即时办结|即时办理|立即办结|立即办理|即审即办|立等可取|当即办结")
_NO_STATUTORY = re.compile(r"无法定|无时限|没有法定|法律未规定|法律法规未规定|^(?:无|不适用|/|-|—|--|——)$")
_AMOUNT = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:个)?\s*(工作日|自然日|日历日|日|天|小时|钟头|月|年)"
    r"(\s*[(（]\s*工作日\s*[)）])?"
)
_BARE_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)$")
_LABEL_UNIT = re.compile(r"[(（]\s*(工作日|自然日|日|天|小时|月)\s*[)）]")
_UNITS = {
    "工作日": TimeUnit.WORKING_DAY,
    "自然日": TimeUnit.CALENDAR_DAY,
    "日历日": TimeUnit.CALENDAR_DAY,
    "日": TimeUnit.DAY,
    "天": TimeUnit.DAY,
    "小时": TimeUnit.HOUR,
    "钟头": TimeUnit.HOUR,
    "月": TimeUnit.MONTH,
    "年": TimeUnit.YEAR,
}


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_time_limit(
    raw: str, location: Location, *, default_unit: TimeUnit | None = None
) -> TimeLimit:
    """Parse a time limit; ``default_unit`` applies to a bare number (from a label
    such as 承诺办结时限（工作日））. Unparsed: amount and unit None, never raises."""
    return TimeLimit(raw=raw, location=location, **_time_parts(raw, default_unit))


@functools.lru_cache(maxsize=1 << 12)
def _time_parts(raw: str, default_unit: TimeUnit | None) -> dict[str, Any]:
    """The :class:`TimeLimit` attributes ``raw`` states, but raw and location (cached;
    callers only unpack the mapping)."""
    text = arabize(clean(raw))
    m = _AMOUNT.search(text)
    if m:
        amount = _number(m.group(1))
        unit = TimeUnit.WORKING_DAY if m.group(3) else _UNITS[m.group(2)]
        if amount == 0 and _IMMEDIATE.search(text):
            return {"immediate": True}
        return {"amount": amount, "unit": unit}
    if _IMMEDIATE.search(text):
        return {"immediate": True}
    if _NO_STATUTORY.search(text):
        return {"no_statutory": True}
    bare = _BARE_NUMBER.match(text)
    if bare:
        return {"amount": _number(bare.group(1)), "unit": default_unit}
    return {}


@functools.lru_cache(maxsize=1 << 10)
def unit_from_label(label: str) -> TimeUnit | None:
    """The unit a label states in parentheses: 承诺办结时限（工作日） → working_day."""
    m = _LABEL_UNIT.search(label)
    return _UNITS[m.group(1)] if m else None
