"""GC802 lint.catch-all-condition: a 兜底 condition (法律、法规规定的其他条件).

Bad: ``法律、法规规定的其他条件``.
Good: each condition written out; a condition from a law is quoted with its article.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.base import list_entries
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC802"
FIELDS = ("conditions",)
EXPECTED = "逐条列明受理条件，不使用兜底条款"


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    for entry in list_entries("conditions", guide.conditions):
        phrase = vocab.condition_phrases.find(entry.text)
        if phrase:
            yield Difference(
                field="conditions",
                kind=CODE,
                expected=EXPECTED,
                actual=entry.raw,
                location=entry.location,
                subject=entry.subject,
                detail=f"受理条件含兜底表述“{phrase}”",
            )
