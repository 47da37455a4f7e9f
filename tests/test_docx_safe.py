"""Untrusted DOCX files: reliability.md section D, cases D1–D15.

Every hostile file is built here, in memory or in tmp_path; each must end in
InvalidUpload (never another exception) or be read safely, quickly and with
bounded memory.
"""

from __future__ import annotations

import http.server
import os
import resource
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx_factory import (
    DOCM_CT,
    STRICT_W_NS,
    W_NS,
    content_types,
    deflate_bomb_part,
    document_xml,
    many_entries_zip,
    overlapping_zip,
    p,
    package,
    read_parts,
    rels,
    replace_parts,
    set_declared_size,
    zip_bytes,
)
from lxml import etree

from guidecheck.errors import InvalidUpload
from guidecheck.extract.docx import extract_docx
from guidecheck.read.docx_safe import DocxLimits, open_docx, parse_xml, xml_parser
from guidecheck.vocab import FieldVocab

SIMPLE_BODY = p("事项名称：个体工商户设立登记") + p("办理地点：杭州市上城区市民中心3号窗口")


def simple_docx() -> bytes:
    return package(SIMPLE_BODY)


def rejected(data: bytes, source: str = "upload.docx") -> InvalidUpload:
    with pytest.raises(InvalidUpload) as info:
        open_docx(data, source)
    assert info.value.source == source
    return info.value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def refused_fast(data: bytes, seconds: float = 1.0) -> InvalidUpload:
    before = peak_rss_mb()
    start = time.perf_counter()
    error = rejected(data)
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.3f}s"
    assert peak_rss_mb() - before < 100
    return error


def test_a_clean_file_is_read(vocab: FieldVocab) -> None:
    parts = open_docx(simple_docx(), "ok.docx")
    assert parts.document.tag == f"{{{W_NS}}}document"
    assert parts.styles is not None and parts.numbering is not None
    assert not parts.macros_ignored and not parts.strict
    guides = extract_docx(simple_docx(), "ok.docx", vocab)
    assert [f.key for f in guides[0].fields] == ["name", "location"]


# D1 ------------------------------------------------------------------------------


def test_d1_old_doc_renamed() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
    assert "97-2003 (.doc)" in rejected(ole).reason
    assert "另存为 .docx" in rejected(ole).reason


def test_d1_pdf_empty_and_random_bytes() -> None:
    assert "PDF" in rejected(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").reason
    assert "0 字节" in rejected(b"").reason
    assert "不是 DOCX 文件" in rejected(os.urandom(5000)).reason
    assert "不是 DOCX 文件" in rejected(b"<html><body>hi</body></html>").reason


def test_d1_zip_that_is_not_word() -> None:
    xlsx_like = zip_bytes({
        "[Content_Types].xml": content_types(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            main="/xl/workbook.xml"),
        "xl/workbook.xml": "<workbook/>",
    })
    assert "不是 Word 文档" in rejected(xlsx_like).reason
    assert "[Content_Types].xml" in rejected(zip_bytes({"a.txt": "hello"})).reason


def test_d1_password_protected_office_file() -> None:
    ole = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
           + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100)
    assert "已加密" in rejected(ole).reason


# D2 ------------------------------------------------------------------------------


