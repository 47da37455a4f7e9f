"""``guidecheck check``: one draft guide (DOCX) against the standard handbook, before filing.

A department checks its draft (one item or several, in handbook-table or
manual-paragraph layout) against the handbook:

1. the draft is untrusted input: it is read only through the safe reader
   (:func:`guidecheck.read.docx_safe.open_docx`, then the DOCX extractor);
2. the handbook comes from ``--handbook`` paths or from a scan config's handbook;
3. each draft item is matched to a handbook item (code, else name; ``--item``
   forces one) and compared by the scan's own engine
   (:func:`guidecheck.compare.engine.compare_guides`): every fixed-field rule
   (GC0xx, GC1xx–GC6xx) and the lints (GC8xx). A draft has no other channel and no
   source of record, so GC101 (missing guide on a channel) and GC7xx (local fields,
   regional variance) do not apply;
4. every finding is pinned to the exact place in the draft (the paragraph or table
   cell holding the value, ``第P段`` / ``表N 第R行 第C列``) with the text found there.

A draft item matching no handbook item cannot be checked: its GC102 is an error here
(a config may re-grade it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from guidecheck.attribute.registry import load_registry
from guidecheck.compare.catalog import Catalog
from guidecheck.compare.engine import Settings, compare_guides
from guidecheck.compare.findings import Finding, Severity
from guidecheck.compare.lints import run_lints
from guidecheck.compare.match import DEFAULT_NAME_STRIP, Entry, Matcher, NameKey
from guidecheck.errors import GuidecheckError, InvalidUpload
from guidecheck.extract.docx import Para, Table, read_blocks
from guidecheck.extract.files import ReadError, detect_format, extract_bytes, iter_files
from guidecheck.extract.pool import extract_all
from guidecheck.model import FIELD_KEYS, HANDBOOK, Guide, Location
from guidecheck.normalize.text import clean
from guidecheck.read.docx_safe import open_docx
from guidecheck.report.annotate import Note
from guidecheck.report.findings_json import SCHEMA_VERSION, finding_data
from guidecheck.scan import ScanConfig, assign_units, load_reference
from guidecheck.vocab import (
    load_catalog,
    load_equivalents,
    load_field_vocab,
    load_lint_vocab,
)

DRAFT = "draft"
DRAFT_LABEL = "草稿"
NOT_APPLICABLE = ("GC101", "GC7")  # no other channels, no source of record in a draft
UNMATCHED = "GC102"
SPAN_LIMIT = 200  # paragraphs searched after a field's label for one of its entries


class UsageError(GuidecheckError):
    """The check was asked something it cannot do (no handbook, unknown --item…)."""


# --- the draft's text by place ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftText:
    """The draft's text by place: body paragraphs and table cells (grid columns)."""

    paragraphs: Mapping[int, str]
    cells: Mapping[tuple[int, int, int], str]
    order: Mapping[tuple[str, int], int]  # ("p", paragraph) / ("t", table) → position

    @classmethod
    def from_blocks(cls, blocks: Iterable[Para | Table]) -> DraftText:
        paragraphs: dict[int, str] = {}
        cells: dict[tuple[int, int, int], str] = {}
        order: dict[tuple[str, int], int] = {}
        for block in blocks:
            if isinstance(block, Para):
                if block.index and not block.boxed:
                    paragraphs.setdefault(block.index, block.text)
                    order.setdefault(("p", block.index), len(order))
            else:
                order.setdefault(("t", block.index), len(order))
                _index_table(block, cells)
        return cls(paragraphs, cells, order)

    def position(self, loc: Location) -> tuple[int, int, int]:
        """Document order of a place: (block position, row, column)."""
        if loc.table is not None:
            return (self.order.get(("t", loc.table), 1 << 30), loc.row or 0, loc.cell or 0)
        return (self.order.get(("p", loc.paragraph or 0), -1), 0, 0)

    def row(self, table: int, row: int) -> list[tuple[int, str]]:
        """The cells of one table row: (grid column, text), left to right."""
        return sorted((c, t) for (tb, r, c), t in self.cells.items() if (tb, r) == (table, row))

    def at(self, loc: Location | None) -> str:
        if loc is None:
            return ""
        if loc.table is not None and loc.row is not None:
            if loc.cell is not None:
                return self.cells.get((loc.table, loc.row, loc.cell), "")
            return " | ".join(t for _, t in self.row(loc.table, loc.row) if t)
        if loc.paragraph is not None:
            return self.paragraphs.get(loc.paragraph, "")
        return ""


