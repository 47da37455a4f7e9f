"""Findings: immutable records of one deviation a person must act on.

A finding names the item, the unit charged, the channel and field, what the
reference says and what the guide says, where exactly, which rule, and a plain
Chinese message. Findings are data; :mod:`guidecheck.compare.catalog` holds
the rules they cite.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from guidecheck.model import Location

ALL_CHANNELS = "*"
"""Channel of a finding charged to a line department for regional variance."""


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule: str  # stable code, e.g. "GC201"
    rule_name: str  # dotted name, e.g. "materials.missing"
    severity: Severity
    item_code: str | None  # the handbook's base code when matched
    item_name: str | None
    unit: str  # the unit charged: an implementing unit or a line department
    implementing_body: str | None
    channel: str  # the channel whose guide deviates; "*" for regional variance
    field: str  # canonical key, or "item" for a missing/unmatched guide
    expected: str | None
    actual: str | None
    message: str  # plain Chinese
    location: Location | None  # where in the guide (file/URL + place inside)
    reference: str  # "handbook" or the channel compared against
    subject: str | None = None  # which entry inside the field, e.g. a material's name
    detail: str = ""  # e.g. a character diff

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        """Stable identity across runs: (item, unit, channel, field, rule, subject)."""
        return (
            self.item_code or self.item_name or "",
            self.unit,
            self.channel,
            self.field,
            self.rule,
            self.subject or "",
        )
