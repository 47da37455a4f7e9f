"""The compare engine: extracted guides + handbook + registry data → findings (pure).

For every guide (its ``unit`` already set by attribution):

1. match it to a handbook entry (:mod:`guidecheck.compare.match`); a guide matching
   none is GC102, and a unit implementing an item (``implementers``) with no guide
   on a channel is GC101;
2. **fixed fields** (the handbook's elements, ``rules/reference.yaml``): the handbook
   entry is the reference. A field the handbook states but the page lacks is GC010
   (an extraction problem, never "missing material"), a value the page shows but the
   builder could not understand is GC011. A handbook field that is empty, unparsed or
   vague (``按规定``, ``详见…``) is no reference: those fields are left to regional
   variance (:mod:`guidecheck.attribute.variance`);
3. **local fields** (address, hours, phones, implementing body): the guide of the
   source-of-record channel for the same (item, unit) is the reference; that channel
   itself is not compared with itself;
4. **lints**, which need no reference (``lints``: a callable, see :func:`compare_guides`).

Each difference becomes a :class:`Finding` through the configured catalog: a rule the
catalog does not hold (ignored, not selected) drops the difference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guidecheck.compare.catalog import Catalog
from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.fields import compare_field
from guidecheck.compare.findings import Finding
from guidecheck.compare.match import Entry, Match, Matcher, NameKey
from guidecheck.compare.text import strip_punct
from guidecheck.model import (
    HANDBOOK,
    Fee,
    FieldValue,
    Guide,
    LegalBasis,
    ListValue,
    MaterialList,
    Online,
    Phones,
    TextValue,
    TimeLimit,
    Visits,
)

UNKNOWN_UNIT = "未识别单位"
HANDBOOK_LABEL = "标准化手册"
NOT_FOUND, UNPARSED = "GC010", "GC011"
MISSING_GUIDE, UNMATCHED_GUIDE = "GC101", "GC102"

Lints = Callable[[Guide], Sequence[Difference]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What the engine needs from config and the registry (all plain data)."""

    fixed_fields: tuple[str, ...]
    local_fields: tuple[str, ...]
    optional_fields: frozenset[str] = frozenset({"code"})  # absent: no GC010
    source_of_record: str = "province"
    channels: tuple[str, ...] = ()  # channels expected to carry every implemented item
    channel_labels: Mapping[str, str] = field(default_factory=dict)
    not_shown: Mapping[str, frozenset[str]] = field(default_factory=dict)  # channel → fields
    field_labels: Mapping[str, str] = field(default_factory=dict)  # key → 要素名称
    vague: tuple[re.Pattern[str], ...] = ()  # a handbook value matching one is no reference
    match_threshold: float = 90.0
    name_strip: tuple[str, ...] | None = None  # item-name suffix patterns for matching
    implementers: Mapping[str, frozenset[str]] = field(default_factory=dict)  # code → units
    bodies: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (code, unit) → body
    owners: Mapping[str, str] = field(default_factory=dict)  # entry key → line department

    def channel_label(self, channel: str) -> str:
        if channel == HANDBOOK:
            return HANDBOOK_LABEL
        return self.channel_labels.get(channel, channel)

    def field_label(self, key: str) -> str:
        return self.field_labels.get(key, key)


@dataclass(slots=True)
class Compared:
    """A guide matched to a handbook entry, and the fields on which it was charged."""

    guide: Guide
    entry: Entry
    unit: str
    match: Match
    charged: set[str] = field(default_factory=set)


@dataclass(slots=True)
class EngineResult:
    findings: list[Finding]
    compared: list[Compared]
    unmatched: list[Guide]
    entries: Sequence[Entry]


# --- values ---------------------------------------------------------------------------


def describe(value: FieldValue | None) -> str | None:
    """Short display text of a value, for ``expected``/``actual``."""
    if value is None:
        return None
    if isinstance(value, TextValue):
        return value.text
    if isinstance(value, ListValue):
        return "；".join(value.items)
    if isinstance(value, MaterialList):
        return "、".join(m.name for m in value.items)
    if isinstance(value, Phones):
        return "、".join(value.numbers) or value.raw
    return value.raw


