"""The builder: RawGuide (as extractors hand it over) → typed Guide."""

from __future__ import annotations

from typing import Any

import pytest

from guidecheck.extract.build import build_guide, build_guides, column_attributes
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.model import Location, to_data
from guidecheck.vocab import FieldVocab

SOURCE = Location(source="https://example.gov.cn/guide/1.html")


def field(vocab: FieldVocab, label: str, *lines: str, rows: list[dict[str, str]] | None = None,
          paragraph: int | None = None) -> RawField:
    location = Location(source=SOURCE.source, paragraph=paragraph)
    row_locations = None
    if rows is not None:
        row_locations = [Location(source=SOURCE.source, table=1, row=i + 2) for i in range(len(rows))]
    return RawField(label=label, key=vocab.field_for_label(label), lines=list(lines),
                    location=location, rows=rows, row_locations=row_locations)


def build(vocab: FieldVocab, *fields: RawField, title: str | None = "设立登记办事指南") -> Any:
    raw = RawGuide(source=SOURCE, title=title, fields=list(fields))
    return build_guide(raw, channel="web", vocab=vocab)


def semantic(value: Any) -> Any:
    return to_data(value, semantic=True)


def test_every_kind_is_parsed(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "事项名称：", "食品经营许可（新办）"),
        field(vocab, "权力基本码", "许可-00077-006-01"),
        field(vocab, "设定依据", "《中华人民共和国食品安全法》第三十五条"),
        field(vocab, "受理条件", "1.有与经营相适应的场所；2.有食品安全管理人员"),
        field(vocab, "办理流程", "申请→受理→审查→决定"),
        field(vocab, "法定办结时限", "二十个工作日"),
        field(vocab, "承诺办结时限（工作日）", "5"),
        field(vocab, "是否收费", "不收费"),
        field(vocab, "到现场次数", "最多跑一次"),
        field(vocab, "网上办理深度", "全程网办（Ⅳ级）"),
        field(vocab, "咨询电话", "（0571）87654321"),
        field(vocab, "监督投诉电话", "12345"),
        field(vocab, "办理地点", "杭州市西湖区  文三路 1 号\u3000市民之家"),
    )
    data = semantic(guide)
    assert data["name"] == {"text": "食品经营许可(新办)"}
    assert data["code"] == {"items": ["许可-00077-006-01"]}
    assert data["legal_basis"] == {
        "citations": [{"law": "中华人民共和国食品安全法", "articles": [35]}]
    }
    assert data["conditions"] == {"items": ["有与经营相适应的场所", "有食品安全管理人员"]}
    assert data["process"] == {"items": ["申请", "受理", "审查", "决定"]}
    assert data["time_limit_legal"] == {"amount": 20, "unit": "working_day"}
    assert data["time_limit_promised"] == {"amount": 5, "unit": "working_day"}
    assert data["fee"] == {"free": True}
    assert data["visits"] == {"count": 1}
    assert data["online"] == {"available": True, "depth": 4}
    assert data["phone"] == {"numbers": ["0571-87654321"]}
    assert data["complaint_phone"] == {"numbers": ["12345"]}
    assert data["location"] == {"text": "杭州市西湖区文三路1号市民之家"}
    assert guide.title == "设立登记办事指南"
    assert guide.unit is None
    assert guide.notes == ()


def test_fee_standard_and_basis_merge(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "收费标准", "工本费10元/本"),
        field(vocab, "收费依据", "《浙江省物价局关于证照工本费的通知》（浙价费〔2018〕1号）。"),
    )
    assert semantic(guide.fee) == {
        "free": False,
        "amounts": ["10元"],
        "basis": "《浙江省物价局关于证照工本费的通知》(浙价费〔2018〕1号)",
    }
    assert "浙价费" in guide.fee.raw and "10元" in guide.fee.raw


def test_fee_basis_alone(vocab: FieldVocab) -> None:
    guide = build(vocab, field(vocab, "收费依据", "浙价费〔2018〕1号"))
    assert semantic(guide.fee) == {"basis": "浙价费〔2018〕1号"}


def test_codes_from_several_labels_merge_in_order(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "基本编码", "许可-00077-006-01"),
        field(vocab, "实施编码", "511A0138000000-511602000000-000-12330100MB0000000X-1-00"),
        field(vocab, "权力内部编码", "许可-00077-006-01"),
    )
    assert guide.codes == (
        "许可-00077-006-01",
        "511A0138000000-511602000000-000-12330100MB0000000X-1-00",
    )


def test_second_promised_time_limit_is_noted_not_used(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "承诺办结时限", "5个工作日", paragraph=3),
        field(vocab, "办结时限", "7个工作日", paragraph=9),
    )
    assert semantic(guide.time_limit_promised) == {"amount": 5, "unit": "working_day"}
    assert len(guide.notes) == 1
    assert "办结时限" in guide.notes[0] and "第9段" in guide.notes[0]


