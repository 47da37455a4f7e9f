"""Build DOCX test files: python-docx for realistic packages, raw XML for what it cannot write.

``package()`` writes a minimal OPC package around a body given as WordprocessingML
(what Word, WPS and LibreOffice all produce at their core); ``from_document()``
saves a python-docx document; ``replace_parts()`` injects or swaps raw parts.
The ``*_zip`` helpers craft hostile zips (bombs, overlapping entries, …).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_DECL = (
    f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"'
)
DOC_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_CT = "application/vnd.ms-word.document.macroEnabled.main+xml"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# ------------------------------------------------------------------ body XML


def run(text: str, *, bold: bool = False) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def p(*texts: str, style: str | None = None, num: tuple[int, int] | None = None,
      bold: bool = False, raw: str = "") -> str:
    """A paragraph; several texts become several runs (a word split mid-way)."""
    ppr = ""
    if style or num:
        inner = f'<w:pStyle w:val="{style}"/>' if style else ""
        if num:
            inner += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
        ppr = f"<w:pPr>{inner}</w:pPr>"
    return f"<w:p>{ppr}{''.join(run(t, bold=bold) for t in texts)}{raw}</w:p>"


def tc(*content: str, span: int = 1, vmerge: str | None = None) -> str:
    """A table cell; plain strings become paragraphs, strings starting with '<' are XML."""
    props = ""
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    body = "".join(c if c.startswith("<") else p(c) for c in content) or "<w:p/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def tr(*cells: str) -> str:
    return "<w:tr>" + "".join(c if c.startswith("<w:tc") else tc(c) for c in cells) + "</w:tr>"


def tbl(*rows: str | Iterable[str]) -> str:
    xml = "".join(r if isinstance(r, str) else tr(*r) for r in rows)
    return f"<w:tbl><w:tblPr/>{xml}</w:tbl>"


def document_xml(body: str, ns_decl: str = NS_DECL) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<w:document {ns_decl}><w:body>{body}<w:sectPr/></w:body></w:document>")


NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
  <w:abstractNum w:abstractNumId="0">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%2)"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="1">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="2">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="ideographTraditional"/><w:lvlText w:val="%1."/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="3">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
  <w:num w:numId="3"><w:abstractNumId w:val="1"/></w:num>
  <w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num>
  <w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num>
  <w:num w:numId="6"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""


def _style(sid: str, name: str, extra: str = "") -> str:
    return (f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>'
            f"{extra}</w:style>")


STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
{_style("Normal", "Normal")}
{_style("Heading1", "heading 1", '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr>')}
{_style("Heading2", "heading 2", '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr>')}
{_style("2", "heading 2", '<w:basedOn w:val="Normal"/>')}
{_style("Title", "Title")}
{_style("TOC1", "toc 1")}
{_style("ListNum", "List Number", '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr>')}
</w:styles>"""


def content_types(main_type: str = DOC_CT, *, main: str = "/word/document.xml",
                  extra: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="{main}" ContentType="{main_type}"/>{extra}</Types>')


def rels(*targets: tuple[str, str], base: str = REL_BASE) -> str:
    items = "".join(f'<Relationship Id="rId{i}" Type="{base}/{kind}" Target="{target}"/>'
                    for i, (kind, target) in enumerate(targets, start=1))
    return ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}'
            "</Relationships>")


def package(body: str, *, numbering: str | None = NUMBERING, styles: str | None = STYLES,
            main_type: str = DOC_CT, extra_parts: Mapping[str, bytes | str] | None = None,
            doc_rels: str | None = None, document: str | None = None) -> bytes:
    """A DOCX holding ``body`` (WordprocessingML inside w:body)."""
    targets = [("styles", "styles.xml")] if styles else []
    if numbering:
        targets.append(("numbering", "numbering.xml"))
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": content_types(main_type),
        "_rels/.rels": rels(("officeDocument", "word/document.xml")),
        "word/document.xml": document if document is not None else document_xml(body),
        "word/_rels/document.xml.rels": doc_rels if doc_rels is not None else rels(*targets),
    }
    if styles:
        parts["word/styles.xml"] = styles
    if numbering:
        parts["word/numbering.xml"] = numbering
    parts.update(extra_parts or {})
    return zip_bytes(parts)


def zip_bytes(parts: Mapping[str, bytes | str], *,
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def read_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def replace_parts(data: bytes, changes: Mapping[str, bytes | str | None]) -> bytes:
    """The same package with parts replaced, added, or (value None) removed."""
    parts: dict[str, bytes | str] = dict(read_parts(data))
    for name, value in changes.items():
        if value is None:
            parts.pop(name, None)
        else:
            parts[name] = value
    return zip_bytes(parts)


def from_document(doc) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ hostile zips


def deflate_bomb_part(size: int) -> bytes:
    """A document.xml of ``size`` bytes that is almost all ``<w:p/>``."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    count = (size - len(head) - len(tail)) // 6
    return head + b"<w:p/>" * count + tail


def overlapping_zip(kernel_size: int = 1_000_000, copies: int = 200) -> bytes:
    """A zbsm-style bomb: many entries whose data all point at one deflate stream.

    Each central-directory entry declares ``kernel_size`` bytes and shares the
    same compressed kernel (local headers overlap the kernel's bytes).
    """
    kernel_plain = b"<w:p/>" * (kernel_size // 6)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = comp.compress(kernel_plain) + comp.flush()
    crc = zlib.crc32(kernel_plain)
    out = io.BytesIO()
    central = io.BytesIO()
    names = ["[Content_Types].xml", "word/document.xml"] + [f"word/p{i}.xml"
                                                           for i in range(copies - 2)]
    offsets = []
    for name in names:  # headers back to back; each entry's data runs over the next headers
        offsets.append(out.tell())
        raw = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(kernel),
                              len(kernel_plain), len(raw), 0) + raw)
    kernel_at = out.tell()
    out.write(kernel)
    for name, off in zip(names, offsets):
        raw = name.encode()
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                                  len(kernel), len(kernel_plain), len(raw), 0, 0, 0, 0, 0,
                                  off) + raw)
    cd = central.getvalue()
    cd_at = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(cd),
                          cd_at, 0))
    assert kernel_at > 0
    return out.getvalue()


def many_entries_zip(count: int) -> bytes:
    """A stored zip with ``count`` one-byte entries, written directly (fast)."""
    out = io.BytesIO()
    central = io.BytesIO()
    crc = zlib.crc32(b"x")
    for i in range(count):
        raw = f"f{i}".encode()
        off = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, 1, 1,
                              len(raw), 0) + raw + b"x")
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc,
                                  1, 1, len(raw), 0, 0, 0, 0, 0, off) + raw)
    cd = central.getvalue()
    cd_at = out.tell()
    out.write(cd)
    n = min(count, 0xFFFF)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_at, 0))
    return out.getvalue()


def set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Patch the uncompressed size of ``name`` in both its local and central headers."""
    buf = bytearray(data)
    eocd = data.rfind(b"PK\x05\x06")
    count, _, cd_at = struct.unpack_from("<HII", data, eocd + 10)
    pos = cd_at
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        header_offset = struct.unpack_from("<I", data, pos + 42)[0]
        if data[pos + 46:pos + 46 + name_len] == name.encode():
            struct.pack_into("<I", buf, pos + 24, size)
            struct.pack_into("<I", buf, header_offset + 22, size)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(buf)
