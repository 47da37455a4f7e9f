"""``guidecheck scan``: config → extract every channel → attribute units → compare →
regional variance → suppressions → findings.

The config (YAML or TOML; ``corpus/scan.yaml`` is the documented example) names the
handbook files, the unit registry, the source-of-record channel, each channel's
inputs, rule selection and field overrides. Paths are relative to the config file.
Extraction runs over a process pool in chunks (:mod:`guidecheck.extract.pool`); a file
that cannot be read is one :class:`ReadError` and the scan carries on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from guidecheck.attribute.charge import line_department
from guidecheck.attribute.gazetteer import Gazetteer
from guidecheck.attribute.registry import Registry, load_registry
from guidecheck.attribute.variance import regional_variance
from guidecheck.compare.catalog import Catalog
from guidecheck.compare.engine import (
    UNKNOWN_UNIT,
    Comparison,
    FindingMaker,
    Settings,
    describe,
)
from guidecheck.compare.findings import Finding, Severity
from guidecheck.compare.lints import run_lints
from guidecheck.compare.match import DEFAULT_NAME_STRIP, NameKey, base_code, entry_for
from guidecheck.compare.suppress import Suppressed, Suppression
from guidecheck.crawl.config import CrawlConfig, parse_crawl_config
from guidecheck.errors import ConfigError, GuidecheckError
from guidecheck.extract.files import ReadError, iter_file_names
from guidecheck.extract.pool import iter_extract
from guidecheck.memory import gc_paused
from guidecheck.model import FIELD_KEYS, HANDBOOK, Guide, slots
from guidecheck.vocab import (
    load_catalog,
    load_equivalents,
    load_field_vocab,
    load_lint_vocab,
    load_suppressions,
    rules_dir,
)

# --- config ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConfig:
    name: str
    label: str
    inputs: tuple[Path, ...]
    not_shown: frozenset[str] = frozenset()  # fields this channel never publishes
    complete: bool = True  # expected to carry every implemented item (GC101)
    crawl: bool = False  # read from the snapshot store, not its inputs (``crawl:`` settings)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    path: Path
    handbook: tuple[tuple[Path, str | None], ...]  # (file or folder, department)
    registry: Path | None
    source_of_record: str
    channels: tuple[ChannelConfig, ...]
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = dataclasses.field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    suppressions: Path | None = None
    fixed_fields: tuple[str, ...] = ()
    local_fields: tuple[str, ...] = ()
    optional_fields: tuple[str, ...] = ()
    match_threshold: float = 90.0
    name_strip: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()
    unit_from_filename: re.Pattern[str] | None = None
    crawl: CrawlConfig | None = None  # the web channels' ``crawl:`` settings (issue 4)
    today: dt.date | None = None  # for suppression expiry; None = the real date
    store: Path | None = None  # SQLite store of scan runs (issue 5); None = beside the config
    report: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # `guidecheck report`


_TOP = {
    "version", "handbook", "registry", "source_of_record", "channels", "rules", "suppressions",
    "fields", "match", "vague", "unit_from_filename", "reference", "store", "report",
}
_CHANNEL = {"label", "inputs", "not_shown", "complete", "crawl"}
_WEB = {"crawl"}  # top-level crawl defaults (crawl.config)
_RULES = {"select", "ignore", "severity", "fail_on"}
_FIELDS = {"fixed", "local", "optional"}
_REPORT = {"issuer", "recipients", "scoring", "trend_weeks"}


def _read_data(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取配置文件（{exc.strerror}）") from exc
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: TOML 格式错误：{exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML 格式错误：{exc}") from exc


def _keys(data: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: 应为映射")
    unknown = sorted(set(data) - allowed)
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], sorted(allowed), n=1)
        hint = f"（是否想写 {near[0]!r}？）" if near else f"（可用：{sorted(allowed)}）"
        raise ConfigError(f"{where}: 未知的键 {unknown[0]!r}{hint}")
    return data


def _list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v) for v in value)
    raise ConfigError(f"{where}: 应为字符串列表")


def _fields(value: Any, where: str) -> tuple[str, ...]:
    keys = _list(value, where)
    bad = [k for k in keys if k not in FIELD_KEYS]
    if bad:
        raise ConfigError(f"{where}: 未知的字段 {bad}（可用：{', '.join(FIELD_KEYS)}）")
    return keys


def load_reference(path: Path | None = None) -> dict[str, Any]:
    """``rules/reference.yaml``: fixed/local/optional fields, source of record, matching."""
    path = path or rules_dir() / "reference.yaml"
    data = _keys(
        _read_data(path),
        {"version", "fixed_fields", "local_fields", "optional_fields", "source_of_record",
         "match", "vague"},
        str(path),
    )
    return data


def _handbook(value: Any, base: Path, where: str) -> tuple[tuple[Path, str | None], ...]:
    out = []
    for i, item in enumerate(value if isinstance(value, list) else [value]):
        if isinstance(item, str):
            out.append((base / item, None))
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            _keys(item, {"path", "department"}, f"{where}[{i}]")
            out.append((base / item["path"], item.get("department")))
        else:
            raise ConfigError(f"{where}[{i}]: 应为路径，或 {{path, department}}")
    if not out:
        raise ConfigError(f"{where}: 至少需要一个手册文件或文件夹")
    return tuple(out)


def _channel(name: str, spec: Any, base: Path, where: str) -> ChannelConfig:
    spec = _keys(spec, _CHANNEL, where)
    inputs = _list(spec.get("inputs"), f"{where}.inputs")
    crawled = spec.get("crawl") is not None
    if not inputs and not crawled:
        raise ConfigError(f"{where}.inputs: 至少需要一个文件或文件夹（或用 crawl: 从网站抓取）")
    return ChannelConfig(
        name=name,
        label=str(spec.get("label") or name),
        inputs=tuple(base / p for p in inputs),
        not_shown=frozenset(_fields(spec.get("not_shown"), f"{where}.not_shown")),
        complete=bool(spec.get("complete", True)),
        crawl=crawled,
    )


def _crawl_settings(data: Mapping[str, Any], where: str) -> CrawlConfig | None:
    """The ``crawl:`` settings of the web channels (crawl.config), or None without any."""
    channels = data.get("channels") or {}
    if not any(isinstance(s, dict) and s.get("crawl") is not None for s in channels.values()):
        if data.get("crawl") is not None:
            raise ConfigError(f"{where}: 有顶层 crawl 设置，但没有任何渠道配置 crawl")
        return None
    return parse_crawl_config(data, source=where)


def load_config(path: Path) -> ScanConfig:
    """Read and check a scan config; errors name the file and the key."""
    where = str(path)
    data = _keys(_read_data(path), _TOP | _WEB, where)
    base = path.parent
    ref_path = base / data["reference"] if data.get("reference") else None
    ref = load_reference(ref_path)
    if "handbook" not in data or "channels" not in data:
        raise ConfigError(f"{where}: 需要 handbook 和 channels")
    channels = _keys(data["channels"], set(data["channels"] or {}), f"{where}: channels")
    rules = _keys(data.get("rules"), _RULES, f"{where}: rules")
    fields = _keys(data.get("fields"), _FIELDS, f"{where}: fields")
    match = {**(ref.get("match") or {}), **(data.get("match") or {})}
    sor = str(data.get("source_of_record") or ref.get("source_of_record") or "province")
    if sor not in channels:
        raise ConfigError(f"{where}: source_of_record {sor!r} 不是已配置的渠道 {sorted(channels)}")
    pattern = data.get("unit_from_filename")
    try:
        unit_re = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise ConfigError(f"{where}: unit_from_filename 不是合法的正则表达式：{exc}") from exc
    fail_on = str(rules.get("fail_on", "error"))
    if fail_on not in {s.value for s in Severity}:
        raise ConfigError(f"{where}: rules.fail_on 应为 error、warning 或 info")
    return ScanConfig(
        path=path,
        handbook=_handbook(data["handbook"], base, f"{where}: handbook"),
        registry=base / data["registry"] if data.get("registry") else None,
        source_of_record=sor,
        channels=tuple(
            _channel(str(n), s, base, f"{where}: channels.{n}") for n, s in channels.items()
        ),
        select=_list(rules.get("select"), f"{where}: rules.select"),
        ignore=_list(rules.get("ignore"), f"{where}: rules.ignore"),
        severity=dict(rules.get("severity") or {}),
        fail_on=Severity(fail_on),
        suppressions=base / data["suppressions"] if data.get("suppressions") else None,
        fixed_fields=_fields(fields.get("fixed", ref.get("fixed_fields")), f"{where}: fields.fixed"),
        local_fields=_fields(fields.get("local", ref.get("local_fields")), f"{where}: fields.local"),
        optional_fields=_fields(
            fields.get("optional", ref.get("optional_fields")), f"{where}: fields.optional"
        ),
        match_threshold=float(match.get("name_threshold", 90)),
        name_strip=_list(match.get("name_strip"), f"{where}: match.name_strip"),
        vague=_list(data.get("vague", ref.get("vague")), f"{where}: vague"),
        unit_from_filename=unit_re,
        crawl=_crawl_settings(data, where),
        store=base / data["store"] if data.get("store") else None,
        report=_keys(data.get("report"), _REPORT, f"{where}: report"),
    )


# --- units ----------------------------------------------------------------------------

def unit_namer(
    registry: Registry, pattern: re.Pattern[str] | None
) -> Callable[[str], str | None]:
    """The unit a file name (or a URL's last segment) names by the config's
    ``unit_from_filename``: the registry unit whose key or name the pattern captures
    (group ``unit``, else the whole match); None when it names none."""
    by_key = {u.key: u.name for u in registry.units}
    names = set(by_key.values())

    def unit(name: str) -> str | None:
        m = pattern.search(name) if pattern is not None else None
        if m is None:
            return None
        found = m.group("unit") if "unit" in m.re.groupindex else m.group(0)
        return by_key.get(found) or (found if found in names else None)

    return unit


def unit_assigner(
    registry: Registry, pattern: re.Pattern[str] | None
) -> Callable[[Iterable[Guide]], list[Guide]]:
    """:func:`assign_units` with its gazetteer built once, for guides that come a chunk
    at a time."""
    gazetteer = Gazetteer.from_registry(registry)
    named = unit_namer(registry, pattern)

    def assign(guides: Iterable[Guide]) -> list[Guide]:
        out = []
        for guide in guides:
            body = guide.implementing_body.text if guide.implementing_body else None
            unit = gazetteer.unit_for_body(body)
            if unit is None:
                unit = named(Path(guide.source.source).name)
            out.append(slots(Guide).replace(guide, "unit", unit) if unit != guide.unit else guide)
        return out

    return assign


def assign_units(
    guides: Iterable[Guide], registry: Registry, pattern: re.Pattern[str] | None
) -> list[Guide]:
    """Set each guide's ``unit``: from its implementing body (gazetteer, registry
    bodies first); else from the file name with the config's ``unit_from_filename``."""
    return unit_assigner(registry, pattern)(guides)


