"""GC810 lint.proof-to-cancel: a material on the configured cancel list of proofs
(``rules/lints.yaml`` ``cancel_proofs``: no legal basis, provable by data sharing, by an
existing certificate or by a written commitment).

Bad: ``申请人户籍证明``.  Good: the proof dropped; the window checks shared data or takes
the applicant's commitment (告知承诺).
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.base import material_entries, without_trailing_paren
from guidecheck.compare.lints.vocab import CancelProof, LintVocab
from guidecheck.model import Guide

CODE = "GC810"
FIELDS = ("materials",)


def cancelled(name: str, vocab: LintVocab) -> CancelProof | None:
    """The cancel-list entry a material name (comparison form) ends with, if any;
    a trailing parenthetical such as ``（社区出具）`` is ignored."""
    return vocab.cancelled_proof(name) or vocab.cancelled_proof(without_trailing_paren(name))


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    for entry in material_entries(guide.materials):
        proof = cancelled(entry.text, vocab)
        if proof is not None:
            yield Difference(
                field="materials",
                kind=CODE,
                expected=f"取消“{proof.name}”（{proof.reason_label}）",
                actual=entry.raw,
                location=entry.location,
                subject=entry.subject,
                detail=f"依据：{proof.basis}",
            )
