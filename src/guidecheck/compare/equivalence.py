"""The equivalence list (``rules/equivalents.yaml``) as one immutable value.

No loading here: :func:`parse_equivalents` takes the parsed YAML mapping
(``guidecheck.vocab`` reads the file) and validates it, raising
:class:`ConfigError` that names the key. Alias entries are stored in their
comparison form (:func:`alias_form`), so lookups are one dict access.

``Equivalents`` hashes by identity (``eq=False``): comparators cache derived
keys per (string, equivalents) and a vocabulary is built once per run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from guidecheck.errors import ConfigError
from guidecheck.model import FIELD_KEYS
from guidecheck.normalize.text import clean

SOURCE = "rules/equivalents.yaml"
_QUOTES = re.compile(r"[《》〈〉“”‘’\"'「」『』]")


def alias_form(s: str) -> str:
    """Comparison form of a name or value: cleaned, quotes and 《》 removed, lower case."""
    return _QUOTES.sub("", clean(s)).lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Similarity:
    """rapidfuzz ``fuzz.ratio`` thresholds (0–100)."""

    material_pair: float = 60.0
    material_same_name: float = 90.0
    sentence_equal: float = 90.0
    sentence_changed: float = 60.0
    basis_equal: float = 85.0
    text_equal: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Equivalents:
    material_aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    strip_words: tuple[str, ...] = ()
    law_prefixes: tuple[str, ...] = ()
    value_aliases: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    optional_prefixes: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    similarity: Similarity = field(default_factory=Similarity)

    def material_canonical(self, key: str) -> str:
        """The group's first name for a material key in :func:`alias_form`, else the key."""
        return self.material_aliases.get(key, key)

    def value_canonical(self, field_key: str, value: str) -> str:
        aliases = self.value_aliases.get(field_key)
        return aliases.get(value, value) if aliases else value


# --- validation -------------------------------------------------------------------


def _fail(key: str, problem: str) -> ConfigError:
    return ConfigError(f"{SOURCE}: {key}：{problem}")


def _check_keys(data: Any, key: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(key or "(顶层)", "应为键值映射（mapping）")
    for name in data:
        if name not in allowed:
            near = difflib.get_close_matches(str(name), allowed, n=1)
            hint = f"，是否应为 “{near[0]}”？" if near else f"，可用的键：{', '.join(allowed)}"
            raise _fail(f"{key}.{name}" if key else str(name), f"未知的键{hint}")
    return data


def _strings(data: Any, key: str) -> tuple[str, ...]:
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(s, str) and s.strip() for s in data):
        raise _fail(key, "应为非空字符串的列表")
    return tuple(data)


def _alias_map(groups: Any, key: str) -> dict[str, str]:
    """``[[canonical, alias…], …]`` → {alias_form(name): alias_form(canonical)}."""
    if groups is None:
        return {}
    if not isinstance(groups, list):
        raise _fail(key, "应为名称组的列表，如 [[居民身份证, 身份证]]")
    out: dict[str, str] = {}
    for i, group in enumerate(groups):
        names = _strings(group, f"{key}[{i}]")
        if len(names) < 2:
            raise _fail(f"{key}[{i}]", "一个等同组至少要有两个名称")
        canonical = alias_form(names[0])
        for name in names:
            form = alias_form(name)
            if form in out and out[form] != canonical:
                raise _fail(f"{key}[{i}]", f"“{name}” 已出现在另一个等同组中")
            out[form] = canonical
    return out


def _threshold(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise _fail(key, "应为 0 到 100 之间的数")
    return float(value)


def _field_keys(data: Any, key: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    return _check_keys(data, key, FIELD_KEYS)


def _similarity(data: Any) -> Similarity:
    data = _check_keys(
        data or {},
        "similarity",
        (
            "material_pair",
            "material_same_name",
            "sentence_equal",
            "sentence_changed",
            "basis_equal",
            "text_equal",
        ),
    )
    numbers = {
        name: _threshold(value, f"similarity.{name}")
        for name, value in data.items()
        if name != "text_equal"
    }
    per_field = {
        name: _threshold(value, f"similarity.text_equal.{name}")
        for name, value in _field_keys(data.get("text_equal"), "similarity.text_equal").items()
    }
    sim = Similarity(**numbers, text_equal=MappingProxyType(per_field))
    if sim.sentence_changed > sim.sentence_equal:
        raise _fail("similarity.sentence_changed", "不应大于 sentence_equal")
    if sim.material_pair > sim.material_same_name:
        raise _fail("similarity.material_pair", "不应大于 material_same_name")
    return sim


def parse_equivalents(data: Mapping[str, Any]) -> Equivalents:
    """Validate the parsed ``rules/equivalents.yaml`` and build :class:`Equivalents`."""
    top = _check_keys(data, "", ("version", "materials", "legal_basis", "text", "similarity"))
    if top.get("version") != 1:
        raise _fail("version", "应为 1")
    materials = _check_keys(top.get("materials") or {}, "materials", ("aliases", "strip_words"))
    legal = _check_keys(top.get("legal_basis") or {}, "legal_basis", ("law_prefixes",))
    text = _check_keys(top.get("text") or {}, "text", ("values", "optional_prefixes"))
    values = {
        name: MappingProxyType(_alias_map(groups, f"text.values.{name}"))
        for name, groups in _field_keys(text.get("values"), "text.values").items()
    }
    prefixes = {
        name: tuple(
            sorted(map(clean, _strings(p, f"text.optional_prefixes.{name}")), key=len, reverse=True)
        )
        for name, p in _field_keys(text.get("optional_prefixes"), "text.optional_prefixes").items()
    }
    return Equivalents(
        material_aliases=MappingProxyType(
            _alias_map(materials.get("aliases"), "materials.aliases")
        ),
        strip_words=tuple(
            map(clean, _strings(materials.get("strip_words"), "materials.strip_words"))
        ),
        law_prefixes=tuple(
            map(clean, _strings(legal.get("law_prefixes"), "legal_basis.law_prefixes"))
        ),
        value_aliases=MappingProxyType(values),
        optional_prefixes=MappingProxyType(prefixes),
        similarity=_similarity(top.get("similarity")),
    )
