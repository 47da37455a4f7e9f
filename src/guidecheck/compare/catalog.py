"""The rule catalog (``rules/catalog.yaml``) as immutable data.

Every rule has a stable code (``GC`` + 3 digits), a dotted name, a severity,
the field and comparator difference kinds it covers, a Chinese message
template, its basis and a bad and a good example. No loading here:
:func:`parse_catalog` validates the parsed YAML (``guidecheck.vocab`` reads
the file); config may select, ignore or re-grade rules with
:meth:`Catalog.configured`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from guidecheck.compare.findings import Severity
from guidecheck.errors import ConfigError

CODE = re.compile(r"^GC\d{3}$")
ANY_FIELD = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fields: tuple[str, ...]  # canonical keys it applies to; ("*",) for any
    kinds: tuple[str, ...]  # comparator Difference.kind values it covers
    message: str  # str.format template: {expected} {actual} {subject} {field_label} …
    basis: str
    bad: str
    good: str
    aliases: tuple[str, ...] = ()  # old names kept when a rule is renamed

    def render(self, **values: Any) -> str:
        """The message with the finding's values filled in; unknown keys stay blank."""
        return string.Formatter().vformat(self.message, (), _Blank(values))


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class Catalog:
    rules: Mapping[str, Rule]  # code → rule, in code order
    _by_kind: Mapping[tuple[str, str], str]  # (field or "*", kind) → code

    def rule(self, code: str) -> Rule:
        return self.rules[code]

    def for_difference(self, field: str, kind: str) -> Rule | None:
        """The rule covering a comparator difference; a kind may itself be a rule code."""
        if kind in self.rules:
            return self.rules[kind]
        code = self._by_kind.get((field, kind)) or self._by_kind.get((ANY_FIELD, kind))
        return self.rules[code] if code else None

    def configured(
        self,
        *,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: Mapping[str, str] | None = None,
    ) -> Catalog:
        """A catalog keeping only selected codes (by prefix: ``GC2`` = all materials rules),
        minus ignored ones, with severities re-graded (keys are codes or names)."""
        select, ignore = tuple(select), tuple(ignore)
        kept = {
            code: rule
            for code, rule in self.rules.items()
            if (not select or code.startswith(select)) and not code.startswith(ignore or ("\0",))
        }
        for key, level in (severity or {}).items():
            code = self._code_of(key)
            if code in kept:
                kept[code] = replace(kept[code], severity=_severity(level, f"severity.{key}"))
        by_kind = {k: c for k, c in self._by_kind.items() if c in kept}
        return Catalog(MappingProxyType(kept), MappingProxyType(by_kind))

    def _code_of(self, key: str) -> str:
        if key in self.rules:
            return key
        for code, rule in self.rules.items():
            if key == rule.name or key in rule.aliases:
                return code
        raise ConfigError(f"未知的规则 {key!r}（请写规则代码如 GC201 或名称如 materials.missing）")


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ConfigError(f"{where}: 严重程度应为 error、warning 或 info，而不是 {value!r}") from None


def parse_catalog(data: Any, source: str = "rules/catalog.yaml") -> Catalog:
    """Validate the parsed catalog YAML; errors name the file and the rule code."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        raise ConfigError(f"{source}: 缺少 rules 映射")
    rules: dict[str, Rule] = {}
    by_kind: dict[tuple[str, str], str] = {}
    for code, spec in sorted(data["rules"].items()):
        rule = _parse_rule(str(code), spec, source)
        rules[rule.code] = rule
        for field in rule.fields:
            for kind in rule.kinds:
                if (field, kind) in by_kind:
                    raise ConfigError(
                        f"{source}: {code}: ({field}, {kind}) 已由 {by_kind[field, kind]} 覆盖"
                    )
                by_kind[field, kind] = rule.code
    return Catalog(MappingProxyType(rules), MappingProxyType(by_kind))


_REQUIRED = ("name", "severity", "fields", "message", "basis", "bad", "good")
_ALLOWED = frozenset(_REQUIRED + ("kinds", "aliases"))


def _parse_rule(code: str, spec: Any, source: str) -> Rule:
    where = f"{source}: {code}"
    if not CODE.match(code):
        raise ConfigError(f"{where}: 规则代码应为 GC 加三位数字")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: 应为映射")
    unknown = set(spec) - _ALLOWED
    if unknown:
        raise ConfigError(f"{where}: 未知的键 {sorted(unknown)}（可用：{sorted(_ALLOWED)}）")
    missing = [k for k in _REQUIRED if not spec.get(k)]
    if missing:
        raise ConfigError(f"{where}: 缺少 {', '.join(missing)}")
    return Rule(
        code=code,
        name=str(spec["name"]),
        severity=_severity(spec["severity"], f"{where}.severity"),
        fields=_strings(spec["fields"]),
        kinds=_strings(spec.get("kinds", ())),
        message=str(spec["message"]).strip(),
        basis=str(spec["basis"]).strip(),
        bad=str(spec["bad"]).strip(),
        good=str(spec["good"]).strip(),
        aliases=_strings(spec.get("aliases", ())),
    )


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)
