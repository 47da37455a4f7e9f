"""Time limits (法定/承诺办结时限), compared by meaning.

Decisions (each one pinned by a case in tests/cases/compare_timelimit.yaml):

* 即办 = 当场办结 = 0 days in any unit (``immediate`` or amount 0).
* 15 个工作日 = 15 日 = 15 天: an unqualified 日/天 in a guide means working days.
* 15 个工作日 ≠ 15 个自然日 (kind ``unit``): calendar days are stated on purpose.
* Months and years are equal only when exactly convertible (1 年 = 12 个月); a month
  is never converted to days (22 working days is a metric convention, not a law),
  so 1 个月 vs 30 日 is a ``unit`` difference. Hours compare with hours only.
* A number with no unit (the page did not say) matches any unit with that amount.
* 无法定时限 vs a number or 即办: kind ``value``.
* A value the normalizer could not parse (no amount, not immediate, not
  无法定时限) is no difference here: it is an extraction problem for the engine.
"""

from __future__ import annotations

from guidecheck.compare.difference import Difference
from guidecheck.model import TimeLimit, TimeUnit
from guidecheck.normalize.numerals import format_number
from guidecheck.normalize.timelimit import UNIT_TEXT

_UNIT_CLASS = {
    TimeUnit.WORKING_DAY: "working_day",
    TimeUnit.DAY: "working_day",
    TimeUnit.CALENDAR_DAY: "calendar_day",
    TimeUnit.HOUR: "hour",
    TimeUnit.MONTH: "month",
    TimeUnit.YEAR: "month",
}
_TO_BASE = {TimeUnit.YEAR: 12.0}

Meaning = tuple[str, float, str | None]  # (category, amount, unit class)


def meaning(limit: TimeLimit) -> Meaning | None:
    """("zero", 0, None) / ("none", 0, None) / ("amount", n, unit class); None: unparsed."""
    if limit.immediate or limit.amount == 0:
        return ("zero", 0.0, None)
    if limit.no_statutory:
        return ("none", 0.0, None)
    if limit.amount is None:
        return None
    if limit.unit is None:
        return ("amount", float(limit.amount), None)
    return ("amount", limit.amount * _TO_BASE.get(limit.unit, 1.0), _UNIT_CLASS[limit.unit])


def display(limit: TimeLimit) -> str:
    if limit.immediate:
        return "即办"
    if limit.no_statutory:
        return "无法定时限"
    if limit.amount is None:
        return limit.raw
    unit = UNIT_TEXT[limit.unit] if limit.unit else ""
    return f"{format_number(limit.amount)}{unit}"


def _kind(a: Meaning, b: Meaning) -> str | None:
    if a == b:
        return None
    if a[0] != b[0] and "none" in (a[0], b[0]):
        return "value"
    if a[0] == "amount" and b[0] == "amount" and None not in (a[2], b[2]) and a[2] != b[2]:
        return "unit"
    if a[1] == b[1]:
        return None  # same amount, one side states no unit
    return "amount"


def compare_time_limit(field: str, expected: TimeLimit, actual: TimeLimit) -> list[Difference]:
    """Kinds: ``value`` (无法定时限 vs a limit), ``unit``, ``amount`` (即办 counts as 0)."""
    a, b = meaning(expected), meaning(actual)
    if a is None or b is None:
        return []
    kind = _kind(a, b)
    if kind is None:
        return []
    return [
        Difference(
            field=field,
            kind=kind,
            expected=display(expected),
            actual=display(actual),
            location=actual.location,
        )
    ]
