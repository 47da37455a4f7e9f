"""GC801 lint.catch-all-material: a 兜底 material (其他材料, 相关材料, a name ending in 等).

Bad: ``申请人认为需要提交的其他材料`` / ``身份证、户口簿等``.
Good: every material named, with its quantity and basis.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.base import material_entries
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC801"
FIELDS = ("materials",)
EXPECTED = "逐项列明材料名称、份数和依据，不使用兜底表述"


def catch_all_phrase(name: str, vocab: LintVocab) -> str | None:
    """The catch-all phrase or open ending of a material name (comparison form), if any."""
    return vocab.material_phrases.find(name) or vocab.material_endings.find(name)


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    for entry in material_entries(guide.materials):
        phrase = catch_all_phrase(entry.text, vocab)
        if phrase:
            yield Difference(
                field="materials",
                kind=CODE,
                expected=EXPECTED,
                actual=entry.raw,
                location=entry.location,
                subject=entry.subject,
                detail=f"材料含兜底表述“{phrase}”",
            )
