"""Free text (name, location, hours, result, implementing body …).

Two texts are the same when their comparison keys are equal: ``clean()``, quotes
and 《》 removed, Chinese numerals that count made Arabic (第三窗口 = 第3窗口),
punctuation removed (，vs 、, ``9:00-12:00`` vs ``9:00—12:00``), a configured
optional prefix dropped (杭州市西湖区… = 西湖区…), configured value aliases
applied. A configured per-field ``similarity.text_equal`` score may treat
near-equal texts as equal; none is set by default, because on short, dense
texts (an address, office hours) one character *is* the difference.

A real difference carries a compact character diff for display,
``文三路[-1-][+3+]号``, computed only then (rapidfuzz opcodes, no difflib).
"""

from __future__ import annotations

import functools
import unicodedata

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents, alias_form
from guidecheck.model import TextValue
from guidecheck.normalize.numerals import arabize

_CONTEXT = 6  # characters of unchanged text kept on each side of a change


def _is_noise(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PS"


@functools.lru_cache(maxsize=65536)
def strip_punct(s: str) -> str:
    return "".join(ch for ch in s if not _is_noise(ch))


def _drop_prefix(s: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if s.startswith(prefix) and len(s) > len(prefix):
            return s[len(prefix) :]
    return s


@functools.lru_cache(maxsize=65536)
def text_key(field: str, text: str, equivalents: Equivalents) -> str:
    """Comparison key of a field's text (see module docstring)."""
    form = alias_form(text)
    form = equivalents.value_canonical(field, form)
    key = strip_punct(arabize(form))
    prefixes = equivalents.optional_prefixes.get(field)
    if prefixes:
        key = _drop_prefix(key, tuple(strip_punct(p) for p in prefixes))
    return key


def _elide(s: str, *, head: bool, tail: bool) -> str:
    """Shorten an unchanged run, keeping context next to the changes around it."""
    keep_left = _CONTEXT if head else 0
    keep_right = _CONTEXT if tail else 0
    if len(s) <= keep_left + keep_right + 1:
        return s
    return s[:keep_left] + "…" + (s[len(s) - keep_right :] if keep_right else "")


def char_diff(expected: str, actual: str) -> str:
    """``文三路1号`` vs ``文三路3号`` → ``文三路[-1-][+3+]号``; long unchanged runs elided."""
    ops = Levenshtein.opcodes(expected, actual)
    out = []
    last = len(ops) - 1
    for n, op in enumerate(ops):
        old = expected[op.src_start : op.src_end]
        new = actual[op.dest_start : op.dest_end]
        if op.tag == "equal":
            out.append(_elide(old, head=n > 0, tail=n < last))
            continue
        if old:
            out.append(f"[-{old}-]")
        if new:
            out.append(f"[+{new}+]")
    return "".join(out)


def texts_equal(field: str, expected: str, actual: str, equivalents: Equivalents) -> bool:
    if expected == actual:
        return True
    a, b = text_key(field, expected, equivalents), text_key(field, actual, equivalents)
    if a == b:
        return True
    threshold = equivalents.similarity.text_equal.get(field)
    return threshold is not None and fuzz.ratio(a, b, score_cutoff=threshold) > 0


def compare_text(
    field: str, expected: TextValue, actual: TextValue, *, equivalents: Equivalents
) -> list[Difference]:
    """Free text: one difference of kind ``value`` with a character diff, or none."""
    if texts_equal(field, expected.text, actual.text, equivalents):
        return []
    return [
        Difference(
            field=field,
            kind="value",
            expected=expected.text,
            actual=actual.text,
            location=actual.location,
            detail=char_diff(expected.text, actual.text),
        )
    ]
