"""document.xml → paragraphs and tables in document order (see :func:`read_blocks`).

Text of all runs joined (insertions kept, deletions and moved-from text
dropped), automatic list numbering rebuilt from ``numbering.xml``, text boxes
read once (``mc:Choice`` only), tables of contents skipped, merged cells
resolved to grid columns, nested tables numbered as they open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from guidecheck.extract.docx_numbering import Numbering
from guidecheck.extract.docx_styles import Style, default_style_id, parse_styles
from guidecheck.extract.docx_xml import (
    FALSE,
    MC_ALT,
    MC_CHOICE,
    MC_FALLBACK,
    W_B,
    W_BR,
    W_CR,
    W_DEL,
    W_FLDCHAR,
    W_FLDSIMPLE,
    W_GRIDSPAN,
    W_INSTR,
    W_MOVEFROM,
    W_NBH,
    W_NUMPR,
    W_OUTLINE,
    W_P,
    W_PPR,
    W_PSTYLE,
    W_R,
    W_RPR,
    W_SDT,
    W_SDTCONTENT,
    W_SDTPR,
    W_T,
    W_TAB,
    W_TBL,
    W_TC,
    W_TCPR,
    W_TR,
    W_TRPR,
    W_TXBX,
    W_VAL,
    W_VMERGE,
    W,
    child_val,
    to_int,
)
from guidecheck.read.docx_safe import DocxParts

_SPECIAL = (W_TXBX, MC_ALT, W_DEL, W_MOVEFROM, W_FLDCHAR, W_INSTR, W_FLDSIMPLE)
_SKIP_INLINE = frozenset({W_PPR, W_DEL, W_MOVEFROM, W + "proofErr", W + "bookmarkStart",
                          W + "bookmarkEnd", W + "commentRangeStart", W + "commentRangeEnd",
                          W_SDTPR, W + "customXmlPr", W + "moveFromRangeStart",
                          W + "moveFromRangeEnd"})
_BLOCK_CONTAINERS = frozenset({W + "customXml", W + "ins", W + "moveTo", W_SDTCONTENT})
_WALK = (W_TR, W_TC, W_P, W_TRPR)
_WALK_TEXT = (W_T, W_TR, W_TC, W_P, W_TRPR, W_PPR, W_TAB, W_BR, W_CR, W_NBH)


@dataclass(slots=True)
class Para:
    index: int  # body paragraph number; inside a table: 0
    body: str  # the paragraph's own text
    prefix: str = ""  # automatic numbering drawn by Word ("1. ", "（一）")
    heading: int | None = None
    bold: bool = False
    boxed: bool = False  # inside a text box

    @property
    def text(self) -> str:
        return self.prefix + self.body


@dataclass(slots=True)
class Cell:
    col: int  # 1-based grid column
    span: int
    merge: str | None  # "restart", "continue" or None
    lines: list[str]  # not changed once read
    tables: list[Table]
    text: str = field(init=False, repr=False, compare=False)  # the lines joined, read often

    def __init__(self, col: int, span: int, merge: str | None, lines: list[str],
                 tables: list[Table]) -> None:  # by hand: one call less per cell
        self.col, self.span, self.merge, self.lines, self.tables = col, span, merge, lines, tables
        self.text = "\n".join(lines)


@dataclass(slots=True)
class Table:
    index: int
    rows: list[list[Cell]] = field(default_factory=list)


Block = Para | Table
_NO_TABLES: list[Table] = []  # shared by the cells of plain tables; never changed
_Properties = tuple[Style, int | None, tuple[str, int] | None]


class _BlockReader:
    """Body → paragraphs and tables, in document order."""

    def __init__(self, parts: DocxParts) -> None:
        self.numbering = Numbering(parts.numbering)
        self.styles = parse_styles(parts.styles)
        self.paragraphs = 0
        self.tables = 0
        self.toc_fields = 0  # open TOC fields
        self.fields: list[str] = []  # instruction text of open fields
        self.texts: dict[etree._Element, list[str]] = {}
        self.current: list[str] = []  # text of the last paragraph read by _read_texts()
        self.special: set[etree._Element] = set()  # paragraphs read by _inline()
        self.complex: set[etree._Element] = set()  # tables _simple_table() leaves to _table()
        self.pprs: dict[etree._Element, etree._Element] = {}  # paragraph → its w:pPr
        self.bolds: set[etree._Element] = set()  # paragraphs holding a w:b somewhere
        self.properties: dict[bytes, _Properties] = {}  # w:pPr markup → _properties()
        self.spans: dict[etree._Element, int] = {}  # cell → w:gridSpan
        self.merges: dict[etree._Element, str] = {}  # cell → w:vMerge
        self.default_style = self.styles.get(default_style_id(parts.styles), Style())
        style = self.default_style
        self.plain: _Properties = (style, style.heading, style.num)  # a paragraph without w:pPr

    def prepare(self, body: etree._Element) -> None:
        """One C-level pass over rare elements: which paragraphs and tables need the slow
        path, which paragraphs may be bold, cell spans and merges."""
        special, complex_ = self.special, self.complex
        for el in body.iter(*_SPECIAL, W_TBL, W_SDT, *_BLOCK_CONTAINERS, W_GRIDSPAN, W_VMERGE,
                            W_B):
            tag = el.tag
            if tag in (W_GRIDSPAN, W_VMERGE):
                self._prepare_cell(el)
            elif tag == W_B:
                self.bolds.update(el.iterancestors(W_P))
            else:
                complex_.update(el.iterancestors(W_TBL))
                if tag in _SPECIAL:
                    special.update(el.iterancestors(W_P))
                if tag == W_TXBX:
                    special.update(el.iter(W_P))

    def read_body(self, body: etree._Element) -> list[Block]:
        """The body's blocks; each top-level table read in one pass with its text."""
        out: list[Block] = []
        for el in body:
            if el.tag == W_TBL:
                table = self._walk_table(el, with_text=True)
                if table is not None:
                    out.append(table)
                    continue
            self._read_texts(el)
            self._block(el, out, False)
        return out

    def _read_texts(self, block: etree._Element) -> None:
        """One C-level pass: the text of every paragraph in ``block`` and its w:pPr.

        A w:t outside any paragraph joins the paragraph before it in document
        order, so the paragraph being filled carries over from call to call."""
        texts, pprs = self.texts, self.pprs
        current = self.current
        for el in block.iter(W_P, W_T, W_TAB, W_BR, W_CR, W_NBH, W_PPR):
            tag = el.tag
            if tag == W_P:
                current = texts[el] = []
            elif tag == W_T:
                current.append(el.text or "")
            elif tag == W_PPR:
                if el.getprevious() is None and (parent := el.getparent()).tag == W_P:
                    pprs[parent] = el  # Word writes the properties first
            elif el.getparent().tag == W_R:  # not a tab stop in w:pPr
                current.append("\t" if tag == W_TAB else "-" if tag == W_NBH else "\n")
        self.current = current

    def _prepare_cell(self, el: etree._Element) -> None:
        """Record a w:gridSpan or w:vMerge of a cell's w:tcPr (most cells have neither)."""
        tcpr = el.getparent()
        if tcpr.tag != W_TCPR or tcpr.getprevious() is not None:
            return
        tc = tcpr.getparent()
        if tc is None or tc.tag != W_TC:
            return
        if el.tag == W_GRIDSPAN:
            self.spans[tc] = max(to_int(el.get(W_VAL), 1), 1)
        else:
            self.merges[tc] = "restart" if el.get(W_VAL) == "restart" else "continue"

    def blocks(self, container: etree._Element, out: list[Block], *,
               in_table: bool = False) -> list[Block]:
        for el in container:
            self._block(el, out, in_table)
        return out

    def _block(self, el: etree._Element, out: list[Block], in_table: bool) -> None:
        tag = el.tag
        if tag == W_P:
            self._paragraph(el, in_table, out)
        elif tag == W_TBL:
            out.append(self._walk_table(el, with_text=False) or self._table(el))
        elif tag == W_SDT:
            if not _is_toc_sdt(el):
                content = el.find(W_SDTCONTENT)
                if content is not None:
                    self.blocks(content, out, in_table=in_table)
        elif tag in _BLOCK_CONTAINERS:
            self.blocks(el, out, in_table=in_table)

    def _paragraph(self, p: etree._Element, in_table: bool, out: list[Block]) -> None:
        index = 0 if in_table else self._next_paragraph()
        boxes: list[etree._Element] = []
        toc = self.toc_fields > 0
        if p in self.special:
            parts: list[str] = []
            toc = self._inline(p, parts, boxes) or toc
            text = "".join(parts)
        else:
            text = "".join(self.texts.get(p, ()))
        ppr = self.pprs.get(p)
        style, heading, num = self.plain if ppr is None else self._properties(ppr)
        if toc or style.toc or (text[-1:].isdigit() and _looks_like_toc_line(text)):
            return
        prefix = ""
        if num is not None and text.strip():
            prefix, _ = self.numbering.prefix(*num)
        bold = not in_table and len(text) <= 40 and (style.bold or
                                                      (p in self.bolds and _all_bold(p)))
        out.append(Para(index, text, prefix, heading, bold))
        for box in boxes:
            for block in self.blocks(box, [], in_table=True):
                if isinstance(block, Para):
                    block.index, block.boxed = index, True
                out.append(block)

    def _next_paragraph(self) -> int:
        self.paragraphs += 1
        return self.paragraphs

    def _properties(self, ppr: etree._Element) -> _Properties:
        """(style, outline level, (numId, ilvl)) of a paragraph from its w:pPr.

        Memoized per document by the w:pPr's markup: paragraphs of one kind
        (headings, list steps) repeat the same properties item after item."""
        key = etree.tostring(ppr, with_tail=False)
        found = self.properties.get(key)
        if found is None:
            found = self.properties[key] = self._read_properties(ppr)
        return found

    def _read_properties(self, ppr: etree._Element) -> _Properties:
        style_id = outline = None
        numpr = None
        for child in ppr:
            tag = child.tag
            if tag == W_PSTYLE:
                style_id = child.get(W_VAL)
            elif tag == W_NUMPR:
                numpr = child
            elif tag == W_OUTLINE:
                outline = child.get(W_VAL)
        style = self.styles.get(style_id or "", Style()) if style_id else self.default_style
        heading = style.heading
        if outline is not None:
            level = to_int(outline, 9)
            heading = level if level < 9 else None
        num = style.num
        if numpr is not None:
            num_id = child_val(numpr, "numId")
            ilvl = to_int(child_val(numpr, "ilvl"), num[1] if num else 0)
            num = (num_id, ilvl) if num_id is not None else (num[0], ilvl) if num else None
        return style, heading, num

    def _inline(self, el: etree._Element, out: list[str], boxes: list[etree._Element]) -> bool:
        """Text of a paragraph or inline container; True when inside a TOC field."""
        toc = self.toc_fields > 0
        for child in el:
            tag = child.tag
            if tag == W_R:
                toc = self._run(child, out, boxes) or toc
            elif tag in _SKIP_INLINE:
                continue
            elif tag == MC_ALT:
                _boxes_of(_chosen(child), boxes)
            elif tag == W_FLDSIMPLE:
                is_toc = (child.get(W + "instr") or "").strip().upper().startswith("TOC")
                toc = self._inline(child, out, boxes) or is_toc or toc
            else:
                toc = self._inline(child, out, boxes) or toc
        return toc

    def _run(self, r: etree._Element, out: list[str], boxes: list[etree._Element]) -> bool:
        toc = False
        for child in r:
            tag = child.tag
            if tag == W_T:
                out.append(child.text or "")
            elif tag == W_TAB:
                out.append("\t")
            elif tag in (W_BR, W_CR):
                out.append("\n")
            elif tag == W_NBH:
                out.append("-")
            elif tag == W_FLDCHAR:
                toc = self._field_char(child.get(W + "fldCharType")) or toc
            elif tag == W_INSTR and self.fields:
                self.fields[-1] += child.text or ""
            elif tag == MC_ALT:
                _boxes_of(_chosen(child), boxes)
            elif tag in (W + "drawing", W + "pict", W + "object"):
                _boxes_of(child, boxes)
        return toc or self.toc_fields > 0

    def _field_char(self, kind: str | None) -> bool:
        if kind == "begin":
            self.fields.append("")
        elif kind == "separate" and self.fields:
            if self.fields[-1].strip().upper().startswith("TOC"):
                self.toc_fields += 1
                self.fields[-1] = "\x00TOC"
                return True
        elif kind == "end" and self.fields:
            if self.fields.pop() == "\x00TOC":
                self.toc_fields -= 1
                return True
        return False

    def _walk_table(self, tbl: etree._Element, *, with_text: bool) -> Table | None:
        """A table of rows of cells of plain paragraphs in one flat pass, as :meth:`_table`
        reads it (and, ``with_text``, the text of its paragraphs as :meth:`_read_texts`);
        None, before any number is drawn, for any other table (nested tables, content
        controls, tracked changes, text boxes, fields, unexpected nesting…)."""
        if self.toc_fields or tbl in self.complex:
            return None
        rows: list[list] = []  # [w:tr, cells, its w:trPr or None]
        cells: list[list] = []  # the current row's cells: [w:tc, w:p, its text, w:p, …]
        row: list | None = None
        tc: etree._Element | None = None
        cell: list = []
        texts, pprs = self.texts, self.pprs
        current = self.current
        mark = len(current)
        plain = with_text  # no paragraph of the table has a w:pPr: no lookups needed
        for el in tbl.iter(*(_WALK_TEXT if with_text else _WALK)):
            tag = el.tag
            if tag == W_T:
                current.append(el.text or "")
            elif tag == W_P:
                if tc is None or el.getparent() is not tc:
                    del self.current[mark:]
                    return None
                if with_text:  # read from the cell, not from self.texts
                    current = []
                    cell += (el, current)
                else:
                    cell += (el, texts.get(el, ()))
            elif tag == W_TC:
                if row is None or el.getparent() is not row[0]:
                    del self.current[mark:]
                    return None
                tc = el
                cell = [el]
                cells.append(cell)
            elif tag == W_TR:
                if el.getparent() is not tbl:
                    del self.current[mark:]
                    return None
                cells = []
                row = [el, cells, None]
                rows.append(row)
                tc = None
            elif tag == W_TRPR:
                if row is not None and row[2] is None and el.getparent() is row[0]:
                    row[2] = el  # the row's first w:trPr, as tr.find(W_TRPR)
            elif tag == W_PPR:
                if el.getprevious() is None and (parent := el.getparent()).tag == W_P:
                    pprs[parent] = el
                    plain = False
            elif el.getparent().tag == W_R:
                current.append("\t" if tag == W_TAB else "-" if tag == W_NBH else "\n")
        if with_text:
            self.current = current
        return self._plain_table(rows, plain)

    def _plain_table(self, rows: list[list], plain: bool) -> Table:
        """``plain``: no paragraph has a w:pPr, so a cell of one paragraph takes the
        paragraph's text as :meth:`_lines_of` would (default style, no numbering)."""
        self.tables += 1
        table = Table(self.tables)
        out = table.rows
        spans, merges, lines_of = self.spans, self.merges, self._lines_of
        style, _, num = self.plain
        if style.toc or num is not None:
            plain = False
        for _, tcs, trpr in rows:
            col = 1
            if trpr is not None:
                if trpr.find(W_DEL) is not None:
                    continue  # a deleted row (tracked change)
                col += to_int(child_val(trpr, "gridBefore"), 0)
            cells = []
            for cell in tcs:
                tc = cell[0]
                if plain and len(cell) == 3:
                    text = "".join(cell[2])
                    if text[-1:].isdigit() and _looks_like_toc_line(text):
                        lines = []
                    elif "\n" in text:
                        lines = [line for line in text.split("\n") if line.strip()]
                    elif text.strip():
                        lines = [text]
                    else:
                        lines = []
                else:
                    lines = lines_of(cell[1::2], cell[2::2])
                span = spans.get(tc, 1)
                cells.append(Cell(col, span, merges.get(tc), lines, _NO_TABLES))
                col += span
            if cells:
                out.append(cells)
        return table

    def _table(self, tbl: etree._Element) -> Table:
        self.tables += 1
        table = Table(self.tables)
        rows = table.rows
        spans, merges = self.spans, self.merges
        for tr in _rows(tbl):
            trpr = tr.find(W_TRPR)
            if trpr is not None and trpr.find(W_DEL) is not None:
                continue
            col = 1 + to_int(child_val(trpr, "gridBefore"), 0)
            cells = []
            for tc in _cells(tr):
                lines = self._plain_cell(tc)
                if lines is None:
                    cell = self._cell(tc, col)
                else:
                    cell = Cell(col, spans.get(tc, 1), merges.get(tc), lines, [])
                cells.append(cell)
                col += cell.span
            if cells:
                rows.append(cells)
        return table

    def _plain_cell(self, tc: etree._Element) -> list[str] | None:
        """The lines of a cell holding only plain paragraphs, as :meth:`_cell` reads them;
        None for any other cell (nested tables, text boxes, fields, tracked deletions…)."""
        if self.toc_fields:
            return None
        paragraphs = []
        special = self.special
        for child in tc:
            tag = child.tag
            if tag == W_P:
                if child in special:
                    return None
                paragraphs.append(child)
            elif tag != W_TCPR:
                return None
        texts = self.texts
        return self._lines_of(paragraphs, [texts.get(p, ()) for p in paragraphs])

    def _lines_of(self, paragraphs: list[etree._Element],
                  parts: list[Iterable[str]]) -> list[str]:
        """The lines of a cell's plain paragraphs (their text in ``parts``): numbering put
        back, TOC lines left out."""
        lines: list[str] = []
        pprs, plain = self.pprs, self.plain
        for p, text_parts in zip(paragraphs, parts):
            text = "".join(text_parts)
            ppr = pprs.get(p)
            style, _, num = plain if ppr is None else self._properties(ppr)
            if style.toc or (text[-1:].isdigit() and _looks_like_toc_line(text)):
                continue
            if num is not None and text.strip():
                text = self.numbering.prefix(*num)[0] + text
            if "\n" in text:
                lines.extend(line for line in text.split("\n") if line.strip())
            elif text.strip():
                lines.append(text)
        return lines

    def _cell(self, tc: etree._Element, col: int) -> Cell:
        lines: list[str] = []
        tables: list[Table] = []
        for block in self.blocks(tc, [], in_table=True):
            if isinstance(block, Table):
                tables.append(block)
                continue
            text = block.text
            if "\n" in text:
                lines.extend(line for line in text.split("\n") if line.strip())
            elif text.strip():
                lines.append(text)
        return Cell(col, self.spans.get(tc, 1), self.merges.get(tc), lines, tables)


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for el in tbl:
        if el.tag == W_TR:
            yield el
        elif el.tag in _BLOCK_CONTAINERS or el.tag == W_SDT:
            yield from _rows(el.find(W_SDTCONTENT) if el.tag == W_SDT else el)


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    for el in tr:
        if el.tag == W_TC:
            yield el
        elif el.tag in _BLOCK_CONTAINERS or el.tag == W_SDT:
            inner = el.find(W_SDTCONTENT) if el.tag == W_SDT else el
            if inner is not None:
                yield from _cells(inner)