def _index_table(table: Table, cells: dict[tuple[int, int, int], str]) -> None:
    for r, row in enumerate(table.rows, start=1):
        for cell in row:
            cells.setdefault((table.index, r, cell.col), cell.text)
            for nested in cell.tables:
                _index_table(nested, cells)


# --- reading ----------------------------------------------------------------------------


@dataclass(slots=True)
class Draft:
    path: Path
    guides: list[Guide]
    text: DraftText


def read_draft(path: Path, *, unit_config: ScanConfig | None = None) -> Draft:
    """The draft's guides and text, through the safe reader only. Raises InvalidUpload
    (one Chinese line) for a file that is missing, not a DOCX, corrupt or unsafe."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidUpload(
            f"无法读取文件（{exc.strerror}），请检查路径和权限", source=source
        ) from exc
    if detect_format(data, path.name) != "docx":
        raise InvalidUpload("草稿不是 Word 文档；请提供 .docx 文件", source=source)
    try:
        text = DraftText.from_blocks(read_blocks(open_docx(data, source)))
        guides = extract_bytes(data, source, channel=DRAFT, vocab=load_field_vocab())
    except GuidecheckError:
        raise
    except Exception as exc:
        raise InvalidUpload(
            f"读取时出错（{type(exc).__name__}），文件可能已损坏；请用 Word 或 WPS 打开后另存为 .docx 再试",
            source=source,
        ) from exc
    if not guides:
        raise InvalidUpload(
            "草稿中没有找到办事指南（未识别到“事项名称”“申请材料”等标签），请检查文档内容",
            source=source,
        )
    if unit_config is not None and unit_config.registry is not None:
        registry = load_registry(unit_config.registry)
        guides = assign_units(guides, registry, None)
    return Draft(path, guides, text)


def default_config(handbook: Sequence[Path]) -> ScanConfig:
    """A config with the handbook paths and ``rules/reference.yaml``'s settings, for a
    check run without ``--config``."""
    ref = load_reference()
    match = ref.get("match") or {}
    return ScanConfig(
        path=Path("rules/reference.yaml"),
        handbook=tuple((p, None) for p in handbook),
        registry=None,
        source_of_record=str(ref.get("source_of_record") or "province"),
        channels=(),
        fixed_fields=tuple(ref.get("fixed_fields") or ()),
        local_fields=tuple(ref.get("local_fields") or ()),
        optional_fields=tuple(ref.get("optional_fields") or ()),
        match_threshold=float(match.get("name_threshold", 90)),
        name_strip=tuple(match.get("name_strip") or ()),
        vague=tuple(ref.get("vague") or ()),
    )


@dataclass(slots=True)
class Handbook:
    guides: list[Guide]
    files: int
    errors: list[ReadError]


def read_handbook(config: ScanConfig, *, jobs: int | None = None) -> Handbook:
    """Every handbook entry named by the config; UsageError when none could be read."""
    files = [str(f) for path, _ in config.handbook for f in iter_files([path])]
    missing = [f for f in files if not Path(f).exists()]
    if missing:
        raise UsageError(
            f"找不到手册文件或文件夹：{missing[0]}，请检查 --handbook 或配置中的 handbook"
        )
    guides, errors = extract_all([(f, HANDBOOK) for f in files], jobs=jobs or 1)
    if not guides:
        why = f"（{errors[0]}）" if errors else ""
        raise UsageError(f"手册中没有读到任何事项{why}，请检查手册文件")
    return Handbook(guides, len(files), errors)


# --- the check ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A finding pinned to its place in the draft, with the draft's text there."""

    finding: Finding
    text: str


