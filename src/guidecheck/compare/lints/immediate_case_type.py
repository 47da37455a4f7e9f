"""GC811 lint.immediate-case-type: 办件类型 disagrees with the promised time limit.

Bad: 承诺 ``即办`` with 办件类型 ``承诺件``; 办件类型 ``即办件`` with 承诺 ``5个工作日``.
Good: 即办 ⇔ 即办件, otherwise 承诺件.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide, TextValue, TimeLimit

CODE = "GC811"
FIELDS = ("case_type", "time_limit_promised")
IMMEDIATE_CASE = "即办件"
PROMISE_CASE = "承诺件"


def expected_case_type(promised: TimeLimit) -> str | None:
    """即办件 for 即办 (or 0 days), 承诺件 for a positive limit, None when unknown."""
    if promised.immediate or promised.amount == 0:
        return IMMEDIATE_CASE
    if promised.amount is not None and promised.amount > 0:
        return PROMISE_CASE
    return None


def stated_case_type(case_type: TextValue) -> str | None:
    """The case type a value names (上报件, 联办件… are neither: None)."""
    has_immediate = IMMEDIATE_CASE in case_type.text
    has_promise = PROMISE_CASE in case_type.text
    if has_immediate == has_promise:
        return None
    return IMMEDIATE_CASE if has_immediate else PROMISE_CASE


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    case_type, promised = guide.case_type, guide.time_limit_promised
    if case_type is None or promised is None:
        return
    stated, expected = stated_case_type(case_type), expected_case_type(promised)
    if stated is None or expected is None or stated == expected:
        return
    yield Difference(
        field="case_type",
        kind=CODE,
        expected=expected,
        actual=f"承诺办结时限{promised.raw}，办件类型{case_type.raw}",
        location=case_type.location,
        detail=f"承诺办结时限为“{promised.raw}”，办件类型应为{expected}",
    )
