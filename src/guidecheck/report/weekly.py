"""``guidecheck report``: store → windows → sample → figures → files.

Reads the scan runs kept in the store (store/findings.py), takes the latest scan of
each channel inside each window, draws the spot-check sample (report/sample.py),
builds the :class:`WeeklyReport` (report/figures.py) and writes it in the requested
formats. A renderer is a module of this package with a ``write_<fmt>(report, path)``
function: json_out (always here), docx_bulletin, xlsx_annex, html_page (written
separately; a format whose module is missing is skipped with a note).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from guidecheck.errors import GuidecheckError
from guidecheck.report.figures import (
    DEFAULT_ISSUER,
    DEFAULT_RECIPIENTS,
    Scoring,
    WindowData,
    build,
    population,
    restrict,
)
from guidecheck.report.model import Sample, WeeklyReport, Window
from guidecheck.report.sample import draw, guide_id
from guidecheck.report.window import latest_complete, shift, week_number, window_containing
from guidecheck.store.findings import ScanRun, ScanStore
from guidecheck.vocab import rules_dir

FORMATS = ("docx", "xlsx", "html", "json")
RENDERERS: Mapping[str, tuple[str, str]] = {
    "docx": ("guidecheck.report.docx_bulletin", "write_docx"),
    "xlsx": ("guidecheck.report.xlsx_annex", "write_xlsx"),
    "html": ("guidecheck.report.html_page", "write_html"),
    "json": ("guidecheck.report.json_out", "write_json"),
}
DEFAULT_TREND_WEEKS = 6


def load_scoring(path: Path | None = None) -> Scoring:
    path = path or rules_dir() / "scoring.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuidecheckError(f"{path}: 无法读取扣分规则（{exc.strerror}）") from exc
    except yaml.YAMLError as exc:
        raise GuidecheckError(f"{path}: YAML 格式错误：{exc}") from exc
    try:
        return Scoring.from_data(data, str(path))
    except (TypeError, ValueError) as exc:
        raise GuidecheckError(str(exc)) from exc


def latest_per_channel(scans: Sequence[ScanRun]) -> dict[str, ScanRun]:
    """The latest scan (by ``at``, then id) covering each channel."""
    latest: dict[str, ScanRun] = {}
    for scan in sorted(scans, key=lambda s: (s.at, s.id)):
        for channel in scan.channels:
            latest[channel] = scan
    return dict(sorted(latest.items()))


def window_data(store: ScanStore, window: Window) -> WindowData:
    """What the latest scan of each channel inside ``window`` checked and found."""
    scans = store.scans(since=window.start, until=window.end)
    latest = latest_per_channel(scans)
    checked: set[str] = set()
    findings: list[tuple[Mapping[str, Any], datetime]] = []
    meta: list[dict[str, Any]] = []
    for channel, scan in latest.items():
        rows = store.checked(scan.id, [channel])
        checked.update(guide_id(item, unit, ch) for ch, unit, item in rows)
        findings += [(f, scan.at) for f in store.findings(scan.id, [channel])]
        meta.append(
            {
                "run_id": scan.id,
                "channel": channel,
                "channel_label": scan.channels[channel],
                "at": scan.at,
                "guides": len(rows),
            }
        )
    units = max(scans, key=lambda s: (s.at, s.id)).units if scans else ()
    return WindowData(
        window=window,
        scans=tuple(meta),
        checked=frozenset(checked),
        findings=tuple(findings),
        covered=frozenset(latest),
        units=tuple(units),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Sampling:
    seed: int
    size: int | None = None
    rate: float | None = None

    def draw(self, data: WindowData) -> Sample:
        return draw(population(data), seed=self.seed, size=self.size, rate=self.rate)


def default_seed(window: Window) -> int:
    """The seed when none is given: the window's first day as YYYYMMDD (printed)."""
    day = window.start.date()
    return day.year * 10000 + day.month * 100 + day.day


def pick_window(week: date | datetime | None, now: datetime) -> Window:
    return window_containing(week) if week is not None else latest_complete(now)


def build_report(
    store: ScanStore,
    window: Window,
    *,
    now: datetime,
    sampling: Sampling | None = None,
    scoring: Scoring | None = None,
    trend_weeks: int = DEFAULT_TREND_WEEKS,
    issuer: str = DEFAULT_ISSUER,
    recipients: str = DEFAULT_RECIPIENTS,
) -> WeeklyReport:
    full = window_data(store, window)
    if full.empty:
        raise GuidecheckError(
            f"{window.label}（北京时间）内没有扫描记录：请先运行 guidecheck scan"
            "（补录可用 --at 指定扫描时间），或用 --week 选择其他周。"
        )
    sample = sampling.draw(full) if sampling else None
    current = restrict(full, sample)
    previous = window_data(store, shift(window, -1))
    history: list[WindowData] = []
    for back in range(max(1, trend_weeks) - 1, 0, -1):
        data = previous if back == 1 else window_data(store, shift(window, -back))
        if sampling and not data.empty:
            data = restrict(data, sampling.draw(data))
        history.append(data)
    return build(
        current,
        previous=previous,
        history=history,
        scoring=scoring or load_scoring(),
        sample=sample,
        generated_at=now,
        issuer=issuer,
        recipients=recipients,
    )


def renderer(fmt: str) -> Callable[[WeeklyReport, Path], Any] | None:
    """The writer of a format, or None while its module is not there."""
    module_name, func = RENDERERS[fmt]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, func, None)


def file_stem(report: WeeklyReport) -> str:
    """ASCII, ID-based file names: weekly-2026-W48 (the ISO week of the window's Tuesday)."""
    year, week = week_number(report.window)
    return f"weekly-{year}-W{week:02d}"


def write_outputs(
    report: WeeklyReport,
    out_dir: Path,
    formats: Sequence[str],
    *,
    strict: bool = False,
    note: Callable[[str], None] = lambda _m: None,
) -> list[Path]:
    """Write the report in each format; a missing renderer is skipped (``strict``: error)."""
    written = []
    for fmt in formats:
        write = renderer(fmt)
        if write is None:
            if strict:
                raise GuidecheckError(f"本版本尚不能输出 {fmt} 格式")
            note(f"提示：尚未提供 {fmt} 输出，已跳过")
            continue
        path = out_dir / f"{file_stem(report)}.{fmt}"
        write(report, path)
        written.append(path)
    return written