@dataclass(slots=True)
class CheckedItem:
    guide: Guide
    entry: Entry | None
    by: str  # "code", "name", "item" (forced by --item) or "none"
    score: float
    findings: list[Placed] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.guide.name is not None:
            return self.guide.name.raw
        return self.guide.title or "（无事项名称）"


@dataclass(slots=True)
class CheckResult:
    draft: Path
    items: list[CheckedItem]
    handbook: Handbook
    catalog: Catalog
    settings: Settings
    fail_on: Severity = Severity.ERROR

    @property
    def findings(self) -> list[Placed]:
        return [p for item in self.items for p in item.findings]

    def failed(self) -> bool:
        return any(p.finding.severity.rank >= self.fail_on.rank for p in self.findings)


def check_settings(config: ScanConfig) -> Settings:
    """Engine settings for a draft: the config's fixed fields and matching, no local
    fields (no source of record), no channel coverage (no GC101)."""
    vocab = load_field_vocab()
    return Settings(
        fixed_fields=config.fixed_fields,
        local_fields=(),
        optional_fields=frozenset(config.optional_fields),
        source_of_record=config.source_of_record,
        channels=(),
        channel_labels={DRAFT: DRAFT_LABEL},
        field_labels={k: s.element for k, s in vocab.fields.items()} | {"item": "事项"},
        vague=tuple(re.compile(p) for p in config.vague),
        match_threshold=config.match_threshold,
        name_strip=config.name_strip or None,
    )


