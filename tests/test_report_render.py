"""The weekly report renderers (issue 5): DOCX bulletin, XLSX annex, HTML page.

Reports are built with tests/report_factory.py, independent of the store. Every output
must open with its own library and carry the report's totals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import html as lxml_html
from openpyxl import load_workbook
from report_factory import demo_report, finding, make_report

from guidecheck.report import html_page, xlsx_annex
from guidecheck.report.docx_bulletin import title_lines, write_docx
from guidecheck.report.html_page import write_html
from guidecheck.report.xlsx_annex import write_xlsx


def _east_asia(run) -> str | None:  # type: ignore[no-untyped-def]
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _para(doc, startswith: str):  # type: ignore[no-untyped-def]
    return next(p for p in doc.paragraphs if p.text.startswith(startswith))


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return demo_report()


@pytest.fixture(scope="module")
def docx_doc(report, tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("docx") / "bulletin.docx"
    write_docx(report, path)
    return Document(str(path))


# --- DOCX -------------------------------------------------------------------------------
def test_docx_opens_and_holds_the_unit_and_department_tables(docx_doc, report) -> None:  # type: ignore[no-untyped-def]
    units, depts = docx_doc.tables
    assert [c.text for c in units.rows[0].cells][:5] == [
        "排名",
        "单位",
        "检查指南",
        "问题指南",
        "一致率",
    ]
    assert [r.cells[1].text for r in units.rows[1:]] == [u.unit for u in report.units] + ["合计"]
    assert units.rows[1].cells[4].text == "84.0%"
    assert [r.cells[1].text for r in depts.rows[1:]] == [u.unit for u in report.line_departments]


def test_docx_totals_equal_the_findings(docx_doc, report) -> None:  # type: ignore[no-untyped-def]
    units, depts = docx_doc.tables
    unit_total = int(units.rows[-1].cells[5].text)
    dept_total = sum(int(r.cells[2].text) for r in depts.rows[1:])
    assert unit_total + dept_total == len(report.findings) == 25
    text = "\n".join(p.text for p in docx_doc.paragraphs)
    assert f"共发现问题{len(report.findings)}个" in text


def test_docx_title_body_and_heading_fonts(docx_doc) -> None:  # type: ignore[no-untyped-def]
    title = docx_doc.paragraphs[0]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.text == "关于2026年第47周政务服务事项\n办事指南一致性抽查情况的通报"
    assert {(_east_asia(r), r.font.size) for r in title.runs} == {("方正小标宋简体", Pt(22))}
    body = _para(docx_doc, "为进一步推进")
    assert [(_east_asia(r), r.font.size) for r in body.runs] == [("仿宋_GB2312", Pt(16))]
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    normal = docx_doc.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(28) <= normal.line_spacing <= Pt(29)
    assert _east_asia(_para(docx_doc, "一、抽查范围和方法").runs[0]) == "黑体"
    assert _east_asia(_para(docx_doc, "（一）").runs[0]) == "楷体_GB2312"
    assert _para(docx_doc, "各区、县（市）人民政府").text.endswith("：")  # 主送


def test_docx_page_margins_and_page_numbers(docx_doc) -> None:  # type: ignore[no-untyped-def]
    s = docx_doc.sections[0]
    for got, mm in (
        (s.top_margin, 37),
        (s.left_margin, 28),
        (s.right_margin, 26),
        (s.bottom_margin, 35),
        (s.page_width, 210),
        (s.page_height, 297),
    ):
        assert abs(got - Mm(mm)) < Mm(0.1)
    assert docx_doc.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        assert p.alignment == align
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))


def test_docx_annex_issuer_and_date(docx_doc, report) -> None:  # type: ignore[no-untyped-def]
    texts = [p.text for p in docx_doc.paragraphs]
    assert any(t.startswith("附件：") for t in texts)
    date = docx_doc.paragraphs[-1]
    assert date.text == "2026年11月25日"  # the Wednesday after the window
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(64)  # 右空四字
    assert docx_doc.paragraphs[-2].text == report.issuer
    for heading in (
        "二、总体情况",
        "三、各单位情况",
        "四、主要问题",
        "五、行业主管部门情况",
        "六、与上周相比",
        "七、整改要求",
    ):
        assert heading in texts


def test_title_lines_break_at_a_phrase_and_fit_the_line() -> None:
    assert title_lines("短标题") == ["短标题"]
    lines = title_lines("关于2026年第47周政务服务事项办事指南一致性抽查情况的通报")
    assert lines == ["关于2026年第47周政务服务事项", "办事指南一致性抽查情况的通报"]
    hostile = title_lines("<x>" * 50)
    assert "".join(hostile) == "<x>" * 50 and all(len(x) <= 40 for x in hostile)


# --- XLSX -------------------------------------------------------------------------------
def test_xlsx_opens_with_a_summary_and_one_sheet_per_unit(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "annex.xlsx"
    write_xlsx(report, path)
    wb = load_workbook(path)
    names = [u.unit for u in (*report.units, *report.line_departments)]
    assert wb.sheetnames == ["汇总", *names, "已整改"]
    total = 0
    for unit in report.units + report.line_departments:
        rows = list(wb[unit.unit].iter_rows(min_row=3, values_only=True))
        assert len(rows) == unit.findings
        assert {r[2] for r in rows} == {unit.unit}
        total += len(rows)
    assert total == len(report.findings)
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["问题总数"] == summary["合计问题数"] == len(report.findings)
    assert len(list(wb["已整改"].iter_rows(min_row=3))) == len(report.resolved)


def test_xlsx_links_only_http_locations(tmp_path: Path) -> None:
    report = make_report(
        [
            finding(0, location={"url": "https://example.gov.cn/a", "where": ""}),
            finding(3, location={"file": "corpus/web/app/x.html", "where": "表1"}),
        ]
    )
    path = tmp_path / "a.xlsx"
    write_xlsx(report, path)
    ws = load_workbook(path)[report.units[0].unit]
    col = [c for c, _ in xlsx_annex.FINDING_COLUMNS].index("位置") + 1
    cells = [ws.cell(row=r, column=col) for r in (3, 4)]
    assert cells[0].hyperlink.target == "https://example.gov.cn/a"
    assert cells[1].value == "corpus/web/app/x.html" and cells[1].hyperlink is None


# --- HTML -------------------------------------------------------------------------------
def test_html_tables_charts_and_totals(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "page.html"
    write_html(report, path)
    tree = lxml_html.fromstring(path.read_bytes())
    rows = tree.xpath('//table[@id="findings-table"]/tbody/tr')
    assert len(rows) == len(report.findings)
    cards = dict(
        zip(
            tree.xpath('//div[@class="card"]/div[@class="label"]/text()'),
            tree.xpath('//div[@class="card"]/div[@class="value"]/text()'),
        )
    )
    assert cards["问题总数"] == str(len(report.findings))
    assert len(tree.xpath("//svg//rect")) == len(report.units)  # one bar per unit
    assert len(tree.xpath("//svg//polyline")) == len(report.units)  # one trend line each
    filters = tree.xpath('//div[@id="filters"]//select/@data-key')
    assert filters == ["unit", "channel", "field", "rule", "severity", "status"]


def test_html_needs_no_network(report) -> None:  # type: ignore[no-untyped-def]
    tree = lxml_html.fromstring(html_page.render_html(report))
    assert not tree.xpath("//link | //script[@src] | //img[@src] | //iframe")
    assert not [u for u in tree.xpath("//@href") if not u.startswith("https://")]


# --- all formats --------------------------------------------------------------------------
@pytest.mark.parametrize("write", [write_docx, write_xlsx, write_html])
def test_an_empty_report_renders(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.out"
    write(make_report([]), path)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("write", [write_docx, write_xlsx, write_html])
def test_a_failed_write_leaves_no_file(write, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        write(demo_report(3), tmp_path / "out.bin")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("write", [write_docx, write_xlsx, write_html])
def test_outputs_get_ordinary_file_permissions(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import os

    mask = os.umask(0o022)
    try:
        write(demo_report(3), tmp_path / "out.bin")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.bin").stat().st_mode & 0o777 == 0o644


def test_docx_table_cell_margins_come_before_tbllook(docx_doc) -> None:  # type: ignore[no-untyped-def]
    tags = [el.tag.split("}")[1] for el in docx_doc.tables[0]._tbl.tblPr]
    assert tags.index("tblCellMar") < tags.index("tblLook")  # schema order (Word is strict)


def test_trend_chart_starts_at_the_first_week_with_data() -> None:
    from dataclasses import replace

    from guidecheck.report.html_page import trend_chart
    from guidecheck.report.safe import Sanitizer

    unit = replace(demo_report(3).units[0], trend=(("w1", None), ("w2", 0.9), ("w3", 0.95)))
    chart = trend_chart([unit], Sanitizer())
    assert [label for _, label in chart["xticks"]] == ["w2", "w3"]
    assert len(chart["lines"][0]["dots"]) == 2
