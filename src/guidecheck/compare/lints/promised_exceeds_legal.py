"""GC804 lint.promised-exceeds-legal: the promised time limit is longer than the legal one.

Bad: 法定 20 个工作日, 承诺 30 个工作日.  Good: 承诺 ≤ 法定 (承诺 5 个工作日).

Comparison (only when certain, never a guess):

* 即办 counts as 0; 无法定时限 and unparsed values are not compared; a legal limit of 0
  is left to GC805 (it is usually a mislabelled 无法定时限).
* Same unit: amounts compared directly.
* ``日``/``天`` (unit ``day``) may mean working or calendar days: the promise is reported
  only when it exceeds under **both** readings.
* Different units: each is turned into a span of calendar days — a working day is at
  least one calendar day and N working days at most ``ceil(N×7/5)+7`` (weekends plus a
  holiday week), a month 28–31 days, a year 365–366, an hour 1/24 — and the promise is
  reported only when its shortest span is longer than the legal limit's longest. So
  20 工作日 vs 60 日 is fine, 30 工作日 vs 20 日 exceeds, 20 日 vs 15 工作日 is not
  comparable (20 calendar days may hold only 14 working days).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide, TimeLimit, TimeUnit
from guidecheck.normalize.timelimit import UNIT_TEXT

CODE = "GC804"
FIELDS = ("time_limit_promised", "time_limit_legal")

HOLIDAY_SLACK = 7  # calendar days a public-holiday week can add to a run of working days
Limit = tuple[float, TimeUnit | None]  # amount, unit (None: 即办, fits any unit)

_FIXED_SPAN = {
    TimeUnit.CALENDAR_DAY: (1.0, 1.0),
    TimeUnit.HOUR: (1 / 24, 1 / 24),
    TimeUnit.MONTH: (28.0, 31.0),
    TimeUnit.YEAR: (365.0, 366.0),
}


def as_limit(value: TimeLimit | None) -> Limit | None:
    """The comparable form of a time limit, or None when it cannot be compared."""
    if value is None or value.no_statutory:
        return None
    if value.immediate:
        return (0.0, None)
    if value.amount is None or value.unit is None:
        return None
    return (float(value.amount), value.unit)


def calendar_span(amount: float, unit: TimeUnit) -> tuple[float, float]:
    """Shortest and longest span in calendar days (``unit`` is never ``day`` here)."""
    if unit is TimeUnit.WORKING_DAY:
        longest = math.ceil(amount * 7 / 5) + HOLIDAY_SLACK if amount else 0.0
        return amount, longest
    lo, hi = _FIXED_SPAN[unit]
    return amount * lo, amount * hi


def _readings(unit: TimeUnit | None) -> tuple[TimeUnit | None, ...]:
    if unit is TimeUnit.DAY:
        return (TimeUnit.WORKING_DAY, TimeUnit.CALENDAR_DAY)
    return (unit,)


def _exceeds_definite(promised: Limit, legal: Limit) -> bool:
    (p, p_unit), (q, q_unit) = promised, legal
    if p_unit is None or q_unit is None or p_unit is q_unit:
        return p > q
    return calendar_span(p, p_unit)[0] > calendar_span(q, q_unit)[1]


def exceeds(promised: Limit, legal: Limit) -> bool:
    """True when the promise is longer than the legal limit under every reading."""
    if promised[1] is legal[1]:
        return promised[0] > legal[0]
    return all(
        _exceeds_definite((promised[0], pu), (legal[0], lu))
        for pu in _readings(promised[1])
        for lu in _readings(legal[1])
    )


def describe(limit: Limit) -> str:
    amount, unit = limit
    if unit is None:
        return "即办"
    number = int(amount) if float(amount).is_integer() else amount
    return f"{number}{UNIT_TEXT[unit]}"


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    promised = as_limit(guide.time_limit_promised)
    legal = as_limit(guide.time_limit_legal)
    if promised is None or legal is None or (legal[0] == 0 and legal[1] is not None):
        return
    if exceeds(promised, legal):
        assert guide.time_limit_promised is not None and guide.time_limit_legal is not None
        yield Difference(
            field="time_limit_promised",
            kind=CODE,
            expected=guide.time_limit_legal.raw,
            actual=guide.time_limit_promised.raw,
            location=guide.time_limit_promised.location,
            detail=f"承诺时限{describe(promised)}超过法定时限{describe(legal)}",
        )