# --- the scan -------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class ScanResult:
    config: ScanConfig
    findings: list[Finding]
    guides: list[Guide]  # channel guides, with units
    handbook: list[Guide]
    errors: list[ReadError]
    files_read: int
    suppressed: list[Suppressed] = dataclasses.field(default_factory=list)
    expired: list[Suppression] = dataclasses.field(default_factory=list)
    catalog: Catalog | None = None
    units: tuple[str, ...] = ()  # registry units, in registry order
    checked: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    settings: Settings | None = None
    web: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Channel → crawl.reach.ChannelReach, for channels read from the snapshot store."""
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Page URL → crawl.reach.Evidence (the snapshot its guides were read from)."""
    missing_skipped: int = 0  # GC101 findings not made because part of a channel was unreached

    def failed(self, level: Severity | None = None) -> bool:
        rank = (level or self.config.fail_on).rank
        return any(f.severity.rank >= rank for f in self.findings)


def _tasks(
    config: ScanConfig, web: Mapping[str, Any] | None = None
) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    """Extraction tasks in config order: handbook files, then each channel's files or,
    for a crawled channel, its stored pages (``web``: channel → crawl.reach.ChannelReach)."""
    tasks: list[tuple[Any, ...]] = []
    departments: dict[str, str] = {}
    for path, dept in config.handbook:
        for file in iter_file_names([path]):
            tasks.append((file, HANDBOOK))
            if dept:
                departments[file] = dept
    for channel in config.channels:
        if not channel.crawl:
            tasks += [(f, channel.name) for f in iter_file_names(channel.inputs)]
        elif web and channel.name in web:
            tasks += [(p.url, p.channel, p.body, p.encoding) for p in web[channel.name].pages]
    return tasks, departments