def _all_bold(p: etree._Element) -> bool:
    runs = [r for r in p.iter(W_R) if r.find(W_T) is not None]
    if not runs:
        return False
    for r in runs:
        b = r.find(W_RPR + "/" + W + "b")
        if b is None or b.get(W_VAL) in FALSE:
            return False
    return True


def _chosen(alt: etree._Element) -> etree._Element:
    """The one branch of mc:AlternateContent we read: the first Choice, else Fallback."""
    choice = alt.find(MC_CHOICE)
    if choice is not None:
        return choice
    fallback = alt.find(MC_FALLBACK)
    return fallback if fallback is not None else alt


def _boxes_of(el: etree._Element, boxes: list[etree._Element]) -> None:
    for box in el.iter(W_TXBX):
        if not any(parent.tag == W_TXBX for parent in box.iterancestors(W_TXBX)):
            boxes.append(box)


def _is_toc_sdt(sdt: etree._Element) -> bool:
    gallery = sdt.find(f"{W_SDTPR}/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "table of contents" in (gallery.get(W_VAL) or "").lower()


_TOC_LINE = re.compile(r"^[^：:\t]{1,80}?(?:[.．…·•\-_]{3,}|…{2,}|\t)\s*\d{1,4}\s*$")


def _looks_like_toc_line(text: str) -> bool:
    return text[-1:].isdigit() and len(text) <= 100 and bool(_TOC_LINE.match(text))


def read_blocks(parts: DocxParts) -> list[Block]:
    """The body's paragraphs and tables in document order (headers/footers not read)."""
    body = parts.document.find(W + "body")
    if body is None:
        return []
    reader = _BlockReader(parts)
    reader.prepare(body)
    return reader.read_body(body)
