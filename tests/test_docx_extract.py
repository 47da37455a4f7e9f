"""DOCX extraction: handbooks (headings + tables) and manuals (labelled paragraphs).

Every document is built in memory with tests/docx_factory.py (raw WordprocessingML
for numbering, tracked changes, text boxes, TOC, merged cells, nested tables).
"""

from __future__ import annotations

import pytest
from docx_factory import NUMBERING, W_NS, p, package, tbl, tc

from guidecheck.extract.docx import extract_docx, format_number, read_blocks
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.model import Location
from guidecheck.read.docx_safe import open_docx
from guidecheck.vocab import FieldVocab

SRC = "手册.docx"


def extract(body: str, vocab: FieldVocab, **kw: object) -> list[RawGuide]:
    return extract_docx(package(body, **kw), SRC, vocab)  # type: ignore[arg-type]


def by_key(guide: RawGuide) -> dict[str | None, RawField]:
    return {f.key: f for f in guide.fields}


def loc(**kw: int) -> Location:
    return Location(source=SRC, **kw)


# ------------------------------------------------------------------ handbook layout

MATERIAL_HEADER = ["序号", "材料名称", "材料形式", "原件/复印件", "份数", "必要性", "来源渠道", "备注"]


def handbook_body() -> str:
    toc = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "</w:docPartObj></w:sdtPr><w:sdtContent>"
        + p("事项名称：目录里的条目不是事项") + "</w:sdtContent></w:sdt>"
    )
    return (
        p("杭州市市场监督管理局", style="Title")  # 1
        + p("政务服务事项标准化手册")  # 2
        + toc  # (skipped, not counted)
        + p("个体工商户设立登记......3")  # 3 (dot leaders: skipped)
        + p("第一章 行政许可", style="Heading1")  # 4
        + p("一、个体工商户设立登记", style="Heading2")  # 5
        + tbl(  # table 1
            ["事项名称", "个体工商户设立登记", "基本编码", "许可-00077-006-01"],
            [tc("办理时限", vmerge="restart"), "法定办结时限", tc("15个工作日", span=2)],
            [tc(vmerge="continue"), "承诺办结时限", tc("1个工作日", span=2)],
            ["实施主体", tc("杭州市上城区市场监督管理局", span=3)],
            ["编制说明", tc("本表由市局统一编制", span=3)],
        )
        + p("申请材料：")  # 6
        + tbl(  # table 2
            MATERIAL_HEADER,
            ["1", "个体工商户登记（备案）申请书", "纸质", "原件", "1", "必要", "申请人自备", ""],
            ["2", "经营者身份证明", "纸质", "复印件", "1", "必要", "申请人自备", "核验原件"],
        )
        + p("办理流程", style="Heading3")  # 7
        + p("提交申请", num=(1, 0))  # 8
        + p("窗口受理", num=(1, 0))  # 9
        + p("二、食品经营许可", style="Heading2")  # 10
        + tbl(  # table 3
            ["事项名称", "食品经营许可"],
            ["收费标准", "不收费"],
            ["申请材料", tc("<w:p/>")],
            [tc("<w:p/>"), "序号", "名称", "份数"],
        )
    )


