"""Quality on a labelled corpus: findings scored against the injected deviations.

``corpus/truth.json`` records, per guide, the findings each injected deviation must
produce (``deviations``: kind, rule, field, unit charged, channel, item code, and the
entry concerned as ``subject`` where the rule is about one entry); guides dropped to
simulate a missing guide are listed under ``dropped`` with theirs. Everything else a
guide says differently from the handbook is a benign variation and must produce no
finding.

:func:`score` compares the findings of a scan with those expectations as sets of keys
``(item_code, unit, channel, field, rule)`` plus the subject: a found subject and an
expected one must agree (after :func:`subject_key`) when both are given. It reports
precision and recall overall, per field and per deviation kind, the misses, the
unexpected findings, and how many of these fall on fields with no deviation at all
("findings on benign variations").

:func:`baseline_findings` is the plain text-diff baseline of issue 3: a field is
flagged when its whitespace-stripped text differs from the handbook's (local fields:
from the source-of-record channel's). It knows no rules, so it is scored at field
granularity (``granularity="field"``: keys without rule and subject).

Pure: no file access; callers load the JSON.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from guidecheck.compare.findings import Finding
from guidecheck.model import FIELD_KEYS, Guide, MaterialList
from guidecheck.normalize.text import clean

Key = tuple[str, str, str, str, str]  # item_code, unit, channel, field, rule
FieldKey = tuple[str, str, str, str]  # item_code, unit, channel, field

LOCAL_FIELDS = ("implementing_body", "location", "hours", "phone", "complaint_phone")
"""Fields each unit sets for itself (rules/reference.yaml); the rest the handbook fixes."""

BASELINE_RULE = "TEXT"

_SUBJECT_NOISE = re.compile(r"[《》“”\"'‘’「」\s]")


def subject_key(subject: str | None) -> str:
    """A subject in comparison form: cleaned, quotes and 《》 removed, no state prefix."""
    if not subject:
        return ""
    key = _SUBJECT_NOISE.sub("", clean(subject))
    return key.removeprefix("中华人民共和国")


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """One expected or found finding, in key form."""

    item_code: str
    unit: str
    channel: str
    field: str
    rule: str
    subject: str = ""  # subject_key() form; "" when none
    kind: str = ""  # deviation kind (expected records only)
    text: str = ""  # readable description (found records: the message)

    @property
    def key(self) -> Key:
        return (self.item_code, self.unit, self.channel, self.field, self.rule)

    @property
    def field_key(self) -> FieldKey:
        return (self.item_code, self.unit, self.channel, self.field)

    def show(self) -> str:
        subject = f" [{self.subject}]" if self.subject else ""
        kind = f" ({self.kind})" if self.kind else ""
        text = f" — {self.text}" if self.text else ""
        return (
            f"{self.rule} {self.item_code} {self.unit} @{self.channel} "
            f"{self.field}{subject}{kind}{text}"
        )


# ------------------------------------------------------------------ inputs


def _get(f: Finding | Mapping[str, Any], name: str) -> Any:
    return getattr(f, name) if isinstance(f, Finding) else f.get(name)


def found_record(
    f: Finding | Mapping[str, Any], unit_aliases: Mapping[str, str] | None = None
) -> Record:
    """A finding (a :class:`Finding` or one object of the findings JSON) in key form."""
    unit = str(_get(f, "unit") or "")
    unit = (unit_aliases or {}).get(unit, unit)
    return Record(
        item_code=str(_get(f, "item_code") or _get(f, "item_name") or ""),
        unit=unit,
        channel=str(_get(f, "channel") or ""),
        field=str(_get(f, "field") or ""),
        rule=str(_get(f, "rule") or ""),
        subject=subject_key(_get(f, "subject")),
        text=str(_get(f, "message") or ""),
    )


def expected_records(truth: Mapping[str, Any]) -> list[Record]:
    """Every finding the truth file expects (deduplicated: regional variance is recorded
    on the handbook entry and on each guide of the deviating unit)."""
    out: dict[tuple[Key, str], Record] = {}
    for entry in list(truth.get("guides", [])) + list(truth.get("dropped", [])):
        for d in entry.get("deviations", []):
            r = Record(
                item_code=d["item_code"],
                unit=d["unit"] or "",
                channel=d["channel"],
                field=d["field"],
                rule=d["rule"],
                subject=subject_key(d.get("subject")),
                kind=d["kind"],
            )
            out.setdefault((r.key, r.subject), r)
    return list(out.values())


def unit_aliases_from_registry(registry: Mapping[str, Any] | None) -> dict[str, str]:
    """Other names of a charged unit → the name truth.json uses (line departments are
    recorded by full name; a scan may charge them by short name)."""
    aliases: dict[str, str] = {}
    if not registry:
        return aliases
    for item in registry.get("items", []):
        full, short = item.get("line_department"), item.get("line_department_short")
        if full and short:
            aliases[short] = full
    for unit in registry.get("units", []):
        for short in unit.get("short", []):
            aliases.setdefault(short, unit["name"])
    return aliases


# ------------------------------------------------------------------ scoring


@dataclasses.dataclass
class Tally:
    tp_found: int = 0  # found findings that match an expected one
    found: int = 0
    tp_expected: int = 0  # expected findings matched by some found one
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.tp_found / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.tp_expected / self.expected if self.expected else 1.0

    def row(self, name: str) -> str:
        return (
            f"{name:<30}{self.precision:>10.3f}{self.recall:>10.3f}"
            f"{self.found:>8}{self.expected:>9}"
        )


@dataclasses.dataclass
class QualityReport:
    overall: Tally
    per_field: dict[str, Tally]
    per_kind: dict[str, Tally]
    missed: list[Record]
    unexpected: list[Record]
    benign: list[Record]  # unexpected findings on a field with no deviation at all
    benign_by_variation: Counter  # variation ids of the guides those findings fall on
    granularity: str = "finding"

    @property
    def precision(self) -> float:
        return self.overall.precision

    @property
    def recall(self) -> float:
        return self.overall.recall

    @property
    def benign_count(self) -> int:
        return len(self.benign)

    def table(self, title: str = "") -> str:
        head = f"{'':<30}{'precision':>10}{'recall':>10}{'found':>8}{'expected':>9}"
        lines = [title] if title else []
        lines += [head, self.overall.row("overall"), "", "per field:"]
        lines += [t.row("  " + k) for k, t in sorted(self.per_field.items())]
        if self.per_kind:
            lines += ["", "per deviation kind:"]
            lines += [t.row("  " + k) for k, t in sorted(self.per_kind.items())]
        lines += ["", f"findings on benign variations: {self.benign_count}"]
        return "\n".join(lines)

    def problems(self, limit: int = 60) -> str:
        out = []
        if self.missed:
            out.append(f"missed ({len(self.missed)}):")
            out += ["  " + r.show() for r in sorted(self.missed, key=_order)[:limit]]
        if self.unexpected:
            out.append(f"unexpected ({len(self.unexpected)}):")
            out += ["  " + r.show() for r in sorted(self.unexpected, key=_order)[:limit]]
        if self.benign_by_variation:
            common = ", ".join(f"{v} ×{n}" for v, n in self.benign_by_variation.most_common(12))
            out.append(f"variations on the guides of benign findings: {common}")
        return "\n".join(out)


def _order(r: Record) -> tuple[str, ...]:
    return (r.rule, r.item_code, r.unit, r.channel, r.field, r.subject)


def _match(e: Record, f: Record, granularity: str) -> bool:
    if granularity == "field":
        return e.field_key == f.field_key
    if e.key != f.key:
        return False
    return not e.subject or not f.subject or e.subject == f.subject


def _variations(truth: Mapping[str, Any]) -> dict[tuple[str, str, str], list[str]]:
    out: dict[tuple[str, str, str], list[str]] = {}
    for g in truth.get("guides", []):
        out[(g["item_code"], g.get("unit") or "", g["channel"])] = list(g.get("variations", []))
    return out


def score(
    findings: Iterable[Finding | Mapping[str, Any]],
    truth: Mapping[str, Any],
    *,
    registry: Mapping[str, Any] | None = None,
    granularity: str = "finding",
) -> QualityReport:
    """Precision and recall of ``findings`` against the deviations recorded in ``truth``.

    ``granularity="finding"`` compares (item, unit, channel, field, rule[, subject]);
    ``"field"`` compares (item, unit, channel, field) only (for rule-less baselines).
    ``registry`` (corpus/registry.yaml, parsed) lets a line department be charged by
    its short name.
    """
    if granularity not in {"finding", "field"}:
        raise ValueError(granularity)
    aliases = unit_aliases_from_registry(registry)
    expected = expected_records(truth)
    found_all = [found_record(f, aliases) for f in findings]
    if granularity == "field":
        expected = list({e.field_key: e for e in expected}.values())
        found = list({f.field_key: f for f in found_all}.values())
    else:
        found = list({(f.key, f.subject): f for f in found_all}.values())
    by_field_key: dict[FieldKey, list[int]] = defaultdict(list)
    for i, e in enumerate(expected):
        by_field_key[e.field_key].append(i)

    overall = Tally(expected=len(expected), found=len(found))
    per_field: dict[str, Tally] = defaultdict(Tally)
    per_kind: dict[str, Tally] = defaultdict(Tally)
    for e in expected:
        per_field[e.field].expected += 1
        per_kind[e.kind].expected += 1
    matched_expected: set[int] = set()
    unexpected: list[Record] = []
    benign: list[Record] = []
    variations = _variations(truth)
    benign_by_variation: Counter = Counter()
    for f in found:
        per_field[f.field].found += 1
        candidates = by_field_key.get(f.field_key, [])
        hits = [i for i in candidates if _match(expected[i], f, granularity)]
        kinds = {expected[i].kind for i in (hits or candidates)}
        for kind in kinds:  # a wrong finding on a deviated field counts against its kind
            per_kind[kind].found += 1
        if hits:
            overall.tp_found += 1
            per_field[f.field].tp_found += 1
            for kind in kinds:
                per_kind[kind].tp_found += 1
            matched_expected.update(hits)
            continue
        unexpected.append(f)
        if not candidates:
            benign.append(f)
            for v in variations.get((f.item_code, f.unit, f.channel), []):
                benign_by_variation[v] += 1
    for i in matched_expected:
        e = expected[i]
        overall.tp_expected += 1
        per_field[e.field].tp_expected += 1
        per_kind[e.kind].tp_expected += 1
    missed = [e for i, e in enumerate(expected) if i not in matched_expected]
    return QualityReport(
        overall=overall,
        per_field=dict(per_field),
        per_kind=dict(per_kind),
        missed=missed,
        unexpected=unexpected,
        benign=benign,
        benign_by_variation=benign_by_variation,
        granularity=granularity,
    )


# ------------------------------------------------------------------ text-diff baseline


def field_text(value: Any) -> str:
    """The text a field was read from, whitespace removed (materials: their lines in
    page order — a text diff sees order as text)."""
    if value is None:
        return ""
    if isinstance(value, MaterialList):
        raw = "\n".join(m.raw for m in value.items)
    else:
        raw = getattr(value, "raw", "")
    return re.sub(r"\s+", "", raw)


def baseline_findings(
    guides_by_channel: Mapping[str, Mapping[tuple[str, str], Guide]],
    handbook: Mapping[str, Guide],
    *,
    source_of_record: str = "province",
    implemented: Iterable[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """Flag every field whose whitespace-stripped text differs from the reference's.

    ``guides_by_channel``: channel → {(item_code, unit): guide}; ``handbook``:
    item_code → the handbook's entry. Fixed fields are compared with the handbook,
    local fields with the ``source_of_record`` channel's guide of the same (item, unit).
    A field the guide does not show is skipped (channels show different fields); one the
    reference does not have is empty there, so a shown value differs. Each
    (item, unit) of ``implemented`` with no guide on a channel is a missing guide.
    """
    out: list[dict[str, Any]] = []

    def flag(code: str, unit: str, channel: str, field: str) -> None:
        out.append(
            {
                "item_code": code,
                "unit": unit,
                "channel": channel,
                "field": field,
                "rule": BASELINE_RULE,
                "subject": None,
                "message": f"{field} 文字与参照不同",
            }
        )

    record_guides = guides_by_channel.get(source_of_record, {})
    for channel, guides in guides_by_channel.items():
        for (code, unit), guide in guides.items():
            book = handbook.get(code)
            for key in FIELD_KEYS:
                mine = getattr(guide, key)
                if key in LOCAL_FIELDS:
                    if channel == source_of_record:
                        continue
                    ref_guide = record_guides.get((code, unit))
                    if ref_guide is None:
                        continue
                    ref = getattr(ref_guide, key)
                else:
                    if book is None or key == "line_department":
                        continue
                    ref = getattr(book, key)
                if mine is None:
                    continue  # the channel does not show the field at all
                if field_text(mine) != field_text(ref):
                    flag(code, unit, channel, key)
    for code, unit in implemented:
        for channel, guides in guides_by_channel.items():
            if (code, unit) not in guides:
                flag(code, unit, channel, "item")
    return out
