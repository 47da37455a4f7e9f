"""Findings of a window (+ the previous windows) → :class:`WeeklyReport` (pure).

Inputs are :class:`WindowData`: what the latest scan of each channel inside a window
checked and found. The caller (report/weekly.py) reads them from the store and
applies the spot-check sample (:func:`restrict`); nothing here reads a file or the
clock.

Definitions (docs/report.md):

* a *guide* is one (item, unit, channel), id ``item|unit|channel``; *guides checked*
  are the guides a scan compared; a guide *with findings* is a checked guide that
  has at least one finding; the *consistency rate* (一致率) is the share of checked
  guides without finding (None for no guide checked);
* findings on the pseudo-channels ``*`` (regional variance) and ``handbook`` (lints on
  the handbook) are charged to the line department owning the handbook entry: those
  rows are listed apart (``line_departments``, kind ``line_department``) and ranked
  among themselves; every other finding is charged to its unit (kind ``unit``);
* deductions: each finding costs the points of its rule in rules/scoring.yaml, else
  the points of its severity; a row loses at most ``cap`` points; score = base −
  deduction; ranking by score (higher first), then consistency rate; equal figures
  share a rank (1, 1, 3); rows without a guide checked and without finding get none;
* week over week, against the previous window's findings (all of them, unsampled):
  a finding whose key was there is *persisting*, else *new* (every finding is new when
  the previous window has no scan); a previous finding is *resolved* when its key is
  gone and its guide was checked again in this window (for ``*``/``handbook``: that
  pseudo-channel was scanned again);
* trend: the consistency rate in each of the last windows given, oldest first,
  ending with this one (None where the window had no scan or the unit no guide).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from guidecheck.report.model import (
    LINE_DEPARTMENT,
    NEW,
    PERSISTING,
    UNIT,
    ReportFinding,
    Sample,
    UnitFigures,
    WeeklyReport,
    Window,
)
from guidecheck.report.sample import guide_id
from guidecheck.report.window import week_number

LINE_CHANNELS = frozenset({"*", "handbook"})
SEVERITIES = ("error", "warning", "info")
DEFAULT_ISSUER = "杭州市数据资源管理局"
DEFAULT_RECIPIENTS = "各区、县（市）人民政府，市直各单位"


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowData:
    """What the latest scan of each channel in ``window`` checked and found."""

    window: Window
    scans: tuple[Mapping[str, Any], ...] = ()  # see docs/report.md (run_id, channel, at…)
    checked: frozenset[str] = frozenset()  # guide ids item|unit|channel
    findings: tuple[tuple[Mapping[str, Any], datetime], ...] = ()  # (finding, scan time)
    covered: frozenset[str] = frozenset()  # channels scanned (with handbook, *)
    units: tuple[str, ...] = ()  # registry units, in registry order

    @property
    def empty(self) -> bool:
        return not self.scans


@dataclass(frozen=True, slots=True, kw_only=True)
class Scoring:
    """rules/scoring.yaml: base score, cap per row, points per severity and per rule."""

    base: float = 100.0
    cap: float | None = 20.0
    severity: Mapping[str, float] = field(
        default_factory=lambda: {"error": 2.0, "warning": 1.0, "info": 0.0}
    )
    rules: Mapping[str, float] = field(default_factory=dict)

    def points(self, finding: Mapping[str, Any]) -> float:
        rule = str(finding.get("rule", ""))
        if rule in self.rules:
            return float(self.rules[rule])
        return float(self.severity.get(str(finding.get("severity")), 0.0))

    @classmethod
    def from_data(cls, data: Any, where: str = "scoring") -> Scoring:
        """Check and build from the YAML data; TypeError/ValueError name the key."""
        if not isinstance(data, dict):
            raise TypeError(f"{where}: 应为映射")
        unknown = sorted(set(data) - {"version", "base", "cap", "severity", "rules"})
        if unknown:
            raise ValueError(f"{where}: 未知的键 {unknown[0]!r}")

        def number(value: Any, key: str) -> float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{where}: {key} 应为非负数")
            return float(value)

        severity = data.get("severity") or {}
        if not isinstance(severity, dict) or set(severity) - set(SEVERITIES):
            raise ValueError(f"{where}: severity 只能有 error、warning、info")
        rules = data.get("rules") or {}
        if not isinstance(rules, dict):
            raise TypeError(f"{where}: rules 应为 规则代码: 分值")
        cap = data.get("cap")
        return cls(
            base=number(data.get("base", 100), "base"),
            cap=None if cap is None else number(cap, "cap"),
            severity={s: number(severity.get(s, 0), f"severity.{s}") for s in SEVERITIES},
            rules={str(k).upper(): number(v, f"rules.{k}") for k, v in rules.items()},
        )


# --- helpers --------------------------------------------------------------------------


def finding_guide(f: Mapping[str, Any]) -> str | None:
    """The guide id a finding is about; None for the pseudo-channels."""
    if f["channel"] in LINE_CHANNELS:
        return None
    return guide_id(f.get("item_code") or f.get("item_name") or "", f["unit"], f["channel"])


def row_of(f: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, unit) of the row a finding is charged to."""
    return (LINE_DEPARTMENT if f["channel"] in LINE_CHANNELS else UNIT), f["unit"]