_UNPARSED: dict[type, Callable[[Any], bool]] = {
    TimeLimit: lambda v: v.amount is None and not v.immediate and not v.no_statutory,
    Fee: lambda v: v.free is None and not v.amounts,
    Visits: lambda v: v.count is None,
    Online: lambda v: v.available is None and v.depth is None,
    LegalBasis: lambda v: not v.citations,
    Phones: lambda v: not v.numbers,
    MaterialList: lambda v: not v.items,
}


_SAME: dict[type, Callable[[Any, Any], bool]] = {
    TextValue: lambda a, b: a.text == b.text,
    ListValue: lambda a, b: a.items == b.items,
    TimeLimit: lambda a, b: (a.amount, a.unit, a.immediate, a.no_statutory)
    == (b.amount, b.unit, b.immediate, b.no_statutory),
    Fee: lambda a, b: (a.free, a.amounts, a.basis) == (b.free, b.amounts, b.basis),
    LegalBasis: lambda a, b: a.citations == b.citations,
    Visits: lambda a, b: a.count == b.count,
    Online: lambda a, b: (a.available, a.depth) == (b.available, b.depth),
    Phones: lambda a, b: a.numbers == b.numbers,
}


Reference = tuple[str, FieldValue, Callable[[Any, Any], bool] | None]
"""A handbook field that is a reference: (key, value, its :func:`same` test)."""


def same(a: FieldValue, b: FieldValue) -> bool:
    """Cheap exact test: the two values mean exactly the same (comparators would find
    nothing); False says nothing. Materials always go to the comparator."""
    test = _SAME.get(type(a))
    return test is not None and type(b) is type(a) and test(a, b)


def unparsed(value: FieldValue) -> bool:
    """The value is there but nothing was understood from it."""
    test = _UNPARSED.get(type(value))
    return test(value) if test is not None else False


def is_vague(value: FieldValue | None, patterns: Iterable[re.Pattern[str]]) -> bool:
    """Silent or vague: absent, empty, unparsed, or only 按规定/详见…-style wording."""
    if value is None or unparsed(value):
        return True
    if not isinstance(value, (TextValue, ListValue, MaterialList)):
        return False  # a typed value that parsed means something (无 = free, no limit…)
    text = describe(value) or ""
    key = strip_punct(text)
    if not key:
        return True
    return any(p.fullmatch(key) for p in patterns)


# --- findings -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingMaker:
    catalog: Catalog
    settings: Settings

    def make(
        self,
        diff: Difference,
        *,
        entry: Entry | None,
        unit: str,
        body: str | None,
        channel: str,
        reference: str,
        fallback: Guide | None = None,
    ) -> Finding | None:
        rule = self.catalog.for_difference(diff.field, diff.kind)
        if rule is None:
            return None
        s = self.settings
        item_name = entry.name if entry else (describe(fallback.name) if fallback else None)
        message = rule.render(
            kind=diff.kind,
            expected=diff.expected or "",
            actual=diff.actual or "",
            subject=diff.subject or "",
            field_label=s.field_label(diff.field),
            channel_label=s.channel_label(channel) if channel != "*" else "各渠道",
            reference_label=s.channel_label(reference),
            unit=unit,
            item_name=item_name or "",
        )
        location = diff.location or (fallback.source if fallback else None)
        return Finding(
            rule=rule.code,
            rule_name=rule.name,
            severity=rule.severity,
            item_code=entry.code if entry else None,
            item_name=item_name,
            unit=unit,
            implementing_body=body,
            channel=channel,
            field=diff.field,
            expected=diff.expected,
            actual=diff.actual,
            message=message,
            location=location,
            reference=reference,
            subject=diff.subject,
            detail=diff.detail,
        )


# --- comparison -----------------------------------------------------------------------


def _field_diffs(
    key: str, want: FieldValue | None, got: FieldValue | None, *, ignore_absent: bool, eq: Equivalents
) -> list[Difference]:
    if want is None:
        return []
    if got is None:
        if ignore_absent:
            return []
        return [Difference(field=key, kind=NOT_FOUND, expected=describe(want), actual=None)]
    if same(want, got):
        return []
    if unparsed(got):
        return [
            Difference(
                field=key, kind=UNPARSED, expected=describe(want), actual=got.raw if hasattr(got, "raw") else describe(got),
                location=getattr(got, "location", None),
            )
        ]
    if unparsed(want):
        return []
    return compare_field(key, want, got, equivalents=eq)


