"""The weekly report's data (docs/report.md): figures.py builds a :class:`WeeklyReport`,
the renderers (json_out, docx_bulletin, xlsx_annex, html_page) only read it.

All datetimes are timezone-aware. Mappings are plain dicts in insertion order (the
order renderers should show). Counts in ``totals`` equal the sums over ``units`` and
``line_departments`` and the length of ``findings`` (tests check it).

``totals`` keys: ``guides_checked``, ``guides_with_findings``, ``consistency_rate``
(float | None), ``findings``, ``by_severity``, ``by_field``, ``by_rule`` (dicts),
``new``, ``persisting``, ``resolved``, ``deduction``, ``units``,
``line_departments`` (numbers of rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

UNIT = "unit"
LINE_DEPARTMENT = "line_department"
NEW = "new"
PERSISTING = "persisting"


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    start: datetime  # Wednesday 00:00 Asia/Shanghai (aware)
    end: datetime  # next Wednesday 00:00 (exclusive) = Tuesday 24:00
    label: str  # "2026年11月18日至11月24日"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitFigures:
    unit: str
    kind: str  # UNIT (district/county/city dept implementing) | LINE_DEPARTMENT
    guides_checked: int
    guides_with_findings: int
    consistency_rate: float | None  # guides without finding / guides checked
    findings: int
    by_severity: Mapping[str, int]
    by_field: Mapping[str, int]
    by_rule: Mapping[str, int]
    deduction: float  # points, capped per unit (rules/scoring.yaml)
    score: float  # base − deduction
    rank: int | None  # 1 = best; line departments are ranked separately
    new: int
    persisting: int
    resolved: int
    trend: tuple[tuple[str, float | None], ...]  # (window label, consistency rate), oldest first


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFinding:
    data: Mapping[str, Any]  # the finding as in docs/findings.md
    status: str  # NEW | PERSISTING
    scan_at: datetime  # the scan it came from


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    seed: int
    size: int | None
    rate: float | None
    strata: Mapping[str, int]  # "西湖区/province" → guides sampled
    guides: tuple[str, ...]  # stable guide ids sampled (item|unit|channel)


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyReport:
    window: Window
    generated_at: datetime
    title: str  # "关于2026年第47周政务服务事项办事指南一致性抽查情况的通报"
    issuer: str  # 杭州市数据资源管理局 (configurable)
    recipients: str  # 主送: 各区、县（市）人民政府，市直各单位 (configurable)
    scans: tuple[Mapping[str, Any], ...]  # scan runs used (channel, run id, time)
    sample: Sample | None
    units: tuple[UnitFigures, ...]  # ranked
    line_departments: tuple[UnitFigures, ...]
    findings: tuple[ReportFinding, ...]
    resolved: tuple[Mapping[str, Any], ...]  # last window's findings no longer present
    totals: Mapping[str, Any]
