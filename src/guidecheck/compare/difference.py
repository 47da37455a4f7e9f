"""What a comparator returns: a typed difference between a reference value and a guide's.

Comparators are pure functions ``compare_<kind>(expected, actual, ...) ->
list[Difference]``; they know nothing of rule codes, units or channels. The
engine maps each (field, kind) to a rule of the catalog and adds who is charged.
"""

from __future__ import annotations

from dataclasses import dataclass

from guidecheck.model import Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    field: str  # canonical key (rules/fields.yaml)
    kind: str  # what differs, e.g. "missing", "extra", "copies", "amount", "value"
    expected: str | None  # display text of the reference side (None: absent there)
    actual: str | None  # display text of the guide's side (None: absent there)
    location: Location | None = None  # where in the guide; None when the thing is absent
    subject: str | None = None  # which entry it is about, e.g. the material's name
    detail: str = ""  # extra explanation for people, e.g. a character diff
