"""GC810 lint.proof-to-cancel: a material on the configured cancel list of proofs
(``rules/lints.yaml`` ``cancel_proofs``: no legal basis, provable by data sharing, by an
existing certificate or by a written commitment).

Bad: ``申请人户籍证明``.  Good: the proof dropped; the window checks shared data or takes
the applicant's commitment (告知承诺).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.base import without_trailing_paren
from guidecheck.compare.lints.vocab import CancelProof, LintVocab
from guidecheck.model import Guide
from guidecheck.normalize.text import clean

CODE = "GC810"
FIELDS = ("materials",)


def cancelled(name: str, vocab: LintVocab) -> CancelProof | None:
    """The cancel-list entry a material name (comparison form) ends with, if any;
    a trailing parenthetical such as ``（社区出具）`` is ignored."""
    return vocab.cancelled_proof(name) or vocab.cancelled_proof(without_trailing_paren(name))


@functools.lru_cache(maxsize=1 << 14)
def _name_proof(name: str, vocab: LintVocab) -> CancelProof | None:
    """:func:`cancelled` of a material name as written (cached: names repeat)."""
    return cancelled(clean(name), vocab)


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    if guide.materials is None:
        return
    for m in guide.materials.items:
        proof = _name_proof(m.name, vocab)
        if proof is not None:
            yield Difference(
                field="materials",
                kind=CODE,
                expected=f"取消“{proof.name}”（{proof.reason_label}）",
                actual=m.name,
                location=m.location,
                subject=m.name,
                detail=f"依据：{proof.basis}",
            )
