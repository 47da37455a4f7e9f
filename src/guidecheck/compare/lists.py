"""Fields made of entries: conditions, process steps, item codes, phone numbers.

Conditions (受理条件) are a set of sentences, order never matters. Process steps
(办理流程) are a sequence. Both are aligned on comparison keys
(:func:`~guidecheck.compare.text.text_key`) by :func:`~guidecheck.compare.align.align`:

* a pair scoring ≥ ``similarity.sentence_equal`` is the same sentence (wording noise);
* a pair scoring from ``sentence_changed`` up to ``sentence_equal`` is one ``changed``
  difference with a character diff (one finding, not a missing + an extra);
* what pairs with nothing is ``missing`` (reference only) or ``extra`` (guide only);
* for steps only: a paired step out of the reference's order is ``order``. The
  steps kept in order are a longest increasing run, so one moved step is one
  difference, not a cascade.

Codes and phone numbers are sets compared by value (``missing``/``extra``, or one
``value`` difference when each side has exactly one). Codes are compared per
shape: a Zhejiang base code (``许可-00077-006-01``) with base codes; a national
implementation code (``511A0138000000-511602000000-000-…``) by its first segment
(the catalogue item) only, because the rest names the region and the unit and
rightly differs between the handbook and a district; other shapes with other
shapes. A shape shown on one side only is no difference (pages show different codes).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence

from guidecheck.compare.align import Alignment, align
from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.text import char_diff, text_key
from guidecheck.model import ListValue, Location, Phones

_BASE_CODE = re.compile(r"^[\u4e00-\u9fff]{1,8}-\d{5}-\d{3}(?:-\d{2,3})?$")
_NATIONAL_CODE = re.compile(r"^([0-9A-Z]{14})-\d{12}-")


@functools.lru_cache(maxsize=16384)
def _keys(field: str, items: tuple[str, ...], equivalents: Equivalents) -> tuple[str, ...]:
    return tuple(text_key(field, s, equivalents) for s in items)


def _aligned(
    field: str, expected: ListValue, actual: ListValue, equivalents: Equivalents
) -> Alignment:
    sim = equivalents.similarity
    return align(
        _keys(field, expected.items, equivalents),
        _keys(field, actual.items, equivalents),
        sim.sentence_changed,
    )


def _entry_differences(
    field: str, expected: ListValue, actual: ListValue, al: Alignment, equal_at: float
) -> list[Difference]:
    want, got, loc = expected.items, actual.items, actual.location
    out = [
        Difference(
            field=field,
            kind="changed",
            expected=want[p.left],
            actual=got[p.right],
            location=loc,
            subject=want[p.left],
            detail=char_diff(want[p.left], got[p.right]),
        )
        for p in al.pairs
        if p.score < equal_at
    ]
    out += [
        Difference(field=field, kind="missing", expected=want[i], actual=None, subject=want[i])
        for i in al.left_only
    ]
    out += [
        Difference(
            field=field, kind="extra", expected=None, actual=got[j], location=loc, subject=got[j]
        )
        for j in al.right_only
    ]
    return out


def compare_conditions(
    field: str, expected: ListValue, actual: ListValue, *, equivalents: Equivalents
) -> list[Difference]:
    """Sentences as a set: ``changed``, ``missing``, ``extra``."""
    if expected.items == actual.items or not expected.items or not actual.items:
        return []  # an empty side is an extraction problem, not a difference
    al = _aligned(field, expected, actual, equivalents)
    return _entry_differences(field, expected, actual, al, equivalents.similarity.sentence_equal)


def in_order(sequence: Sequence[int]) -> set[int]:
    """Positions of a longest strictly increasing subsequence of ``sequence``."""
    tails: list[int] = []  # smallest tail value of an increasing run of each length
    tail_pos: list[int] = []
    back = [-1] * len(sequence)
    for pos, value in enumerate(sequence):
        n = bisect.bisect_left(tails, value)
        if n == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[n], tail_pos[n] = value, pos
        back[pos] = tail_pos[n - 1] if n else -1
    keep, pos = set(), tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        keep.add(pos)
        pos = back[pos]
    return keep


def compare_steps(
    field: str, expected: ListValue, actual: ListValue, *, equivalents: Equivalents
) -> list[Difference]:
    """Steps as a sequence: ``changed``, ``missing``, ``extra``, ``order``."""
    if expected.items == actual.items or not expected.items or not actual.items:
        return []
    al = _aligned(field, expected, actual, equivalents)
    out = _entry_differences(field, expected, actual, al, equivalents.similarity.sentence_equal)
    kept = in_order([p.right for p in al.pairs])
    for n, p in enumerate(al.pairs):
        if n not in kept:
            step = expected.items[p.left]
            out.append(
                Difference(
                    field=field,
                    kind="order",
                    expected=f"第{p.left + 1}步",
                    actual=f"第{p.right + 1}步",
                    location=actual.location,
                    subject=step,
                    detail=f"“{step}”的顺序不同",
                )
            )
    return out


# --- sets of values ----------------------------------------------------------------


def _set_differences(
    field: str, want: Sequence[str], got: Sequence[str], location: Location
) -> list[Difference]:
    missing = [w for w in want if w not in got]
    extra = [g for g in dict.fromkeys(got) if g not in want]
    if len(missing) == 1 and len(extra) == 1 and len(set(want)) == 1 and len(set(got)) == 1:
        return [
            Difference(
                field=field, kind="value", expected=missing[0], actual=extra[0], location=location
            )
        ]
    return [
        Difference(field=field, kind="missing", expected=m, actual=None, subject=m) for m in missing
    ] + [
        Difference(field=field, kind="extra", expected=None, actual=e, location=location, subject=e)
        for e in extra
    ]


def code_shape(code: str) -> tuple[str, str]:
    """(shape, value compared): ``base``, ``national`` (its catalogue segment) or ``other``."""
    if _BASE_CODE.match(code):
        return "base", code
    m = _NATIONAL_CODE.match(code)
    if m:
        return "national", m.group(1)
    return "other", code


def compare_codes(field: str, expected: ListValue, actual: ListValue) -> list[Difference]:
    if expected.items == actual.items or not expected.items or not actual.items:
        return []
    want: dict[str, list[str]] = {}
    got: dict[str, list[str]] = {}
    for codes, into in ((expected.items, want), (actual.items, got)):
        for code in codes:
            shape, value = code_shape(code)
            into.setdefault(shape, []).append(value)
    out = []
    for shape, values in want.items():
        if shape in got:
            out += _set_differences(field, values, got[shape], actual.location)
    return out


def compare_phones(field: str, expected: Phones, actual: Phones) -> list[Difference]:
    """Normalized numbers as sets (0571-87654321 = (0571)87654321: the normalizer's job)."""
    if set(expected.numbers) == set(actual.numbers) or not expected.numbers or not actual.numbers:
        return []
    return _set_differences(field, expected.numbers, actual.numbers, actual.location)
