"""The weekly bulletin (通报) as DOCX, laid out after GB/T 9704-2012 (党政机关公文格式).

No red masthead. A4; margins top 37 mm, left (订口) 28 mm, right 26 mm, bottom 35 mm
(版心 156 × 225 mm). Title 方正小标宋简体 2号 (22 pt) centred; 主送 flush left; body
仿宋_GB2312 3号 (16 pt), first line indented two characters, fixed line spacing 28.9 pt
(22 lines a page); headings 黑体 (一、) and 楷体_GB2312 (（一）); tables 仿宋 5号;
附件说明; issuing office centred over the date, the date 右空四字 written
``2026年11月25日`` (the filing Wednesday, the day after the window); page numbers
``— 1 —`` in 宋体 4号, odd pages right and even pages left, one character in.

East-Asian fonts are set on ``w:rFonts/@w:eastAsia`` (python-docx's ``font.name`` sets
only the Latin slots). Crawled text passes :class:`~guidecheck.report.safe.Sanitizer`
first: python-docx raises on control characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from guidecheck.report import labels
from guidecheck.report.model import UnitFigures, WeeklyReport
from guidecheck.report.safe import Sanitizer, SanitizeStats, atomic_path

TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
LATIN_FONT = "Times New Roman"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, PAGE_SIZE = Pt(22), Pt(16), Pt(10.5), Pt(14)
LINE_SPACING = Pt(28.9)
CN_NUMBERS = "一二三四五六七八九十"
EXAMPLE_MAX = 300  # characters of a typical example's text
FIELDS_SHOWN = 6  # problem types with a typical example; the rest in one sentence
UNIT_HEAD = (
    "排名",
    "单位",
    "检查指南",
    "问题指南",
    "一致率",
    "问题数",
    "扣分",
    "新增",
    "未整改",
    "已整改",
)
UNIT_WIDTHS = (10, 36, 17, 17, 14, 14, 10, 10, 14, 14)  # mm, sum 156 (版心)
CELL_MARGIN = Mm(1)
DEPT_HEAD = ("序号", "行业主管部门", "问题数", "错误", "警告", "扣分", "新增", "未整改")
DEPT_WIDTHS = (10, 72, 14, 12, 12, 12, 10, 14)


def write_docx(report: WeeklyReport, path: Path, *, annex: str | None = None) -> SanitizeStats:
    """Write the bulletin to ``path`` (atomically). ``annex`` names the XLSX annex in the
    附件 line. Returns what sanitising changed."""
    b = _Bulletin(Sanitizer())
    b.compose(report, annex or f"{report.window.label}办事指南一致性抽查问题清单")
    with atomic_path(Path(path)) as tmp:
        b.doc.save(str(tmp))
    b.clean.stats.log(f"DOCX {path}")
    return b.clean.stats


def set_run_font(
    run: Run, east_asia: str, size: Pt, *, bold: bool = False, latin: str = LATIN_FONT
) -> None:
    """Font of a run in all slots: Latin (ascii/hAnsi) and East Asian."""
    run.font.name = latin
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


TITLE_LINE_EM = 20  # 156 mm of 22 pt characters
TITLE_BREAKS = ("政务服务事项", "办事指南", "一致性", "抽查", "情况", "的")


def title_lines(title: str) -> list[str]:
    """``title`` in lines of at most 20 em, broken after a phrase (``政务服务事项``)
    nearest the middle; a title with no such phrase is broken by width only."""
    if _char_width(title) <= TITLE_LINE_EM:
        return [title]
    cuts = {m + len(w) for w in TITLE_BREAKS for m in _find_all(title, w)}
    half = _char_width(title) / 2
    fitting = [
        c
        for c in cuts
        if 0 < c < len(title)
        and max(_char_width(title[:c]), _char_width(title[c:])) <= TITLE_LINE_EM
    ]
    if fitting:
        cut = min(fitting, key=lambda c: abs(_char_width(title[:c]) - half))
        return [title[:cut], *title_lines(title[cut:])]
    cut = 1
    while _char_width(title[: cut + 1]) <= TITLE_LINE_EM:
        cut += 1
    return [title[:cut], *title_lines(title[cut:])]


def _find_all(text: str, word: str) -> list[int]:
    out, start = [], text.find(word)
    while start != -1:
        out.append(start)
        start = text.find(word, start + 1)
    return out


def _cell_margins(table: Table, margin: Mm) -> None:
    """Left/right cell margins of the whole table (w:tblCellMar), so short headers fit."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(margin.twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.insert_element_before(mar, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _char_width(text: str) -> float:
    """Width in em: half-width characters count ½."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


class _Bulletin:
    def __init__(self, clean: Sanitizer) -> None:
        self.clean = clean
        self.doc: DocxDocument = Document()
        self._section = 0
        self._sub = 0
        self._tables = 0
        self._page_setup()
        self._base_style()

    # --- page and styles ------------------------------------------------------------
    def _page_setup(self) -> None:
        s = self.doc.sections[0]
        s.start_type = WD_SECTION_START.NEW_PAGE
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.top_margin, s.bottom_margin = Mm(37), Mm(35)
        s.left_margin, s.right_margin = Mm(28), Mm(26)
        s.header_distance, s.footer_distance = Mm(15), Mm(24)
        self.doc.settings.odd_and_even_pages_header_footer = True
        self._page_number(s.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
        self._page_number(s.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)

    def _page_number(self, p: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
        p.alignment = align
        fmt = p.paragraph_format
        fmt.right_indent = PAGE_SIZE if align == WD_ALIGN_PARAGRAPH.RIGHT else None
        fmt.left_indent = PAGE_SIZE if align == WD_ALIGN_PARAGRAPH.LEFT else None
        set_run_font(p.add_run("— "), PAGE_FONT, PAGE_SIZE, latin=PAGE_FONT)
        run = p.add_run()
        set_run_font(run, PAGE_FONT, PAGE_SIZE, latin=PAGE_FONT)
        for kind, text in (
            ("begin", None),
            (None, " PAGE "),
            ("separate", None),
            (None, "1"),
            ("end", None),
        ):
            el = OxmlElement(
                "w:fldChar" if kind else ("w:instrText" if text == " PAGE " else "w:t")
            )
            if kind:
                el.set(qn("w:fldCharType"), kind)
            else:
                el.text = text
                if text == " PAGE ":
                    el.set(qn("xml:space"), "preserve")
            run._element.append(el)
        set_run_font(p.add_run(" —"), PAGE_FONT, PAGE_SIZE, latin=PAGE_FONT)

    def _base_style(self) -> None:
        style = self.doc.styles["Normal"]
        style.font.name = LATIN_FONT
        style.font.size = BODY_SIZE
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_SPACING
        fmt.widow_control = False

    # --- paragraphs -----------------------------------------------------------------
    def para(
        self,
        text: str = "",
        *,
        font: str = BODY_FONT,
        size: Pt = BODY_SIZE,
        indent: bool = True,
        align: WD_ALIGN_PARAGRAPH | None = None,
        bold: bool = False,
        limit: int | None = None,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = size * 2
        if align is not None:
            p.alignment = align
        if text:
            set_run_font(p.add_run(self.clean.text(text, limit)), font, size, bold=bold)
        return p

    def h1(self, text: str) -> None:
        self.para(f"{CN_NUMBERS[self._section]}、{text}", font=H1_FONT)
        self._section += 1
        self._sub = 0

    def h2(self, text: str, body: str = "") -> None:
        """A （一） heading; ``body`` continues the same paragraph in 仿宋."""
        p = self.para(f"（{CN_NUMBERS[self._sub % 10]}）{text}", font=H2_FONT)
        self._sub += 1
        if body:
            set_run_font(p.add_run(self.clean.text(body, EXAMPLE_MAX * 2)), BODY_FONT, BODY_SIZE)

    def table(
        self,
        caption: str,
        head: Sequence[str],
        rows: Iterable[Sequence[object]],
        widths_mm: Sequence[int],
    ) -> Table:
        self._tables += 1
        self.para(
            f"表{self._tables}　{caption}",
            font=H1_FONT,
            indent=False,
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
        table = self.doc.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for cell, text in zip(table.rows[0].cells, head):
            self._cell(cell, text, bold=True)
        for row in rows:
            for cell, value in zip(table.add_row().cells, row):
                self._cell(cell, value)
        for col, width in zip(table.columns, widths_mm):
            for cell in col.cells:
                cell.width = Mm(width)
        _cell_margins(table, CELL_MARGIN)
        for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm):
            grid_col.w = Mm(width)  # LibreOffice lays out by the grid, Word by the cells
        return table

    def _cell(self, cell: Any, value: object, bold: bool = False) -> None:
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt = p.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(18)
        fmt.first_line_indent = None
        text = "" if value is None else self.clean.text(value, EXAMPLE_MAX)
        set_run_font(p.add_run(text), H1_FONT if bold else BODY_FONT, TABLE_SIZE)

    # --- the bulletin ---------------------------------------------------------------
    def title(self, title: str) -> None:
        """The title, centred; a title longer than a line is broken at a phrase boundary
        so that no word is split (GB/T 9704 7.3.1)."""
        p = self.para(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing = Pt(35)
        lines = title_lines(self.clean.text(title))
        for n, line in enumerate(lines):
            run = p.add_run(line)
            set_run_font(run, TITLE_FONT, TITLE_SIZE)
            if n < len(lines) - 1:
                run.add_break()

    def compose(self, r: WeeklyReport, annex: str) -> None:
        self.title(r.title)
        self.para()
        self.para(f"{r.recipients}：", indent=False)
        self.para(_opening(r))
        self.h1("抽查范围和方法")
        for text in _scope(r):
            self.para(text)
        self.h1("总体情况")
        self.para(_overall(r))
        self._units(r)
        self._problems(r)
        self._departments(r)
        self.h1("与上周相比")
        for text in _week_over_week(r):
            self.para(text)
        self.h1("整改要求")
        for n, text in enumerate(_requirements(r), start=1):
            self.para(f"{n}．{text}")
        self.para()
        self._annex(annex)
        self._signature(r)

    def _units(self, r: WeeklyReport) -> None:
        self.h1("各单位情况")
        self.para(_ranking_text(r.units))
        rows = [
            (
                u.rank,
                u.unit,
                u.guides_checked,
                u.guides_with_findings,
                labels.percent(u.consistency_rate),
                u.findings,
                labels.number(u.deduction),
                u.new,
                u.persisting,
                u.resolved,
            )
            for u in r.units
        ]
        t = r.totals
        rows.append(
            (
                "",
                "合计",
                t.get("guides_checked", 0),
                t.get("guides_with_findings", 0),
                labels.percent(t.get("consistency_rate")),
                sum(u.findings for u in r.units),
                "",
                sum(u.new for u in r.units),
                sum(u.persisting for u in r.units),
                sum(u.resolved for u in r.units),
            )
        )
        self.table("各单位办事指南一致性抽查情况及排名", UNIT_HEAD, rows, UNIT_WIDTHS)

    def _problems(self, r: WeeklyReport) -> None:
        self.h1("主要问题")
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for f in r.findings:
            groups.setdefault(str(f.data.get("field_label") or f.data.get("field")), []).append(
                f.data
            )
        if not groups:
            self.para("本次抽查未发现问题。")
        ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))
        for label, rows in ranked[:FIELDS_SHOWN]:
            units = len({d.get("unit") for d in rows})
            self.h2(f"{label}方面。", f"共{len(rows)}个问题，涉及{units}个单位。{_rule_mix(rows)}")
            self.para(f"典型问题：{_example(rows[0])}", limit=EXAMPLE_MAX)
        rest = ranked[FIELDS_SHOWN:]
        if rest:
            others = "、".join(f"{label}方面{len(rows)}个" for label, rows in rest)
            self.h2("其他问题。", f"{others}，详见附件。")

    def _departments(self, r: WeeklyReport) -> None:
        if not r.line_departments:
            return
        self.h1("行业主管部门情况")
        self.para(
            "以下事项的办事指南在各地之间不一致，而标准化手册未作统一规定或表述模糊，"
            "按照工作方案由行业主管部门负责统一规范，单独列示如下（见表"
            f"{self._tables + 1}）。"
        )
        rows = [
            (
                n,
                u.unit,
                u.findings,
                u.by_severity.get("error", 0),
                u.by_severity.get("warning", 0),
                labels.number(u.deduction),
                u.new,
                u.persisting,
            )
            for n, u in enumerate(r.line_departments, start=1)
        ]
        self.table("行业主管部门地区差异问题情况", DEPT_HEAD, rows, DEPT_WIDTHS)

    def _annex(self, annex: str) -> None:
        """附件说明: 左空二字; a wrapped name lines up under its own first character."""
        p = self.para(f"附件：{annex}", indent=False)
        p.paragraph_format.left_indent = BODY_SIZE * 5
        p.paragraph_format.first_line_indent = -BODY_SIZE * 3

    def _signature(self, r: WeeklyReport) -> None:
        date = labels.cn_date(r.window.end)
        self.para()
        self.para()
        offset = 4 + (_char_width(date) - _char_width(r.issuer)) / 2
        issuer = self.para(r.issuer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        issuer.paragraph_format.right_indent = Pt(16 * max(offset, 2))
        dated = self.para(date, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        dated.paragraph_format.right_indent = BODY_SIZE * 4


# --- texts ----------------------------------------------------------------------------
def _publishing(r: WeeklyReport) -> list[Mapping[str, Any]]:
    """The scans of real publishing channels (not ``*`` for regional variance nor the
    handbook's own lints)."""
    return [s for s in r.scans if s.get("channel") not in labels.PSEUDO_CHANNELS]


def _channels(r: WeeklyReport) -> str:
    names = (str(s.get("channel_label") or s.get("channel")) for s in _publishing(r))
    return "、".join(names) or "各发布渠道"


def _opening(r: WeeklyReport) -> str:
    return (
        f"为进一步推进政务服务事项标准化，确保各渠道办事指南与标准化手册一致，我局于"
        f"{r.window.label}对{_channels(r)}发布的办事指南开展了一致性抽查，以标准化手册为基准，"
        "逐项比对申请材料、办理时限、收费、设定依据、办理条件等要素。现将有关情况通报如下。"
    )


def _scope(r: WeeklyReport) -> list[str]:
    scans = _publishing(r)
    by_time: dict[str, list[str]] = {}
    for sc in scans:
        when = labels.cn_datetime(sc["at"]) if sc.get("at") is not None else "最近一次"
        by_time.setdefault(when, []).append(
            f"{sc.get('channel_label') or sc.get('channel')}（{sc.get('guides', 0)}份）"
        )
    used = "；".join(f"{when}扫描的{'、'.join(names)}" for when, names in by_time.items())
    out = [
        f"本次抽查覆盖{len(scans)}个发布渠道，采用窗口内各渠道最近一次扫描结果：{used}。"
        if scans
        else "本次抽查覆盖各发布渠道。"
    ]
    s = r.sample
    if s is None:
        out.append("本次对上述渠道发布的全部办事指南进行了全量比对，未抽样。")
    else:
        how = (
            f"每个单位每个渠道抽取{s.size}份"
            if s.size is not None
            else f"按{labels.percent(s.rate)}的比例抽取"
        )
        out.append(
            f"抽样按单位和渠道分层随机进行，{how}，随机种子为{s.seed}，共抽取指南"
            f"{len(s.guides)}份。使用同一随机种子可复现本次抽样结果。"
        )
    out.append(
        "手册未作统一规定的本地要素（办理地点、办公时间、咨询电话等）以确定的基准渠道为准。"
        "扣分按问题的规则和严重程度计算，每个单位设扣分上限；排名按得分（基础分减扣分）确定。"
    )
    return out


def _overall(r: WeeklyReport) -> str:
    t = r.totals
    sev = Counter(str(f.data.get("severity")) for f in r.findings)
    return (
        f"本次共检查办事指南{t.get('guides_checked', 0)}份，其中存在问题的"
        f"{t.get('guides_with_findings', 0)}份，总体一致率为{labels.percent(t.get('consistency_rate'))}。"
        f"共发现问题{len(r.findings)}个，其中错误{sev['error']}个、警告{sev['warning']}个、"
        f"提示{sev['info']}个。与上周相比，新发现问题{t.get('new', 0)}个，持续存在问题"
        f"{t.get('persisting', 0)}个，已整改问题{t.get('resolved', 0)}个。"
    )


def _ranking_text(units: Sequence[UnitFigures]) -> str:
    rated = [u for u in units if u.consistency_rate is not None]
    if not rated:
        return "各单位抽查情况见下表。"
    best = "、".join(u.unit for u in rated[:2])
    worst = "、".join(u.unit for u in rated[-2:][::-1] if u.unit not in best)
    text = f"各单位抽查情况及排名见下表。得分较高的是{best}"
    return text + (f"；得分较低的是{worst}，问题较多，需重点整改。" if worst else "。")


def _rule_mix(rows: Sequence[Mapping[str, Any]]) -> str:
    channels = Counter(labels.channel_label(d) for d in rows)
    top = "、".join(f"{c}{n}个" for c, n in channels.most_common(3))
    return f"按渠道分：{top}。"


def _example(d: Mapping[str, Any]) -> str:
    where = "、".join(x for x in (str(d.get("unit") or ""), labels.channel_label(d)) if x)
    item = d.get("item_name") or d.get("item_code") or ""
    return f"{where}“{item}”：{d.get('message') or ''}"


def _week_over_week(r: WeeklyReport) -> list[str]:
    t = r.totals
    out = [
        (
            f"本周新发现问题{t.get('new', 0)}个，上周已通报、本周仍未整改的问题"
            f"{t.get('persisting', 0)}个，上周问题本周已整改{t.get('resolved', 0)}个。"
        )
    ]
    persisting = [u for u in (*r.units, *r.line_departments) if u.persisting]
    if persisting:
        names = "、".join(f"{u.unit}（{u.persisting}个）" for u in persisting)
        out.append(f"存在持续未整改问题的单位：{names}。")
    up, down = _rate_changes(r.units)
    if up or down:
        out.append(
            f"一致率较上周提升的单位：{'、'.join(up) or '无'}；较上周下降的单位："
            f"{'、'.join(down) or '无'}。"
        )
    return out


def _rate_changes(units: Iterable[UnitFigures]) -> tuple[list[str], list[str]]:
    up, down = [], []
    for u in units:
        rates = [rate for _, rate in u.trend[-2:]]
        if len(rates) == 2 and None not in rates:
            if rates[1] > rates[0]:  # type: ignore[operator]
                up.append(u.unit)
            elif rates[1] < rates[0]:  # type: ignore[operator]
                down.append(u.unit)
    return up, down


def _requirements(r: WeeklyReport) -> list[str]:
    deadline = labels.cn_date(r.window.end + timedelta(days=6))
    return [
        f"各单位要对照附件问题清单逐项核实整改，于{deadline}前完成，并将整改情况报送我局。",
        "对上周已通报仍未整改的问题，要分析原因，明确责任人和整改时限，举一反三，防止反复。",
        "各行业主管部门要对本系统事项的办事指南要素统一规范，指导各地做到同一事项标准一致。",
        "我局将持续开展抽查，抽查结果纳入政务服务工作考核。",
    ]
