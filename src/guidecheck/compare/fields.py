"""One entry point: compare a field's reference value with a guide's, by the value's type.

Both values are present (the engine handles an absent field: that is an
extraction problem, never a difference). Text fields whose values form a
closed vocabulary (item type, case type) are compared as enumerations; list
fields by their meaning: codes as sets, process steps as a sequence,
everything else (conditions) as a set of sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guidecheck.compare.difference import Difference
from guidecheck.compare.enums import compare_enum, compare_online, compare_visits
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.fee import compare_fee
from guidecheck.compare.legal import compare_legal_basis
from guidecheck.compare.lists import (
    compare_codes,
    compare_conditions,
    compare_phones,
    compare_steps,
)
from guidecheck.compare.materials import compare_materials
from guidecheck.compare.text import compare_text
from guidecheck.compare.timelimit import compare_time_limit
from guidecheck.model import (
    Fee,
    FieldValue,
    LegalBasis,
    ListValue,
    MaterialList,
    Online,
    Phones,
    TextValue,
    TimeLimit,
    Visits,
)

ENUM_FIELDS = frozenset({"item_type", "case_type"})
SEQUENCE_FIELDS = frozenset({"process"})
CODE_FIELDS = frozenset({"code"})


def _compare_text_value(key: str, e: TextValue, a: TextValue, eq: Equivalents) -> list[Difference]:
    if key in ENUM_FIELDS:
        return compare_enum(key, e, a, equivalents=eq)
    return compare_text(key, e, a, equivalents=eq)


def _compare_list(key: str, e: ListValue, a: ListValue, eq: Equivalents) -> list[Difference]:
    if key in CODE_FIELDS:
        return compare_codes(key, e, a)
    if key in SEQUENCE_FIELDS:
        return compare_steps(key, e, a, equivalents=eq)
    return compare_conditions(key, e, a, equivalents=eq)


Comparator = Callable[[str, Any, Any, Equivalents], list[Difference]]

_BY_TYPE: dict[type, Comparator] = {
    TextValue: _compare_text_value,
    ListValue: _compare_list,
    MaterialList: lambda k, e, a, eq: compare_materials(k, e, a, equivalents=eq),
    TimeLimit: lambda k, e, a, eq: compare_time_limit(k, e, a),
    Fee: lambda k, e, a, eq: compare_fee(k, e, a, equivalents=eq),
    LegalBasis: lambda k, e, a, eq: compare_legal_basis(k, e, a, equivalents=eq),
    Visits: lambda k, e, a, eq: compare_visits(k, e, a),
    Online: lambda k, e, a, eq: compare_online(k, e, a),
    Phones: lambda k, e, a, eq: compare_phones(k, e, a),
}


def compare_field(
    key: str, expected: FieldValue, actual: FieldValue, *, equivalents: Equivalents
) -> list[Difference]:
    """Differences of ``actual`` from ``expected`` for the canonical field ``key``; [] when
    equivalent. Raises TypeError when the values differ in type or have no comparator."""
    kind = type(expected)
    if kind is not type(actual):
        raise TypeError(f"{key}: cannot compare {kind.__name__} with {type(actual).__name__}")
    comparator = _BY_TYPE.get(kind)
    if comparator is None:
        raise TypeError(f"{key}: no comparator for {kind.__name__}")
    return comparator(key, expected, actual, equivalents)