def test_same_value_twice_gives_no_note(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "承诺办结时限", "5个工作日"),
        field(vocab, "承诺期限", "五个工作日"),
    )
    assert guide.notes == ()


def test_sub_item_name_wins_over_main_item(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "主项名称", "食品经营许可"),
        field(vocab, "子项名称", "食品经营许可（新办）"),
    )
    assert guide.name is not None and guide.name.text == "食品经营许可(新办)"


def test_online_from_two_labels(vocab: FieldVocab) -> None:
    guide = build(vocab, field(vocab, "是否网办", "是"), field(vocab, "网上办理深度", "Ⅲ级"))
    assert semantic(guide.online) == {"available": True, "depth": 3}


def test_unknown_labels_are_kept_as_extras(vocab: FieldVocab) -> None:
    guide = build(
        vocab,
        field(vocab, "事项名称", "设立登记"),
        field(vocab, "数量限制", "无数量限制"),
        field(vocab, "中介服务", "无\u3000"),
    )
    assert [(e.label, e.value.text) for e in guide.extras] == [
        ("数量限制", "无数量限制"),
        ("中介服务", "无"),
    ]


def test_key_outside_the_vocabulary_is_kept_and_noted(vocab: FieldVocab) -> None:
    raw_field = RawField(label="怪字段", key="no_such_key", lines=["x"], location=SOURCE)
    guide = build(vocab, raw_field)
    assert [e.label for e in guide.extras] == ["怪字段"]
    assert "no_such_key" in guide.notes[0]


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("承诺办结时限", "按有关规定"),
        ("是否收费", "详见公示"),
        ("到现场次数", "视情况"),
        ("咨询电话", "见官网"),
        ("设定依据", "相关法律法规"),
        ("是否网办", "待定"),
    ],
)
def test_unparsed_value_is_kept_with_a_note(vocab: FieldVocab, label: str, text: str) -> None:
    guide = build(vocab, field(vocab, label, text))
    key = vocab.field_for_label(label)
    assert getattr(guide, key).raw == text
    assert len(guide.notes) == 1 and label in guide.notes[0] and "无法解析" in guide.notes[0]


def test_extractor_notes_are_kept(vocab: FieldVocab) -> None:
    raw = RawGuide(source=SOURCE, fields=[], notes=["表格有合并单元格"])
    assert build_guide(raw, channel="web", vocab=vocab).notes == ("表格有合并单元格",)


# --- materials -------------------------------------------------------------------------


def materials(vocab: FieldVocab, *fields: RawField) -> list[dict[str, Any]]:
    guide = build(vocab, *fields)
    return semantic(guide.materials)["items"]


def test_materials_table_with_known_headers(vocab: FieldVocab) -> None:
    rows = [
        {"序号": "1", "材料名称": "居民身份证", "材料形式": "纸质", "原件/复印件": "原件和复印件",
         "份数": "1", "必要性": "必要", "来源渠道": "申请人自备", "备注": ""},
        {"序号": "2", "材料名称": "营业执照（副本）", "材料形式": "纸质/电子", "原件/复印件": "复印件",
         "份数": "2", "必要性": "容缺后补", "来源渠道": "政府部门核发", "备注": "加盖公章"},
    ]
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "居民身份证", "originals": 1, "copies": 1, "form": "paper",
         "necessity": "required", "source": "申请人自备"},
        {"name": "营业执照(副本)", "copies": 2, "form": "both", "necessity": "deferred",
         "source": "政府部门核发", "note": "加盖公章"},
    ]


def test_materials_row_locations_are_kept(vocab: FieldVocab) -> None:
    rows = [{"材料名称": "居民身份证"}, {"材料名称": "户口簿"}]
    guide = build(vocab, field(vocab, "申请材料", rows=rows))
    assert [m.location.row for m in guide.materials.items] == [2, 3]


def test_materials_columns_inferred_from_content(vocab: FieldVocab) -> None:
    rows = [
        {"No": "1", "提交材料": "居民身份证", "甲": "原件", "乙": "纸质", "丙": "必要", "丁": "1份"},
        {"No": "2", "提交材料": "结婚证", "甲": "复印件", "乙": "电子", "丙": "非必要", "丁": "2份"},
        {"No": "3", "提交材料": "户口簿", "甲": "原件及复印件", "乙": "纸质", "丙": "容缺", "丁": "一份"},
    ]
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "居民身份证", "originals": 1, "form": "paper", "necessity": "required"},
        {"name": "结婚证", "copies": 2, "form": "electronic", "necessity": "optional"},
        {"name": "户口簿", "originals": 1, "copies": 1, "form": "paper", "necessity": "deferred"},
    ]


