"""GC808 lint.fee-incomplete: a fee is charged but the amount or the basis is not stated.

Bad: 收费 ``是`` / ``按标准收取``.
Good: ``20元/证，依据《国家发展改革委、财政部关于居民身份证收费标准及有关问题的通知》``.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC808"
FIELDS = ("fee",)


def missing_parts(amounts: tuple[str, ...], basis: str | None) -> tuple[str, ...]:
    """What a charged fee lacks, in Chinese: 收费标准 and/or 收费依据."""
    missing = []
    if not amounts:
        missing.append("收费标准")
    if not (basis and basis.strip()):
        missing.append("收费依据")
    return tuple(missing)


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    fee = guide.fee
    if fee is None or fee.free is not False:
        return
    missing = missing_parts(fee.amounts, fee.basis)
    if missing:
        yield Difference(
            field="fee",
            kind=CODE,
            expected="写明收费标准（金额）和收费依据",
            actual=fee.raw,
            location=fee.location,
            detail=f"收费但未写明{'和'.join(missing)}",
        )
