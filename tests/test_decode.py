"""Encoding cases B1–B11 of shared/reliability.md, on bytes and on fixture files."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from guidecheck.read.decode import (
    Decoded,
    charset_from_content_type,
    decode_html,
    meta_charset,
    normalize_charset,
)

HTML_DIR = Path(__file__).parent / "html"
TITLE = "陕西省人力资源和社会保障厅"
NAMES = "实施主体：杭州市西湖区市场监督管理局 经办人：朱镕基、王堃"


def page(head: str = "", body: str = NAMES, title: str = TITLE) -> str:
    return f"<html><head>{head}<title>{title}</title></head><body><p>{body}</p></body></html>"


def assert_whole(decoded: Decoded, expected: str) -> None:
    assert decoded.text == expected
    assert "\ufffd" not in decoded.text
    assert decoded.replacement_count == 0


def test_b1_header_gb2312_with_gbk_only_characters() -> None:
    text = page()
    decoded = decode_html(text.encode("gbk"), header_charset="gb2312")
    assert_whole(decoded, text)
    assert decoded.encoding == "gb18030"
    assert decoded.decided_by == "header"
    assert decoded.flags == ()


def test_b1_fixture_file_declaring_gb2312() -> None:
    data = (HTML_DIR / "gbk_gb2312_declared.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")  # the trap: the declared codec cannot read the page
    decoded = decode_html(data)
    assert "杭州市余杭区镕堃社会事务服务中心" in decoded.text
    assert decoded.replacement_count == 0
    assert decoded.decided_by == "meta"


def test_b2_meta_charset_gb2312_only() -> None:
    text = page('<meta charset="gb2312">', body="欢迎访问")
    decoded = decode_html(text.encode("gb2312"))
    assert_whole(decoded, text)
    assert re.search(r"<title>(.*?)</title>", decoded.text).group(1) == TITLE  # type: ignore[union-attr]
    assert decoded.decided_by == "meta"


def test_b2_meta_http_equiv_content() -> None:
    text = page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />')
    assert_whole(decode_html(text.encode("gb18030")), text)


def test_b3_header_utf8_body_gbk_meta_gbk() -> None:
    text = page('<meta charset="gbk">')
    decoded = decode_html(text.encode("gbk"), header_charset="text/html; charset=utf-8")
    assert_whole(decoded, text)
    assert decoded.decided_by == "meta"
    assert decoded.encoding == "gb18030"
    assert "charset_conflict" in decoded.flags


def test_b4_header_gbk_body_utf8() -> None:
    text = page()
    decoded = decode_html(text.encode("utf-8"), header_charset="gbk")
    assert_whole(decoded, text)
    assert decoded.encoding == "utf-8"
    assert "charset_conflict" in decoded.flags


def test_b4_even_length_utf8_text_that_gb18030_would_accept() -> None:
    text = "<p>杭州</p>"  # 6 UTF-8 bytes of CJK decode "cleanly" as 3 GB18030 characters
    data = text.encode("utf-8")
    assert data.decode("gb18030") != text
    decoded = decode_html(data, header_charset="gbk")
    assert_whole(decoded, text)
    assert "charset_conflict" in decoded.flags


def test_b5_utf8_bom_beats_meta_gbk() -> None:
    text = page('<meta charset="gbk">')
    decoded = decode_html(codecs.BOM_UTF8 + text.encode("utf-8"), header_charset="gbk")
    assert_whole(decoded, text)
    assert decoded.decided_by == "bom"
    assert decoded.encoding == "utf-8"


def test_b5_utf16_bom() -> None:
    text = page()
    decoded = decode_html(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert_whole(decoded, text)
    assert decoded.decided_by == "bom"


def test_b6_undeclared_gb18030_is_detected() -> None:
    text = page(body=NAMES + "。申请材料：居民身份证原件1份；营业执照副本复印件1份。承诺办结时限：3个工作日。")
    decoded = decode_html(text.encode("gb18030"))
    assert_whole(decoded, text)
    assert decoded.decided_by == "detected"
    assert decoded.encoding == "gb18030"
    assert "guessed" in decoded.flags
    assert 0.0 < decoded.confidence <= 1.0


def test_b6_undeclared_utf8_and_ascii() -> None:
    text = page()
    decoded = decode_html(text.encode("utf-8"))
    assert_whole(decoded, text)
    assert decoded.encoding == "utf-8"
    ascii_page = decode_html(b"<html><body>hello</body></html>")
    assert ascii_page.decided_by == "default"
    assert ascii_page.flags == ()


def test_b7_three_invalid_byte_pairs_are_replaced_and_counted() -> None:
    good = page('<meta charset="gbk">').encode("gbk")
    bad = good.replace("经办人".encode("gbk"), b"\x81\x7f\x82\x7f\x83\x7f")
    decoded = decode_html(bad)
    assert decoded.replacement_count == 3
    assert decoded.text.count("\ufffd") == 3
    assert "replaced" in decoded.flags
    assert decoded.encoding == "gb18030"
    assert "杭州市西湖区市场监督管理局" in decoded.text


def test_b7_literal_replacement_character_is_not_counted() -> None:
    decoded = decode_html(page(body="\ufffd 有意写入").encode("utf-8"))
    assert decoded.replacement_count == 0


def test_b8_junk_in_headers_never_raises() -> None:
    # requests exposes raw header bytes as latin-1 text: cp1251 file names become junk.
    disposition = "attachment; filename=\"Отчёт.html\"".encode("cp1251").decode("latin-1")
    assert charset_from_content_type(disposition) is None
    assert charset_from_content_type(disposition.encode("latin-1")) is None
    assert charset_from_content_type("text/html; charset=\udcff\udcfe") is None
    assert charset_from_content_type(None) is None
    assert charset_from_content_type("text/html;charset=\"GB2312\"") == "gb18030"
    assert charset_from_content_type("text/html; Charset=UTF-8; foo=bar") == "utf-8"
    decoded = decode_html(page().encode("utf-8"), header_charset=disposition)
    assert_whole(decoded, page())


def test_b8_unknown_declared_charset_is_flagged_not_fatal() -> None:
    text = page('<meta charset="x-no-such-charset">')
    decoded = decode_html(text.encode("utf-8"))
    assert_whole(decoded, text)
    assert "unknown_charset" in decoded.flags


def test_b9_big5_page_uses_big5hkscs() -> None:
    text = page('<meta charset="big5">', body="香港特別行政區政府 嘅 服務指南", title="服務指南")
    data = text.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    decoded = decode_html(data)
    assert_whole(decoded, text)
    assert decoded.encoding == "big5hkscs"


def test_b9_shift_jis_page_uses_cp932() -> None:
    text = page('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
                body="申請書類 ① 髙橋", title="手続案内")
    data = text.encode("cp932")
    decoded = decode_html(data)
    assert_whole(decoded, text)
    assert decoded.encoding == "cp932"


def test_b10_malformed_meta_httpequiv_is_found() -> None:
    head = '<meta httpequiv="ContentType" content="text/html; charset=gbk">'
    text = page(head)
    assert meta_charset(text.encode("gbk")) == "gbk"
    decoded = decode_html(text.encode("gbk"))
    assert_whole(decoded, text)
    assert decoded.decided_by == "meta"


def _body(text: str) -> str:
    return re.sub(r"<meta[^>]*>", "", text)


def test_b11_same_content_different_declarations_same_text() -> None:
    content = page("{meta}")
    variants = [
        decode_html(content.format(meta='<meta charset="gb2312">').encode("gbk")),
        decode_html(content.format(meta="").encode("gbk"), header_charset="GBK"),
        decode_html(content.format(meta="").encode("gb18030")),
        decode_html(content.format(meta='<meta charset="utf-8">').encode("utf-8")),
        decode_html(codecs.BOM_UTF8 + content.format(meta="").encode("utf-8")),
        decode_html(content.format(meta='<meta charset="gbk">').encode("utf-8"), header_charset="gbk"),
    ]
    bodies = {_body(v.text) for v in variants}
    assert bodies == {content.format(meta="")}
    assert all(v.replacement_count == 0 for v in variants)


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ("big5", "big5hkscs"),
        ("shift_jis", "cp932"),
        ("SJIS", "cp932"),
        ("ISO-8859-1", "cp1252"),
        ("UTF8", "utf-8"),
        ("'utf-8'", "utf-8"),
        ("nonsense", None),
        ("", None),
    ],
)
def test_charset_aliases(label: str, codec: str | None) -> None:
    assert normalize_charset(label) == codec


def test_empty_bytes() -> None:
    decoded = decode_html(b"")
    assert decoded.text == ""
    assert decoded.decided_by == "default"