def store_path(config: ScanConfig, override: Path | None = None) -> Path:
    """``--store``, else the config's ``store``, else ``guidecheck.db`` beside the config."""
    return Path(override or config.store or config.path.parent / "guidecheck.db")


def web_snapshots(config: ScanConfig, path: Path) -> dict[str, Any]:
    """What the latest crawl reached per web channel, with the pages to read
    (crawl.reach); no network. Raises GuidecheckError when a channel was never crawled."""
    from guidecheck.crawl.reach import crawl_reach
    from guidecheck.store import SnapshotStore

    assert config.crawl is not None
    hint = f"请先运行 guidecheck crawl {config.path}，或 guidecheck scan --crawl"
    if not path.exists():
        raise GuidecheckError(f"快照库 {path} 不存在：{hint}")
    with SnapshotStore.open(path) as store:
        reach = crawl_reach(store, config.crawl)
    never = [name for name, r in reach.items() if r.run_id is None]
    if never:
        raise GuidecheckError(f"渠道 {'、'.join(never)} 在快照库 {path} 中还没有抓取记录：{hint}")
    return reach


def _missing_scope(
    web: Mapping[str, Any], registry: Registry, pattern: re.Pattern[str] | None
) -> tuple[set[str], set[tuple[str, str]]]:
    """Where GC101 must not be judged: whole channels (a list page unreached, the run
    unfinished, or an unreached guide page of unknown unit) and (unit, channel) pairs (an
    unreached guide page never stored as a guide, whose unit the URL tells)."""
    channels: set[str] = set()
    units: set[tuple[str, str]] = set()
    named = unit_namer(registry, pattern)
    for name, reach in web.items():
        if reach.lists_unreached:
            channels.add(name)
            continue
        for page in reach.unreached:
            if page.baseline is not None:
                continue  # the last good snapshot is compared: the guide is present
            unit = named(page.url.rstrip("/").rsplit("/", 1)[-1])
            if unit is None:
                channels.add(name)
            else:
                units.add((unit, name))
    return channels, units


