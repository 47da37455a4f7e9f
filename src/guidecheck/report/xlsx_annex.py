"""The XLSX annex (附件): a summary sheet, one sheet per unit listing every finding, and
the findings resolved since last week.

Written with openpyxl's streaming writer (``write_only=True``), so memory stays flat for
tens of thousands of findings (reliability.md F9). Every string cell is written as a
literal string (``data_type 's'``) after :class:`~guidecheck.report.safe.Sanitizer`:
a crawled ``=HYPERLINK(…)`` is shown as text, never evaluated (F1/F2); formula-looking
cells also get Excel's quote prefix so editing them keeps them text. Only http(s)
locations become hyperlinks; file paths are plain text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from guidecheck.report import labels
from guidecheck.report.model import ReportFinding, UnitFigures, WeeklyReport
from guidecheck.report.safe import (
    Sanitizer,
    SanitizeStats,
    atomic_path,
    looks_like_formula,
    sheet_title,
)

SUMMARY_SHEET = "汇总"
RESOLVED_SHEET = "已整改"
FINDING_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("状态", 9),
    ("单位", 16),
    ("事项编码", 20),
    ("事项名称", 26),
    ("渠道", 16),
    ("要素", 12),
    ("手册/参照值", 30),
    ("指南值", 30),
    ("位置", 40),
    ("位置说明", 24),
    ("规则", 8),
    ("规则名称", 22),
    ("严重程度", 9),
    ("问题说明", 60),
    ("说明", 30),
    ("实施主体", 24),
)
UNIT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("排名", 6),
    ("单位", 26),
    ("检查指南数", 11),
    ("有问题指南数", 13),
    ("一致率", 9),
    ("问题数", 8),
    ("错误", 7),
    ("警告", 7),
    ("提示", 7),
    ("扣分", 7),
    ("得分", 7),
    ("新发现", 8),
    ("持续存在", 9),
    ("已整改", 8),
)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_TITLE_FONT = Font(bold=True, size=14)
_LINK_FONT = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="top")


def write_xlsx(report: WeeklyReport, path: Path) -> SanitizeStats:
    """Write the annex to ``path`` (atomically); returns what sanitising changed."""
    clean = Sanitizer()
    wb = Workbook(write_only=True)
    _summary_sheet(wb.create_sheet(SUMMARY_SHEET), report, clean)
    taken = {SUMMARY_SHEET, RESOLVED_SHEET}
    for unit, rows in _findings_by_unit(report).items():
        ws = wb.create_sheet(sheet_title(clean.text(unit), taken))
        _findings_sheet(ws, unit, rows, clean)
    _resolved_sheet(wb.create_sheet(RESOLVED_SHEET), report.resolved, clean)
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    clean.stats.log(f"XLSX {path}")
    return clean.stats


def _findings_by_unit(report: WeeklyReport) -> dict[str, list[ReportFinding]]:
    """Every listed unit (ranked units, then line departments) with its findings, then
    any other unit findings are charged to, so no finding is left out."""
    groups: dict[str, list[ReportFinding]] = {
        u.unit: [] for u in (*report.units, *report.line_departments)
    }
    extra: dict[str, list[ReportFinding]] = defaultdict(list)
    for f in report.findings:
        unit = str(f.data.get("unit") or "未识别单位")
        (groups[unit] if unit in groups else extra[unit]).append(f)
    groups.update(extra)
    return groups


class _Styles:
    """Style arrays copied from one prototype cell per style: setting ``font`` or
    ``alignment`` on every cell costs a style-table lookup each (F9: 10,000 rows)."""

    def __init__(self, wb: Workbook) -> None:
        self._proto = WriteOnlyCell(wb.create_sheet("_proto"))
        wb.remove(self._proto.parent)
        self._cache: dict[tuple[str, bool], StyleArray] = {}

    def get(self, name: str, quote: bool) -> StyleArray:
        key = (name, quote)
        if key not in self._cache:
            cell = self._proto
            cell._style = StyleArray()
            for attr, value in _STYLES[name].items():
                setattr(cell, attr, value)
            cell.quotePrefix = quote
            self._cache[key] = copy(cell._style)
        return self._cache[key]


_STYLES: dict[str, dict[str, Any]] = {
    "": {},
    "wrap": {"alignment": _WRAP},
    "head": {"font": _HEAD_FONT, "fill": _HEAD_FILL},
    "title": {"font": _TITLE_FONT},
    "link": {"font": _LINK_FONT, "alignment": _WRAP},
}
_STYLE_CACHE: dict[int, _Styles] = {}


def _text_cell(
    ws: WriteOnlyWorksheet, value: object, clean: Sanitizer, style: str = ""
) -> WriteOnlyCell | str:
    """A literal string cell (``data_type 's'`` even for ``=…``; quote prefix then).
    Plain text without style stays a ``str``: openpyxl stores it as a string cell, and
    it is faster to write."""
    text = clean.cell(value)
    if not style and not looks_like_formula(text):
        return text
    return _string_cell(ws, text, style)


def _string_cell(ws: WriteOnlyWorksheet, text: str, style: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell._value, cell.data_type = text, "s"  # bypass openpyxl's "=… is a formula" guess
    quote = looks_like_formula(text)
    if style or quote:
        cell._style = copy(_styles(ws).get(style, quote))
    return cell


def _styles(ws: WriteOnlyWorksheet) -> _Styles:
    wb = ws.parent
    if id(wb) not in _STYLE_CACHE:
        _STYLE_CACHE.clear()  # one workbook at a time
        _STYLE_CACHE[id(wb)] = _Styles(wb)
    return _STYLE_CACHE[id(wb)]


def _value_cell(
    ws: WriteOnlyWorksheet, value: object, clean: Sanitizer, fmt: str = ""
) -> WriteOnlyCell:
    if value is None or isinstance(value, str):
        return _text_cell(ws, value or "", clean)
    cell = WriteOnlyCell(ws, value=value)
    if fmt:
        cell.number_format = fmt
    return cell


def _head_row(
    ws: WriteOnlyWorksheet, columns: Sequence[tuple[str, int]], clean: Sanitizer
) -> list[WriteOnlyCell]:
    return [_text_cell(ws, name, clean, "head") for name, _ in columns]


def _set_widths(ws: WriteOnlyWorksheet, columns: Sequence[tuple[str, int]]) -> None:
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _summary_sheet(ws: WriteOnlyWorksheet, report: WeeklyReport, clean: Sanitizer) -> None:
    _set_widths(ws, UNIT_COLUMNS)
    t = report.totals
    ws.append([_text_cell(ws, report.title, clean, "title")])
    for label, value in (
        ("抽查时段", report.window.label),
        ("生成时间", labels.cn_datetime(report.generated_at)),
        ("检查指南", t.get("guides_checked", 0)),
        ("有问题指南", t.get("guides_with_findings", 0)),
        ("一致率", labels.percent(t.get("consistency_rate"))),
        ("问题总数", len(report.findings)),
        (
            "新发现/持续存在/已整改",
            f"{t.get('new', 0)}/{t.get('persisting', 0)}/{t.get('resolved', 0)}",
        ),
        ("抽样", _sample_text(report)),
    ):
        ws.append([_text_cell(ws, label, clean, "head"), _value_cell(ws, value, clean)])
    ws.append([])
    _unit_table(ws, "一、各单位情况（按得分排名）", report.units, clean)
    ws.append([])
    _unit_table(ws, "二、行业主管部门（地区差异问题，单独列示）", report.line_departments, clean)
    ws.append([])
    ws.append(
        [
            _text_cell(ws, "合计问题数", clean, "head"),
            _value_cell(ws, len(report.findings), clean),
        ]
    )


def _sample_text(report: WeeklyReport) -> str:
    s = report.sample
    if s is None:
        return "全量检查（未抽样）"
    how = (
        f"每单位每渠道抽取{s.size}份" if s.size is not None else f"抽样比例{labels.percent(s.rate)}"
    )
    return f"{how}，随机种子{s.seed}，共抽取{len(s.guides)}份指南"


def _unit_table(
    ws: WriteOnlyWorksheet, heading: str, rows: Iterable[UnitFigures], clean: Sanitizer
) -> None:
    ws.append([_text_cell(ws, heading, clean, "head")])
    ws.append(_head_row(ws, UNIT_COLUMNS, clean))
    for u in rows:
        sev = u.by_severity
        values: list[object] = [
            u.rank,
            u.unit,
            u.guides_checked,
            u.guides_with_findings,
            u.consistency_rate,
            u.findings,
            sev.get("error", 0),
            sev.get("warning", 0),
            sev.get("info", 0),
            u.deduction,
            u.score,
            u.new,
            u.persisting,
            u.resolved,
        ]
        ws.append(
            [_value_cell(ws, v, clean, "0.0%" if i == 4 else "") for i, v in enumerate(values)]
        )


def _findings_sheet(
    ws: WriteOnlyWorksheet, unit: str, rows: Sequence[ReportFinding], clean: Sanitizer
) -> None:
    _set_widths(ws, FINDING_COLUMNS)
    ws.freeze_panes = "A3"
    ws.append([_text_cell(ws, f"{unit}：问题清单（{len(rows)}个）", clean, "title")])
    ws.append(_head_row(ws, FINDING_COLUMNS, clean))
    if rows:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(FINDING_COLUMNS))}{len(rows) + 2}"
    for n, f in enumerate(rows, start=1):
        ws.append(_finding_row(ws, n, f.data, labels.status_label(f.status), clean))


def _finding_row(
    ws: WriteOnlyWorksheet, n: int, d: Mapping[str, Any], status: str, clean: Sanitizer
) -> list[WriteOnlyCell]:
    kind, target, where = labels.location_text(d.get("location"))
    texts = (
        status,
        d.get("unit"),
        d.get("item_code"),
        d.get("item_name"),
        labels.channel_label(d),
        d.get("field_label") or d.get("field"),
        d.get("expected"),
        d.get("actual"),
    )
    cells = [_value_cell(ws, n, clean)]
    cells += [_text_cell(ws, v, clean, "wrap" if i > 4 else "") for i, v in enumerate(texts)]
    cells.append(_location_cell(ws, kind, target, clean))
    cells += [
        _text_cell(ws, v, clean)
        for v in (
            where,
            d.get("rule"),
            d.get("rule_name"),
            labels.severity_label(d.get("severity")),
        )
    ]
    cells += [_text_cell(ws, v, clean, "wrap") for v in (d.get("message"), d.get("detail"))]
    cells.append(_text_cell(ws, d.get("implementing_body"), clean))
    return cells


def _location_cell(
    ws: WriteOnlyWorksheet, kind: str, target: str, clean: Sanitizer
) -> WriteOnlyCell | str:
    url = clean.url(target) if kind == "url" else None
    if url is None or len(url) > 2000:  # Excel ignores longer link targets
        return _text_cell(ws, target, clean)
    cell = _string_cell(ws, clean.cell(target), "link")
    cell.hyperlink = url
    return cell


def _resolved_sheet(
    ws: WriteOnlyWorksheet, resolved: Sequence[Mapping[str, Any]], clean: Sanitizer
) -> None:
    _set_widths(ws, FINDING_COLUMNS)
    ws.append([_text_cell(ws, f"上周问题本周已整改（{len(resolved)}个）", clean, "title")])
    ws.append(_head_row(ws, FINDING_COLUMNS, clean))
    for n, d in enumerate(resolved, start=1):
        ws.append(_finding_row(ws, n, d, labels.status_label("resolved"), clean))
