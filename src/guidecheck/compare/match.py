"""Matching: which handbook entry a guide is about (pure, O(1) lookups per guide).

A guide is matched by item code when it shows one, else by name within its unit:

* **Codes.** A Zhejiang base code (``许可-00077-006-01``) is the key itself. A
  national implementation code (``511A0138000000-511602000000-000-<credit>-1-00``,
  ``G-000007-001-511602000000-000-…``) is the catalogue part before the 12-digit
  region segment, followed by the region, the unit and the sequence: its base part
  is what names the item. A base code is shared by every unit implementing the
  item, so the engine keys a matched guide by (item, unit).
* **Names.** Names are compared on a key: ``clean()``, level suffixes such as
  ``（市级/县级）`` removed (configurable patterns), brackets and punctuation dropped
  but bracketed words kept (``（新办）`` and ``（延续）`` are different items).
  Equal keys match at once (score 100); otherwise rapidfuzz ``fuzz.ratio`` over the
  unit's items first, then over all items, at or above the threshold
  (``rules/reference.yaml``: ``match.name_threshold``). The score is kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from guidecheck.compare.text import strip_punct
from guidecheck.model import Guide
from guidecheck.normalize.text import clean

# A segment naming the region (12-digit division code) or the unit (18-character
# unified social credit code, or another long number) ends the item part of a code.
_UNIT_PART = re.compile(r"^(?:\d{12}|[0-9A-Z]{10,})$")
DEFAULT_NAME_STRIP = (r"[(（]\s*(?:市级|县级|省级|区级|乡级|镇级|市级/县级|省级/市级/县级)\s*[)）]$",)


@functools.lru_cache(maxsize=65536)
def base_code(code: str) -> str:
    """The item part of a code: the segments before the region or unit segment
    (``511A0138000000-511602000000-000-…`` → ``511A0138000000``; ``E-000004-001-<credit
    code>`` → ``E-000004-001``), else the code itself (cleaned, ASCII upper-cased)."""
    c = clean(code).replace(" ", "")
    parts = c.split("-")
    for i, part in enumerate(parts[1:], start=1):
        if _UNIT_PART.match(part.upper()) and any(ch.isdigit() for ch in part):
            return "-".join(parts[:i]).upper()
    return c.upper() if c.isascii() else c


@dataclass(frozen=True, slots=True)
class NameKey:
    """Builds the comparison key of an item name (patterns compiled once)."""

    strip: tuple[re.Pattern[str], ...]

    @classmethod
    def from_patterns(cls, patterns: Iterable[str] = DEFAULT_NAME_STRIP) -> NameKey:
        return cls(tuple(re.compile(p) for p in patterns))

    def __call__(self, name: str) -> str:
        s = clean(name)
        changed = True
        while changed:
            changed = False
            for pattern in self.strip:
                t = pattern.sub("", s).strip()
                if t != s and t:
                    s, changed = t, True
        return strip_punct(s).lower()


_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def display_name(raw: str) -> str:
    """A name as written, for people: invisible characters dropped, spaces collapsed."""
    return " ".join(_INVISIBLE.sub("", raw).split())


@dataclass(frozen=True, slots=True)
class Entry:
    """One handbook item: its key (base code, else name key), code, name and guide."""

    key: str
    code: str | None
    name: str
    guide: Guide


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry | None
    by: str  # "code", "name" or "none"
    score: float  # 100 for a code or an equal name key; the fuzzy score otherwise


NO_MATCH = Match(None, "none", 0.0)


def entry_for(guide: Guide, name_key: NameKey) -> Entry:
    codes = [base_code(c) for c in guide.codes]
    name = display_name(guide.name.raw) if guide.name else (guide.title or "")
    key = codes[0] if codes else f"name:{name_key(name)}"
    return Entry(key=key, code=codes[0] if codes else None, name=name, guide=guide)


@dataclass(slots=True)
class Matcher:
    """Index of the handbook entries; :meth:`match` links a guide to one."""

    entries: Sequence[Entry]
    name_key: NameKey
    threshold: float
    unit_items: Mapping[str, frozenset[str]] = field(default_factory=dict)  # unit → entry keys
    _by_code: dict[str, Entry] = field(init=False)
    _names: dict[str, list[str]] = field(init=False)  # unit ("" = all) → name keys
    _named: dict[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        self._by_code, self._named = {}, {}
        for entry in self.entries:
            for code in {base_code(c) for c in entry.guide.codes}:
                self._by_code.setdefault(code, entry)
            self._named.setdefault(self.name_key(entry.name), entry)
        self._names = {"": list(self._named)}
        for unit, keys in self.unit_items.items():
            self._names[unit] = [k for k, e in self._named.items() if e.key in keys]

    @classmethod
    def build(
        cls,
        handbook: Iterable[Guide],
        *,
        threshold: float,
        name_key: NameKey | None = None,
        unit_codes: Mapping[str, Iterable[str]] | None = None,
    ) -> Matcher:
        """Index handbook guides; ``unit_codes`` maps a unit to the item codes it
        implements (the registry), to search its own items first."""
        nk = name_key or NameKey.from_patterns()
        entries = [entry_for(g, nk) for g in handbook]
        units = {u: frozenset(base_code(c) for c in codes) for u, codes in (unit_codes or {}).items()}
        return cls(entries, nk, threshold, units)

    def by_code(self, code: str) -> Entry | None:
        return self._by_code.get(base_code(code))

    def match(self, guide: Guide, unit: str | None = None) -> Match:
        for code in guide.codes:
            entry = self._by_code.get(base_code(code))
            if entry is not None:
                return Match(entry, "code", 100.0)
        name = guide.name.text if guide.name else guide.title
        return self.match_name(name, unit) if name else NO_MATCH

    def match_name(self, name: str, unit: str | None = None) -> Match:
        key = self.name_key(name)
        exact = self._named.get(key)
        if exact is not None:
            return Match(exact, "name", 100.0)
        for scope in ((unit or ""), "") if unit in self._names else ("",):
            best = process.extractOne(
                key, self._names[scope], scorer=fuzz.ratio, score_cutoff=self.threshold
            )
            if best is not None:
                return Match(self._named[best[0]], "name", float(best[1]))
        return NO_MATCH
