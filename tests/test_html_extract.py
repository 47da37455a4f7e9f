"""Generic HTML extraction on hand-written fixture pages (tests/html/), C1–C3, adapters."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from guidecheck.errors import ConfigError, InvalidUpload, NoGuideFound
from guidecheck.extract.html import extract_html
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.extract.sites import adapter_for, load_site_adapter, load_site_adapters
from guidecheck.vocab import FieldVocab, load_field_vocab, rules_dir

HTML_DIR = Path(__file__).parent / "html"


@pytest.fixture(scope="module")
def vocab() -> FieldVocab:
    return load_field_vocab()


def extract(name: str, vocab: FieldVocab, **kwargs: object) -> list[RawGuide]:
    path = HTML_DIR / name
    return extract_html(path.read_bytes(), str(path), vocab, **kwargs)  # type: ignore[arg-type]


def one(name: str, vocab: FieldVocab, **kwargs: object) -> RawGuide:
    guides = extract(name, vocab, **kwargs)
    assert len(guides) == 1
    return guides[0]


def by_key(guide: RawGuide) -> dict[str | None, RawField]:
    out: dict[str | None, RawField] = {}
    for field in guide.fields:
        assert field.key not in out or field.key is None, f"{field.key} twice"
        out.setdefault(field.key, field)
    return out


def lines(guide: RawGuide) -> dict[str, list[str]]:
    return {f.key: f.lines for f in guide.fields if f.key is not None}


def unknown(guide: RawGuide) -> dict[str, list[str]]:
    return {f.label: f.lines for f in guide.fields if f.key is None}


# ----- layouts ------------------------------------------------------------------------------


def test_th_td_rows_with_several_pairs_per_row(vocab: FieldVocab) -> None:
    guide = one("th_td.html", vocab)
    got = lines(guide)
    assert guide.title == "食品经营许可（新办）"
    assert got["name"] == ["食品经营许可（新办）"]
    assert got["code"] == ["许可-00077-006-01"]
    assert got["implementing_body"] == ["杭州市西湖区市场监督管理局"]
    assert got["item_type"] == ["行政许可"]
    assert got["time_limit_legal"] == ["20个工作日"]
    assert got["phone"] == ["0571-87654321"]
    assert got["complaint_phone"] == ["0571-12345678"]
    code = by_key(guide)["code"].location
    assert (code.table, code.row, code.cell) == (1, 1, 4)
    assert code.selector == "table[1]>tr[1]>td[4]"


def test_labels_with_nbsp_and_full_width_space_are_recognised_values_kept(
    vocab: FieldVocab,
) -> None:
    guide = one("th_td.html", vocab)
    fields = by_key(guide)
    assert fields["time_limit_promised"].label == "承诺\xa0时限"
    assert fields["time_limit_promised"].lines == ["5个工作日\xa0"]
    assert fields["hours"].label == "办理\u3000时间"


def test_br_splits_lines_and_rowspan_label_collects_following_rows(vocab: FieldVocab) -> None:
    got = lines(one("th_td.html", vocab))
    assert got["hours"] == ["周一至周五 上午9:00-12:00", "下午14:30-17:30（法定节假日除外）"]
    assert got["legal_basis"] == [
        "《中华人民共和国食品安全法》第三十五条",
        "《食品经营许可管理办法》第四条",
    ]
    assert got["fee"] == ["不收费", "收费依据：无"]


def test_materials_table_nested_in_value_cell_with_rowspan(vocab: FieldVocab) -> None:
    materials = by_key(one("th_td.html", vocab))["materials"]
    assert materials.rows == [
        {"序号": "1", "材料名称": "食品经营许可申请书", "材料形式": "纸质", "份数": "原件1份",
         "必要性": "必要"},
        {"序号": "2", "材料名称": "营业执照（副本）", "材料形式": "纸质", "份数": "复印件1份",
         "必要性": "必要"},
        {"序号": "3", "材料名称": "法定代表人身份证明", "材料形式": "电子", "份数": "原件1份",
         "必要性": "容缺后补"},
    ]
    assert materials.row_locations is not None
    assert [(loc.table, loc.row) for loc in materials.row_locations] == [(2, 2), (2, 3), (2, 4)]
    assert materials.lines[0] == "1 食品经营许可申请书 纸质 原件1份 必要"


def test_unknown_th_label_is_kept_with_no_key(vocab: FieldVocab) -> None:
    assert unknown(one("th_td.html", vocab)) == {"网站栏目": ["食品药品"]}


def test_nav_header_footer_script_noscript_are_ignored(vocab: FieldVocab) -> None:
    guide = one("th_td.html", vocab)
    text = "\n".join(line for f in guide.fields for line in f.lines)
    for boilerplate in ("登录", "脚本里的假值", "请开启脚本", "个人办事", "0571-85252000",
                        "0571-00000000", "首页", "分享到"):
        assert boilerplate not in text
    assert [f.key for f in guide.fields].count("phone") == 1


def test_td_td_labels_and_two_level_materials_header(vocab: FieldVocab) -> None:
    guide = one("td_td.html", vocab)
    got = lines(guide)
    assert got["name"] == ["公共场所卫生许可（延续）"]
    assert got["implementing_body"] == ["杭州市上城区卫生健康局"]
    assert got["visits"] == ["0次"]
    assert got["process"] == ["1. 申请", "2. 受理", "3. 决定"]
    materials = by_key(guide)["materials"]
    assert materials.label == "申请材料"
    assert materials.rows == [
        {"序号": "1", "材料名称": "卫生许可延续申请表", "原件份数": "1", "复印件份数": "0",
         "来源渠道": "申请人自备"},
        {"序号": "2", "材料名称": "从业人员健康合格证明", "原件份数": "0", "复印件份数": "1",
         "来源渠道": "申请人自备"},
    ]
    assert materials.location.table == 2


def test_dl_dt_dd(vocab: FieldVocab) -> None:
    guide = one("dl.html", vocab)
    got = lines(guide)
    assert got["implementing_body"] == ["杭州市拱墅区民政局"]
    assert got["conditions"] == ["1. 具有本区户籍；", "2. 家庭人均收入低于当地最低生活保障标准。"]
    assert got["materials"] == [
        "1. 低保申请书（原件1份）",
        "2. 居民户口簿（复印件1份）",
        "3. 家庭收入证明",
    ]
    assert got["fee"] == ["否"]
    assert unknown(guide) == {"温馨提醒": ["请携带原件核验。"]}


def test_span_and_div_label_value_pairs(vocab: FieldVocab) -> None:
    guide = one("span_div.html", vocab)
    got = lines(guide)
    assert got["name"] == ["住房公积金提取（购房）"]
    assert got["implementing_body"] == ["杭州住房公积金管理中心\xa0滨江分中心"]
    assert got["time_limit_promised"] == ["即办"]
    assert got["location"] == ["滨江区江汉路1785号", "市民之家2楼"]
    assert got["phone"] == ["(0571)12329"]
    assert unknown(guide) == {"特别提示": ["材料不全不予受理"]}
    assert by_key(guide)["phone"].location.selector == "#main>div[1]>div[6]>span[2]"


def test_label_element_with_value_in_tail_or_following_siblings(vocab: FieldVocab) -> None:
    guide = one("siblings.html", vocab)
    got = lines(guide)
    assert got["name"] == ["机动车驾驶证补领"]
    assert got["time_limit_promised"] == ["1个工作日"]
    assert got["implementing_body"] == ["杭州市公安局交通警察支队"]
    assert got["materials"] == ["1. 居民身份证", "2. 机动车驾驶人身体条件证明"]
    assert by_key(guide)["materials"].label == "一、申请材料"
    assert got["process"] == ["1. 提交申请", "2. 窗口审核", "3. 制证发证"]
    assert got["conditions"] == ["驾驶证遗失的，可以申请补领。"]
    assert got["legal_basis"] == ["《中华人民共和国道路交通安全法》第十九条"]  # stops at 相关下载


def test_label_value_lines_in_one_block(vocab: FieldVocab) -> None:
    guide = one("lines.html", vocab)
    got = lines(guide)
    assert got["code"] == ["许可-00123-000"]
    assert got["time_limit_promised"] == ["十五个工作日"]
    assert got["materials"] == [
        "1. 道路运输经营申请表（原件1份）",
        "2. 经办人身份证明（复印件1份）",
    ]
    assert got["location"] == ["杭州市富阳区行政服务中心3楼"]
    assert got["phone"] == ["0571-63300000"]
    assert unknown(guide) == {"邮政编码": ["311400"]}


def test_section_headed_by_label_with_list_and_paragraph(vocab: FieldVocab) -> None:
    guide = one("materials_list.html", vocab)
    got = lines(guide)
    assert got["name"] == ["医师执业注册"]  # <td><b>label</b></td> pairs
    assert got["implementing_body"] == ["杭州市卫生健康委员会"]
    assert got["materials"] == ["医师执业注册申请审核表 （原件1份）", "近6个月内的健康证明"]
    assert got["process"] == ["申请→受理→审核→决定"]


def test_br_inside_a_list_item_is_one_entry(vocab: FieldVocab) -> None:
    page = (
        "<html><body><h1>测试事项</h1><p>事项名称：测试事项</p><p>承诺办结时限：3个工作日</p>"
        "<h3>申请材料</h3><ol><li>居民身份证<br>（原件1份）</li><li>营业执照<br/>（副本）<br>复印件1份</li>"
        "<li>授权委托书<ul><li>委托人签字</li></ul></li></ol>"
        "<ul><li>咨询电话：0571-87654321<br>监督投诉电话：12345</li></ul></body></html>"
    )
    got = lines(extract_html(page.encode(), "li.html", vocab)[0])
    assert got["materials"] == [
        "1. 居民身份证 （原件1份）", "2. 营业执照 （副本） 复印件1份", "3. 授权委托书", "委托人签字",
    ]
    assert got["phone"] == ["0571-87654321"]  # a "标签：" line still starts a field
    assert got["complaint_phone"] == ["12345"]


def test_label_cells_padded_with_long_source_indentation_are_labels(vocab: FieldVocab) -> None:
    pad = "\n" + " " * 300
    page = (
        f"<html><body><table><tr><th>{pad}事项名称{pad}</th><td>测试事项</td></tr>"
        f"<tr><td>{pad}<b>{pad}承诺{pad}办结时限{pad}</b>{pad}</td><td>{pad}3个工作日{pad}</td></tr>"
        f"<tr><th>{pad}\u3000{pad}</th><td>{'很长的说明文字' * 40}</td></tr></table></body></html>"
    )
    got = lines(extract_html(page.encode(), "pad.html", vocab)[0])
    assert got["name"] == ["测试事项"]
    assert got["time_limit_promised"] == ["3个工作日"]


def test_fields_found_below_side_lists_of_links_at_any_depth(vocab: FieldVocab) -> None:
    links = "".join(f"<li><a href='/n/{i}'>新闻标题第{i}条 2026-11-{i:02d}</a></li>" for i in range(1, 21))
    guide_list = "".join(f"<li><a href='/x/{i}'>相关链接{i}</a></li>" for i in range(12))
    page = (
        "<html><body><div class='wrap'>"
        f"<div class='side'><h5>热点</h5><ul>{links}</ul><h5>新闻</h5><ul>{links}</ul></div>"
        f"<div class='box'><h5>指南</h5><div><p>以下为办事指南</p><ul>{guide_list}"
        "<li>事项名称：测试事项</li><li>承诺办结时限：3个工作日</li></ul></div></div>"
        "</div></body></html>"
    )
    got = lines(extract_html(page.encode(), "side.html", vocab)[0])
    assert got["name"] == ["测试事项"]
    assert got["time_limit_promised"] == ["3个工作日"]


def test_several_guides_on_one_page(vocab: FieldVocab) -> None:
    guides = extract("multi.html", vocab)
    assert [g.title for g in guides] == ["有限责任公司设立登记", "个人独资企业设立登记"]
    assert [lines(g)["time_limit_promised"] for g in guides] == [["1个工作日"], ["即办"]]
    assert guides[1].fields[0].location.table == 2


# ----- encodings ----------------------------------------------------------------------------


def test_gbk_page_declared_gb2312_is_extracted_whole(vocab: FieldVocab) -> None:
    guide = one("gbk_gb2312_declared.html", vocab)
    got = lines(guide)
    assert got["implementing_body"] == ["杭州市余杭区镕堃社会事务服务中心"]
    assert got["fee"] == ["不收费"]  # the last cell: nothing cut short after 镕堃
    assert got["phone"] == ["0571-86220000"]  # not the header's number
    assert guide.title == "社会团体成立登记"
    assert guide.notes == []


def test_same_page_with_different_declarations_extracts_the_same(vocab: FieldVocab) -> None:
    data = (HTML_DIR / "gbk_gb2312_declared.html").read_bytes()
    text = data.decode("gb18030")
    utf8 = text.replace("charset=gb2312", "charset=utf-8").encode("utf-8")
    stale_header = text.encode("utf-8")  # meta still says gb2312
    base = lines(extract_html(data, "a", vocab)[0])
    assert lines(extract_html(utf8, "b", vocab)[0]) == base
    assert lines(extract_html(stale_header, "c", vocab, header_charset="gbk")[0]) == base
    assert lines(extract_html(data, "d", vocab, header_charset="text/html; charset=utf-8")[0]) == base


# ----- no guide and bad input ---------------------------------------------------------------


def test_news_page_has_no_guide(vocab: FieldVocab) -> None:
    with pytest.raises(NoGuideFound, match="没有找到办事指南"):
        extract("news.html", vocab)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  \n\t ",
        "<html><head><title>404</title></head><body><h1>页面不存在</h1>"
        "<p>您访问的页面不存在或已被删除。</p></body></html>".encode(),
    ],
)
def test_empty_and_404_pages_have_no_guide(vocab: FieldVocab, data: bytes) -> None:
    with pytest.raises(NoGuideFound) as info:
        extract_html(data, "page.html", vocab)
    assert "page.html" in str(info.value)


GUIDE_TABLE = (
    "<table><tr><th>事项名称</th><td>测试事项</td></tr>"
    "<tr><th>承诺时限</th><td>3个工作日</td></tr></table>"
)


def test_c1_deep_nesting_does_not_recurse_out(vocab: FieldVocab) -> None:
    page = f"<html><body>{GUIDE_TABLE}{'<div>' * 100_000}深处{'</div>' * 100_000}</body></html>"
    guides = extract_html(page.encode(), "deep.html", vocab)
    assert lines(guides[0])["name"] == ["测试事项"]


def test_c1_deep_nesting_around_the_guide(vocab: FieldVocab) -> None:
    page = f"<html><body>{'<div>' * 100_000}{GUIDE_TABLE}{'</div>' * 100_000}</body></html>"
    try:
        guides = extract_html(page.encode(), "deep.html", vocab)
    except NoGuideFound as exc:  # a clear, caught error is acceptable
        assert "deep.html" in str(exc)
    else:
        assert lines(guides[0])["time_limit_promised"] == ["3个工作日"]


def test_c2_nine_megabyte_single_line_page_is_fast(vocab: FieldVocab) -> None:
    filler = "<p class='x'>杭州市人民政府门户网站信息公开内容</p>" * 180_000
    page = f"<html><body>{GUIDE_TABLE}{filler}</body></html>".encode()
    assert len(page) > 9_000_000 and b"\n" not in page
    start = time.perf_counter()
    guides = extract_html(page, "big.html", vocab)
    assert time.perf_counter() - start < 10
    assert lines(guides[0])["name"] == ["测试事项"]


@pytest.mark.timeout(120)
def test_c2_nine_megabyte_table_of_label_cells_is_linear(vocab: FieldVocab) -> None:
    """Every cell a known label and none a value (took ~38 s on a loaded machine)."""
    labels = ["事项名称", "申请材料", "受理条件", "办理时限", "收费标准", "办理地点"]
    row = "<tr>" + "".join(f"<td>{label}</td>" for label in labels) + "</tr>"
    page = f"<html><body><table>{row * 72_000}</table></body></html>".encode()
    assert len(page) > 9_000_000 and b"\n" not in page
    start = time.process_time()
    with pytest.raises(NoGuideFound):  # labels without values: no guide, and quickly
        extract_html(page, "labels.html", vocab)
    assert time.process_time() - start < 20


@pytest.mark.parametrize("data", [b"<!-- nothing but a comment -->", b"<?xml version='1.0'?>"])
def test_c3_markup_the_parser_rejects_is_a_clear_error(vocab: FieldVocab, data: bytes) -> None:
    with pytest.raises(InvalidUpload) as info:
        extract_html(data, "broken.html", vocab)
    assert info.value.source == "broken.html"
    assert "无法解析网页" in info.value.reason


# ----- per-site adapters --------------------------------------------------------------------


def test_adapter_refines_a_page_the_generic_extractor_gets_wrong(vocab: FieldVocab) -> None:
    generic = extract("site_odd.html", vocab)
    # Generic: the tiles (value above label) are missed, the "related items" box leaks in.
    assert "time_limit_legal" not in lines(generic[0])
    assert lines(generic[0])["time_limit_promised"] == ["3个工作日"]

    adapters = load_site_adapters(rules_dir() / "sites")
    site = adapter_for(str(HTML_DIR / "site_odd.html"), adapters)
    assert site is not None and site.name == "example"
    guide = one("site_odd.html", vocab, site=site)
    got = lines(guide)
    assert got["time_limit_promised"] == ["5个工作日"]
    assert got["time_limit_legal"] == ["20个工作日"]
    assert got["visits"] == ["0次"]
    assert got["name"] == ["户外广告设施设置审批"]
    assert got["implementing_body"] == ["杭州市城市管理局"]
    assert guide.title == "户外广告设施设置审批"
    assert "户外广告设施设置审批（变更）" not in str(guide.fields)


def test_adapter_matching_by_host_and_path() -> None:
    site = load_site_adapter(rules_dir() / "sites" / "example.yaml")
    assert adapter_for("https://www.example.gov.cn/bszn/detail/123.html", [site]) is site
    assert adapter_for("https://www.example.gov.cn/news/1.html", [site]) is None
    assert adapter_for("https://other.gov.cn/bszn/detail/1.html", [site]) is None
    assert adapter_for("corpus/web/city/a.html", [site]) is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("match: {paths: ['*.html']}\nfeilds: {}\n", "未知的键 'feilds'（是否想写 'fields'？）"),
        ("match: {paths: ['*.html']}\nguide: 'div[[['\n", "guide: CSS 选择器无效"),
        ("guide: div\n", "match: 至少需要 hosts 或 paths 之一"),
        ("match: {paths: ['*.html']}\npairs: [{item: li, label: b}]\n", "pairs[0]: 缺少键 value"),
        ("match: {paths: ['*.html']}\nfields: {承诺时限: 3}\n", "fields.承诺时限: 应为非空的 CSS"),
        ("- just\n- a list\n", "(top): 应为映射"),
        ("match: [unclosed\n", "YAML 格式错误"),
    ],
)
def test_adapter_schema_errors_name_file_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site_adapters(tmp_path)
    assert str(path) in str(info.value)
    assert where in str(info.value)


def test_no_adapter_folder_means_no_adapters(tmp_path: Path) -> None:
    assert load_site_adapters(tmp_path / "missing") == []
