"""The self-contained HTML page of the weekly report.

One file that opens without network: CSS and JS inline, charts as SVG drawn here
(geometry in Python, markup in the templates). Every template is rendered by an
environment with ``autoescape=True`` (set explicitly, never ``select_autoescape``,
which skips ``.j2``), so crawled text always arrives escaped (reliability.md F5/F6).
Only http(s) links become ``href``; the Content-Security-Policy meta tag forbids any
network access and runs only the page's own script (by its SHA-256).

The static CSS and JS (``templates/report.css``, ``templates/report.js``) are trusted
files of this package, inserted verbatim; crawled text never reaches them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from guidecheck.report import labels
from guidecheck.report.model import UnitFigures, WeeklyReport
from guidecheck.report.safe import Sanitizer, SanitizeStats, atomic_path

TEMPLATES = Path(__file__).with_name("templates")
PAGE_TEMPLATE = "report.html"
PALETTE = (
    "#1f5fa8",
    "#d9822b",
    "#2e9e5b",
    "#c23b3b",
    "#7b5ea7",
    "#8c6d31",
    "#d45fa0",
    "#4f8f9e",
    "#6b6b6b",
    "#a6a832",
)
_DIFF = re.compile(r"\[-(.*?)-\]|\[\+(.*?)\+\]", re.DOTALL)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment of the report: autoescape on for every template."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=1)
def _assets() -> tuple[Markup, Markup, str]:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    if "</" in css or "</" in js:
        raise ValueError("report.css/report.js must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    return Markup(css), Markup(js), f"'sha256-{digest}'"


def content_security_policy() -> str:
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src {_assets()[2]}; img-src data:; base-uri 'none'; form-action 'none'"
    )


def write_html(report: WeeklyReport, path: Path) -> SanitizeStats:
    """Write the page to ``path`` (atomically); returns what sanitising changed."""
    clean = Sanitizer()
    html = render_html(report, clean)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(html, encoding="utf-8")
    clean.stats.log(f"HTML {path}")
    return clean.stats


def render_html(report: WeeklyReport, clean: Sanitizer | None = None) -> str:
    clean = clean or Sanitizer()
    css, js, _ = _assets()
    ctx = page_context(report, clean)
    return (
        environment()
        .get_template(PAGE_TEMPLATE)
        .render(**ctx, css=css, script=js, csp=content_security_policy())
    )


def page_context(report: WeeklyReport, clean: Sanitizer) -> dict[str, Any]:
    """Everything the templates show, as plain (sanitised, still unescaped) values."""
    t = clean.text
    rows = [finding_row(f.data, f.status, clean) for f in report.findings]
    return {
        "title": t(report.title),
        "issuer": t(report.issuer),
        "recipients": t(report.recipients),
        "window": t(report.window.label),
        "generated": labels.cn_datetime(report.generated_at),
        "cards": _cards(report),
        "scans": [
            _scan(s, clean) for s in report.scans if s.get("channel") not in labels.PSEUDO_CHANNELS
        ],
        "sample": _sample(report, clean),
        "units": [_unit(u, clean) for u in report.units],
        "departments": [_unit(u, clean) for u in report.line_departments],
        "bars": bar_chart(report.units, clean),
        "trend": trend_chart(report.units, clean),
        "findings": rows,
        "filters": _filters(rows),
        "resolved": [finding_row(d, "resolved", clean) for d in report.resolved],
    }


def _cards(report: WeeklyReport) -> list[tuple[str, str]]:
    t = report.totals
    return [
        ("检查指南", str(t.get("guides_checked", 0))),
        ("有问题指南", str(t.get("guides_with_findings", 0))),
        ("一致率", labels.percent(t.get("consistency_rate"))),
        ("问题总数", str(len(report.findings))),
        ("新发现", str(t.get("new", 0))),
        ("持续存在", str(t.get("persisting", 0))),
        ("已整改", str(t.get("resolved", 0))),
    ]


def _scan(s: Mapping[str, Any], clean: Sanitizer) -> dict[str, str]:
    at = s.get("at")
    return {
        "channel": clean.text(s.get("channel_label") or s.get("channel")),
        "at": labels.cn_datetime(at) if at is not None else "",
        "guides": str(s.get("guides", "")),
        "run": str(s.get("run_id", "")),
    }


def _sample(report: WeeklyReport, clean: Sanitizer) -> dict[str, Any] | None:
    s = report.sample
    if s is None:
        return None
    how = f"每单位每渠道{s.size}份" if s.size is not None else f"比例{labels.percent(s.rate)}"
    return {
        "how": how,
        "seed": str(s.seed),
        "count": len(s.guides),
        "strata": [(clean.text(k), v) for k, v in s.strata.items()],
    }


def _unit(u: UnitFigures, clean: Sanitizer) -> dict[str, Any]:
    sev = u.by_severity
    return {
        "rank": "" if u.rank is None else u.rank,
        "unit": clean.text(u.unit),
        "checked": u.guides_checked,
        "flagged": u.guides_with_findings,
        "rate": labels.percent(u.consistency_rate),
        "findings": u.findings,
        "error": sev.get("error", 0),
        "warning": sev.get("warning", 0),
        "info": sev.get("info", 0),
        "deduction": labels.number(u.deduction),
        "score": labels.number(u.score),
        "new": u.new,
        "persisting": u.persisting,
        "resolved": u.resolved,
    }


def finding_row(d: Mapping[str, Any], status: str, clean: Sanitizer) -> dict[str, Any]:
    kind, target, where = labels.location_text(d.get("location"))
    t = clean.text
    return {
        "status": status,
        "status_label": labels.status_label(status),
        "unit": t(d.get("unit")),
        "item": t(labels.item_text(d)),
        "channel": t(labels.channel_label(d)),
        "field": t(d.get("field_label") or d.get("field")),
        "rule": t(d.get("rule")),
        "rule_name": t(d.get("rule_name")),
        "severity": t(d.get("severity")),
        "severity_label": labels.severity_label(d.get("severity")),
        "expected": t(d.get("expected")),
        "actual": t(d.get("actual")),
        "message": t(d.get("message")),
        "detail": diff_segments(t(d.get("detail"))),
        "href": clean.url(target) if kind == "url" else None,
        "location": t(target),
        "where": t(where),
    }


def diff_segments(text: str) -> list[tuple[str, str]]:
    """A detail string with ``[-old-]``/``[+new+]`` marks as ``(kind, text)`` pieces,
    kind ``""``, ``"del"`` or ``"ins"``; the template escapes every piece."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _DIFF.finditer(text):
        if m.start() > pos:
            out.append(("", text[pos : m.start()]))
        deleted, inserted = m.group(1), m.group(2)
        out.append(("del", deleted) if deleted is not None else ("ins", inserted))
        pos = m.end()
    if pos < len(text):
        out.append(("", text[pos:]))
    return out