def test_ambiguous_header_yields_to_content(vocab: FieldVocab) -> None:
    # "要求" is listed as a copy-kind header, but this column holds paper/electronic.
    rows = [
        {"材料名称": "居民身份证", "要求": "纸质", "材料类型": "原件"},
        {"材料名称": "户口簿", "要求": "电子", "材料类型": "复印件"},
    ]
    assert column_attributes(rows, vocab) == {
        "材料名称": "name", "要求": "form", "材料类型": "copy_kind",
    }
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "居民身份证", "originals": 1, "form": "paper"},
        {"name": "户口簿", "copies": 1, "form": "electronic"},
    ]


def test_name_column_found_without_a_name_header(vocab: FieldVocab) -> None:
    rows = [
        {"序号": "1", "内容": "食品经营许可申请书", "份数": "1"},
        {"序号": "2", "内容": "与食品经营相适应的主要设备设施布局、操作流程等文件", "份数": "1"},
    ]
    assert column_attributes(rows, vocab)["内容"] == "name"
    assert [m["name"] for m in materials(vocab, field(vocab, "申请材料", rows=rows))] == [
        "食品经营许可申请书", "与食品经营相适应的主要设备设施布局、操作流程等文件",
    ]


def test_count_column_with_both_kinds(vocab: FieldVocab) -> None:
    rows = [{"材料名称": "身份证", "原件/复印件": "原件和复印件", "数量": "1"}]
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "身份证", "originals": 1, "copies": 1}
    ]


def test_separate_original_and_copy_count_columns(vocab: FieldVocab) -> None:
    rows = [{"材料名称": "身份证", "原件份数": "1", "复印件份数": "两份"},
            {"材料名称": "户口簿", "原件份数": "1", "复印件份数": "0"}]
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "身份证", "originals": 1, "copies": 2},
        {"name": "户口簿", "originals": 1, "copies": 0},
    ]


def test_unknown_free_text_column_goes_to_note(vocab: FieldVocab) -> None:
    rows = [{"材料名称": "身份证", "受理要点": "核验人证一致"},
            {"材料名称": "户口簿", "受理要点": "核对户主页"}]
    items = materials(vocab, field(vocab, "申请材料", rows=rows))
    assert items[0] == {"name": "身份证", "note": "受理要点:核验人证一致"}


def test_section_rows_and_empty_names_are_skipped(vocab: FieldVocab) -> None:
    rows = [
        {"序号": "一、主体材料", "材料名称": "一、主体材料", "份数": "一、主体材料"},
        {"序号": "1", "材料名称": "身份证", "份数": "1"},
        {"序号": "2", "材料名称": "", "份数": ""},
    ]
    assert materials(vocab, field(vocab, "申请材料", rows=rows)) == [
        {"name": "身份证", "originals": 1}
    ]


def test_materials_as_numbered_lines(vocab: FieldVocab) -> None:
    f = field(vocab, "申请材料",
              "1. 居民身份证（原件1份、复印件1份，纸质，必要）",
              "2. 营业执照（副本）（复印件2份）",
              "注：以上复印件需加盖公章")
    guide = build(vocab, f)
    assert semantic(guide.materials)["items"] == [
        {"name": "居民身份证", "originals": 1, "copies": 1, "form": "paper", "necessity": "required"},
        {"name": "营业执照(副本)", "copies": 2},
    ]
    assert len(guide.notes) == 1 and "加盖公章" in guide.notes[0]


def test_materials_several_on_one_line(vocab: FieldVocab) -> None:
    f = field(vocab, "所需材料", "1.身份证（原件）；2.户口簿（复印件）；3.结婚证")
    assert [m["name"] for m in materials(vocab, f)] == ["身份证", "户口簿", "结婚证"]


def test_materials_table_and_list_layouts_mean_the_same(vocab: FieldVocab) -> None:
    table = field(vocab, "申请材料", rows=[
        {"序号": "1", "材料名称": "居民身份证", "原件/复印件": "原件", "份数": "1份"},
        {"序号": "2", "材料名称": "户口簿", "原件/复印件": "复印件", "份数": "1份"},
    ])
    lines = field(vocab, "申请材料", "1、居民身份证（原件一份）", "2、户口簿（复印件1份）")
    assert materials(vocab, table) == materials(vocab, lines)


def test_build_guides_keeps_order(vocab: FieldVocab) -> None:
    raws = [RawGuide(source=SOURCE, fields=[field(vocab, "事项名称", name)]) for name in "甲乙丙"]
    guides = build_guides(raws, channel="handbook", vocab=vocab)
    assert [g.name.text for g in guides] == ["甲", "乙", "丙"]
    assert {g.channel for g in guides} == {"handbook"}


def test_count_cell_stating_both_counts(vocab: FieldVocab) -> None:
    rows = [{"材料名称": "授权委托书", "原件/复印件": "原件和复印件", "份数": "原件1份、复印件3份"},
            {"材料名称": "营业执照", "份数": "原件1份、复印件3份"}]
    items = materials(vocab, field(vocab, "申请材料", rows=rows))
    assert [(m["originals"], m["copies"]) for m in items] == [(1, 3), (1, 3)]
