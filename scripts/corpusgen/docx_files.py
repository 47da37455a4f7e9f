"""DOCX channels: the handbook of a line department and the offline manual of a unit.

Both carry what real office files carry: header/footer, a title page and a table of
contents (handbook), automatic numbering, runs split mid-word, tracked changes,
full-width and zero-width spaces, a text box, merged cells and a nested table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from . import ooxml
from .guides import Guide
from .spec import Department, Unit
from .wording import (
    FORM_TEXT,
    Wording,
    chinese_number,
    citations_text,
    cjk_gap_positions,
    copies_text,
    copy_kind,
    fee_text,
    necessity_text,
    online_text,
    phones_text,
    time_plain,
    time_text,
    visits_text,
)

# Materials table headers: the wording varies between handbooks.
MATERIAL_HEADERS = [
    ["序号", "材料名称", "材料形式", "原件/复印件", "份数", "必要性", "来源渠道", "备注"],
    ["序号", "材料名称", "提交形式", "原件/复印件", "数量要求", "是否必要", "来源渠道", "填报须知"],
    ["编号", "材料名称", "介质要求", "原件/复印件", "份数", "必要性", "材料来源", "备注"],
]


def add_text(par: Paragraph, text: str, w: Wording | None = None, p_split: float = 0.3) -> None:
    """Text as one run, or split mid-word into two runs with different formatting."""
    gaps = cjk_gap_positions(text)
    if w is not None and gaps and w.chance("docx.run_split", p_split):
        i = w.rng.choice(gaps)
        par.add_run(text[:i])
        second = par.add_run(text[i:])
        second._r.get_or_add_rPr().append(parse_xml(f'<w:lang {nsdecls("w")} w:eastAsia="zh-CN"/>'))
    else:
        par.add_run(text)


def odd_spaces(text: str, w: Wording, kind: str, p: float) -> str:
    """Insert a zero-width or full-width space between two CJK characters."""
    gaps = cjk_gap_positions(text)
    vid = "docx.zero_width" if kind == "zw" else "docx.fullwidth_space"
    if gaps and w.chance(vid, p):
        i = w.rng.choice(gaps)
        return text[:i] + ("\u200b" if kind == "zw" else "\u3000") + text[i:]
    return text


def cell_lines(cell: _Cell, lines: list[str], w: Wording | None) -> None:
    """A multi-line cell: one paragraph per line."""
    for i, line in enumerate(lines):
        par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        add_text(par, line, w)


def header_footer(doc: DocumentObject, header: str, footer: str) -> None:
    section = doc.sections[0]
    section.header.paragraphs[0].text = header
    par = section.footer.paragraphs[0]
    par.add_run(f"{footer}　第 ")
    ooxml.field_paragraph(par, "PAGE", "1")
    par.add_run(" 页")


# ------------------------------------------------------------------ handbook


def handbook(dept: Department, guides: list[Guide], path: Path) -> None:
    doc = Document()
    ooxml.fix_properties(doc, f"{dept.full}政务服务事项标准化手册")
    header_footer(doc, f"{dept.full}政务服务事项标准化手册", "杭州市“最多跑一次”改革办公室监制")
    numbering = ooxml.Numbering(doc)
    revisions = ooxml.Revisions()

    doc.add_paragraph(dept.full, style="Title")
    doc.add_paragraph("政务服务事项标准化办事指南手册", style="Subtitle")
    doc.add_paragraph("（2024年版）")
    doc.add_paragraph("杭州市“最多跑一次”改革领导小组办公室  编印")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("目　　录", style="TOC Heading")
    titles = [f"{chinese_number(g.index + 1)}、{g.fields.get('name', {}).get('text', g.item.name)}"
              for g in guides]
    ooxml.toc(doc, [(t, 3 + 2 * i) for i, t in enumerate(titles)])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(f"{dept.full}政务服务事项办事指南", level=1)
    doc.add_paragraph("本手册依据浙江省政务服务事项“八统一”标准编制，适用于市、区县（市）、乡镇（街道）三级。")

    headers = MATERIAL_HEADERS[dept.index % len(MATERIAL_HEADERS)]
    for guide, title in zip(guides, titles):
        _handbook_entry(doc, guide, title, headers, numbering, revisions)
    ooxml.save_deterministic(doc, path)


def _handbook_entry(
    doc: DocumentObject, g: Guide, title: str, headers: list[str],
    numbering: ooxml.Numbering, revisions: ooxml.Revisions,
) -> None:
    w, f = g.wording, g.fields
    heading = doc.add_heading(level=2)
    add_text(heading, title, w)
    if g.index == 1:
        note = doc.add_paragraph()
        # A floating text box: a note, not a field.
        ooxml.text_box(note, "温馨提示：本事项已纳入“一件事”集成改革，可在浙里办APP一站办理。")

    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"

    def full_row(label: str, lines: list[str]) -> _Cell:
        cells = table.add_row().cells
        add_text(cells[0].paragraphs[0], label)
        value = cells[1].merge(cells[3])  # horizontally merged value cell
        cell_lines(value, lines, w)
        return value

    def pair_row(l1: str, v1: str, l2: str, v2: str) -> None:
        cells = table.add_row().cells
        texts = (l1 if v1 else "", v1, l2 if v2 else "", v2)  # no label without its value
        for i, (cell, text) in enumerate(zip(cells, texts)):
            if text:
                add_text(cell.paragraphs[0], text, w if i % 2 else None)

    def txt(key: str) -> str:
        return f[key]["text"] if key in f else ""

    if "name" in f:
        full_row("事项名称", [odd_spaces(f["name"]["text"], w, "zw", 0.15)])
    if "code" in f:
        pair_row("基本编码", "、".join(f["code"]["items"]), "事项类型", txt("item_type"))
    if "implementing_body" in f:
        full_row("实施主体", [f["implementing_body"]["text"]])
    pair_row("主管部门", txt("line_department"), "办件类型", txt("case_type"))
    if "legal_basis" in f:
        full_row("设定依据", citations_text(f["legal_basis"], None))
    if "conditions" in f:
        _conditions_row(table, f["conditions"]["items"], w, revisions, g.index)
    # Vertically merged group label over the two time limits.
    top, bottom = table.add_row().cells, table.add_row().cells
    group = top[0].merge(bottom[0])
    add_text(group.paragraphs[0], "时限要求")
    for cells, label, key in ((top, "法定办结时限", "time_limit_legal"),
                              (bottom, "承诺办结时限", "time_limit_promised")):
        add_text(cells[1].paragraphs[0], label)
        value = cells[2].merge(cells[3])
        if key in f:
            add_text(value.paragraphs[0], time_plain(f[key], legal=key == "time_limit_legal"), w)
    fee = f.get("fee", {})
    if not fee:
        pass
    elif fee.get("free"):
        full_row("是否收费", ["不收费"])
    else:
        full_row("收费标准", [g.item.fee_what + "、".join(fee["amounts"])])
        full_row("收费依据", [fee["basis"]])
    pair_row("到办事现场次数", visits_text(f["visits"], None) if "visits" in f else "",
             "网上办理深度", online_text(f["online"], None) if "online" in f else "")
    if "result" in f:
        full_row("审批结果名称", [f["result"]["text"]])
    if g.index == 0:
        _nested_row(table)

    if "materials" in f:
        doc.add_paragraph("申请材料：")
        _materials_table(doc, f["materials"]["items"], headers, w, revisions if g.index == 2 else None)
    if "process" not in f:
        return
    doc.add_paragraph("办理流程：")
    num_id = numbering.new_list()
    w.record("docx.auto_numbering")
    for step in f["process"]["items"]:
        par = doc.add_paragraph(style="List Paragraph")
        ooxml.Numbering.apply(par, num_id)
        add_text(par, step, w)


def _conditions_row(table: Any, items: list[str], w: Wording, rev: ooxml.Revisions, index: int) -> None:
    cells = table.add_row().cells
    add_text(cells[0].paragraphs[0], "受理条件")
    value = cells[1].merge(cells[3])
    for i, entry in enumerate(items):
        par = value.paragraphs[0] if i == 0 else value.add_paragraph()
        text = f"{i + 1}. " + odd_spaces(entry, w, "fw", 0.1)
        if i == 0 and index % 2 == 1 and len(entry) > 6:
            # A tracked insertion: the inserted tail counts.
            cut = len(text) - 4
            add_text(par, text[:cut], w)
            rev.insert(par, text[cut:])
            w.record("docx.tracked_insertion")
        elif i == len(items) - 1 and index % 3 == 0:
            add_text(par, text, w)
            rev.delete(par, "，且近三年内无不良信用记录")
            w.record("docx.tracked_deletion")
        else:
            add_text(par, text, w)


def _nested_row(table: Any) -> None:
    """A row whose value cell holds a nested table (a label outside the vocabulary)."""
    cells = table.add_row().cells
    add_text(cells[0].paragraphs[0], "情形说明")
    value = cells[1].merge(cells[3])
    value.paragraphs[0].text = "本事项适用以下情形："
    inner = value.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("情形", "说明"), ("首次申请", "按本指南提交全部申请材料"),
                                ("信息变更", "另按变更事项指南申请")]):
        inner.cell(r, 0).text = a
        inner.cell(r, 1).text = b


def _materials_table(
    doc: DocumentObject, materials: list[dict[str, Any]], headers: list[str], w: Wording,
    rev: ooxml.Revisions | None,
) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, headers):
        cell.text = head
    for i, m in enumerate(materials, 1):
        kind, count = copy_kind(m)
        values = [str(i), m["name"], FORM_TEXT[m["form"]], kind, count,
                  necessity_text(m["necessity"], None), m["source"], m.get("note", "")]
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            if text:
                add_text(cell.paragraphs[0], text, w if j == 1 else None)
            if j == 7 and rev is not None and i == 1:
                rev.delete(cell.paragraphs[0], "需经社区盖章确认")
                w.record("docx.tracked_deletion")


# ------------------------------------------------------------------ manual

MANUAL_LABELS: dict[str, list[str]] = {
    "name": ["事项名称"],
    "code": ["事项编码", "基本编码"],
    "implementing_body": ["实施主体", "办理部门"],
    "legal_basis": ["设定依据", "办理依据"],
    "conditions": ["受理条件", "办理条件"],
    "materials": ["申请材料", "应提交材料"],
    "process": ["办理流程", "办理步骤"],
    "time_limit_legal": ["法定办结时限", "法定时限"],
    "time_limit_promised": ["承诺办结时限", "承诺时限"],
    "fee": ["收费标准", "是否收费"],
    "visits": ["到办事现场次数", "跑动次数"],
    "online": ["是否网办", "网上办理"],
    "location": ["办理地点", "窗口地址"],
    "hours": ["办理时间", "窗口办理时间"],
    "phone": ["咨询电话"],
    "complaint_phone": ["监督投诉电话", "投诉电话"],
}


def manual(unit: Unit, guides: list[Guide], path: Path) -> None:
    doc = Document()
    title = f"{unit.name}政务服务事项办事指南（窗口版）"
    ooxml.fix_properties(doc, title)
    header_footer(doc, title, f"{unit.name}行政服务中心")
    numbering = ooxml.Numbering(doc, fmt="%1.")
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(f"{unit.name}行政服务中心编　2024年3月")
    for g in guides:
        _manual_entry(doc, g, numbering)
    ooxml.save_deterministic(doc, path)


def _manual_entry(doc: DocumentObject, g: Guide, numbering: ooxml.Numbering) -> None:
    w, f = g.wording, g.fields

    def label(key: str) -> str:
        return w.label(key, MANUAL_LABELS[key], 0.7)

    def line(key: str, value: str) -> None:
        par = doc.add_paragraph()
        par.add_run(f"{label(key)}：").bold = True
        add_text(par, value, w)

    def entries(key: str, items: list[str]) -> None:
        par = doc.add_paragraph()
        par.add_run(f"{label(key)}：").bold = True
        auto = w.rng.random() < 0.5
        if auto:
            num_id = numbering.new_list()
            w.record("docx.auto_numbering")
        for i, item in enumerate(items, 1):
            p = doc.add_paragraph()
            if auto:
                ooxml.Numbering.apply(p, num_id)
                add_text(p, item, w)
            else:
                add_text(p, f"{i}. {item}", w)

    doc.add_heading(f"{chinese_number(g.index + 1)}、{f.get('name', {}).get('text', g.item.name)}", level=1)
    writers: list[tuple[str, Any]] = [
        ("name", lambda v: line("name", v["text"])),
        ("code", lambda v: line("code", "、".join(v["items"]))),
        ("implementing_body", lambda v: line("implementing_body", v["text"])),
        ("legal_basis", lambda v: line("legal_basis", "；".join(citations_text(v, w)))),
        ("conditions", lambda v: entries("conditions", v["items"])),
        ("materials", lambda v: entries("materials", [_material(m, w) for m in v["items"]])),
        ("process", lambda v: entries("process", v["items"])),
        ("time_limit_legal", lambda v: line("time_limit_legal", time_text(v, w, legal=True))),
        ("time_limit_promised",
         lambda v: line("time_limit_promised", time_text(v, w, legal=False))),
        ("fee", lambda v: line("fee", fee_text(v, w, what=g.item.fee_what))),
        ("visits", lambda v: line("visits", visits_text(v, w))),
        ("online", lambda v: line("online", online_text(v, w))),
        ("location", lambda v: line("location", v["text"])),
        ("hours", lambda v: line("hours", v["text"])),
        ("phone", lambda v: line("phone", phones_text(v, w))),
        ("complaint_phone", lambda v: line("complaint_phone", phones_text(v, w))),
    ]
    for key, write in writers:
        if key in f:  # a field can be left out (issue 3's injected deviations)
            write(f[key])


def _material(m: dict[str, Any], w: Wording) -> str:
    copies = copies_text(m, w)
    return f"{m['name']}（{copies}）" if copies else m["name"]
