"""Small WeeklyReport factories for the renderer tests (no store, no scan).

``finding()`` makes one finding mapping as in docs/findings.md; ``make_report()`` wraps
findings into a WeeklyReport whose per-unit figures and totals are computed from them,
so "totals equal the findings" holds by construction and the renderers can be checked
against ``len(report.findings)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
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

CST = timezone(timedelta(hours=8))
WINDOW_START = datetime(2026, 11, 18, tzinfo=CST)
CHANNELS = {"province": "浙江政务服务网", "city": "杭州市政务服务网", "app": "杭州办事服务APP"}
UNITS = ("西湖区", "上城区", "萧山区")
LINE_DEPT = "杭州市市场监督管理局"


def finding(n: int = 0, **over: Any) -> dict[str, Any]:
    """One finding (docs/findings.md keys); ``over`` replaces any key."""
    channel = over.pop("channel", list(CHANNELS)[n % len(CHANNELS)])
    unit = over.pop("unit", UNITS[n % len(UNITS)])
    data: dict[str, Any] = {
        "key": "",
        "rule": "GC302",
        "rule_name": "time-limit.promised",
        "severity": "error",
        "unit": unit,
        "item_code": f"许可-00077-{n:03d}-01",
        "item_name": "食品经营许可（新办）",
        "implementing_body": f"杭州市{unit}市场监督管理局",
        "channel": channel,
        "channel_label": CHANNELS.get(channel, channel),
        "field": "time_limit_promised",
        "field_label": "承诺办结时限",
        "expected": "3个工作日",
        "actual": "7个工作日",
        "message": "承诺办结时限与标准化手册不一致：手册为3个工作日，指南为7个工作日。",
        "location": {"url": f"https://www.zjzwfw.gov.cn/guide/{n}.html", "where": "div[3]>p[2]"},
        "reference": "handbook",
        "subject": None,
        "detail": "[-3-][+7+]个工作日",
    }
    data.update(over)
    if not data["key"]:
        data["key"] = (
            "|".join(
                str(data[k] or "")
                for k in ("item_code", "unit", "channel", "field", "rule", "subject")
            )
            + f"#{n}"
        )
    return data


def _figures(
    unit: str,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    checked: int,
    statuses: Sequence[str],
    rank: int | None,
) -> UnitFigures:
    flagged = len({(r["item_code"], r["channel"]) for r in rows if r["channel"] != "*"})
    deduction = float(min(20, 2 * len(rows)))
    return UnitFigures(
        unit=unit,
        kind=kind,
        guides_checked=checked,
        guides_with_findings=flagged,
        consistency_rate=(checked - flagged) / checked if checked else None,
        findings=len(rows),
        by_severity=dict(Counter(r["severity"] for r in rows)),
        by_field=dict(Counter(r["field"] for r in rows)),
        by_rule=dict(Counter(r["rule"] for r in rows)),
        deduction=deduction,
        score=100 - deduction,
        rank=rank,
        new=statuses.count(NEW),
        persisting=statuses.count(PERSISTING),
        resolved=1 if kind == UNIT else 0,
        trend=(
            ("11月4日至11月10日", 0.8),
            ("11月11日至11月17日", 0.85),
            ("11月18日至11月24日", (checked - flagged) / checked if checked else None),
        ),
    )


def make_report(
    findings: Iterable[Mapping[str, Any]] = (),
    *,
    checked: int = 50,
    sample: Sample | None = None,
    title: str | None = None,
    resolved: Sequence[Mapping[str, Any]] = (),
) -> WeeklyReport:
    """A report over ``findings``: every unit they name is a ranked unit with ``checked``
    guides, except findings on channel ``*`` (charged to a line department)."""
    rows = [dict(f) for f in findings]
    statuses = [PERSISTING if i % 4 == 0 else NEW for i in range(len(rows))]
    by_unit: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_unit.setdefault(r["unit"], []).append(i)
    units, depts = [], []
    for unit, idx in by_unit.items():
        is_dept = all(rows[i]["channel"] == "*" for i in idx)
        fig = _figures(
            unit,
            LINE_DEPARTMENT if is_dept else UNIT,
            [rows[i] for i in idx],
            0 if is_dept else checked,
            [statuses[i] for i in idx],
            None,
        )
        (depts if is_dept else units).append(fig)
    units.sort(key=lambda u: -u.score)
    units = [_ranked(u, n) for n, u in enumerate(units, start=1)]
    depts = [_ranked(u, n) for n, u in enumerate(depts, start=1)]
    scan_at = WINDOW_START + timedelta(days=5, hours=2)
    return WeeklyReport(
        window=Window(
            start=WINDOW_START,
            end=WINDOW_START + timedelta(days=7),
            label="2026年11月18日至11月24日",
        ),
        generated_at=datetime(2026, 11, 25, 1, 30, tzinfo=timezone.utc),
        title=title or "关于2026年第47周政务服务事项办事指南一致性抽查情况的通报",
        issuer="杭州市数据资源管理局",
        recipients="各区、县（市）人民政府，市直各单位",
        scans=tuple(
            {
                "run_id": i + 1,
                "channel": c,
                "channel_label": label,
                "at": scan_at.astimezone(timezone.utc),
                "guides": checked,
            }
            for i, (c, label) in enumerate(sorted(CHANNELS.items()))
        ),
        sample=sample,
        units=tuple(units),
        line_departments=tuple(depts),
        findings=tuple(
            ReportFinding(data=r, status=s, scan_at=scan_at) for r, s in zip(rows, statuses)
        ),
        resolved=tuple(resolved),
        totals=_totals(units, depts, rows, statuses, len(resolved)),
    )


def _ranked(u: UnitFigures, rank: int) -> UnitFigures:
    from dataclasses import replace

    return replace(u, rank=rank)


def _totals(
    units: Sequence[UnitFigures],
    depts: Sequence[UnitFigures],
    rows: Sequence[Mapping[str, Any]],
    statuses: Sequence[str],
    resolved: int,
) -> dict[str, Any]:
    checked = sum(u.guides_checked for u in units)
    flagged = sum(u.guides_with_findings for u in units)
    return {
        "guides_checked": checked,
        "guides_with_findings": flagged,
        "consistency_rate": (checked - flagged) / checked if checked else None,
        "findings": len(rows),
        "by_severity": dict(Counter(r["severity"] for r in rows)),
        "by_field": dict(Counter(r["field"] for r in rows)),
        "by_rule": dict(Counter(r["rule"] for r in rows)),
        "new": statuses.count(NEW),
        "persisting": statuses.count(PERSISTING),
        "resolved": resolved,
        "deduction": sum(u.deduction for u in (*units, *depts)),
        "units": len(units),
        "line_departments": len(depts),
    }


def regional_variance(n: int = 0) -> dict[str, Any]:
    """A GC710 finding charged to a line department (channel ``*``, no location)."""
    return finding(
        n,
        unit=LINE_DEPT,
        channel="*",
        channel_label="*",
        rule="GC710",
        rule_name="variance.regional",
        field="time_limit_promised",
        expected="手册未规定",
        actual="15个工作日（西湖区、拱墅区）；20个工作日（萧山区）",
        location=None,
        message="各地承诺时限不一致，请行业主管部门统一。",
    )


def demo_report(n: int = 24, **kw: Any) -> WeeklyReport:
    """A small realistic report: ``n`` findings over three units plus one regional variance."""
    rows = [finding(i) for i in range(n)] + [regional_variance(n)]
    return make_report(rows, resolved=[finding(900, unit="西湖区")], **kw)