def unreached_lines(result: ScanResult) -> list[str]:
    """One line per channel with unreached pages, then one per page (Chinese)."""
    from guidecheck.crawl.reach import reason_name

    labels = dict(result.settings.channel_labels) if result.settings else {}
    out = []
    for name, reach in result.web.items():
        if not reach.unreached and reach.run_state == "finished":
            continue
        label = labels.get(name, name)
        why = "，".join(f"{k} {v}" for k, v in reach.reasons().most_common())
        if reach.run_state != "finished":
            why = "，".join(x for x in (f"抓取运行 #{reach.run_id} 未完成", why) if x)
        out.append(f"{label}有 {len(reach.unreached)} 个页面本次未能抓取（{why}），未据此判定缺失")
        for page in reach.unreached:
            kept = (f"；沿用 {page.baseline.fetched_at:%Y-%m-%d %H:%M} UTC 的快照比对"
                    if page.baseline else "")
            out.append(f"  未抓到 {page.url}：{reason_name(page.reason)}{kept}")
    return out


def _settings(
    config: ScanConfig, registry: Registry, handbook: list[Guide], departments: Mapping[str, str]
) -> Settings:
    vocab = load_field_vocab()
    reg_owner = registry.line_departments()
    implementers = {base_code(k): v for k, v in registry.implementers().items()}
    body_index = registry.body_index()
    bodies = {
        (base_code(item.code), unit): (
            body_index.get((unit, item.line_department), "") if item.line_department else ""
        )
        for item in registry.items
        for unit in item.units
    }
    settings = Settings(
        fixed_fields=config.fixed_fields,
        local_fields=config.local_fields,
        optional_fields=frozenset(config.optional_fields),
        source_of_record=config.source_of_record,
        channels=tuple(c.name for c in config.channels if c.complete),
        channel_labels={c.name: c.label for c in config.channels} | {"*": "各渠道"},
        not_shown={c.name: c.not_shown for c in config.channels},
        field_labels={k: s.element for k, s in vocab.fields.items()} | {"item": "事项"},
        vague=tuple(re.compile(p) for p in config.vague),
        match_threshold=config.match_threshold,
        name_strip=config.name_strip or None,
        implementers=implementers,
        bodies={k: v for k, v in bodies.items() if v},
    )
    nk = NameKey.from_patterns(config.name_strip or DEFAULT_NAME_STRIP)
    owners = {
        e.key: owner
        for e in (entry_for(g, nk) for g in handbook)
        if (owner := line_department(e.guide, file_departments=departments, registry=reg_owner))
    }
    return dataclasses.replace(settings, owners=owners)