HANDBOOK_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/></w:style>
</w:styles>"""


def test_handbook_items_titles_and_fields(vocab: FieldVocab) -> None:
    guides = extract(handbook_body(), vocab, styles=HANDBOOK_STYLES)
    assert [g.title for g in guides] == ["个体工商户设立登记", "食品经营许可"]
    first = by_key(guides[0])
    assert guides[0].source == loc(paragraph=5)
    assert first["name"].lines == ["个体工商户设立登记"]
    assert first["name"].location == loc(table=1, row=1, cell=2)
    assert first["code"].lines == ["许可-00077-006-01"]
    assert first["code"].location == loc(table=1, row=1, cell=4)
    assert first["time_limit_legal"].lines == ["15个工作日"]
    assert first["time_limit_promised"].lines == ["1个工作日"]
    assert first["time_limit_promised"].location == loc(table=1, row=3, cell=3)
    assert first["implementing_body"].lines == ["杭州市上城区市场监督管理局"]
    assert first["process"].lines == ["1. 提交申请", "2. 窗口受理"]
    assert first["process"].location == loc(paragraph=7)
    extra = first[None]
    assert (extra.label, extra.lines) == ("编制说明", ["本表由市局统一编制"])


def test_handbook_materials_table_rows(vocab: FieldVocab) -> None:
    guides = extract(handbook_body(), vocab, styles=HANDBOOK_STYLES)
    materials = by_key(guides[0])["materials"]
    assert materials.label == "申请材料"
    assert materials.location == loc(paragraph=6)
    assert materials.rows == [
        dict(zip(MATERIAL_HEADER, ["1", "个体工商户登记（备案）申请书", "纸质", "原件", "1",
                                   "必要", "申请人自备", ""])),
        dict(zip(MATERIAL_HEADER, ["2", "经营者身份证明", "纸质", "复印件", "1", "必要",
                                   "申请人自备", "核验原件"])),
    ]
    assert materials.row_locations == [loc(table=2, row=2), loc(table=2, row=3)]


def test_toc_title_page_and_chapters_are_not_items(vocab: FieldVocab) -> None:
    guides = extract(handbook_body(), vocab, styles=HANDBOOK_STYLES)
    texts = [line for g in guides for f in g.fields for line in f.lines]
    assert not any("目录" in t or "......" in t for t in texts)
    assert all(g.title not in ("第一章 行政许可", "行政许可", "杭州市市场监督管理局")
               for g in guides)


def test_materials_header_inside_key_value_table(vocab: FieldVocab) -> None:
    body = tbl(
        ["事项名称", tc("公共场所卫生许可", span=3)],
        [tc("申请材料", vmerge="restart"), "序号", "材料名称", "份数"],
        [tc(vmerge="continue"), "1", "卫生许可证申请表", "1份"],
        [tc(vmerge="continue"), "2", "营业执照", "复印件1份"],
        ["办理地点", tc("西湖区行政服务中心2楼", span=3)],
    )
    fields = by_key(extract(body, vocab)[0])
    assert fields["materials"].rows == [
        {"序号": "1", "材料名称": "卫生许可证申请表", "份数": "1份"},
        {"序号": "2", "材料名称": "营业执照", "份数": "复印件1份"},
    ]
    assert fields["materials"].row_locations == [loc(table=1, row=3), loc(table=1, row=4)]
    assert fields["location"].lines == ["西湖区行政服务中心2楼"]


def test_two_row_material_header_and_vertically_merged_source(vocab: FieldVocab) -> None:
    body = p("申请材料") + tbl(
        [tc("序号", vmerge="restart"), tc("材料名称", vmerge="restart"), tc("份数", span=2),
         tc("来源渠道", vmerge="restart")],
        [tc(vmerge="continue"), tc(vmerge="continue"), "原件", "复印件", tc(vmerge="continue")],
        ["1", "居民身份证", "1", "1", tc("申请人自备", vmerge="restart")],
        ["2", "户口簿", "1", "0", tc(vmerge="continue")],
    ) + p("事项名称：户口迁移")
    fields = by_key(extract(body, vocab)[0])
    assert fields["materials"].rows == [
        {"序号": "1", "材料名称": "居民身份证", "原件份数": "1", "复印件份数": "1",
         "来源渠道": "申请人自备"},
        {"序号": "2", "材料名称": "户口簿", "原件份数": "1", "复印件份数": "0",
         "来源渠道": "申请人自备"},
    ]
    assert all(vocab.material_column(h) for h in fields["materials"].rows[0])


def test_label_merged_over_several_value_rows(vocab: FieldVocab) -> None:
    body = tbl(
        ["事项名称", "城乡居民最低生活保障"],
        [tc("受理条件", vmerge="restart"), "1. 具有本市户籍"],
        [tc(vmerge="continue"), "2. 家庭人均收入低于当地低保标准"],
        ["咨询电话", tc("0571-87654321", vmerge="restart")],
        ["投诉电话", tc(vmerge="continue")],
    )
    fields = by_key(extract(body, vocab)[0])
    assert fields["conditions"].lines == ["1. 具有本市户籍", "2. 家庭人均收入低于当地低保标准"]
    assert fields["conditions"].location == loc(table=1, row=2, cell=2)
    assert fields["phone"].lines == ["0571-87654321"]
    assert fields["complaint_phone"].lines == []  # merged value: reported once


def test_multi_line_cells_keep_their_lines(vocab: FieldVocab) -> None:
    body = tbl(["事项名称", "残疾人证办理"],
               ["办理流程", tc("申请", "审核", "发证")],
               ["设定依据", tc("《残疾人保障法》第二条", "《残疾人证管理办法》")])
    fields = by_key(extract(body, vocab)[0])
    assert fields["process"].lines == ["申请", "审核", "发证"]
    assert fields["legal_basis"].lines == ["《残疾人保障法》第二条", "《残疾人证管理办法》"]


def test_nested_tables_are_numbered_in_document_order(vocab: FieldVocab) -> None:
    nested = tbl(["序号", "材料名称", "份数"], ["1", "申请表", "1"], ["2", "身份证", "1"])
    body = (tbl(["事项名称", "医师执业注册"],
                ["申请材料", tc(nested)],
                ["办理地点", tc(tbl(["窗口", "3号"]))])
            + tbl(["承诺办结时限", "5个工作日"]))
    guides = extract(body, vocab)
    assert len(guides) == 1
    fields = by_key(guides[0])
    assert fields["materials"].rows == [{"序号": "1", "材料名称": "申请表", "份数": "1"},
                                        {"序号": "2", "材料名称": "身份证", "份数": "1"}]
    assert fields["materials"].row_locations == [loc(table=2, row=2), loc(table=2, row=3)]
    assert fields["location"].lines == ["窗口\t3号"]  # a nested table without labels: lines
    assert fields["time_limit_promised"].location == loc(table=4, row=1, cell=2)


def test_nested_key_value_table_gives_fields(vocab: FieldVocab) -> None:
    inner = tbl(["咨询电话", "0571-1234"], ["投诉电话", "12345"])
    fields = by_key(extract(tbl(["事项名称", "x"], ["联系方式", tc(inner)]), vocab)[0])
    assert fields["phone"].location == loc(table=2, row=1, cell=2)
    assert fields["complaint_phone"].lines == ["12345"]


def test_item_per_table_without_headings(vocab: FieldVocab) -> None:
    body = (tbl([tc("城乡居民养老保险参保登记", span=2)],
                ["基本编码", "公共服务-00123-000"], ["事项名称", "城乡居民养老保险参保登记"])
            + tbl([tc("失业保险金申领", span=2)],
                  ["基本编码", "给付-00456-000"], ["事项名称", "失业保险金申领"]))
    guides = extract(body, vocab)
    assert [g.title for g in guides] == ["城乡居民养老保险参保登记", "失业保险金申领"]
    assert [by_key(g)["code"].lines for g in guides] == [["公共服务-00123-000"],
                                                         ["给付-00456-000"]]


def test_sub_headings_stay_inside_their_item(vocab: FieldVocab) -> None:
    body = (p("住房公积金提取", style="Heading1")
            + p("基本信息", style="Heading2") + tbl(["事项名称", "住房公积金提取"])
            + p("办理信息", style="Heading2") + tbl(["办理地点", "公积金中心一楼"])
            + p("医疗机构执业登记", style="Heading1")
            + p("基本信息", style="Heading2") + tbl(["事项名称", "医疗机构执业登记"])
            + tbl(["办理地点", "卫健委服务窗口"]))
    guides = extract(body, vocab, styles=HANDBOOK_STYLES)
    assert [g.title for g in guides] == ["住房公积金提取", "医疗机构执业登记"]
    assert [sorted(by_key(g)) for g in guides] == [["location", "name"]] * 2


def test_numbered_text_titles_start_items_but_numbered_steps_do_not(vocab: FieldVocab) -> None:
    body = (p("一、个体工商户注销登记") + tbl(["事项名称", "个体工商户注销登记"])
            + p("办理流程：") + p("（一）申请人提交材料") + p("（二）窗口受理")
            + p("二、个体工商户变更登记") + p("事项名称：个体工商户变更登记"))
    guides = extract(body, vocab)
    assert [g.title for g in guides] == ["个体工商户注销登记", "个体工商户变更登记"]
    assert by_key(guides[0])["process"].lines == ["（一）申请人提交材料", "（二）窗口受理"]


# ------------------------------------------------------------------ manual layout


def test_manual_with_several_items_in_paragraphs(vocab: FieldVocab) -> None:
    body = (p("上城区政务服务办事指南", style="Title")
            + p("个体工商户设立登记")
            + p("事项名称：个体工商户设立登记")
            + p("申请材料：")
            + p("1. 居民身份证（原件1份）")
            + p("2. 经营场所使用证明（复印件1份）")
            + p("办理地点：")
            + p("上城区市民中心3楼")
            + p("C区12号窗口")
            + p("法定办结时限：15个工作日")
            + p("食品经营许可")
            + p("事项名称：食品经营许可")
            + p("承诺办结时限：即办"))
    guides = extract(body, vocab)
    assert [g.title for g in guides] == ["个体工商户设立登记", "食品经营许可"]
    first = by_key(guides[0])
    assert first["materials"].lines == ["1. 居民身份证（原件1份）", "2. 经营场所使用证明（复印件1份）"]
    assert first["materials"].rows is None
    assert first["materials"].location == loc(paragraph=4)
    assert first["location"].lines == ["上城区市民中心3楼", "C区12号窗口"]
    assert first["time_limit_legal"].lines == ["15个工作日"]
    assert by_key(guides[1])["time_limit_promised"].lines == ["即办"]
    assert guides[1].source == loc(paragraph=11)


def test_manual_single_item_titled_by_name(vocab: FieldVocab) -> None:
    guides = extract(p("事项名称：护士执业注册") + p("收费标准：不收费"), vocab)
    assert len(guides) == 1 and guides[0].title == "护士执业注册"


def test_unknown_labels_are_kept_as_extras(vocab: FieldVocab) -> None:
    body = p("事项名称：出租汽车驾驶员从业资格注册") + p("特别提示：") + p("请携带原件") + \
        p("温馨提醒：节假日不办公")
    extras = [f for f in extract(body, vocab)[0].fields if f.key is None]
    assert [(f.label, f.lines) for f in extras] == [("特别提示", ["请携带原件"]),
                                                    ("温馨提醒", ["节假日不办公"])]


def test_process_steps_with_colons_are_not_labels(vocab: FieldVocab) -> None:
    body = p("事项名称：婚姻登记") + p("办理流程：") + p("1. 受理：审查材料") + p("2. 发证：当场发证")
    fields = extract(body, vocab)[0].fields
    assert [f.key for f in fields] == ["name", "process"]
    assert fields[1].lines == ["1. 受理：审查材料", "2. 发证：当场发证"]


# ------------------------------------------------------------------ what office files contain


def test_automatic_numbering_formats_and_restart_per_num_id(vocab: FieldVocab) -> None:
    body = (p("事项名称：测试事项")
            + p("受理条件：")
            + p("申请人为本市户籍", num=(3, 0)) + p("年满十八周岁", num=(3, 0))
            + p("具体要求", num=(3, 1)) + p("其他要求", num=(3, 1))
            + p("无犯罪记录", num=(3, 0))
            + p("申请材料：")
            + p("申请表", num=(1, 0)) + p("身份证", num=(1, 0))
            + p("办理流程：")
            + p("申请", num=(2, 0)) + p("受理", num=(2, 0))
            + p("办理地点：") + p("甲地", num=(4, 0)) + p("乙地", num=(4, 0))
            + p("咨询电话：") + p("12345", num=(5, 0)))
    fields = by_key(extract(body, vocab)[0])
    assert fields["conditions"].lines == ["一、申请人为本市户籍", "二、年满十八周岁",
                                          "（一）具体要求", "（二）其他要求", "三、无犯罪记录"]
    assert fields["materials"].lines == ["1. 申请表", "2. 身份证"]
    assert fields["process"].lines == ["1. 申请", "2. 受理"]  # its own num id: restarts
    assert fields["location"].lines == ["甲. 甲地", "乙. 乙地"]
    assert fields["phone"].lines == ["12345"]  # bullets add nothing


def test_numbering_from_the_paragraph_style(vocab: FieldVocab) -> None:
    body = p("事项名称：x") + p("申请材料：") + p("申请表", style="ListNum") + p("照片", style="ListNum")
    assert by_key(extract(body, vocab)[0])["materials"].lines == ["1. 申请表", "2. 照片"]


@pytest.mark.parametrize(("n", "fmt", "text"), [
    (1, "decimal", "1"), (12, "decimal", "12"), (3, "chineseCounting", "三"),
    (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"), (20, "chineseCounting", "二十"),
    (21, "chineseCountingThousand", "二十一"), (105, "chineseCounting", "一百零五"),
    (110, "chineseCounting", "一百一十"), (2, "ideographTraditional", "乙"),
    (11, "ideographTraditional", "甲"), (3, "decimalEnclosedCircle", "③"),
    (4, "lowerLetter", "d"), (28, "upperLetter", "BB"), (9, "upperRoman", "IX"),
    (14, "lowerRoman", "xiv"), (5, "decimalZero", "05"), (3, "decimalFullWidth", "３"),
    (12, "chineseLegalSimplified", "拾贰"),
])
def test_number_formats(n: int, fmt: str, text: str) -> None:
    assert format_number(n, fmt) == text


def test_runs_split_mid_word_and_width_characters(vocab: FieldVocab) -> None:
    body = (p("事项", "名", "称", "：", "食品", "经营许可")
            + p("办理\u200b地点：", "拱墅区\u3000市民中心")
            + p("承诺办结\u3000时限（工作日）：", "5"))
    fields = by_key(extract(body, vocab)[0])
    assert fields["name"].lines == ["食品经营许可"]
    assert fields["location"].label == "办理\u200b地点"
    assert fields["location"].lines == ["拱墅区\u3000市民中心"]  # kept in values
    assert fields["time_limit_promised"].lines == ["5"]


def test_tracked_changes_insertions_count_deletions_do_not(vocab: FieldVocab) -> None:
    changed = ('<w:p><w:r><w:t>承诺办结时限：</w:t></w:r>'
               '<w:del w:id="1" w:author="a"><w:r><w:delText>20</w:delText></w:r></w:del>'
               '<w:ins w:id="2" w:author="a"><w:r><w:t>5</w:t></w:r></w:ins>'
               '<w:r><w:t>个工作日</w:t></w:r></w:p>')
    moved = ('<w:p><w:r><w:t>办理地点：</w:t></w:r>'
             '<w:moveFrom w:id="3" w:author="a"><w:r><w:t>旧址</w:t></w:r></w:moveFrom>'
             '<w:moveTo w:id="4" w:author="a"><w:r><w:t>新址</w:t></w:r></w:moveTo></w:p>')
    deleted_row = ('<w:tr><w:trPr><w:del w:id="5" w:author="a"/></w:trPr>'
                   + tc("收费标准") + tc("10元") + "</w:tr>")
    body = p("事项名称：x") + changed + moved + tbl(["咨询电话", "12345"], deleted_row)
    fields = by_key(extract(body, vocab)[0])
    assert fields["time_limit_promised"].lines == ["5个工作日"]
    assert fields["location"].lines == ["新址"]
    assert "fee" not in fields


def test_text_box_is_read_once(vocab: FieldVocab) -> None:
    box = p("监督投诉电话：12345")
    drawing = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
               '<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>' + box
               + "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
               "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
               "<w:txbxContent>" + box + "</w:txbxContent></v:textbox></v:shape></w:pict>"
               "</mc:Fallback></mc:AlternateContent></w:r>")
    body = p("事项名称：x") + f"<w:p>{drawing}</w:p>" + p("办理时间：工作日")
    fields = extract(body, vocab)[0].fields
    assert [f.key for f in fields] == ["name", "complaint_phone", "hours"]
    assert fields[1].lines == ["12345"]
    assert fields[1].location == loc(paragraph=2)


def test_toc_field_and_toc_styles_are_skipped(vocab: FieldVocab) -> None:
    toc_field = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                 "<w:r><w:t>事项名称：假的</w:t></w:r></w:p>"
                 "<w:p><w:r><w:t>办理地点：假的</w:t></w:r></w:p>"
                 '<w:p><w:r><w:t>咨询电话：假的</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/>'
                 "</w:r></w:p>")
    body = (toc_field + p("事项名称：真的", style="TOC1") + p("一、婚姻登记\t3")
            + p("事项名称：婚姻登记") + p("办理地点：民政局"))
    guides = extract(body, vocab)
    assert len(guides) == 1
    assert [(f.key, f.lines) for f in guides[0].fields] == [("name", ["婚姻登记"]),
                                                            ("location", ["民政局"])]
    assert guides[0].fields[0].location == loc(paragraph=6)


def test_headers_and_footers_are_not_read(vocab: FieldVocab) -> None:
    header = (f'<w:hdr xmlns:w="{W_NS}"><w:p><w:r><w:t>事项名称：页眉</w:t></w:r></w:p></w:hdr>')
    data = package(p("事项名称：真的"), extra_parts={"word/header1.xml": header,
                                                    "word/footer1.xml": header})
    guides = extract_docx(data, SRC, vocab)
    assert [f.lines for f in guides[0].fields] == [["真的"]]


def test_blocks_keep_paragraph_numbering_and_boxes() -> None:
    parts = open_docx(package(p("a") + tbl(["x", "y"]) + p("b", num=(1, 0)),
                              numbering=NUMBERING), SRC)
    blocks = read_blocks(parts)
    assert [getattr(b, "text", None) for b in blocks] == ["a", None, "1. b"]
    assert [getattr(b, "index", None) for b in blocks] == [1, 1, 2]


def test_empty_document_has_no_guides(vocab: FieldVocab) -> None:
    assert extract(p("只是一段说明文字。"), vocab) == []
    assert extract("", vocab) == []


# ------------------------------------------------------------------ the demo corpus


def _corpus_docx(corpus_dir: object) -> list[object]:
    from pathlib import Path

    root = Path(str(corpus_dir))
    return sorted(root.glob("handbook/*.docx")) + sorted(root.glob("manuals/*.docx"))


def test_every_corpus_docx_item_and_field_is_read(vocab: FieldVocab, corpus_dir: object) -> None:
    """Item count and the set of canonical fields per item match corpus/truth.json."""
    import json
    from collections import defaultdict
    from pathlib import Path

    root = Path(str(corpus_dir))
    if not (root / "truth.json").exists():
        pytest.skip("demo corpus not generated yet")
    truth: dict[str, list[dict]] = defaultdict(list)
    for entry in json.loads((root / "truth.json").read_text(encoding="utf-8"))["guides"]:
        truth[entry["file"]].append(entry)
    files = _corpus_docx(root)
    assert files
    for path in files:
        rel = str(Path(str(path)).relative_to(root))
        guides = extract_docx(Path(str(path)).read_bytes(), rel, vocab)
        expected = truth[rel]
        assert len(guides) == len(expected), rel
        for guide, entry in zip(guides, expected):
            keys = {f.key for f in guide.fields if f.key is not None}
            assert keys == set(entry["fields"]), (rel, guide.title)
            assert guide.title