def check_catalog(
    config: ScanConfig, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Catalog:
    """The configured catalog minus the rules a draft cannot trip; GC102 is an error
    unless the config re-grades it."""
    severity = {UNMATCHED: Severity.ERROR.value, **config.severity}
    return load_catalog().configured(
        select=tuple(select) or config.select,
        ignore=(*config.ignore, *ignore, *NOT_APPLICABLE),
        severity=severity,
    )


def run_check(
    draft_path: Path,
    config: ScanConfig,
    *,
    item: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: int | None = None,
) -> CheckResult:
    """Check a draft (see module docstring). Raises InvalidUpload for an unreadable
    draft, UsageError/ConfigError for a bad request."""
    catalog = check_catalog(config, select=select, ignore=ignore)
    settings = check_settings(config)
    draft = read_draft(draft_path, unit_config=config)
    handbook = read_handbook(config, jobs=jobs)
    name_key = NameKey.from_patterns(config.name_strip or DEFAULT_NAME_STRIP)
    matcher = Matcher.build(handbook.guides, threshold=config.match_threshold, name_key=name_key)
    forced = _forced(matcher, item, len(draft.guides)) if item else None
    starts = _field_starts(draft.guides)
    compare = partial(
        compare_guides,
        catalog=catalog,
        equivalents=load_equivalents(),
        lints=partial(run_lints, vocab=load_lint_vocab()),
    )
    items = []
    for guide in draft.guides:
        checked = _match(matcher, guide, forced)
        # The engine matches again inside; against this one entry at threshold 0 it can
        # only pick that entry (a forced --item included).
        entries = [checked.entry.guide] if checked.entry else []
        found = compare(
            [guide], entries, settings=dataclasses.replace(settings, match_threshold=0.0)
        )
        mine = [f for f in found.findings if f.channel == DRAFT]
        placed = [_place(f, guide, draft.text, starts) for f in mine]
        checked.findings = sorted(placed, key=partial(_order, draft.text))
        items.append(checked)
    return CheckResult(draft_path, items, handbook, catalog, settings, config.fail_on)


def _forced(matcher: Matcher, item: str, draft_items: int) -> Entry:
    if draft_items > 1:
        raise UsageError(f"草稿含 {draft_items} 个事项，--item 只能用于单个事项的草稿")
    entry = matcher.by_code(item)
    if entry is None:
        m = matcher.match_name(item)
        entry = m.entry
    if entry is None:
        raise UsageError(f"手册中没有事项“{item}”，请核对 --item 的事项编码或名称")
    return entry


def _match(matcher: Matcher, guide: Guide, forced: Entry | None) -> CheckedItem:
    if forced is not None:
        return CheckedItem(guide, forced, "item", 100.0)
    m = matcher.match(guide, guide.unit)
    return CheckedItem(guide, m.entry, m.by, m.score)


# --- places ---------------------------------------------------------------------------


def _locations(guide: Guide) -> Iterator[Location]:
    yield guide.source
    for key in FIELD_KEYS:
        value = getattr(guide, key)
        if value is not None:
            yield value.location
    for extra in guide.extras:
        yield extra.value.location


def _field_starts(guides: Iterable[Guide]) -> list[int]:
    """Paragraphs where an item or a labelled field starts (a field's entries lie
    between its start and the next one)."""
    return sorted({loc.paragraph for g in guides for loc in _locations(g) if loc.paragraph})


def _needles(f: Finding) -> list[str]:
    """Texts to look for in the draft; none when the draft lacks the thing (missing)."""
    if f.actual is None:
        return []
    out = []
    for text in (f.subject, f.actual):
        key = clean(text or "").replace(" ", "")
        if len(key) >= 2 and key not in out:
            out.append(key)
    return out


def _squash(text: str) -> str:
    return clean(text).replace(" ", "")


def _pin(f: Finding, guide: Guide, text: DraftText, starts: Sequence[int]) -> Location | None:
    loc = f.location
    value = getattr(guide, f.field) if f.field in FIELD_KEYS else None
    if loc is not None and loc == guide.source and value is not None:
        loc = value.location  # an entry missing from a field the draft has: the field
    if loc is None:
        return None
    needles = _needles(f)
    if loc.table is None and loc.paragraph is not None and needles:
        end = next((s for s in starts if s > loc.paragraph), loc.paragraph + SPAN_LIMIT)
        for needle in needles:
            for p in range(loc.paragraph, end):
                if needle in _squash(text.paragraphs.get(p, "")):
                    return dataclasses.replace(loc, paragraph=p)
    if loc.table is not None and loc.row is not None and loc.cell is None:
        row = [(c, t) for c, t in text.row(loc.table, loc.row) if t.strip()]
        for needle in needles:
            hit = next((c for c, t in row if needle in _squash(t)), None)
            if hit is not None:
                return dataclasses.replace(loc, cell=hit)
        if row:
            return dataclasses.replace(loc, cell=row[0][0])
    return loc


def _place(f: Finding, guide: Guide, text: DraftText, starts: Sequence[int]) -> Placed:
    loc = _pin(f, guide, text, starts) or guide.source
    return Placed(dataclasses.replace(f, location=loc), text.at(loc))


def _order(text: DraftText, p: Placed) -> tuple[int, int, int, str, str]:
    loc = p.finding.location
    assert loc is not None
    return (*text.position(loc), p.finding.rule, p.finding.subject or "")


# --- output ---------------------------------------------------------------------------

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
_BY = {"code": "按编码", "name": "按名称", "item": "按 --item 指定", "none": ""}


def expected_label(f: Finding) -> str:
    """What ``expected`` is: the handbook's value, or a lint's requirement."""
    return "要求" if f.reference == "lint" else "手册"


def comment_text(f: Finding) -> str:
    """A Word comment / one-line statement of a finding: ``[GC201] 消息（手册：…）``."""
    tail = f"（{expected_label(f)}：{f.expected}）" if f.expected else ""
    return f"[{f.rule}] {f.message}{tail}"


def place_text(p: Placed) -> str:
    """``第13段「申请材料：」`` / ``表3 第4行 第2列「…」``."""
    loc = p.finding.location
    where = loc.describe() if loc else ""
    snippet = " ".join(p.text.split())
    if len(snippet) > 60:
        snippet = snippet[:59] + "…"
    return f"{where}「{snippet}」" if snippet else where


def _match_text(item: CheckedItem) -> str:
    if item.entry is None:
        return "手册中未找到对应事项（可用 --item 指定事项编码）"
    how = _BY.get(item.by, item.by)
    if item.by == "name" and item.score < 100:
        how += f"（相似度 {item.score:.0f}）"
    code = f"〔{item.entry.code}〕" if item.entry.code else ""
    return f"对应手册事项“{item.entry.name}”{code}，{how}，{item.entry.guide.source.source}"


def counts(findings: Sequence[Placed]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in findings:
        out[p.finding.severity.value] = out.get(p.finding.severity.value, 0) + 1
    return {s.value: out[s.value] for s in Severity if s.value in out}


def write_text(result: CheckResult, out: TextIO) -> None:
    """A clerk's report: findings grouped by item, each with its place, the handbook's
    value and the rule."""
    labels = result.settings.field_labels
    n = len(result.items)
    out.write(f"草稿 {result.draft}：{n} 个事项\n")
    for item in result.items:
        out.write(f"\n■ {item.name}\n  {_match_text(item)}\n")
        if not item.findings:
            out.write("  未发现问题。\n")
        for i, p in enumerate(item.findings, start=1):
            f = p.finding
            level = SEVERITY_LABEL.get(f.severity.value, f.severity.value)
            out.write(
                f"  {i}. [{f.rule} {level}] {labels.get(f.field, f.field)}  {place_text(p)}\n"
            )
            out.write(f"     {f.message}\n")
            if f.expected:
                out.write(f"     {expected_label(f)}：{f.expected}\n")
    found = counts(result.findings)
    if not found:
        out.write("\n检查通过：未发现问题。\n")
        return
    parts = "，".join(f"{SEVERITY_LABEL[k]} {v}" for k, v in found.items())
    verdict = "请修改后再报送。" if result.failed() else "无错误级问题，警告请酌情处理。"
    out.write(f"\n共 {len(result.findings)} 个问题（{parts}）。{verdict}\n")


def check_data(result: CheckResult, *, config: str | None = None) -> dict[str, Any]:
    """The JSON document of a check: finding objects as in ``docs/findings.md``, each
    ``location`` with the draft's ``text`` at that place, plus the matched items."""
    labels = dict(result.settings.field_labels)
    channels = {DRAFT: DRAFT_LABEL}
    findings = []
    for p in result.findings:
        data = finding_data(p.finding, channel_labels=channels, field_labels=labels)
        if data["location"] is not None:
            data["location"]["text"] = p.text
        findings.append(data)
    return {
        "version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "draft": str(result.draft),
        "summary": {
            "items": len(result.items),
            "handbook_files": result.handbook.files,
            "handbook_entries": len(result.handbook.guides),
            "read_errors": [
                {"source": e.source, "reason": e.reason} for e in result.handbook.errors
            ],
            "findings": len(findings),
            "by_severity": counts(result.findings),
            "by_rule": dict(sorted(Counter(p.finding.rule for p in result.findings).items())),
            "failed": result.failed(),
        },
        "items": [
            {
                "name": item.name,
                "item_code": item.entry.code if item.entry else None,
                "item_name": item.entry.name if item.entry else None,
                "matched_by": item.by,
                "score": item.score,
                "handbook": item.entry.guide.source.source if item.entry else None,
                "location": {
                    "file": item.guide.source.source,
                    "where": item.guide.source.describe(),
                },
                "findings": len(item.findings),
            }
            for item in result.items
        ],
        "findings": findings,
    }


def write_json(result: CheckResult, out: TextIO, *, config: str | None = None) -> None:
    json.dump(check_data(result, config=config), out, ensure_ascii=False, indent=1)
    out.write("\n")


def notes(result: CheckResult) -> list[Note]:
    """One comment per finding, at its place (the item's title when it has none)."""
    out = []
    for item in result.items:
        for p in item.findings:
            loc = p.finding.location or item.guide.source
            out.append(Note(loc, p.text, comment_text(p.finding)))
    return out
