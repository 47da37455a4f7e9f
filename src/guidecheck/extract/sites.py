"""Optional per-site adapters: CSS selectors that refine the generic HTML extractor.

One YAML file per portal under ``rules/sites/`` (see ``rules/sites/example.yaml``).
The generic extractor still runs; an adapter narrows it to the guide container(s),
hides extra boilerplate, and supplies fields the generic walk cannot find (values
without a visible label, values far from their label, an odd materials table).
Files are schema-checked on load; errors name the file and the key.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml
from lxml.cssselect import CSSSelector, SelectorError

from guidecheck.errors import ConfigError

TOP_KEYS = frozenset({"name", "match", "guide", "title", "ignore", "fields", "pairs", "materials"})
MATCH_KEYS = frozenset({"hosts", "paths"})
PAIR_KEYS = frozenset({"item", "label", "value"})


@dataclass(frozen=True, slots=True, kw_only=True)
class PairSelector:
    """Repeated label/value items: ``item`` elements each holding a ``label`` and a ``value``."""

    item: CSSSelector
    label: CSSSelector
    value: CSSSelector


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteAdapter:
    name: str
    path: Path
    hosts: tuple[str, ...] = ()  # glob patterns on the URL host
    paths: tuple[str, ...] = ()  # glob patterns on the URL path or the file path
    guide: CSSSelector | None = None  # each match is one guide
    title: CSSSelector | None = None
    ignore: tuple[CSSSelector, ...] = ()
    fields: tuple[tuple[str, CSSSelector], ...] = ()  # label as written → value element
    pairs: tuple[PairSelector, ...] = ()
    materials: CSSSelector | None = None  # a materials table with a header row

    def matches(self, url_or_path: str) -> bool:
        """Whether this adapter applies to a URL (host and path) or a local file path."""
        parts = urlsplit(url_or_path)
        if parts.scheme in {"http", "https"}:
            host_ok = not self.hosts or _any_glob(parts.hostname or "", self.hosts)
            path_ok = not self.paths or _any_glob(parts.path or "/", self.paths)
            return bool(self.hosts or self.paths) and host_ok and path_ok
        posix = PurePosixPath(Path(url_or_path).as_posix()).as_posix()
        return bool(self.paths) and _any_glob(posix, self.paths)


def _any_glob(value: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _fail(path: Path, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {message}")


def _check_keys(path: Path, where: str, data: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"（是否想写 {close[0]!r}？）" if close else ""
            raise _fail(path, where, f"未知的键 {key!r}{hint}")


def _selector(path: Path, where: str, value: Any) -> CSSSelector:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, "应为非空的 CSS 选择器字符串")
    try:
        return CSSSelector(value, translator="html")
    except SelectorError as exc:
        raise _fail(path, where, f"CSS 选择器无效 {value!r}（{exc}）") from exc


def _optional_selector(path: Path, where: str, value: Any) -> CSSSelector | None:
    return None if value is None else _selector(path, where, value)


def _globs(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, where, "应为字符串或字符串列表")
    return tuple(value)


def _mapping(path: Path, where: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, where, "应为映射 (mapping)")
    return value


def _pairs(path: Path, value: Any) -> tuple[PairSelector, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(path, "pairs", "应为列表，每项含 item、label、value")
    out = []
    for i, entry in enumerate(value):
        where = f"pairs[{i}]"
        entry = _mapping(path, where, entry)
        _check_keys(path, where, entry, PAIR_KEYS)
        missing = sorted(PAIR_KEYS - entry.keys())
        if missing:
            raise _fail(path, where, f"缺少键 {', '.join(missing)}")
        out.append(PairSelector(**{k: _selector(path, f"{where}.{k}", entry[k]) for k in PAIR_KEYS}))
    return tuple(out)


def parse_site_adapter(data: Any, path: Path) -> SiteAdapter:
    """Validate one parsed adapter file and compile its selectors."""
    data = _mapping(path, "(top)", data)
    _check_keys(path, "(top)", data, TOP_KEYS)
    match = _mapping(path, "match", data.get("match"))
    _check_keys(path, "match", match, MATCH_KEYS)
    hosts = _globs(path, "match.hosts", match.get("hosts"))
    paths = _globs(path, "match.paths", match.get("paths"))
    if not hosts and not paths:
        raise _fail(path, "match", "至少需要 hosts 或 paths 之一")
    fields = _mapping(path, "fields", data.get("fields"))
    ignore = _globs(path, "ignore", data.get("ignore"))
    return SiteAdapter(
        name=str(data.get("name") or path.stem),
        path=path,
        hosts=hosts,
        paths=paths,
        guide=_optional_selector(path, "guide", data.get("guide")),
        title=_optional_selector(path, "title", data.get("title")),
        ignore=tuple(_selector(path, f"ignore[{i}]", s) for i, s in enumerate(ignore)),
        fields=tuple((str(k), _selector(path, f"fields.{k}", v)) for k, v in fields.items()),
        pairs=_pairs(path, data.get("pairs")),
        materials=_optional_selector(path, "materials", data.get("materials")),
    )


def load_site_adapter(path: Path) -> SiteAdapter:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取（{exc.strerror}）") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML 格式错误：{exc}") from exc
    return parse_site_adapter(data, path)


def load_site_adapters(directory: Path) -> list[SiteAdapter]:
    """Every ``*.yaml``/``*.yml`` adapter in ``directory`` (none if it does not exist)."""
    if not directory.is_dir():
        return []
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return [load_site_adapter(f) for f in files]


def adapter_for(url_or_path: str, adapters: list[SiteAdapter]) -> SiteAdapter | None:
    """The first adapter whose host/path patterns match, or None."""
    return next((a for a in adapters if a.matches(url_or_path)), None)
