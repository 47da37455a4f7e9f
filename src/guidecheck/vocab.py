"""Vocabularies from ``rules/*.yaml``: loaded once, schema-checked, named errors.

Code reads vocabulary; it never hard-codes it. A malformed file raises
:class:`ConfigError` naming the file and the key, with a "did you mean" for
unknown keys.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from guidecheck.compare.catalog import Catalog, parse_catalog
from guidecheck.compare.equivalence import Equivalents, parse_equivalents
from guidecheck.compare.lints.vocab import LintVocab, parse_lint_vocab
from guidecheck.compare.suppress import Suppressions, parse_suppressions
from guidecheck.errors import ConfigError
from guidecheck.model import FIELD_KEYS

FIELD_KINDS = frozenset(
    {"text", "list", "codes", "time_limit", "fee", "legal_basis", "materials", "visits",
     "online", "phones"}
)
MATERIAL_COLUMNS = frozenset(
    {"name", "form", "copy_kind", "count", "originals", "copies", "necessity", "source", "note",
     "index"}
)


def rules_dir() -> Path:
    """The ``rules/`` folder: ``$GUIDECHECK_RULES`` or the one beside ``src/``."""
    env = os.environ.get("GUIDECHECK_RULES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "rules"


_LABEL_DROP = re.compile(r"[\s:：*＊※·•|│\u200b-\u200d\u2060\ufeff]+")
_TRAILING_PAREN = re.compile(r"[(（][^()（）]*[)）]$")


@functools.lru_cache(maxsize=1 << 12)
def label_key(label: str) -> str:
    """Normal form of a label for lookup: width-folded, no spaces/colons/markers,
    no trailing parenthetical ("承诺办结时限（工作日）" → "承诺办结时限"). Cached: the
    same few hundred labels come round on every page."""
    s = fold_label_text(label)
    stripped = _TRAILING_PAREN.sub("", s)
    return stripped or s


def fold_label_text(text: str) -> str:
    """Width-folded text without spaces, colons and markers: :func:`label_key` before
    it drops a trailing parenthetical. Every known label's key is a substring of the
    folded text of any text that holds the label as one of its parts."""
    return _LABEL_DROP.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    element: str
    kind: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FieldVocab:
    fields: Mapping[str, FieldSpec]
    _labels: Mapping[str, str]  # label_key(label) -> field key
    _columns: Mapping[str, str]  # label_key(header) -> material attribute

    def field_for_label(self, label: str) -> str | None:
        """Canonical key for a label as written, or None when it is not a known label."""
        return self._labels.get(label_key(label))

    def material_column(self, header: str) -> str | None:
        """Material attribute for a materials-table column header, or None."""
        return self._columns.get(label_key(header))

    def kind(self, key: str) -> str:
        return self.fields[key].kind

    @property
    def longest_label(self) -> int:
        return max(len(k) for k in self._labels)


def _fail(path: Path, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {message}")


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"（是否想写 {close[0]!r}？）" if close else ""


def _check_keys(path: Path, where: str, data: Mapping[str, Any], allowed: Any) -> None:
    for key in data:
        if key not in allowed:
            raise _fail(path, where, f"未知的键 {key!r}{_did_you_mean(str(key), allowed)}")


def _string_list(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(path, where, "应为非空的字符串列表")
    return tuple(value)


def parse_field_vocab(data: Any, path: Path) -> FieldVocab:
    """Validate the parsed ``fields.yaml`` and build the lookup tables."""
    if not isinstance(data, dict):
        raise _fail(path, "(top)", "应为映射 (mapping)")
    _check_keys(path, "(top)", data, {"version", "fields", "material_columns"})
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict):
        raise _fail(path, "fields", "缺少 fields 映射")
    _check_keys(path, "fields", raw_fields, FIELD_KEYS)
    fields: dict[str, FieldSpec] = {}
    labels: dict[str, str] = {}
    for key, spec in raw_fields.items():
        where = f"fields.{key}"
        if not isinstance(spec, dict):
            raise _fail(path, where, "应为映射")
        _check_keys(path, where, spec, {"element", "kind", "labels"})
        kind = spec.get("kind")
        if kind not in FIELD_KINDS:
            raise _fail(path, f"{where}.kind", f"未知的类型 {kind!r}{_did_you_mean(str(kind), FIELD_KINDS)}")
        names = _string_list(path, f"{where}.labels", spec.get("labels"))
        for label in names:
            lk = label_key(label)
            if labels.get(lk, key) != key:
                raise _fail(path, f"{where}.labels", f"标签 {label!r} 已属于 {labels[lk]}")
            labels[lk] = key
        fields[key] = FieldSpec(key, str(spec.get("element", key)), kind, names)
    columns: dict[str, str] = {}
    raw_cols = data.get("material_columns") or {}
    _check_keys(path, "material_columns", raw_cols, MATERIAL_COLUMNS)
    for attr, headers in raw_cols.items():
        for header in _string_list(path, f"material_columns.{attr}", headers):
            columns[label_key(header)] = attr
    return FieldVocab(fields, labels, columns)


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取（{exc.strerror}）") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML 格式错误：{exc}") from exc


@functools.lru_cache(maxsize=8)
def load_field_vocab(directory: Path | None = None) -> FieldVocab:
    """Load and check ``fields.yaml`` (cached per folder)."""
    path = (directory or rules_dir()) / "fields.yaml"
    return parse_field_vocab(_load_yaml(path), path)


@functools.lru_cache(maxsize=8)
def load_equivalents(directory: Path | None = None) -> Equivalents:
    """Load and check ``equivalents.yaml`` (cached: comparator caches key on the object)."""
    path = (directory or rules_dir()) / "equivalents.yaml"
    data = _load_yaml(path)
    try:
        return parse_equivalents(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


@functools.lru_cache(maxsize=8)
def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check the rule catalog ``catalog.yaml``."""
    path = (directory or rules_dir()) / "catalog.yaml"
    return parse_catalog(_load_yaml(path), str(path))


@functools.lru_cache(maxsize=8)
def load_lint_vocab(directory: Path | None = None) -> LintVocab:
    """Load and check the lint vocabulary ``lints.yaml`` (cached per folder)."""
    path = (directory or rules_dir()) / "lints.yaml"
    return parse_lint_vocab(_load_yaml(path), str(path))


def load_suppressions(path: Path, catalog: Catalog | None = None) -> Suppressions:
    """Load and check a suppression file (``corpus/suppressions.yaml`` is the example);
    with ``catalog``, rule selectors must match a rule. Not cached: the file is the user's."""
    return parse_suppressions(_load_yaml(Path(path)), str(path), catalog=catalog)
