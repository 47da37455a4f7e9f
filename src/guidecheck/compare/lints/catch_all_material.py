"""GC801 lint.catch-all-material: a 兜底 material (其他材料, 相关材料, a name ending in 等).

Bad: ``申请人认为需要提交的其他材料`` / ``身份证、户口簿等``.
Good: every material named, with its quantity and basis.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide
from guidecheck.normalize.text import clean

CODE = "GC801"
FIELDS = ("materials",)
EXPECTED = "逐项列明材料名称、份数和依据，不使用兜底表述"


def catch_all_phrase(name: str, vocab: LintVocab) -> str | None:
    """The catch-all phrase or open ending of a material name (comparison form), if any."""
    return vocab.material_phrases.find(name) or vocab.material_endings.find(name)


@functools.lru_cache(maxsize=1 << 14)
def _name_phrase(name: str, vocab: LintVocab) -> str | None:
    """:func:`catch_all_phrase` of a material name as written (cached: names repeat)."""
    return catch_all_phrase(clean(name), vocab)


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    if guide.materials is None:
        return
    for m in guide.materials.items:
        phrase = _name_phrase(m.name, vocab)
        if phrase:
            yield Difference(
                field="materials",
                kind=CODE,
                expected=EXPECTED,
                actual=m.name,
                location=m.location,
                subject=m.name,
                detail=f"材料含兜底表述“{phrase}”",
            )