def configured_catalog(
    config: ScanConfig, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Catalog:
    """The catalog with the config's rule settings; CLI ``select`` replaces the config's,
    CLI ``ignore`` adds to it."""
    return load_catalog().configured(
        select=tuple(select) or config.select,
        ignore=(*config.ignore, *ignore),
        severity=config.severity,
    )


def run_scan(
    config: ScanConfig,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    store: Path | None = None,
) -> ScanResult:
    """The whole scan (see module docstring). Raises ConfigError on bad config.

    Channels with ``crawl:`` settings are read from the latest snapshots in the store
    (``store``, else :func:`store_path`), never from the network.
    """
    say = progress or (lambda _m: None)
    catalog = configured_catalog(config, select=select, ignore=ignore)
    registry = load_registry(config.registry) if config.registry else Registry()
    web = web_snapshots(config, store_path(config, store)) if config.crawl is not None else {}
    evidence = {p.url: p.evidence for reach in web.values() for p in reach.pages}
    tasks, departments = _tasks(config, web)
    say(f"读取 {len(tasks)} 个文件……")
    with gc_paused():  # extraction and comparison: see memory.gc_paused
        return _scan(config, catalog, registry, web, evidence, tasks, departments, jobs, say)


def _scan(
    config: ScanConfig,
    catalog: Catalog,
    registry: Registry,
    web: dict[str, Any],
    evidence: dict[str, Any],
    tasks: list[tuple[Any, ...]],
    departments: dict[str, str],
    jobs: int | None,
    say: Callable[[str], None],
) -> ScanResult:
    """:func:`run_scan` once its configuration is loaded and its files listed.

    Extraction and comparison overlap. The handbook's files come first in ``tasks``;
    once all of them are back, each chunk of channel guides is given its units and
    compared with the handbook (:class:`Comparison`) while the workers extract the next
    chunks. What needs every guide (the source-of-record channel, regional variance,
    missing guides) comes after the last chunk.
    """
    handbook_files = sum(1 for task in tasks if task[1] == HANDBOOK)
    assign = unit_assigner(registry, config.unit_from_filename)
    handbook: list[Guide] = []
    guides: list[Guide] = []
    errors: list[ReadError] = []

    def take(part: list[Guide], part_errors: list[ReadError]) -> list[Guide]:
        """Keep a chunk's results; its channel guides, with units."""
        errors.extend(part_errors)
        handbook.extend(g for g in part if g.channel == HANDBOOK)
        new = assign(g for g in part if g.channel != HANDBOOK)
        guides.extend(new)
        return new

    chunks = iter_extract(tasks, jobs=jobs)
    done = 0
    for count, part, part_errors in chunks:  # until the handbook is in
        take(part, part_errors)
        done += count
        if done >= handbook_files:
            break
    settings = _settings(config, registry, handbook, departments)
    equivalents = load_equivalents()
    lints = partial(run_lints, vocab=load_lint_vocab())
    say(f"比对各渠道指南与 {len(handbook)} 个手册事项（边读取边比对）……")
    comparison = Comparison(
        handbook, settings=settings, catalog=catalog, equivalents=equivalents, lints=lints
    )
    comparison.add(guides)  # those back with the handbook's last files
    for _count, part, part_errors in chunks:  # the rest, compared as each chunk comes back
        comparison.add(take(part, part_errors))
    say(f"汇总 {len(guides)} 份指南：来源渠道比对、地区差异、缺失指南……")
    result = comparison.finish()
    variance_fields = [k for k in settings.fixed_fields if k not in settings.local_fields]
    findings = result.findings + regional_variance(
        result.compared,
        fields=variance_fields,
        maker=FindingMaker(catalog, settings),
        equivalents=equivalents,
        owners=dict(settings.owners),
    )
    skip_channels, skip_units = _missing_scope(web, registry, config.unit_from_filename)
    kept = [
        f for f in findings
        if f.rule != "GC101"
        or (f.channel not in skip_channels and (f.unit, f.channel) not in skip_units)
    ]
    missing_skipped, findings = len(findings) - len(kept), kept
    suppressed: list[Suppressed] = []
    expired: list[Suppression] = []
    if config.suppressions is not None:
        today = config.today or dt.date.today()
        findings, suppressed, expired = load_suppressions(config.suppressions, catalog).apply(
            findings, today
        )
    findings.sort(key=lambda f: (f.unit, f.item_code or "", f.channel, f.field, f.rule, f.subject or ""))
    return ScanResult(
        config=config,
        findings=findings,
        guides=guides,
        handbook=handbook,
        errors=errors,
        files_read=len(tasks),
        suppressed=suppressed,
        expired=expired,
        catalog=catalog,
        units=registry.unit_names(),
        checked=[(c.unit, c.guide.channel, c.entry.code or c.entry.name) for c in result.compared]
        + [(g.unit or UNKNOWN_UNIT, g.channel, describe(g.name) or "") for g in result.unmatched],
        settings=settings,
        web=web,
        evidence=evidence,
        missing_skipped=missing_skipped,
    )


def print_errors(result: ScanResult, out: Any = sys.stderr) -> None:
    for error in result.errors:
        print(f"无法读取 {error}", file=out)
