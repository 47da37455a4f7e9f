"""The lint vocabulary (``rules/lints.yaml``) as one immutable value.

No loading here: :func:`parse_lint_vocab` takes the parsed YAML mapping
(``guidecheck.vocab.load_lint_vocab`` reads the file), validates it and raises
:class:`ConfigError` naming the file and the key, with a "did you mean" for
unknown keys. Phrases are kept in their comparison form (``clean()``) and
compiled into one regular expression per list, so a lint is one ``search``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guidecheck.errors import ConfigError
from guidecheck.normalize.text import clean

SOURCE = "rules/lints.yaml"
REASONS = ("data_sharing", "commitment", "certificate", "no_basis")
REASON_LABELS = {
    "data_sharing": "可通过数据共享核验",
    "commitment": "可以告知承诺替代",
    "certificate": "可由已有证照证明",
    "no_basis": "无法律法规依据",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Phrases:
    """A list of phrases and the compiled pattern finding any of them (longest first)."""

    words: tuple[str, ...]
    pattern: re.Pattern[str]

    def find(self, text: str) -> str | None:
        """The first phrase found in ``text`` (already in comparison form), or None."""
        m = self.pattern.search(text)
        return m.group(0) if m else None

    def find_all(self, text: str) -> tuple[str, ...]:
        """Every phrase found, in order, once each (one ``search`` when there is none)."""
        if not self.pattern.search(text):
            return ()
        return tuple(dict.fromkeys(m.group(0) for m in self.pattern.finditer(text)))


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelProof:
    name: str
    aliases: tuple[str, ...]
    reason: str  # one of REASONS
    basis: str

    @property
    def reason_label(self) -> str:
        return REASON_LABELS[self.reason]


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneRules:
    local_lengths: frozenset[int]
    service_prefixes: tuple[str, ...]
    shared_ok: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class LintVocab:
    material_phrases: Phrases  # GC801: name contains
    material_endings: Phrases  # GC801: name ends with (pattern anchored at the end)
    condition_phrases: Phrases  # GC802
    vague_terms: Phrases  # GC803
    courier_words: Phrases  # GC807
    cancel_proofs: tuple[CancelProof, ...]  # GC810
    cancel_pattern: re.Pattern[str]  # any cancel name or alias at the end of a name → group
    cancel_by_form: Mapping[str, CancelProof]  # clean(name or alias).lower() → entry
    phones: PhoneRules  # GC809

    def cancelled_proof(self, name: str) -> CancelProof | None:
        """The cancel-list entry a material name (comparison form) ends with, if any."""
        m = self.cancel_pattern.search(name)
        return self.cancel_by_form[m.group(0).lower()] if m else None


# --- validation ---------------------------------------------------------------------


def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: {key}：{problem}")


def _mapping(data: Any, source: str, key: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(source, key, "应为键值映射（mapping）")
    for name in data:
        if name not in allowed:
            near = difflib.get_close_matches(str(name), allowed, n=1)
            hint = f"，是否应为 “{near[0]}”？" if near else f"，可用的键：{', '.join(allowed)}"
            raise _fail(source, f"{key}.{name}", f"未知的键{hint}")
    return data


def _strings(data: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not data:
        raise _fail(source, key, "应为非空的字符串列表")
    if not all(isinstance(s, str) and clean(s) for s in data):
        raise _fail(source, key, "列表中每一项都应为非空字符串")
    return tuple(dict.fromkeys(clean(s) for s in data))


def _alternation(words: tuple[str, ...]) -> str:
    """One alternation, longest first; ``(?!)`` (never matches) for no words."""
    if not words:
        return "(?!)"
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _compile(words: tuple[str, ...], *, at_end: bool = False) -> re.Pattern[str]:
    suffix = "$" if at_end else ""
    return re.compile(f"(?:{_alternation(words)}){suffix}", re.IGNORECASE)


def _phrases(data: Any, source: str, key: str, *, at_end: bool = False) -> Phrases:
    words = _strings(data, source, key)
    return Phrases(words=words, pattern=_compile(words, at_end=at_end))


def _cancel_proof(data: Any, source: str, key: str) -> CancelProof:
    spec = _mapping(data, source, key, ("name", "aliases", "reason", "basis"))
    for required in ("name", "reason", "basis"):
        if not isinstance(spec.get(required), str) or not spec[required].strip():
            raise _fail(source, f"{key}.{required}", "缺少或不是字符串")
    reason = spec["reason"]
    if reason not in REASONS:
        near = difflib.get_close_matches(reason, REASONS, n=1)
        hint = f"，是否应为 “{near[0]}”？" if near else f"，可用：{', '.join(REASONS)}"
        raise _fail(source, f"{key}.reason", f"未知的取消理由 {reason!r}{hint}")
    aliases = _strings(spec["aliases"], source, f"{key}.aliases") if "aliases" in spec else ()
    return CancelProof(
        name=clean(spec["name"]), aliases=aliases, reason=reason, basis=spec["basis"].strip()
    )


def _cancel_list(data: Any, source: str) -> tuple[tuple[CancelProof, ...], dict[str, CancelProof]]:
    if not isinstance(data, list):
        raise _fail(source, "cancel_proofs", "应为列表（每项含 name、reason、basis，可选 aliases）")
    entries = tuple(_cancel_proof(d, source, f"cancel_proofs[{i}]") for i, d in enumerate(data))
    by_form: dict[str, CancelProof] = {}
    for i, entry in enumerate(entries):
        for form in (entry.name, *entry.aliases):
            if form.lower() in by_form:
                raise _fail(source, f"cancel_proofs[{i}]", f"“{form}” 已出现在前面的条目中")
            by_form[form.lower()] = entry
    return entries, by_form


def _phone_rules(data: Any, source: str) -> PhoneRules:
    spec = _mapping(data, source, "phones", ("local_lengths", "service_prefixes", "shared_ok"))
    lengths = spec.get("local_lengths")
    if not isinstance(lengths, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 5 <= n <= 8 for n in lengths
    ):
        raise _fail(source, "phones.local_lengths", "应为 5 到 8 之间的整数列表")
    return PhoneRules(
        local_lengths=frozenset(lengths),
        service_prefixes=_strings(spec.get("service_prefixes"), source, "phones.service_prefixes"),
        shared_ok=frozenset(_strings(spec.get("shared_ok"), source, "phones.shared_ok")),
    )


_TOP = ("version", "catch_all", "vague_terms", "courier_words", "cancel_proofs", "phones")


def parse_lint_vocab(data: Any, source: str = SOURCE) -> LintVocab:
    """Validate the parsed ``rules/lints.yaml`` and build :class:`LintVocab`."""
    top = _mapping(data, source, "(顶层)", _TOP)
    if top.get("version") != 1:
        raise _fail(source, "version", "应为 1")
    for key in _TOP:
        if key not in top:
            raise _fail(source, key, "缺少此键")
    catch_all = _mapping(top["catch_all"], source, "catch_all", ("materials", "conditions"))
    materials = _mapping(
        catch_all.get("materials"), source, "catch_all.materials", ("phrases", "endings")
    )
    conditions = _mapping(catch_all.get("conditions"), source, "catch_all.conditions", ("phrases",))
    entries, by_form = _cancel_list(top["cancel_proofs"], source)
    return LintVocab(
        material_phrases=_phrases(materials.get("phrases"), source, "catch_all.materials.phrases"),
        material_endings=_phrases(
            materials.get("endings"), source, "catch_all.materials.endings", at_end=True
        ),
        condition_phrases=_phrases(
            conditions.get("phrases"), source, "catch_all.conditions.phrases"
        ),
        vague_terms=_phrases(top["vague_terms"], source, "vague_terms"),
        courier_words=_phrases(top["courier_words"], source, "courier_words"),
        cancel_proofs=entries,
        cancel_pattern=_compile(tuple(by_form), at_end=True),
        cancel_by_form=by_form,
        phones=_phone_rules(top["phones"], source),
    )
