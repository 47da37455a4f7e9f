"""Per-unit summary: guides checked, guides with findings, counts by severity.

A unit's *consistency rate* is the share of its checked guides with no finding.
Line departments appear with the findings charged to them (regional variance,
their handbook's lints) and no guides of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from guidecheck.compare.findings import Finding, Severity


@dataclass(slots=True)
class UnitSummary:
    unit: str
    guides: int = 0
    guides_with_findings: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})

    @property
    def consistency(self) -> float | None:
        if not self.guides:
            return None
        return (self.guides - self.guides_with_findings) / self.guides

    def to_data(self) -> dict[str, object]:
        rate = self.consistency
        return {
            "unit": self.unit,
            "guides": self.guides,
            "guides_with_findings": self.guides_with_findings,
            **self.counts,
            "consistency": None if rate is None else round(rate, 4),
        }


GuideKey = tuple[str, str, str]  # (unit, channel, item code or name)


def finding_guide(f: Finding) -> GuideKey | None:
    """The guide a finding is about; None for a missing guide or regional variance."""
    if f.location is None or f.channel == "*":
        return None
    return (f.unit, f.channel, f.item_code or f.item_name or "")


def summarize(
    checked: Iterable[GuideKey], findings: Sequence[Finding], *, units: Sequence[str] = ()
) -> list[UnitSummary]:
    """One row per unit: registry units first (in order), then any other charged unit.
    ``checked`` names every guide compared (see :func:`finding_guide`)."""
    rows: dict[str, UnitSummary] = {u: UnitSummary(u) for u in units}
    seen = set(checked)
    for unit, _channel, _item in seen:
        rows.setdefault(unit, UnitSummary(unit)).guides += 1
    flagged: set[GuideKey] = set()
    for f in findings:
        rows.setdefault(f.unit, UnitSummary(f.unit)).counts[f.severity.value] += 1
        key = finding_guide(f)
        if key is not None and key in seen:
            flagged.add(key)
    for unit, _channel, _item in flagged:
        rows[unit].guides_with_findings += 1
    return list(rows.values())


def write_table(rows: Sequence[UnitSummary], out: TextIO) -> None:
    """Plain text table, widths counted in display columns (CJK = 2)."""
    head = ["单位", "检查指南", "有问题指南", "错误", "警告", "提示", "一致率"]
    body = [
        [
            r.unit,
            str(r.guides),
            str(r.guides_with_findings),
            str(r.counts["error"]),
            str(r.counts["warning"]),
            str(r.counts["info"]),
            "—" if r.consistency is None else f"{r.consistency:.1%}",
        ]
        for r in rows
    ]
    widths = [max(_width(row[i]) for row in [head, *body]) for i in range(len(head))]
    for row in [head, *body]:
        cells = [_pad(c, w, left=i == 0) for i, (c, w) in enumerate(zip(row, widths))]
        out.write("  ".join(cells).rstrip() + "\n")


def _width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, width: int, *, left: bool) -> str:
    gap = " " * (width - _width(s))
    return s + gap if left else gap + s
