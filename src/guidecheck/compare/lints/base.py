"""What every lint shares: the text entries of a guide and how to make a Difference.

A lint reads one guide on its own (no handbook) and yields
:class:`~guidecheck.compare.difference.Difference` values whose ``kind`` is the
lint's rule code; the engine maps them to the catalog rule of that code.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from guidecheck.model import Guide, ListValue, Location, MaterialList, TextValue
from guidecheck.normalize.text import clean

_TRAILING_PAREN = re.compile(r"[(（][^()（）]*[)）]$")
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of text a lint reads: a condition, a process step, a material name or note."""

    field: str
    text: str  # comparison form (clean)
    raw: str  # as written, for the report
    location: Location
    subject: str | None = None  # the material name, for material entries


def list_entries(field: str, value: ListValue | None) -> Iterator[Entry]:
    if value is None:
        return
    for item in value.items:
        yield Entry(field, clean(item), item, value.location, item)


def material_entries(materials: MaterialList | None, *, notes: bool = False) -> Iterator[Entry]:
    """Material names (and notes when ``notes``), each with the material's location."""
    if materials is None:
        return
    for m in materials.items:
        yield Entry("materials", clean(m.name), m.name, m.location, m.name)
        if notes and m.note:
            yield Entry("materials", clean(m.note), f"{m.name}：{m.note}", m.location, m.name)


def text_entries(guide: Guide, fields: tuple[str, ...]) -> Iterator[Entry]:
    """Entries of the text-bearing fields among ``fields``: list fields entry by entry,
    materials by name and note, text fields whole."""
    for field in fields:
        value = getattr(guide, field)
        if isinstance(value, MaterialList):
            yield from material_entries(value, notes=True)
        elif isinstance(value, ListValue):
            yield from list_entries(field, value)
        elif isinstance(value, TextValue):
            yield Entry(field, value.text, value.raw, value.location)


@functools.lru_cache(maxsize=1 << 16)
def _squeezed(text: str) -> str:
    """NFKC, spaces and zero-width characters removed (cached: entries repeat across guides)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def raw_text(guide: Guide, fields: tuple[str, ...]) -> str:
    """All text of ``fields`` in one string, NFKC, spaces and zero-width characters
    removed: a cheap pre-filter — a CJK phrase found in an entry's ``clean()`` form is
    found here too. Built piece by piece: NFKC never joins across a line break, which is
    then removed, so the pieces' forms put together are the form of the joined text."""
    parts: list[str] = []
    for field in fields:
        value = getattr(guide, field)
        if isinstance(value, MaterialList):
            for m in value.items:
                parts += (m.name, m.note or "")
        elif isinstance(value, ListValue):
            parts.extend(value.items)
        elif isinstance(value, TextValue):
            parts.append(value.text)
    return "".join(map(_squeezed, parts))


def without_trailing_paren(text: str) -> str:
    """``居住证明（社区出具）`` → ``居住证明``; text that is all parenthesis stays."""
    return _TRAILING_PAREN.sub("", text) or text


def quote(words: tuple[str, ...] | list[str]) -> str:
    return "、".join(f"“{w}”" for w in words)
