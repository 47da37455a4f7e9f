"""The rule catalog (``rules/catalog.yaml``) as immutable data.

Every rule has a stable code (``GC`` + 3 digits), a dotted name, a severity,
the field and comparator difference kinds it covers, a Chinese message
template, its basis and a bad and a good example. No loading here:
:func:`parse_catalog` validates the parsed YAML (``guidecheck.vocab`` reads
the file); config may select, ignore or re-grade rules with
:meth:`Catalog.configured`.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from guidecheck.compare.findings import Severity
from guidecheck.errors import ConfigError

CODE = re.compile(r"^GC\d{3}$")
CODE_PREFIX = re.compile(r"^GC\d{0,3}$")
NAME = re.compile(r"^[a-z][a-z-]*(?:\.[a-z][a-z-]*)+$")
ANY_FIELD = "*"
NOT_STATED = "未写明"
"""How a ``None`` value (absent on that side) reads in a message."""
PLACEHOLDERS = frozenset(
    {
        "expected",
        "actual",
        "subject",
        "field_label",
        "channel_label",
        "reference_label",
        "unit",
        "item_name",
    }
)
"""Values a message template may use; the engine fills them, missing ones render blank."""


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
    messages: tuple[tuple[str, str], ...] = ()  # (kind, template) overriding message

    @property
    def group(self) -> str:
        """The hundred it belongs to: ``GC2`` for GC201–GC299."""
        return self.code[:3]

    def template(self, kind: str | None = None) -> str:
        """The message template for a difference kind (the rule's own when not overridden)."""
        return next((t for k, t in self.messages if k == kind), self.message)

    def render(self, kind: str | None = None, **values: Any) -> str:
        """The message for a difference ``kind`` with the finding's values filled in;
        a key not given renders blank, a ``None`` value as "未写明"."""
        filled = _Blank({k: NOT_STATED if v is None else v for k, v in values.items()})
        return string.Formatter().vformat(self.template(kind), (), filled)


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
        """A catalog keeping only selected rules, minus ignored ones, with severities
        re-graded. Selectors are code prefixes (``GC2`` = all materials rules, ``GC205``),
        names or name prefixes (``materials``); severity keys are codes or names.
        A selector or key matching no rule is a :class:`ConfigError` (a typo never
        silently selects nothing)."""
        select, ignore = tuple(select), tuple(ignore)
        for where, selectors in (("select", select), ("ignore", ignore)):
            for selector in selectors:
                if not any(_selects(selector, rule) for rule in self.rules.values()):
                    raise ConfigError(
                        f"{where}: 没有规则匹配 {selector!r}"
                        f"{_did_you_mean(selector, self._names())}"
                        "（请写规则代码或前缀如 GC2、GC205，或名称如 materials.missing）"
                    )
        kept = {
            code: rule
            for code, rule in self.rules.items()
            if (not select or any(_selects(s, rule) for s in select))
            and not any(_selects(s, rule) for s in ignore)
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
        raise ConfigError(
            f"未知的规则 {key!r}{_did_you_mean(key, self._names())}"
            "（请写规则代码如 GC201 或名称如 materials.missing）"
        )

    def _names(self) -> list[str]:
        return [n for r in self.rules.values() for n in (r.code, r.name, *r.aliases)]


def _selects(selector: str, rule: Rule) -> bool:
    """A code prefix (GC2, GC205), a name, an old name, or a name prefix (materials)."""
    if CODE_PREFIX.match(selector):
        return rule.code.startswith(selector)
    return any(
        selector == name or name.startswith(selector + ".") for name in (rule.name, *rule.aliases)
    )


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f"（是否想写 {close[0]!r}？）" if close else ""


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ConfigError(
            f"{where}: 严重程度应为 error、warning 或 info，而不是 {value!r}"
        ) from None


def parse_catalog(data: Any, source: str = "rules/catalog.yaml") -> Catalog:
    """Validate the parsed catalog YAML; errors name the file and the rule code."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        raise ConfigError(f"{source}: 缺少 rules 映射")
    unknown = set(data) - {"version", "rules"}
    if unknown:
        raise ConfigError(f"{source}: 未知的键 {sorted(unknown)}（可用：['rules', 'version']）")
    rules: dict[str, Rule] = {}
    by_kind: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for code, spec in sorted(data["rules"].items()):
        rule = _parse_rule(str(code), spec, source)
        for name in (rule.name, *rule.aliases):
            if name in names:
                raise ConfigError(f"{source}: {code}: 名称 {name!r} 已由 {names[name]} 使用")
            names[name] = rule.code
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
_ALLOWED = frozenset(_REQUIRED + ("kinds", "aliases", "messages"))


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
    if not NAME.match(str(spec["name"])):
        raise ConfigError(f"{where}.name: 名称应为小写点分形式，如 materials.missing")
    kinds = _strings(spec.get("kinds", ()))
    messages = _messages(spec.get("messages") or {}, kinds, where)
    message = str(spec["message"]).strip()
    _check_template(message, f"{where}.message")
    return Rule(
        code=code,
        name=str(spec["name"]),
        severity=_severity(spec["severity"], f"{where}.severity"),
        fields=_strings(spec["fields"]),
        kinds=kinds,
        message=message,
        basis=str(spec["basis"]).strip(),
        bad=str(spec["bad"]).strip(),
        good=str(spec["good"]).strip(),
        aliases=_strings(spec.get("aliases", ())),
        messages=tuple(messages.items()),
    )


def _messages(value: Any, kinds: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}.messages: 应为 差异类型 → 消息模板 的映射")
    out = {}
    for kind, template in value.items():
        if kind not in kinds:
            raise ConfigError(f"{where}.messages.{kind}: 不是本规则的差异类型（{list(kinds)}）")
        out[str(kind)] = str(template).strip()
        _check_template(out[str(kind)], f"{where}.messages.{kind}")
    return out


def _check_template(template: str, where: str) -> None:
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"{where}: 模板格式错误（{exc}）；花括号只用于占位符") from None
    unknown = sorted(used - PLACEHOLDERS)
    if unknown:
        raise ConfigError(
            f"{where}: 未知的占位符 {{{unknown[0]}}}"
            f"{_did_you_mean(unknown[0], sorted(PLACEHOLDERS))}（可用：{sorted(PLACEHOLDERS)}）"
        )


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)
