"""Application materials (申请材料): optimal alignment, then one difference per attribute.

Names are matched on a key (:func:`material_key`): cleaned, numbering, quotes
and punctuation removed, form/copy words (``materials.strip_words``: 原件,
复印件, 纸质, 加盖公章…) with their counts and connectors removed where they
stand in brackets or end the name, then mapped through the alias groups
(居民身份证 = 身份证). Equal keys pair at once; the rest pair by maximum total
``fuzz.ratio`` (Hungarian) at or above ``similarity.material_pair``.
Order never matters.

Kinds, for the reference's material (``subject``):

* ``missing`` / ``extra`` — no partner on the other side;
* ``name`` — paired, but the names differ beyond noise (score below
  ``similarity.material_same_name``, no alias): 营业执照（副本） vs 营业执照 is the
  same slot of the list asked for less precisely — one ``name`` difference,
  never a missing plus an extra;
* ``original_copy`` — which of 原件/复印件 is asked for differs;
* ``copies`` — the same kinds, different counts;
* ``form`` — 纸质/电子/both; ``necessity`` — 必要/非必要/容缺.

An attribute a page does not state (None) is never a difference. Counts are
compared only when both sides state some count; then an unstated count is 0
(``原件1份`` asks for no copy).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from typing import Any, NamedTuple

from rapidfuzz import fuzz

from guidecheck.compare.align import Pair, align
from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents, alias_form
from guidecheck.compare.text import char_diff, strip_punct
from guidecheck.model import Form, MaterialList, Necessity
from guidecheck.normalize.text import strip_numbering

_COUNT = r"(?:一式)?[0-9一二两三四五六七八九十]+(?:份|张|页|本|套|件)"
_CONNECTOR = r"[及和与或、/,;:+\s]|各|并|需|须|均"
_FORM_TEXT = {Form.PAPER: "纸质", Form.ELECTRONIC: "电子", Form.BOTH: "纸质和电子"}
_NECESSITY_TEXT = {
    Necessity.REQUIRED: "必要",
    Necessity.OPTIONAL: "非必要",
    Necessity.DEFERRED: "容缺后补",
}


@functools.lru_cache(maxsize=64)
def _strippers(
    equivalents: Equivalents,
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(bracketed form group, trailing form run, one form word or count)."""
    words = sorted((alias_form(w) for w in equivalents.strip_words), key=len, reverse=True)
    word = "|".join(map(re.escape, words)) or r"(?!)"
    atom = f"(?:{word}|{_COUNT}|{_CONNECTOR})"
    return (
        re.compile(rf"[(\[【]\s*{atom}+\s*[)\]】]"),
        re.compile(rf"{atom}+$"),
        re.compile(rf"{word}|{_COUNT}"),
    )


def strip_form_words(name: str, equivalents: Equivalents) -> str:
    """``身份证原件及复印件各1份`` → ``身份证``; ``营业执照（副本）`` stays."""
    group, tail, meaningful = _strippers(equivalents)
    out = group.sub("", name) or name
    m = tail.search(out)
    if m and m.start() > 0 and meaningful.search(m.group(0)):
        out = out[: m.start()]
    return out


@functools.lru_cache(maxsize=64)
def _alias_pattern(equivalents: Equivalents) -> re.Pattern[str] | None:
    names = sorted(equivalents.material_aliases, key=len, reverse=True)
    if not names:
        return None
    # 身份证明 and 身份证件 are other words than 身份证: never rewritten.
    return re.compile(f"(?:{'|'.join(map(re.escape, names))})(?![明件])")


def canonical_words(key: str, equivalents: Equivalents) -> str:
    """Aliases inside a longer name rewritten: 父母户口本 → 父母居民户口簿."""
    whole = equivalents.material_aliases.get(key)
    if whole is not None:
        return whole
    pattern = _alias_pattern(equivalents)
    if pattern is None:
        return key
    return pattern.sub(lambda m: equivalents.material_aliases[m.group(0)], key)


@functools.lru_cache(maxsize=65536)
def material_key(name: str, equivalents: Equivalents) -> str:
    """Matching key of a material name (see module docstring)."""
    key = strip_punct(strip_form_words(alias_form(strip_numbering(name)), equivalents))
    return canonical_words(key, equivalents)


_MIN_CONTAINED = (
    4  # a key this long inside the other pairs them: 公司章程 ⊂ 公司章程（全体股东签署）
)


def material_score(a: str, b: str, *, score_cutoff: float = 0.0) -> float:
    """``fuzz.ratio``, raised to the cutoff when the shorter key (≥ 4 characters) is
    contained in the longer: a name with an explanation added is the same material."""
    score = fuzz.ratio(a, b, score_cutoff=score_cutoff)
    if score or min(len(a), len(b)) < _MIN_CONTAINED:
        return score
    return float(max(score_cutoff, 1.0)) if (a in b or b in a) else 0.0


# --- attributes of a paired material ------------------------------------------------


class Meaning(NamedTuple):
    """What the comparison reads of a material: its name and attributes, not where it
    stands (a guide's list is compared through these, its locations added afterwards)."""

    name: str
    originals: int | None
    copies: int | None
    form: Form | None
    necessity: Necessity | None


_MEANING = operator.attrgetter(*Meaning._fields)


