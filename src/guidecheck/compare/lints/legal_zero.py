"""GC805 lint.legal-zero: a legal time limit of 0 without 无法定时限.

Bad: 法定办结时限 ``0个工作日`` (seen next to 承诺 30 个工作日).
Good: ``无法定时限``, or the limit the law sets; 法定 即办/当场办结 is fine.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC805"
FIELDS = ("time_limit_legal",)
EXPECTED = "写明法律规定的办结时限；法律未规定的写“无法定时限”"


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    legal = guide.time_limit_legal
    if legal is None or legal.no_statutory or legal.immediate or legal.amount != 0:
        return
    yield Difference(
        field="time_limit_legal",
        kind=CODE,
        expected=EXPECTED,
        actual=legal.raw,
        location=legal.location,
        detail="法定办结时限为0，又未注明无法定时限",
    )
