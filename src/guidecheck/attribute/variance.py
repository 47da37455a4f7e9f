"""Regional variance: units differ where the handbook leaves them free (GC710).

On a field the handbook is meant to fix, when the handbook is silent or vague there
(empty, unparsed, ``按规定``/``详见…``) — or, for materials, states names but leaves
an attribute open — and units publish values that differ, the fault is the
handbook's: ONE finding per (item, field), charged to the line department that owns
the entry, channel ``"*"``, listing each variant with the units that publish it.
Nothing is charged to the districts for that field. Values are grouped with the
same comparators as everywhere else (equivalent values are one variant). Guides
already charged on the field (they deviate from the handbook) take no part; local
fields (address, phone…) rightly differ and are never looked at.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from guidecheck.compare.difference import Difference
from guidecheck.compare.engine import (
    HANDBOOK,
    UNKNOWN_UNIT,
    Compared,
    FindingMaker,
    describe,
    is_vague,
    unparsed,
)
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.fields import compare_field
from guidecheck.compare.findings import ALL_CHANNELS, Finding
from guidecheck.compare.materials import meanings
from guidecheck.model import FieldValue, Location, MaterialList, TextValue

RULE = "GC710"
SILENT = "手册未规定"
ATTRIBUTE_FIELDS = frozenset({"materials"})  # handbook stated, yet attributes may be open


@functools.lru_cache(maxsize=1 << 14)
def _materials_signature(fields: tuple[tuple[Any, ...], ...]) -> tuple[tuple[Any, ...], ...]:
    """Signature of a material list from its :func:`meanings` (cached: lists repeat)."""
    return tuple(
        sorted(
            (name, originals or 0, copies or 0, str(form), str(necessity))
            for name, originals, copies, form, necessity in fields
        )
    )


def signature(value: Any) -> Any:
    """Hashable meaning of a value (no raw text, no locations; materials unordered)."""
    if isinstance(value, MaterialList):
        return _materials_signature(meanings(value))
    if isinstance(value, TextValue):
        return value.text
    if dataclasses.is_dataclass(value):
        return tuple(
            signature(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "raw" and not isinstance(getattr(value, f.name), Location)
        )
    if isinstance(value, tuple):
        return tuple(map(signature, value))
    return value


@dataclasses.dataclass(slots=True)
class Variant:
    value: FieldValue
    units: dict[str, None]  # insertion-ordered set
    channels: dict[str, None]


def cluster(
    key: str, members: Sequence[tuple[str, str, FieldValue]], equivalents: Equivalents
) -> list[Variant]:
    """Group (unit, channel, value) by equivalence: equal signatures at once, then
    ``compare_field`` against each variant's first value."""
    variants: list[Variant] = []
    by_sig: dict[Any, Variant] = {}
    for unit, channel, value in members:
        sig = signature(value)
        found = by_sig.get(sig)
        if found is None:
            found = next(
                (
                    v
                    for v in variants
                    if not compare_field(key, v.value, value, equivalents=equivalents)
                ),
                None,
            )
            if found is None:
                found = Variant(value, {}, {})
                variants.append(found)
            by_sig[sig] = found
        found.units[unit] = None
        found.channels[channel] = None
    return variants


def _regional(variants: list[Variant]) -> bool:
    """At least two different units publish different variants."""
    if len(variants) < 2:
        return False
    return len({u for v in variants for u in v.units}) > 1


def _detail(key: str, variants: list[Variant], equivalents: Equivalents) -> str:
    first = variants[0].value
    lines = []
    for other in variants[1:]:
        for d in compare_field(key, first, other.value, equivalents=equivalents)[:5]:
            subject = f"{d.subject}：" if d.subject else ""
            lines.append(f"{subject}{d.expected or '（无）'} ↔ {d.actual or '（无）'}")
    return "；".join(lines)


def regional_variance(
    compared: Sequence[Compared],
    *,
    fields: Sequence[str],
    maker: FindingMaker,
    equivalents: Equivalents,
    owners: dict[str, str] | None = None,
) -> list[Finding]:
    """GC710 findings for the given fixed fields (see module docstring)."""
    groups: dict[str, list[Compared]] = {}
    for c in compared:
        groups.setdefault(c.entry.key, []).append(c)
    vague = maker.settings.vague
    out: list[Finding] = []
    for entry_key, members in groups.items():
        entry = members[0].entry
        for key in fields:
            reference = getattr(entry.guide, key)
            silent = is_vague(reference, vague)
            if not silent and key not in ATTRIBUTE_FIELDS:
                continue
            values = [
                (c.unit, c.guide.channel, v)
                for c in members
                if key not in c.charged
                and (v := getattr(c.guide, key)) is not None
                and not unparsed(v)
            ]
            variants = cluster(key, values, equivalents)
            if not _regional(variants):
                continue
            owner = (owners or {}).get(entry_key, UNKNOWN_UNIT)
            actual = "；".join(
                f"{describe(v.value)}（{'、'.join(v.units)}）" for v in variants
            )
            expected = (describe(reference) or SILENT) if reference is not None else SILENT
            diff = Difference(
                field=key, kind=RULE, expected=expected, actual=actual,
                detail=_detail(key, variants, equivalents),
            )
            finding = maker.make(
                diff, entry=entry, unit=owner, body=owner, channel=ALL_CHANNELS,
                reference=HANDBOOK,
            )
            if finding is not None:
                out.append(finding)
    return out
