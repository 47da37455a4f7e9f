"""Per-rule test cases as data: ``tests/cases/GCxxx.yml`` → parametrized pytest cases.

One file per rule code, so ``pytest -k GC201`` runs one rule. Format::

    code: GC201                      # optional; must match the file name
    cases:
      - name: a material is missing
        reference:                   # the handbook entry (or source-of-record guide);
          materials:                 #   omit for lints, which need no reference
            items: [{name: 居民身份证, originals: 1}, 结婚证]
        guide:                       # or `guides: [...]` for several (regional variance)
          unit: 西湖区               # optional: channel (default province), unit, title
          materials: {items: [居民身份证]}
        expect:                      # [] when the guide is clean
          - {rule: GC201, subject: 结婚证}      # rule, optional field and subject
          - "materials|结婚证"                 # shorthand: field|subject of this file's rule

Field values use the semantic form of docs/architecture.md ("Semantic values"):
``{text}``, ``{items}``, ``{amount, unit}`` / ``{immediate: true}`` /
``{no_statutory: true}``, ``{free, amounts, basis}``, ``{citations: [{law, articles}]}``,
``{count}``, ``{available, depth}``, ``{numbers}``; a bare string or list is accepted
for text, list, codes, materials and phones, and ``immediate`` / ``no_statutory`` /
``unparsed`` for a time limit. ``extras: {label: text}`` adds labelled values outside
the vocabulary. Any value mapping may add ``raw`` (the
text as written; default: derived). Every value gets ``Location(source="case")``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from guidecheck.model import (
    HANDBOOK,
    Citation,
    ExtraField,
    Fee,
    FieldValue,
    Form,
    Guide,
    LegalBasis,
    ListValue,
    Location,
    Material,
    MaterialList,
    Necessity,
    Online,
    Phones,
    TextValue,
    TimeLimit,
    TimeUnit,
    Visits,
)
from guidecheck.normalize.text import clean
from guidecheck.vocab import load_field_vocab

CASES_DIR = Path(__file__).parent / "cases"
CASE_LOCATION = Location(source="case")
GUIDE_CHANNEL = "province"
_META = ("channel", "unit", "title")
EXTRAS = "extras"  # {label: text}: labelled values outside the vocabulary
_CASE_KEYS = frozenset({"name", "reference", "guide", "guides", "expect"})


class CaseError(Exception):
    """A case file is malformed (names file, case and key)."""


@dataclass(frozen=True, slots=True)
class Expect:
    rule: str
    field: str | None = None
    subject: str | None = None

    def matches(self, rule: str, field: str, subject: str | None) -> bool:
        return (
            rule == self.rule
            and (self.field is None or field == self.field)
            and (self.subject is None or clean(subject or "") == clean(self.subject))
        )


@dataclass(frozen=True, slots=True)
class Case:
    code: str  # the rule the file is about
    name: str
    guides: tuple[Guide, ...]
    reference: Guide | None
    expect: tuple[Expect, ...]

    @property
    def guide(self) -> Guide:
        if len(self.guides) != 1:
            raise CaseError(f"{self.code}:{self.name}: has {len(self.guides)} guides, not one")
        return self.guides[0]


def case_files() -> dict[str, Path]:
    """Rule code → its case file, for every ``tests/cases/GCxxx.yml``."""
    return {p.stem: p for p in sorted(CASES_DIR.glob("GC[0-9][0-9][0-9].yml"))}


def load_cases(code: str) -> list[Any]:
    """The cases of one rule as ``pytest.param(case, id="GC201:name")``."""
    return [pytest.param(case, id=f"{code}:{case.name}") for case in read_cases(code)]


@functools.cache
def read_cases(code: str) -> tuple[Case, ...]:
    path = CASES_DIR / f"{code}.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise CaseError(f"{where}: needs a `cases:` list")
    if doc.get("code", code) != code or set(doc) - {"code", "cases"}:
        raise CaseError(f"{where}: top level holds only `code: {code}` and `cases:`")
    cases = tuple(_case(code, spec, f"{where}: case {n}") for n, spec in enumerate(doc["cases"], 1))
    names = Counter(c.name for c in cases)
    if dup := [n for n, k in names.items() if k > 1]:
        raise CaseError(f"{where}: duplicate case names {dup}")
    return cases


def _case(code: str, spec: Any, where: str) -> Case:
    if not isinstance(spec, dict) or not spec.get("name"):
        raise CaseError(f"{where}: needs a mapping with a `name`")
    where = f"{where} ({spec['name']})"
    if unknown := set(spec) - _CASE_KEYS:
        raise CaseError(f"{where}: unknown keys {sorted(unknown)} (allowed {sorted(_CASE_KEYS)})")
    if ("guide" in spec) == ("guides" in spec) or "expect" not in spec:
        raise CaseError(f"{where}: needs `expect` and exactly one of `guide` / `guides`")
    raw_guides = [spec["guide"]] if "guide" in spec else spec["guides"]
    ref = spec.get("reference")
    return Case(
        code=code,
        name=str(spec["name"]),
        guides=tuple(
            build_guide(g or {}, channel=GUIDE_CHANNEL, where=f"{where} guide") for g in raw_guides
        ),
        reference=None
        if ref is None
        else build_guide(ref, channel=HANDBOOK, where=f"{where} reference"),
        expect=tuple(_expect(code, e, where) for e in spec["expect"] or ()),
    )


def _expect(code: str, spec: Any, where: str) -> Expect:
    if isinstance(spec, str):
        head, _, subject = spec.partition("|")
        if head.startswith("GC"):
            return Expect(head, None, subject or None)
        return Expect(code, head or None, subject or None)
    if isinstance(spec, dict) and spec.get("rule") and not set(spec) - {"rule", "field", "subject"}:
        return Expect(str(spec["rule"]), spec.get("field"), spec.get("subject"))
    raise CaseError(
        f"{where}: expect entry {spec!r} should be {{rule, field?, subject?}} or 'field|subject'"
    )


# --- building the model from semantic data ---------------------------------------------


def build_guide(data: Mapping[str, Any], *, channel: str, where: str = "case") -> Guide:
    """A Guide from semantic field data plus optional channel/unit/title."""
    if not isinstance(data, Mapping):
        raise CaseError(f"{where}: should be a mapping of fields")
    vocab = load_field_vocab()
    meta = {k: data[k] for k in _META if k in data}
    meta.setdefault("channel", channel)
    fields = {}
    for key, value in data.items():
        if key in _META:
            continue
        if key == EXTRAS:
            fields[key] = tuple(
                ExtraField(label=str(label), value=_text(text)) for label, text in value.items()
            )
            continue
        if key not in vocab.fields:
            raise CaseError(f"{where}: unknown field {key!r} (rules/fields.yaml keys)")
        fields[key] = build_value(vocab.kind(key), value, f"{where}.{key}")
    return Guide(source=CASE_LOCATION, **meta, **fields)


def build_value(kind: str, data: Any, where: str = "case") -> FieldValue:
    """A model value of a field kind (rules/fields.yaml) from its semantic form."""
    try:
        return _BUILDERS[kind](data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CaseError(f"{where}: {data!r} is not a semantic {kind} value ({exc!r})") from None


def _unwrap(data: Any, key: str, allowed: Iterable[str]) -> tuple[Any, str | None]:
    """(the value under ``key`` or the bare value, raw text if given)."""
    if not isinstance(data, Mapping):
        return data, None
    if unknown := set(data) - {key, "raw", *allowed}:
        raise KeyError(f"unknown keys {sorted(unknown)}")
    return data[key], data.get("raw")


def _text(data: Any) -> TextValue:
    text, raw = _unwrap(data, "text", ())
    return TextValue(raw=raw or str(text), text=clean(str(text)), location=CASE_LOCATION)


def _list(data: Any) -> ListValue:
    items, raw = _unwrap(data, "items", ())
    items = [str(s) for s in items]
    return ListValue(
        raw=raw or "\n".join(items), items=tuple(clean(s) for s in items), location=CASE_LOCATION
    )


def _fields(data: Mapping[str, Any], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError("expected a mapping")
    if unknown := set(data) - allowed - {"raw"}:
        raise KeyError(f"unknown keys {sorted(unknown)}")
    return {k: v for k, v in data.items() if k != "raw"}


_UNIT_TEXT = {
    "working_day": "个工作日",
    "day": "日",
    "calendar_day": "个自然日",
    "hour": "小时",
    "month": "个月",
    "year": "年",
}


_TIME_WORDS = {
    "immediate": {"immediate": True},
    "no_statutory": {"no_statutory": True},
    "unparsed": {"raw": "按规定办理"},
}


def _time_limit(data: Any) -> TimeLimit:
    if isinstance(data, str):  # shorthand: immediate | no_statutory | unparsed | raw text
        data = _TIME_WORDS.get(data, {"raw": data})
    v = _fields(data, {"amount", "unit", "immediate", "no_statutory"})
    raw = (
        "即办"
        if v.get("immediate")
        else "无法定时限"
        if v.get("no_statutory")
        else (f"{v['amount']}{_UNIT_TEXT.get(v.get('unit', ''), '')}" if "amount" in v else "")
    )
    if "unit" in v:
        v["unit"] = TimeUnit(v["unit"])
    return TimeLimit(raw=data.get("raw") or raw, location=CASE_LOCATION, **v)


def _fee(data: Any) -> Fee:
    v = _fields(data, {"free", "amounts", "basis"})
    v["amounts"] = tuple(v.get("amounts", ()))
    raw = (
        "不收费"
        if v.get("free")
        else "、".join(v["amounts"]) + (f"，收费依据：{v['basis']}" if v.get("basis") else "")
    )
    return Fee(raw=data.get("raw") or raw or "收费", location=CASE_LOCATION, **v)


def _cite_text(c: Citation) -> str:
    return f"《{c.law}》" + "、".join(f"第{a}条" for a in c.articles)


def _legal(data: Any) -> LegalBasis:
    v = _fields(data, {"citations"})
    cites = tuple(
        Citation(law=clean(str(c["law"])), articles=tuple(c.get("articles", ())))
        for c in v["citations"]
    )
    raw = data.get("raw") or "；".join(map(_cite_text, cites))
    return LegalBasis(raw=raw, citations=cites, location=CASE_LOCATION)


_MATERIAL_KEYS = {"name", "originals", "copies", "form", "necessity", "source", "note"}


def _material(data: Any) -> Material:
    v = _fields({"name": data} if isinstance(data, str) else data, _MATERIAL_KEYS)
    if "form" in v:
        v["form"] = Form(v["form"])
    if "necessity" in v:
        v["necessity"] = Necessity(v["necessity"])
    raw = data if isinstance(data, str) else data.get("raw") or v["name"]
    return Material(raw=raw, location=CASE_LOCATION, **{**v, "name": clean(str(v["name"]))})


def _materials(data: Any) -> MaterialList:
    items, _ = _unwrap(data, "items", ())
    return MaterialList(items=tuple(map(_material, items)), location=CASE_LOCATION)


def _visits(data: Any) -> Visits:
    v = _fields(data, {"count"})
    return Visits(
        raw=data.get("raw") or f"{v.get('count')}次", count=v.get("count"), location=CASE_LOCATION
    )


def _online(data: Any) -> Online:
    v = _fields(data, {"available", "depth"})
    raw = {True: "是", False: "否", None: ""}[v.get("available")] + (
        f"（{v['depth']}级）" if v.get("depth") else ""
    )
    return Online(raw=data.get("raw") or raw, location=CASE_LOCATION, **v)


def _phones(data: Any) -> Phones:
    numbers, raw = _unwrap(data, "numbers", ())
    numbers = tuple(str(n) for n in numbers)
    return Phones(raw=raw or " ".join(numbers), numbers=numbers, location=CASE_LOCATION)


_BUILDERS = {
    "text": _text,
    "list": _list,
    "codes": _list,
    "time_limit": _time_limit,
    "fee": _fee,
    "legal_basis": _legal,
    "materials": _materials,
    "visits": _visits,
    "online": _online,
    "phones": _phones,
}


# --- checking what a rule produced -------------------------------------------------------


def unmet(
    expect: Iterable[Expect], produced: Iterable[tuple[str, str, str | None]]
) -> tuple[list[Expect], list[tuple[str, str, str | None]]]:
    """(expectations nothing produced, produced findings nothing expected), as a multiset
    match of ``(rule, field, subject)``; specific expectations are matched first."""
    left = list(produced)
    missing = []
    for want in sorted(expect, key=lambda e: (e.subject is None, e.field is None)):
        hit = next((p for p in left if want.matches(*p)), None)
        if hit is None:
            missing.append(want)
        else:
            left.remove(hit)
    return missing, left


def assert_findings(case: Case, produced: Iterable[tuple[str, str, str | None]]) -> None:
    """Fail with a readable message unless ``produced`` is exactly what the case expects."""
    produced = list(produced)
    missing, extra = unmet(case.expect, produced)
    assert not missing and not extra, (
        f"{case.code}:{case.name}\n  expected but not found: {missing}\n"
        f"  found but not expected: {extra}\n  all found: {produced}"
    )