@dataclass(slots=True)
class _Run:
    settings: Settings
    maker: FindingMaker
    equivalents: Equivalents
    lints: Lints | None
    _refs: dict[str, tuple[Reference, ...]] = field(default_factory=dict)

    def make(self, diffs: Sequence[Difference], **where: object) -> list[Finding]:
        """The findings of ``diffs`` that the catalog holds (none for no differences)."""
        if not diffs:
            return []
        made = (self.maker.make(diff, **where) for diff in diffs)  # type: ignore[arg-type]
        return [f for f in made if f is not None]

    def references(self, entry: Entry) -> tuple[Reference, ...]:
        """The handbook's fixed fields that are a reference: stated, parsed, not vague
        (computed once per entry)."""
        refs = self._refs.get(entry.key)
        if refs is None:
            vague = self.settings.vague
            refs = tuple(
                (key, value, _SAME.get(type(value)))
                for key in self.settings.fixed_fields
                if not is_vague(value := getattr(entry.guide, key), vague)
            )
            self._refs[entry.key] = refs
        return refs

    def charge(
        self, c: Compared, key: str, diffs: Sequence[Difference], body: str | None, reference: str
    ) -> list[Finding]:
        """The findings of one field's differences from ``reference``; the field is
        marked charged to the guide's unit when any is made."""
        made = self.make(
            diffs, entry=c.entry, unit=c.unit, body=body, channel=c.guide.channel,
            reference=reference, fallback=c.guide,
        )
        if made:
            c.charged.add(key)
        return made

    def compare_fixed(self, c: Compared, body: str | None) -> list[Finding]:
        s, guide = self.settings, c.guide
        hidden = s.not_shown.get(guide.channel, frozenset())
        optional = s.optional_fields
        out: list[Finding] = []
        for key, want, same_test in self.references(c.entry):
            got = getattr(guide, key)
            if got is None:
                if key in optional or key in hidden:
                    continue
            elif same_test is not None and type(got) is type(want) and same_test(want, got):
                continue  # :func:`same` in line: most fields of most guides take this way
            diffs = _field_diffs(key, want, got, ignore_absent=False, eq=self.equivalents)
            out += self.charge(c, key, diffs, body, HANDBOOK)
        return out

    def compare_local(self, c: Compared, record: Guide | None, body: str | None) -> list[Finding]:
        s, guide = self.settings, c.guide
        if record is None or guide.channel == s.source_of_record:
            return []
        hidden = s.not_shown.get(guide.channel, frozenset())
        out: list[Finding] = []
        for key in s.local_fields:
            diffs = _field_diffs(
                key,
                getattr(record, key),
                getattr(guide, key),
                ignore_absent=key in s.optional_fields or key in hidden,
                eq=self.equivalents,
            )
            out += self.charge(c, key, diffs, body, s.source_of_record)
        return out

    def lint(self, guide: Guide, *, entry: Entry | None, unit: str, body: str | None) -> list[Finding]:
        if self.lints is None:
            return []
        return self.make(
            self.lints(guide), entry=entry, unit=unit, body=body, channel=guide.channel,
            reference="lint", fallback=guide,
        )


def _body(guide: Guide) -> str | None:
    return guide.implementing_body.text if guide.implementing_body else None


def _missing_guides(run: _Run, entries: Sequence[Entry], present: set[tuple[str, str, str]]) -> list[Finding]:
    s = run.settings
    out: list[Finding] = []
    for entry in entries:
        units = s.implementers.get(entry.code or "", frozenset())
        for unit in sorted(units):
            for channel in s.channels:
                if (entry.key, unit, channel) in present:
                    continue
                diff = Difference(
                    field="item", kind=MISSING_GUIDE, expected=entry.name, actual=None,
                    subject=entry.name,
                )
                out += run.make(
                    [diff], entry=entry, unit=unit, body=s.bodies.get((entry.code or "", unit)),
                    channel=channel, reference=HANDBOOK,
                )
    return out


