"""GC809 lint.phone-area-code: a landline without area code; the consult and the
complaint phone being the same number.

Bad: 咨询电话 ``87654321``; 咨询电话 and 监督投诉电话 both ``0571-87654321``.
Good: ``0571-87654321`` for consulting, ``0571-87654399`` for complaints.

Numbers are read as ``normalize.phone`` formats them (``0571-87654321``, ``12345``,
``13912345678``): a landline with its area code always contains ``-``. Hotlines such
as 12345 may serve both purposes (``phones.shared_ok``). A phone field absent from a
page is not reported: handbooks carry no local fields, and a missing field is usually
an extraction problem (GC010).
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.vocab import LintVocab, PhoneRules
from guidecheck.model import Guide, Phones

CODE = "GC809"
FIELDS = ("phone", "complaint_phone")
_LABELS = {"phone": "咨询电话", "complaint_phone": "监督投诉电话"}


def lacks_area_code(number: str, rules: PhoneRules) -> bool:
    """A 7–8 digit local number (no leading 0, not a nationwide service prefix)."""
    return (
        number.isdigit()
        and len(number) in rules.local_lengths
        and not number.startswith("0")
        and not number.startswith(rules.service_prefixes)
    )


def _area_code_findings(field: str, phones: Phones, rules: PhoneRules) -> Iterator[Difference]:
    for number in phones.numbers:
        if lacks_area_code(number, rules):
            yield Difference(
                field=field,
                kind=CODE,
                expected=f"区号-{number}",
                actual=number,
                location=phones.location,
                subject=_LABELS[field],
                detail=f"{_LABELS[field]}{number}缺少区号",
            )


def shared_numbers(phone: Phones, complaint: Phones, rules: PhoneRules) -> tuple[str, ...]:
    """Numbers given both for consulting and for complaints, hotlines excepted."""
    consult = set(phone.numbers)
    return tuple(n for n in complaint.numbers if n in consult and n not in rules.shared_ok)


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    rules = vocab.phones
    for field in FIELDS:
        phones = getattr(guide, field)
        if phones is not None:
            yield from _area_code_findings(field, phones, rules)
    if guide.phone is None or guide.complaint_phone is None:
        return
    for number in shared_numbers(guide.phone, guide.complaint_phone, rules):
        yield Difference(
            field="complaint_phone",
            kind=CODE,
            expected="监督投诉电话与咨询电话分设",
            actual=f"咨询电话与监督投诉电话同为{number}",
            location=guide.complaint_phone.location,
            subject=_LABELS["complaint_phone"],
            detail=f"咨询电话与监督投诉电话同为{number}",
        )
