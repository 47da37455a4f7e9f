"""Raw OOXML that python-docx cannot write directly: automatic numbering,
tracked changes, text boxes, fields; plus deterministic saving."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FIXED_TIME = datetime(2024, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
AUTHOR = "杭州市数据资源管理局"


class Numbering:
    """Decimal list definitions in numbering.xml; one w:num per list, restarting at 1."""

    def __init__(self, doc: DocumentObject, abstract_id: int = 90, fmt: str = "%1.") -> None:
        self.root = doc.part.numbering_part.element
        self.abstract_id = abstract_id
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            '<w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            f'<w:lvlText w:val="{fmt}"/><w:lvlJc w:val="left"/>'
            '<w:pPr><w:ind w:left="420" w:hanging="420"/></w:pPr></w:lvl>'
            "</w:abstractNum>"
        )
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)
        ids = [int(n.get(qn("w:numId"))) for n in self.root.findall(qn("w:num"))]
        self.next_id = max(ids + [100]) + 1

    def new_list(self) -> int:
        num_id = self.next_id
        self.next_id += 1
        self.root.append(parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{self.abstract_id}"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        ))
        return num_id

    @staticmethod
    def apply(paragraph: Paragraph, num_id: int) -> None:
        p_pr = paragraph._p.get_or_add_pPr()
        p_pr.insert(0, parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
        ))


class Revisions:
    """Tracked insertions (w:ins, count) and deletions (w:del + w:delText, do not count)."""

    def __init__(self) -> None:
        self.next_id = 1

    def _attrs(self) -> str:
        rid = self.next_id
        self.next_id += 1
        return f'w:id="{rid}" w:author="{AUTHOR}" w:date="2024-02-20T10:15:00Z"'

    def insert(self, paragraph: Paragraph, text: str) -> None:
        paragraph._p.append(parse_xml(
            f'<w:ins {nsdecls("w")} {self._attrs()}><w:r><w:t xml:space="preserve">{_x(text)}</w:t>'
            "</w:r></w:ins>"
        ))

    def delete(self, paragraph: Paragraph, text: str) -> None:
        paragraph._p.append(parse_xml(
            f'<w:del {nsdecls("w")} {self._attrs()}><w:r><w:delText xml:space="preserve">'
            f"{_x(text)}</w:delText></w:r></w:del>"
        ))


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_box(paragraph: Paragraph, text: str) -> None:
    """A VML text box (floating note) anchored in ``paragraph``."""
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
        '<v:shape id="note" o:spid="_x0000_s1026" type="#_x0000_t202" '
        'style="position:absolute;margin-left:300pt;margin-top:0;width:150pt;height:60pt;z-index:1">'
        f'<v:textbox><w:txbxContent><w:p><w:r><w:t>{_x(text)}</w:t></w:r></w:p></w:txbxContent>'
        "</v:textbox></v:shape></w:pict></w:r>"
    ))


def field_paragraph(paragraph: Paragraph, instr: str, cached: str) -> None:
    """A complex field (PAGE, TOC …) with its cached result text."""
    p = paragraph._p
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
    p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
    ))
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t>{_x(cached)}</w:t></w:r>'))
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))


def toc(doc: DocumentObject, entries: list[tuple[str, int]]) -> None:
    """A table of contents as Word writes it: one TOC field spanning cached entry paragraphs."""
    body = doc.element.body
    for i, (title, page) in enumerate(entries):
        para = doc.add_paragraph()
        p = para._p
        if i == 0:
            p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
            p.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-3" '
                               '\\h \\z \\u </w:instrText></w:r>'))
            p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
        p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">{_x(title)}</w:t></w:r>'))
        p.append(parse_xml(f'<w:r {nsdecls("w")}><w:tab/></w:r>'))
        p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t>{page}</w:t></w:r>'))
        if i == len(entries) - 1:
            p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    del body


def fix_properties(doc: DocumentObject, title: str) -> None:
    props = doc.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = title
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1


def save_deterministic(doc: DocumentObject, path: Path) -> None:
    """Save with fixed zip timestamps so regenerating gives identical bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 1, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