class Comparison:
    """:func:`compare_guides` a batch of guides at a time, so that a scan compares each
    chunk of pages while the workers extract the next ones.

    :meth:`add` matches each guide and compares what needs only the guide and its
    handbook entry (fixed fields, lints). :meth:`finish` does what needs every guide
    (local fields against the source-of-record channel, whose guide may come later; the
    handbook's own lints; missing guides) and returns the findings in the order
    :func:`compare_guides` has always given: unmatched guides, then each compared guide's
    fixed, local and lint findings, then the handbook's lints, then missing guides.
    """

    def __init__(
        self,
        handbook: Sequence[Guide],
        *,
        settings: Settings,
        catalog: Catalog,
        equivalents: Equivalents,
        lints: Lints | None = None,
    ) -> None:
        s = settings
        name_key = NameKey.from_patterns(s.name_strip) if s.name_strip is not None else None
        unit_codes: dict[str, list[str]] = {}
        for code, units in s.implementers.items():
            for unit in units:
                unit_codes.setdefault(unit, []).append(code)
        self._matcher = Matcher.build(
            handbook, threshold=s.match_threshold, name_key=name_key, unit_codes=unit_codes
        )
        self._run = _Run(s, FindingMaker(catalog, s), equivalents, lints)
        self._compared: list[Compared] = []
        self._own: list[tuple[list[Finding], list[Finding]]] = []  # (fixed, lint) per compared
        self._unmatched: list[Guide] = []
        self._unmatched_findings: list[Finding] = []
        self._records: dict[tuple[str, str], Guide] = {}

    def add(self, guides: Iterable[Guide]) -> None:
        """Match and compare ``guides`` (channel guides with ``unit`` set, None: unknown)."""
        run, s = self._run, self._run.settings
        for guide in guides:
            unit = guide.unit or UNKNOWN_UNIT
            body = _body(guide)
            m = self._matcher.match(guide, guide.unit)
            if m.entry is None:
                self._unmatched.append(guide)
                diff = Difference(
                    field="item", kind=UNMATCHED_GUIDE, expected=None,
                    actual=describe(guide.name), location=guide.source,
                    subject=describe(guide.name),
                )
                self._unmatched_findings += run.make(
                    [diff], entry=None, unit=unit, body=body, channel=guide.channel,
                    reference=HANDBOOK, fallback=guide,
                )
                self._unmatched_findings += run.lint(guide, entry=None, unit=unit, body=body)
                continue
            c = Compared(guide, m.entry, unit, m)
            self._compared.append(c)
            if guide.channel == s.source_of_record:
                self._records.setdefault((m.entry.key, unit), guide)
            self._own.append(
                (run.compare_fixed(c, body), run.lint(guide, entry=c.entry, unit=unit, body=body))
            )

    def finish(self) -> EngineResult:
        run, s = self._run, self._run.settings
        findings = list(self._unmatched_findings)
        for c, (fixed, lint) in zip(self._compared, self._own):
            findings += fixed
            findings += run.compare_local(c, self._records.get((c.entry.key, c.unit)), _body(c.guide))
            findings += lint
        entries = self._matcher.entries
        for entry in entries:
            owner = s.owners.get(entry.key, UNKNOWN_UNIT)
            findings += run.lint(entry.guide, entry=entry, unit=owner, body=owner)
        present = {(c.entry.key, c.unit, c.guide.channel) for c in self._compared}
        findings += _missing_guides(run, entries, present)
        return EngineResult(findings, self._compared, self._unmatched, entries)


def compare_guides(
    guides: Iterable[Guide],
    handbook: Sequence[Guide],
    *,
    settings: Settings,
    catalog: Catalog,
    equivalents: Equivalents,
    lints: Lints | None = None,
) -> EngineResult:
    """Compare every guide with its handbook entry and source-of-record guide.

    ``guides`` are channel guides with ``unit`` set (None: unknown unit); ``lints``
    is ``functools.partial(run_lints, vocab=…)`` or None to skip lints. A
    :class:`Comparison` given all guides at once.
    """
    comparison = Comparison(
        handbook, settings=settings, catalog=catalog, equivalents=equivalents, lints=lints
    )
    comparison.add(guides)
    return comparison.finish()