def meanings(materials: MaterialList) -> tuple[tuple[Any, ...], ...]:
    """Each material's :class:`Meaning` fields as a plain tuple: a cheap, hashable key
    of what a list says (one C call per material)."""
    return tuple(map(_MEANING, materials.items))


def _counts(m: Meaning) -> tuple[int, int]:
    return (m.originals or 0, m.copies or 0)


def counts_text(m: Meaning) -> str:
    originals, copies = _counts(m)
    parts = ([f"原件{originals}份"] if originals else []) + (
        [f"复印件{copies}份"] if copies else []
    )
    return "、".join(parts) or "无"


def _states_counts(m: Meaning) -> bool:
    return m.originals is not None or m.copies is not None


def _count_kind(want: Meaning, got: Meaning) -> str | None:
    if not (_states_counts(want) and _states_counts(got)):
        return None
    a, b = _counts(want), _counts(got)
    if a == b:
        return None
    if (a[0] > 0, a[1] > 0) != (b[0] > 0, b[1] > 0):
        return "original_copy"
    return "copies"


def _attribute_differences(field: str, want: Meaning, got: Meaning) -> list[Difference]:
    def diff(kind: str, expected: str, actual: str) -> Difference:
        return Difference(
            field=field, kind=kind, expected=expected, actual=actual, subject=want.name
        )

    out = []
    kind = _count_kind(want, got)
    if kind:
        out.append(diff(kind, counts_text(want), counts_text(got)))
    if want.form and got.form and want.form != got.form:
        out.append(diff("form", _FORM_TEXT[want.form], _FORM_TEXT[got.form]))
    if want.necessity and got.necessity and want.necessity != got.necessity:
        out.append(
            diff("necessity", _NECESSITY_TEXT[want.necessity], _NECESSITY_TEXT[got.necessity])
        )
    return out


def _pair_differences(
    field: str, want: Meaning, got: Meaning, pair: Pair, same_name: float
) -> list[Difference]:
    out = []
    if pair.score < same_name:
        out.append(
            Difference(
                field=field,
                kind="name",
                expected=want.name,
                actual=got.name,
                subject=want.name,
                detail=char_diff(want.name, got.name),
            )
        )
    return out + _attribute_differences(field, want, got)


Signature = tuple[tuple[str, int, int, str, str], ...]


@functools.lru_cache(maxsize=16384)
def _keys(names: tuple[str, ...], equivalents: Equivalents) -> tuple[str, ...]:
    return tuple(material_key(n, equivalents) for n in names)


def _signature(keys: tuple[str, ...], items: tuple[Meaning, ...]) -> Signature:
    """The list's meaning regardless of order: equal signatures ⇒ no difference."""
    return tuple(
        sorted(
            (
                k,
                -1 if m.originals is None else m.originals,
                -1 if m.copies is None else m.copies,
                m.form.value if m.form else "",
                m.necessity.value if m.necessity else "",
            )
            for k, m in zip(keys, items, strict=True)
        )
    )


Located = tuple[tuple[Difference, int | None], ...]
"""Differences without their location, each with the index of the guide's material
it is located at (None: the thing is absent from the guide)."""


@functools.lru_cache(maxsize=16384)
def _compare_meanings(
    field: str,
    want_fields: tuple[tuple[Any, ...], ...],
    got_fields: tuple[tuple[Any, ...], ...],
    equivalents: Equivalents,
) -> Located:
    """:func:`compare_materials` on the two lists' :class:`Meaning` fields (cached: pages
    repeat the same lists unit after unit, channel after channel)."""
    want = tuple(map(Meaning._make, want_fields))
    got = tuple(map(Meaning._make, got_fields))
    want_keys = _keys(tuple(m.name for m in want), equivalents)
    got_keys = _keys(tuple(m.name for m in got), equivalents)
    if len(want) == len(got) and _signature(want_keys, want) == _signature(got_keys, got):
        return ()
    al = align(want_keys, got_keys, equivalents.similarity.material_pair, scorer=material_score)
    same_name = equivalents.similarity.material_same_name
    out: list[tuple[Difference, int | None]] = []
    for p in al.pairs:
        out += (
            (d, p.right) for d in _pair_differences(field, want[p.left], got[p.right], p, same_name)
        )
    out += [
        (
            Difference(
                field=field,
                kind="missing",
                expected=want[i].name,
                actual=None,
                subject=want[i].name,
                detail=counts_text(want[i]) if _states_counts(want[i]) else "",
            ),
            None,
        )
        for i in al.left_only
    ]
    out += [
        (
            Difference(
                field=field, kind="extra", expected=None, actual=got[j].name, subject=got[j].name
            ),
            j,
        )
        for j in al.right_only
    ]
    return tuple(out)


def compare_materials(
    field: str, expected: MaterialList, actual: MaterialList, *, equivalents: Equivalents
) -> list[Difference]:
    """Differences between two material lists (kinds in the module docstring)."""
    want, got = expected.items, actual.items
    if not want or not got:
        return []  # an empty list is an extraction problem, not a difference
    located = _compare_meanings(field, meanings(expected), meanings(actual), equivalents)
    return [
        d if at is None else dataclasses.replace(d, location=got[at].location) for d, at in located
    ]