def population(data: WindowData) -> set[tuple[str, str, str]]:
    """The guides to sample from: checked guides and guides with findings (a missing
    guide, GC101, is a guide of the population too), as (item, unit, channel)."""
    ids = set(data.checked)
    ids.update(g for f, _ in data.findings if (g := finding_guide(f)) is not None)
    out = set()
    for gid in ids:
        item, unit, channel = gid.rsplit("|", 2)
        out.add((item, unit, channel))
    return out


def restrict(data: WindowData, sample: Sample | None) -> WindowData:
    """Only the sampled guides and their findings; line-department findings stay."""
    if sample is None:
        return data
    keep = set(sample.guides)
    return replace(
        data,
        checked=frozenset(g for g in data.checked if g in keep),
        findings=tuple(
            (f, at) for f, at in data.findings if (g := finding_guide(f)) is None or g in keep
        ),
    )


def _sort_key(f: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        f["unit"], f.get("item_code") or "", f["channel"], f["field"], f["rule"],
        f.get("subject") or "", f["key"],
    )  # fmt: skip


def _rate(checked: int, flagged: int) -> float | None:
    return None if not checked else (checked - flagged) / checked


def unit_rates(data: WindowData) -> dict[str, float | None]:
    """Consistency rate per unit in one window (units with checked guides)."""
    checked: Counter[str] = Counter()
    for gid in data.checked:
        checked[gid.rsplit("|", 2)[1]] += 1
    flagged_ids = {g for f, _ in data.findings if (g := finding_guide(f)) in data.checked}
    flagged: Counter[str] = Counter(g.rsplit("|", 2)[1] for g in flagged_ids if g)
    return {u: _rate(n, flagged[u]) for u, n in checked.items()}


def overall_rate(data: WindowData) -> float | None:
    flagged = {g for f, _ in data.findings if (g := finding_guide(f)) in data.checked}
    return _rate(len(data.checked), len(flagged))


def _rank(rows: list[UnitFigures]) -> list[UnitFigures]:
    """Sort and rank: score desc, rate desc; equal figures share a rank."""
    rated = [r for r in rows if r.guides_checked or r.findings]
    rest = sorted((r for r in rows if not (r.guides_checked or r.findings)), key=lambda r: r.unit)

    def figure(r: UnitFigures) -> tuple[float, float]:
        return (-r.score, -(r.consistency_rate if r.consistency_rate is not None else -1.0))

    rated.sort(key=lambda r: (figure(r), r.unit))
    out: list[UnitFigures] = []
    for i, r in enumerate(rated):
        rank = out[-1].rank if out and figure(out[-1]) == figure(r) else i + 1
        out.append(replace(r, rank=rank))
    return out + [replace(r, rank=None) for r in rest]


def _counts(values: Iterable[str], order: Sequence[str] = ()) -> dict[str, int]:
    c = Counter(values)
    head = {k: c[k] for k in order}
    return head | {k: c[k] for k in sorted(c) if k not in head}


# --- the report -----------------------------------------------------------------------


