"""GC802 lint.catch-all-condition: a 兜底 condition (法律、法规规定的其他条件).

Bad: ``法律、法规规定的其他条件``.
Good: each condition written out; a condition from a law is quoted with its article.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide
from guidecheck.normalize.text import clean

CODE = "GC802"
FIELDS = ("conditions",)
EXPECTED = "逐条列明受理条件，不使用兜底条款"


@functools.lru_cache(maxsize=1 << 14)
def _condition_phrase(condition: str, vocab: LintVocab) -> str | None:
    """The catch-all phrase of a condition as written (cached: conditions repeat)."""
    return vocab.condition_phrases.find(clean(condition))


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    if guide.conditions is None:
        return
    for condition in guide.conditions.items:
        phrase = _condition_phrase(condition, vocab)
        if phrase:
            yield Difference(
                field="conditions",
                kind=CODE,
                expected=EXPECTED,
                actual=condition,
                location=guide.conditions.location,
                subject=condition,
                detail=f"受理条件含兜底表述“{phrase}”",
            )
