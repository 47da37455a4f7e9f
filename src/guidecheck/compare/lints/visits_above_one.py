"""GC806 lint.visits-above-one: more than one visit (the reform promises 最多跑一次).

Bad: 到办事现场次数 ``2次``.  Good: ``0次`` or ``1次``.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC806"
FIELDS = ("visits",)
MAX_VISITS = 1  # 《浙江省保障"最多跑一次"改革规定》第二条


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    visits = guide.visits
    if visits is None or visits.count is None or visits.count <= MAX_VISITS:
        return
    yield Difference(
        field="visits",
        kind=CODE,
        expected=f"到办事现场不超过{MAX_VISITS}次",
        actual=visits.raw,
        location=visits.location,
        detail=f"到办事现场{visits.count}次，超过“最多跑一次”",
    )