def _filters(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The filter selects: (data attribute, label, [(value, shown text)])."""

    def options(key: str, shown: str | None = None) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for r in rows:
            seen.setdefault(r[key], r[shown or key])
        return sorted(seen.items())

    return [
        ("unit", "单位", options("unit")),
        ("channel", "渠道", options("channel")),
        ("field", "要素", options("field")),
        ("rule", "规则", options("rule", "rule")),
        ("severity", "严重程度", options("severity", "severity_label")),
        ("status", "状态", options("status", "status_label")),
    ]


def _short_week(label: str) -> str:
    """``2026年11月18日至11月24日`` → ``11月18日`` (the axis has room for the start only)."""
    return re.sub(r"^\d{4}年", "", label).split("至")[0]


@dataclass(frozen=True, slots=True)
class Bar:
    y: float
    width: float
    label: str
    value: str
    low: bool


def bar_chart(units: Iterable[UnitFigures], clean: Sanitizer) -> dict[str, Any]:
    """Horizontal bars of the consistency rate per unit (units with guides only)."""
    rated = [u for u in units if u.consistency_rate is not None]
    row, top, left, span = 30.0, 28.0, 120.0, 370.0
    mean = sum(u.consistency_rate or 0 for u in rated) / len(rated) if rated else 0.0
    bars = [
        Bar(
            y=top + i * row,
            width=round(span * (u.consistency_rate or 0), 1),
            label=clean.text(u.unit),
            value=labels.percent(u.consistency_rate),
            low=(u.consistency_rate or 0) < mean,
        )
        for i, u in enumerate(rated)
    ]
    ticks = [(left + span * k / 4, f"{k * 25}%") for k in range(5)]
    return {
        "bars": bars,
        "left": left,
        "span": span,
        "row": row,
        "top": top,
        "ticks": ticks,
        "height": top + row * max(len(bars), 1) + 10,
        "mean": labels.percent(mean),
    }


def trend_chart(units: Iterable[UnitFigures], clean: Sanitizer) -> dict[str, Any]:
    """One line per unit over the windows of its trend (oldest first)."""
    units = [u for u in units if any(r is not None for _, r in u.trend)]
    weeks = list(dict.fromkeys(w for u in units for w, _ in u.trend))
    with_data = {w for u in units for w, r in u.trend if r is not None}
    while weeks and weeks[0] not in with_data:  # weeks before the first scan show nothing
        weeks.pop(0)
    rates = [r for u in units for _, r in u.trend if r is not None]
    low = min(0.8, (int(min(rates) * 10) / 10) if rates else 0.8)
    left, top, width, height = 56.0, 16.0, 460.0, 220.0
    step = width / max(len(weeks) - 1, 1)

    def point(week: str, rate: float) -> tuple[float, float]:
        x = left + step * weeks.index(week) if len(weeks) > 1 else left + width / 2
        return round(x, 1), round(top + height * (1 - (rate - low) / (1 - low)), 1)

    lines = []
    for i, u in enumerate(units):
        pts = [point(w, r) for w, r in u.trend if r is not None and w in weeks]
        lines.append(
            {
                "label": clean.text(u.unit),
                "color": PALETTE[i % len(PALETTE)],
                "points": " ".join(f"{x},{y}" for x, y in pts),
                "dots": pts,
            }
        )
    yticks = [
        (round(top + height * (1 - k / 4), 1), labels.percent(low + (1 - low) * k / 4, 0))
        for k in range(5)
    ]
    xticks = [(point(w, low)[0], clean.text(_short_week(w))) for w in weeks]
    return {
        "lines": lines,
        "yticks": yticks,
        "xticks": xticks,
        "left": left,
        "top": top,
        "width": width,
        "height": height,
    }