def build(
    current: WindowData,
    *,
    previous: WindowData | None = None,
    history: Sequence[WindowData] = (),
    scoring: Scoring | None = None,
    sample: Sample | None = None,
    generated_at: datetime,
    issuer: str = DEFAULT_ISSUER,
    recipients: str = DEFAULT_RECIPIENTS,
    title: str | None = None,
) -> WeeklyReport:
    """The weekly report of ``current`` (already restricted to the sample, if any).

    ``previous``: the previous window, unsampled (for new/persisting/resolved).
    ``history``: earlier windows for the trend (restricted like ``current``), oldest
    first, not including ``current``.
    """
    scoring = scoring or Scoring()
    before = {f["key"] for f, _ in previous.findings} if previous is not None else set()
    has_before = previous is not None and not previous.empty

    findings = sorted(
        (
            ReportFinding(data=f, status=PERSISTING if f["key"] in before else NEW, scan_at=at)
            for f, at in current.findings
        ),
        key=lambda rf: _sort_key(rf.data),
    )
    now_keys = {f["key"] for f, _ in current.findings}
    resolved: list[Mapping[str, Any]] = []
    if has_before and previous is not None:
        for f, _ in previous.findings:
            if f["key"] in now_keys:
                continue
            gid = finding_guide(f)
            again = f["channel"] in current.covered if gid is None else gid in current.checked
            if again:
                resolved.append(f)
        resolved.sort(key=_sort_key)

    # rows ---------------------------------------------------------------------------
    checked_by_unit: dict[str, set[str]] = defaultdict(set)
    for gid in current.checked:
        checked_by_unit[gid.rsplit("|", 2)[1]].add(gid)
    by_row: dict[tuple[str, str], list[ReportFinding]] = defaultdict(list)
    for rf in findings:
        by_row[row_of(rf.data)].append(rf)
    resolved_by_row: Counter[tuple[str, str]] = Counter(row_of(f) for f in resolved)
    keys: list[tuple[str, str]] = [(UNIT, u) for u in current.units]
    keys += sorted(
        {(UNIT, u) for u in checked_by_unit} | set(by_row) | set(resolved_by_row), key=str
    )
    keys = list(dict.fromkeys(keys))
    windows = [*history, current]
    trends = [(w.window.label, unit_rates(w), w.empty) for w in windows]

    rows: dict[str, list[UnitFigures]] = {UNIT: [], LINE_DEPARTMENT: []}
    for kind, unit in keys:
        mine = by_row.get((kind, unit), [])
        guides = checked_by_unit.get(unit, set()) if kind == UNIT else set()
        flagged = {g for rf in mine if (g := finding_guide(rf.data)) in guides}
        raw = sum(scoring.points(rf.data) for rf in mine)
        deduction = round(min(raw, scoring.cap) if scoring.cap is not None else raw, 2)
        rows[kind].append(
            UnitFigures(
                unit=unit,
                kind=kind,
                guides_checked=len(guides),
                guides_with_findings=len(flagged),
                consistency_rate=_rate(len(guides), len(flagged)),
                findings=len(mine),
                by_severity=_counts((rf.data["severity"] for rf in mine), SEVERITIES),
                by_field=_counts(rf.data["field"] for rf in mine),
                by_rule=_counts(rf.data["rule"] for rf in mine),
                deduction=deduction,
                score=round(scoring.base - deduction, 2),
                rank=None,
                new=sum(rf.status == NEW for rf in mine),
                persisting=sum(rf.status == PERSISTING for rf in mine),
                resolved=resolved_by_row[(kind, unit)],
                trend=tuple(
                    (lab, None if empty or kind != UNIT else rates.get(unit))
                    for lab, rates, empty in trends
                ),
            )
        )
    units = tuple(_rank(rows[UNIT]))
    lines = tuple(_rank(rows[LINE_DEPARTMENT]))

    all_rows = units + lines
    totals: dict[str, Any] = {
        "guides_checked": sum(r.guides_checked for r in all_rows),
        "guides_with_findings": sum(r.guides_with_findings for r in all_rows),
        "consistency_rate": _rate(
            sum(r.guides_checked for r in all_rows), sum(r.guides_with_findings for r in all_rows)
        ),
        "findings": len(findings),
        "by_severity": _counts((rf.data["severity"] for rf in findings), SEVERITIES),
        "by_field": _counts(rf.data["field"] for rf in findings),
        "by_rule": _counts(rf.data["rule"] for rf in findings),
        "new": sum(rf.status == NEW for rf in findings),
        "persisting": sum(rf.status == PERSISTING for rf in findings),
        "resolved": len(resolved),
        "deduction": round(sum(r.deduction for r in all_rows), 2),
        "units": len(units),
        "line_departments": len(lines),
        "trend": tuple((w.window.label, None if w.empty else overall_rate(w)) for w in windows),
    }
    year, week = week_number(current.window)
    return WeeklyReport(
        window=current.window,
        generated_at=generated_at,
        title=title or f"关于{year}年第{week}周政务服务事项办事指南一致性抽查情况的通报",
        issuer=issuer,
        recipients=recipients,
        scans=tuple(current.scans),
        sample=sample,
        units=units,
        line_departments=lines,
        findings=tuple(findings),
        resolved=tuple(resolved),
        totals=totals,
    )
