"""GC807 lint.online-missing: 0 visits with neither online handling nor courier, or
全程网办（Ⅳ级） with visits.

Bad: 是否网办 ``否``, 到现场次数 ``0次``, no 快递/邮寄 anywhere (how is it handed in?);
or 网上办理深度 ``Ⅳ级`` with 到现场次数 ``1次``.
Good: 0 visits with online handling or courier delivery; Ⅳ级 with 0 visits.

A guide whose page shows no online field at all is NOT reported: a field missing from
a page is usually an extraction problem (GC010), not a statement that nothing is online.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC807"
FIELDS = ("online", "visits")
FULL_ONLINE_DEPTH = 4  # 全程网办（Ⅳ级）


def courier_texts(guide: Guide) -> Iterator[str]:
    """Where a guide may say it delivers by courier: handling form, steps, result, extras."""
    if guide.online is not None:
        yield guide.online.raw
    if guide.process is not None:
        yield from guide.process.items
    if guide.result is not None:
        yield guide.result.raw
    for extra in guide.extras:
        yield extra.value.raw


def mentions_courier(guide: Guide, vocab: LintVocab) -> bool:
    return any(vocab.courier_words.find(text) for text in courier_texts(guide))


def _zero_visits_offline(guide: Guide, vocab: LintVocab) -> Difference | None:
    online, visits = guide.online, guide.visits
    if online is None or online.available is not False or visits is None or visits.count != 0:
        return None
    if mentions_courier(guide, vocab):
        return None
    return Difference(
        field="online",
        kind=CODE,
        expected="提供网上办理或快递/邮寄送达",
        actual=f"{online.raw}；到现场{visits.raw}",
        location=online.location,
        detail="到现场0次，但不能网上办理，也未说明快递或邮寄",
    )


def _full_online_with_visits(guide: Guide) -> Difference | None:
    online, visits = guide.online, guide.visits
    if online is None or online.depth != FULL_ONLINE_DEPTH:
        return None
    if visits is None or not visits.count:
        return None
    return Difference(
        field="online",
        kind=CODE,
        expected="全程网办（Ⅳ级）事项到现场0次",
        actual=f"{online.raw}；到现场{visits.raw}",
        location=visits.location,
        detail=f"网上办理深度为Ⅳ级（全程网办），却要到现场{visits.count}次",
    )


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    for found in (_zero_visits_offline(guide, vocab), _full_online_with_visits(guide)):
        if found is not None:
            yield found
