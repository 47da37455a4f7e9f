"""Fees (收费): free vs charged, amounts as a set, the basis compared leniently.

* 不收费 / 免费 / 无 / 0元 are all ``free`` (the normalizer's job); ``free`` None
  (could not tell) on a side is an extraction problem: no difference.
* Both charged: the amounts as sets (order and repetition never matter); a page
  that says 收费 with no amount says nothing about amounts (a lint reports it).
* Basis: when the reference states one and the guide does not, kind ``basis``.
  When both state one they are the same if they cite the same laws (by
  :func:`~guidecheck.compare.legal.law_key`), else if their texts are equal after
  normalization or score ≥ ``similarity.basis_equal``. A basis only on the
  guide's side is no difference (the reference is silent). Free on both sides:
  the basis is not compared.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.legal import law_key
from guidecheck.compare.text import char_diff, text_key
from guidecheck.model import Fee
from guidecheck.normalize.citation import parse_citations


def display(fee: Fee) -> str:
    if fee.free:
        return "不收费"
    return "收费" + (f"：{'、'.join(fee.amounts)}" if fee.amounts else "")


def _laws(basis: str, equivalents: Equivalents) -> frozenset[str]:
    return frozenset(law_key(c.law, equivalents) for c in parse_citations(basis))


def bases_equal(expected: str, actual: str, equivalents: Equivalents) -> bool:
    a, b = text_key("fee", expected, equivalents), text_key("fee", actual, equivalents)
    if a == b:
        return True
    laws_a, laws_b = _laws(expected, equivalents), _laws(actual, equivalents)
    if laws_a and laws_b:
        return laws_a == laws_b
    return fuzz.ratio(a, b, score_cutoff=equivalents.similarity.basis_equal) > 0


def _basis_difference(
    field: str, expected: Fee, actual: Fee, equivalents: Equivalents
) -> list[Difference]:
    if not expected.basis:
        return []
    if not actual.basis:
        return [
            Difference(
                field=field,
                kind="basis",
                expected=expected.basis,
                actual=None,
                location=actual.location,
                detail="未写明收费依据",
            )
        ]
    if bases_equal(expected.basis, actual.basis, equivalents):
        return []
    return [
        Difference(
            field=field,
            kind="basis",
            expected=expected.basis,
            actual=actual.basis,
            location=actual.location,
            detail=char_diff(expected.basis, actual.basis),
        )
    ]


def compare_fee(
    field: str, expected: Fee, actual: Fee, *, equivalents: Equivalents
) -> list[Difference]:
    """Kinds: ``free`` (不收费 vs 收费), ``amount``, ``basis``."""
    if expected.free is None or actual.free is None or (expected.free and actual.free):
        return []
    if expected.free != actual.free:
        return [
            Difference(
                field=field,
                kind="free",
                expected=display(expected),
                actual=display(actual),
                location=actual.location,
            )
        ]
    out = []
    if expected.amounts and actual.amounts and set(expected.amounts) != set(actual.amounts):
        out.append(
            Difference(
                field=field,
                kind="amount",
                expected="、".join(expected.amounts),
                actual="、".join(actual.amounts),
                location=actual.location,
            )
        )
    return out + _basis_difference(field, expected, actual, equivalents)
