"""Enumerations: item type, case type (text with value aliases), visits, online handling.

An attribute the page does not state (None) is never a difference.
"""

from __future__ import annotations

from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.text import texts_equal
from guidecheck.model import Online, TextValue, Visits

_DEPTHS = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "Ⅳ级"}


def compare_enum(
    field: str, expected: TextValue, actual: TextValue, *, equivalents: Equivalents
) -> list[Difference]:
    """行政许可 = 许可, 即办件 = 即办 (``text.values`` in rules/equivalents.yaml); no fuzzy."""
    if texts_equal(field, expected.text, actual.text, equivalents):
        return []
    return [
        Difference(
            field=field,
            kind="value",
            expected=expected.text,
            actual=actual.text,
            location=actual.location,
        )
    ]


def compare_visits(field: str, expected: Visits, actual: Visits) -> list[Difference]:
    if expected.count is None or actual.count is None or expected.count == actual.count:
        return []
    return [
        Difference(
            field=field,
            kind="count",
            expected=f"{expected.count}次",
            actual=f"{actual.count}次",
            location=actual.location,
        )
    ]


def _yes_no(available: bool) -> str:
    return "可网上办理" if available else "不可网上办理"


def compare_online(field: str, expected: Online, actual: Online) -> list[Difference]:
    """Kinds: ``available`` (可网办 vs 不可网办), else ``depth`` (Ⅰ–Ⅳ级)."""
    if (
        None not in (expected.available, actual.available)
        and expected.available != actual.available
    ):
        return [
            Difference(
                field=field,
                kind="available",
                expected=_yes_no(bool(expected.available)),
                actual=_yes_no(bool(actual.available)),
                location=actual.location,
            )
        ]
    if None in (expected.depth, actual.depth) or expected.depth == actual.depth:
        return []
    return [
        Difference(
            field=field,
            kind="depth",
            expected=_DEPTHS.get(expected.depth or 0, str(expected.depth)),
            actual=_DEPTHS.get(actual.depth or 0, str(actual.depth)),
            location=actual.location,
        )
    ]
