"""Suppressions: accepted deviations, silenced until a review date.

A suppression file (``corpus/suppressions.yaml`` is the documented example) lists
entries naming an item (base code or name), the unit charged, a rule (code,
code prefix or dotted name), optionally a channel, field and subject, a reason
and an expiry date. While an entry is valid its matching findings are silenced;
once it has expired it silences nothing and is reported, so the report can say
"以下豁免已过期". A valid entry that silences nothing is reported as unused.

Pure: :func:`parse_suppressions` validates parsed YAML (``guidecheck.vocab.
load_suppressions`` reads the file); ``today`` is always passed in.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from guidecheck.compare.catalog import CODE_PREFIX, Catalog
from guidecheck.compare.findings import Finding
from guidecheck.errors import ConfigError
from guidecheck.model import FIELD_KEYS
from guidecheck.normalize.text import clean

RULE_SELECTOR = re.compile(r"^GC\d{1,3}$")
NAME_SELECTOR = re.compile(r"^[a-z][a-z-]*(?:\.[a-z][a-z-]*)*$")  # a name or name prefix
ITEM_FIELD = "item"
_REQUIRED = ("item", "unit", "rule", "reason", "expires")
_OPTIONAL = ("channel", "field", "subject")
_ALLOWED = _REQUIRED + _OPTIONAL


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    """One entry of a suppression file."""

    item: str  # base code (许可-00077-006-01) or item name
    unit: str  # the unit charged
    rule: str  # code (GC205), code prefix (GC2) or dotted name (materials.copies)
    reason: str
    expires: dt.date  # last day the entry silences findings
    channel: str | None = None
    field: str | None = None
    subject: str | None = None
    source: str = ""  # file it came from
    index: int = 0  # 1-based position in the file

    @property
    def where(self) -> str:
        return f"{self.source}: 第{self.index}条"

    def is_valid(self, today: dt.date) -> bool:
        return today <= self.expires

    def matches(self, finding: Finding) -> bool:
        """Whether this entry names the finding (regardless of expiry)."""
        return (
            _same_item(self.item, finding)
            and clean(self.unit) == clean(finding.unit)
            and _rule_matches(self.rule, finding)
            and (self.channel is None or self.channel == finding.channel)
            and (self.field is None or self.field == finding.field)
            and (self.subject is None or clean(self.subject) == clean(finding.subject or ""))
        )


def _same_item(item: str, finding: Finding) -> bool:
    if finding.item_code and item.strip() == finding.item_code.strip():
        return True
    return bool(finding.item_name) and clean(item) == clean(finding.item_name or "")


def _rule_matches(selector: str, finding: Finding) -> bool:
    if CODE_PREFIX.match(selector):
        return finding.rule.startswith(selector)
    return finding.rule_name == selector or finding.rule_name.startswith(selector + ".")


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding silenced by an entry (the report may list them with the reason)."""

    finding: Finding
    entry: Suppression


@dataclass(frozen=True, slots=True)
class Suppressions:
    entries: tuple[Suppression, ...] = ()
    source: str = ""

    def apply(
        self, findings: Iterable[Finding], today: dt.date
    ) -> tuple[list[Finding], list[Suppressed], list[Suppression]]:
        """``(kept, suppressed, expired_entries)``: findings a valid entry matches are
        suppressed (first matching entry in file order); expired entries silence nothing
        and are all returned, in file order."""
        valid = [e for e in self.entries if e.is_valid(today)]
        kept: list[Finding] = []
        suppressed: list[Suppressed] = []
        for finding in findings:
            entry = next((e for e in valid if e.matches(finding)), None)
            if entry is None:
                kept.append(finding)
            else:
                suppressed.append(Suppressed(finding, entry))
        expired = [e for e in self.entries if not e.is_valid(today)]
        return kept, suppressed, expired

    def unused(self, suppressed: Iterable[Suppressed], today: dt.date) -> list[Suppression]:
        """Valid entries that silenced nothing (given :meth:`apply`'s ``suppressed``):
        the deviation was fixed, or the entry is mistyped."""
        used = {id(s.entry) for s in suppressed}
        return [e for e in self.entries if e.is_valid(today) and id(e) not in used]


# --- parsing ---------------------------------------------------------------------------


def parse_suppressions(
    data: Any, source: str = "suppressions.yaml", *, catalog: Catalog | None = None
) -> Suppressions:
    """Validate a parsed suppression file; errors name the file, the entry and the key.

    With ``catalog``, a rule selector matching no rule of the catalog is an error too.
    """
    if data is None:
        return Suppressions((), source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: 应为映射，顶层写 suppressions: 列表")
    for key in data:
        if key not in ("version", "suppressions"):
            raise ConfigError(
                f"{source}: 未知的键 {key!r}{_did_you_mean(str(key), ('suppressions',))}"
            )
    items = data.get("suppressions") or []
    if not isinstance(items, list):
        raise ConfigError(f"{source}: suppressions 应为列表")
    entries = tuple(_entry(spec, source, n, catalog) for n, spec in enumerate(items, 1))
    return Suppressions(entries, source)


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"（是否想写 {close[0]!r}？）" if close else ""


def _entry(spec: Any, source: str, index: int, catalog: Catalog | None) -> Suppression:
    where = f"{source}: 第{index}条"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: 应为映射（item、unit、rule、reason、expires …）")
    for key in spec:
        if key not in _ALLOWED:
            raise ConfigError(f"{where}: 未知的键 {key!r}{_did_you_mean(str(key), _ALLOWED)}")
    for key in _REQUIRED:
        if spec.get(key) in (None, ""):
            raise ConfigError(f"{where}: 缺少 {key}")
    values = {
        key: _text(spec[key], where, key)
        for key in _ALLOWED
        if key != "expires" and spec.get(key) is not None
    }
    _check_rule(values["rule"], where, catalog)
    field = values.get("field")
    if field is not None and field not in FIELD_KEYS and field != ITEM_FIELD:
        hint = _did_you_mean(field, (*FIELD_KEYS, ITEM_FIELD))
        raise ConfigError(f"{where}: field: 未知的要素 {field!r}{hint}")
    return Suppression(**values, expires=_date(spec["expires"], where), source=source, index=index)


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key}: 应为非空文字，而不是 {value!r}")
    return value.strip()


def _check_rule(rule: str, where: str, catalog: Catalog | None) -> None:
    if not (RULE_SELECTOR.match(rule) or NAME_SELECTOR.match(rule)):
        raise ConfigError(
            f"{where}: rule: {rule!r} 应为规则代码或前缀（如 GC205、GC2）或名称（如 materials.copies）"
        )
    if catalog is None:
        return
    names = [n for r in catalog.rules.values() for n in (r.code, r.name, *r.aliases)]
    if RULE_SELECTOR.match(rule):
        hit = any(code.startswith(rule) for code in catalog.rules)
    else:
        hit = any(n == rule or n.startswith(rule + ".") for n in names)
    if not hit:
        raise ConfigError(f"{where}: rule: 没有规则匹配 {rule!r}{_did_you_mean(rule, names)}")


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"{where}: expires: 日期应写成 2025-12-31 的形式，而不是 {value!r}"
        ) from None