def test_d2_truncated_zip() -> None:
    data = simple_docx()
    assert "不完整" in rejected(data[: len(data) // 2]).reason
    assert "不完整" in rejected(data[:-10]).reason


def _member_data_offset(data: bytes, name: str) -> tuple[int, int]:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        info = zf.getinfo(name)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def test_d2_bad_crc() -> None:
    parts = read_parts(simple_docx())
    data = zip_bytes(parts, compression=zipfile.ZIP_STORED)
    start, size = _member_data_offset(data, "word/document.xml")
    pos = data.index("个体".encode(), start)
    broken = data[:pos] + "团体".encode() + data[pos + 6:]
    assert "校验和错误" in rejected(broken).reason


def test_d2_corrupt_deflate() -> None:
    data = simple_docx()
    start, size = _member_data_offset(data, "word/document.xml")
    broken = data[:start] + b"\xff" * size + data[start + size:]
    error = rejected(broken)
    assert "损坏" in error.reason and "word/document.xml" in error.reason


def test_d2_encrypted_member() -> None:
    data = bytearray(simple_docx())
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    struct.pack_into("<H", data, info.header_offset + 6, 0x1)
    cd = bytes(data).index(b"PK\x01\x02")
    while cd >= 0:
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if bytes(data[cd + 46:cd + 46 + name_len]) == b"word/document.xml":
            struct.pack_into("<H", data, cd + 8, 0x1)
        cd = bytes(data).find(b"PK\x01\x02", cd + 4)
    assert "已加密" in rejected(bytes(data)).reason


# D3 ------------------------------------------------------------------------------


def test_d3_dangling_relationship_to_styles_is_tolerated(vocab: FieldVocab) -> None:
    dangling = rels(("styles", "NULL"), ("numbering", "numbering.xml"))
    data = package(SIMPLE_BODY, styles=None, doc_rels=dangling)
    parts = open_docx(data, "x.docx")
    assert parts.styles is None and parts.numbering is not None
    assert extract_docx(data, "x.docx", vocab)[0].fields[0].lines == ["个体工商户设立登记"]
    # with the part present under its usual name, it is found there
    assert open_docx(package(SIMPLE_BODY, doc_rels=dangling), "x.docx").styles is not None


def test_d3_dangling_main_document_is_a_clear_error() -> None:
    data = replace_parts(simple_docx(), {
        "[Content_Types].xml": content_types(main="/word/NULL"),
        "_rels/.rels": rels(("officeDocument", "word/NULL")),
    })
    error = rejected(data)
    assert "word/NULL" in error.reason and "链接损坏" in error.reason


# D4 / D5 / D6 --------------------------------------------------------------------


def _doc_with_prolog(prolog: str, body: str = "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>") -> bytes:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
           f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>')
    return package("", document=xml)


def test_d4_xxe_file_is_rejected(vocab: FieldVocab) -> None:
    data = _doc_with_prolog('<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    error = rejected(data)
    assert "DOCTYPE" in error.reason
    assert "root:" not in str(error)
    with pytest.raises(InvalidUpload):
        extract_docx(data, "x.docx", vocab)


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY xxe "PWNED">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_d5_xxe_over_http_and_parameter_entities_make_no_request(
        listener: tuple[int, list[str]]) -> None:
    port, seen = listener
    url = f"http://127.0.0.1:{port}"
    for prolog in (f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{url}/x">]>',
                   f'<!DOCTYPE d [<!ENTITY % dtd SYSTEM "{url}/evil.dtd"> %dtd;]>',
                   f'<!DOCTYPE d SYSTEM "{url}/external.dtd">'):
        assert "DOCTYPE" in rejected(_doc_with_prolog(prolog)).reason
    # the parser itself never fetches either, even without the DOCTYPE pre-check
    for doc in (f'<!DOCTYPE d [<!ENTITY % dtd SYSTEM "{url}/p.dtd"> %dtd;]><d>&xxe;</d>',
                f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{url}/x">]><d>&xxe;</d>',
                f'<!DOCTYPE d SYSTEM "{url}/external.dtd"><d/>'):
        try:
            root = etree.fromstring(doc.encode(), xml_parser())
            assert "PWNED" not in etree.tostring(root).decode()
        except etree.XMLSyntaxError:
            pass
    time.sleep(0.05)
    assert seen == []


def test_d5_doctype_hidden_in_utf16_is_found() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "b">]><d>&a;</d>'
    with pytest.raises(InvalidUpload, match="DOCTYPE"):
        parse_xml(xml.encode("utf-16"), "x.xml", "x")


@pytest.mark.timeout(5)
def test_d6_billion_laughs() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    data = _doc_with_prolog(f"<!DOCTYPE lolz [{entities}]>",
                            "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>")
    assert "DOCTYPE" in refused_fast(data, seconds=0.1).reason


# D7 / D8 / D9 / D10 / D11 / D12 ---------------------------------------------------


@pytest.mark.timeout(5)
def test_d7_member_declaring_4_gb() -> None:
    data = replace_parts(simple_docx(), {"word/media/image1.png": b"\x89PNG" + b"x" * 100})
    data = set_declared_size(data, "word/media/image1.png", 0xFFFFFFF0)
    assert "过大" in refused_fast(data, seconds=0.1).reason


def test_d8_understated_declared_size() -> None:
    data = set_declared_size(simple_docx(), "word/document.xml", 100)
    assert "校验和错误" in rejected(data).reason


@pytest.mark.timeout(5)
def test_d9_overlapping_entries_are_rejected() -> None:
    small = overlapping_zip(kernel_size=100_000, copies=20)  # Σ declared 2 MB: under every cap
    assert "重叠" in refused_fast(small).reason


@pytest.mark.timeout(5)
def test_d9_overlapping_bomb_is_rejected_by_the_declared_sum() -> None:
    big = overlapping_zip(kernel_size=10_000_000, copies=100)  # Σ declared 1 GB
    assert len(big) < 100_000
    assert "疑似压缩炸弹" in refused_fast(big, seconds=0.1).reason


@pytest.mark.timeout(10)
def test_d10_small_file_expanding_to_22_mb_of_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(replace_parts(simple_docx(),
                                   {"word/document.xml": deflate_bomb_part(22_000_000)}))
    data = path.read_bytes()
    assert len(data) < 100_000
    assert "疑似压缩炸弹" in refused_fast(data).reason


@pytest.mark.timeout(10)
def test_d10_bomb_under_the_part_cap_is_caught_by_the_ratio_cap() -> None:
    data = replace_parts(simple_docx(), {"word/document.xml": deflate_bomb_part(15_000_000)})
    assert "压缩比异常" in refused_fast(data).reason


@pytest.mark.timeout(10)
def test_d10_bounded_read_never_trusts_the_declared_size() -> None:
    limits = DocxLimits(max_part_bytes=2_000_000, max_ratio=10_000)
    data = replace_parts(simple_docx(), {"word/document.xml": deflate_bomb_part(3_000_000)})
    data = set_declared_size(data, "word/document.xml", 1_000_000)  # lies: below the cap
    with pytest.raises(InvalidUpload, match="超过上限|校验和"):
        open_docx(data, "x.docx", limits)


@pytest.mark.timeout(20)
def test_d11_100000_tiny_entries() -> None:
    data = many_entries_zip(100_000)
    assert "过多内部条目" in refused_fast(data, seconds=0.1).reason


def test_d11_entry_cap_also_counts_the_real_directory() -> None:
    data = replace_parts(simple_docx(), {f"word/media/x{i}.bin": b"x" for i in range(50)})
    with pytest.raises(InvalidUpload, match="过多内部条目"):
        open_docx(data, "x.docx", DocxLimits(max_entries=20))


@pytest.mark.timeout(10)
def test_d12_embedded_bomb_is_never_expanded(vocab: FieldVocab) -> None:
    inner = replace_parts(simple_docx(), {"word/document.xml": deflate_bomb_part(22_000_000)})
    data = replace_parts(simple_docx(), {"word/embeddings/x.docx": inner})
    before = peak_rss_mb()
    start = time.perf_counter()
    guides = extract_docx(data, "x.docx", vocab)
    assert time.perf_counter() - start < 1
    assert peak_rss_mb() - before < 100
    assert guides[0].fields[0].lines == ["个体工商户设立登记"]


# D13 -----------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_d13_text_node_over_10_mb() -> None:
    text = ("杭州" * 3_000_000)  # 6 M characters, 18 MB of UTF-8
    xml = document_xml(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    parts = read_parts(simple_docx())
    parts["word/document.xml"] = xml.encode()
    data = zip_bytes(parts, compression=zipfile.ZIP_STORED)
    assert "XML 结构无效或过于复杂" in rejected(data).reason


def test_d13_nesting_deeper_than_256() -> None:
    deep = "<w:sdt><w:sdtContent>" * 300 + "<w:p/>" + "</w:sdtContent></w:sdt>" * 300
    data = replace_parts(simple_docx(), {"word/document.xml": document_xml(deep)})
    assert "XML 结构无效或过于复杂" in rejected(data).reason


def test_d13_malformed_xml() -> None:
    data = replace_parts(simple_docx(), {"word/document.xml": "<w:document><w:body>"})
    assert "XML" in rejected(data).reason


# D14 -----------------------------------------------------------------------------


def test_d14_python_docx_file_word_style(vocab: FieldVocab) -> None:
    import docx
    from docx_factory import from_document

    doc = docx.Document()
    doc.add_heading("个体工商户设立登记", level=1)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "事项名称", "个体工商户设立登记"
    table.cell(1, 0).text, table.cell(1, 1).text = "承诺办结时限", "1个工作日"
    doc.add_paragraph("办理流程：")
    doc.add_paragraph("提交申请", style="List Number")
    doc.add_paragraph("窗口受理", style="List Number")
    doc.sections[0].header.paragraphs[0].text = "事项名称：页眉里的字不是事项"
    guides = extract_docx(from_document(doc), "word.docx", vocab)
    assert len(guides) == 1
    fields = {f.key: f.lines for f in guides[0].fields}
    assert guides[0].title == "个体工商户设立登记"
    assert fields["time_limit_promised"] == ["1个工作日"]
    assert fields["process"] == ["1. 提交申请", "2. 窗口受理"]


WPS_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="1"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="3"><w:name w:val="heading 2"/><w:basedOn w:val="1"/>
<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr></w:style>
</w:styles>"""


def test_d14_wps_like_file(vocab: FieldVocab) -> None:
    """WPS writes numeric style ids, wpsCustomData parts and rsid-free runs."""
    body = (p("一、城乡居民养老保险参保登记", style="3")
            + p("事项名称：城乡居民养老保险参保登记")
            + p("咨询电话：0571-87654321"))
    data = package(body, styles=WPS_STYLES, extra_parts={
        "customXml/item1.xml": '<s:customData xmlns:s="http://www.wps.cn/officeDocument/2013/wpsCustomData"/>',
        "docProps/custom.xml": "<Properties/>"})
    guides = extract_docx(data, "wps.docx", vocab)
    assert [g.title for g in guides] == ["城乡居民养老保险参保登记"]
    assert [f.key for f in guides[0].fields] == ["name", "phone"]


def test_d14_libreoffice_like_file_with_other_prefixes(vocab: FieldVocab) -> None:
    """LibreOffice (and some converters) use other namespace prefixes; only URIs count."""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><ns0:document xmlns:ns0="{W_NS}"><ns0:body>'
           "<ns0:p><ns0:r><ns0:t>事项名称：</ns0:t></ns0:r><ns0:r><ns0:t>公共场所卫生许可"
           "</ns0:t></ns0:r></ns0:p></ns0:body></ns0:document>")
    guides = extract_docx(package("", document=xml), "lo.docx", vocab)
    assert guides[0].fields[0].lines == ["公共场所卫生许可"]


def test_d14_strict_ooxml_is_read(vocab: FieldVocab) -> None:
    strict_rels = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{STRICT_W_NS}">'
           "<w:body><w:p><w:r><w:t>事项名称：道路运输经营许可</w:t></w:r></w:p></w:body>"
           "</w:document>")
    data = package("", document=xml, numbering=None, styles=None,
                   doc_rels=rels(base=strict_rels))
    data = replace_parts(data, {"_rels/.rels": rels(("officeDocument", "word/document.xml"),
                                                    base=strict_rels)})
    parts = open_docx(data, "strict.docx")
    assert parts.strict
    assert extract_docx(data, "strict.docx", vocab)[0].fields[0].lines == ["道路运输经营许可"]


# D15 -----------------------------------------------------------------------------


def test_d15_docm_renamed_is_read_with_macros_ignored(vocab: FieldVocab) -> None:
    data = package(SIMPLE_BODY, main_type=DOCM_CT,
                   extra_parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 500})
    parts = open_docx(data, "macro.docx")
    assert parts.macros_ignored
    guides = extract_docx(data, "macro.docx", vocab)
    assert guides[0].fields[0].lines == ["个体工商户设立登记"]
    assert any("宏已忽略" in note for note in guides[0].notes)


def test_read_errors_are_only_invalid_upload_on_mutations(vocab: FieldVocab) -> None:
    """A cheap mutation sweep: every byte-flip of a small DOCX is read or refused cleanly."""
    data = simple_docx()
    step = max(1, len(data) // 300)
    for pos in range(0, len(data), step):
        mutated = data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:]
        try:
            extract_docx(mutated, "m.docx", vocab)
        except InvalidUpload:
            pass


TRIM_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/><w:tblPr/></w:style>
<w:style w:type="paragraph" w:styleId="H1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/></w:style>
<w:style w:styleId="Plain" w:type='paragraph'><w:name w:val="a > b"/></w:style>
<w:style w:type="numbering" w:styleId="List"/>
</w:styles>"""


def _style_ids(styles: etree._Element) -> list[str]:
    return [st.get(f"{{{W_NS}}}styleId") for st in styles]


def test_unread_styles_are_cut_before_parsing() -> None:
    parts = open_docx(package(SIMPLE_BODY, styles=TRIM_STYLES), "x.docx")
    assert parts.styles is not None and _style_ids(parts.styles) == ["H1", "Plain"]


@pytest.mark.parametrize("variant", [
    TRIM_STYLES.replace("<w:style w:type=\"character\"", "<!-- c --><w:style w:type=\"character\""),
    TRIM_STYLES.replace('w:styleId="Grid">', 'w:styleId="Grid"><w:style w:type="paragraph"/>'),
    TRIM_STYLES.replace('w:styleId="Strong"', f'w:styleId="Strong" xmlns:w="{W_NS}"'),
])
def test_styles_parsed_whole_where_cutting_is_not_exact(variant: str) -> None:
    """Comments, nested styles, own namespace declarations: nothing is cut."""
    parts = open_docx(package(SIMPLE_BODY, styles=variant), "x.docx")
    assert parts.styles is not None
    assert _style_ids(parts.styles) == ["Grid", "H1", "Strong", "Plain", "List"]
