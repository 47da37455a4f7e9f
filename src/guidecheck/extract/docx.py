"""DOCX handbooks and offline manuals → :class:`RawGuide` objects.

Reads ``word/document.xml`` with lxml (python-docx objects are ~10× slower)
after :func:`guidecheck.read.docx_safe.open_docx` has checked the file.

Two stages:

1. :class:`_BlockReader` turns the body into paragraphs and tables in document
   order: text of all runs joined (insertions kept, deletions and moved-from
   text dropped), automatic list numbering rebuilt from ``numbering.xml``,
   text boxes read once (``mc:Choice`` only), tables of contents skipped,
   merged cells resolved to grid columns, nested tables numbered as they open.
2. :class:`_Assembler` turns blocks into events (headings, labelled fields,
   title candidates); :func:`_items` then cuts the events into items: the
   shallowest heading whose section repeats no label is an item, and a
   section holding several ``事项名称`` is split at each of them.

The layout (handbook tables or manual paragraphs) is never configured: both
are read by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.model import Location
from guidecheck.read.docx_safe import W_NS, DocxParts, open_docx
from guidecheck.vocab import FieldVocab, label_key

_W = "{%s}" % W_NS
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
W_P, W_R, W_T, W_TBL, W_TR, W_TC = (_W + t for t in ("p", "r", "t", "tbl", "tr", "tc"))
W_PPR, W_RPR, W_TCPR, W_TRPR = (_W + t for t in ("pPr", "rPr", "tcPr", "trPr"))
W_TAB, W_BR, W_CR, W_NBH = (_W + t for t in ("tab", "br", "cr", "noBreakHyphen"))
W_SDT, W_SDTCONTENT, W_SDTPR = _W + "sdt", _W + "sdtContent", _W + "sdtPr"
W_TXBX, W_DEL, W_MOVEFROM = _W + "txbxContent", _W + "del", _W + "moveFrom"
W_FLDCHAR, W_INSTR, W_FLDSIMPLE = _W + "fldChar", _W + "instrText", _W + "fldSimple"
W_VAL = _W + "val"
W_PSTYLE, W_NUMPR, W_OUTLINE = _W + "pStyle", _W + "numPr", _W + "outlineLvl"
W_GRIDSPAN, W_VMERGE = _W + "gridSpan", _W + "vMerge"
MC_ALT, MC_CHOICE, MC_FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"

_SPECIAL = (W_TXBX, MC_ALT, W_DEL, W_MOVEFROM, W_FLDCHAR, W_INSTR, W_FLDSIMPLE)
_SKIP_INLINE = frozenset({W_PPR, W_DEL, W_MOVEFROM, _W + "proofErr", _W + "bookmarkStart",
                          _W + "bookmarkEnd", _W + "commentRangeStart", _W + "commentRangeEnd",
                          W_SDTPR, _W + "customXmlPr", _W + "moveFromRangeStart",
                          _W + "moveFromRangeEnd"})
_BLOCK_CONTAINERS = frozenset({_W + "customXml", _W + "ins", _W + "moveTo", W_SDTCONTENT})
_FALSE = frozenset({"0", "false", "off"})


# ---------------------------------------------------------------- numbering


@dataclass(frozen=True, slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False
    suffix: str = "tab"


_CN = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if rest == 0 else ("零" if rest < 10 else "") + _chinese(rest)
        if 10 <= rest < 20:
            tail = "一" + tail
        return _CN[hundreds] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """One counter in a Word numbering format (decimal, chineseCounting, …)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital"):
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese(n).translate(str.maketrans("一二三四五六七八九十百", "壹贰叁肆伍陆柒捌玖拾佰"))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        s = _letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.lower() if fmt == "lowerRoman" else s
    return str(n)


def _val(el: etree._Element | None, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(_W + tag)
    return None if child is None else child.get(W_VAL)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _parse_level(lvl: etree._Element) -> _Level:
    legal = lvl.find(_W + "isLgl")
    return _Level(start=_int(_val(lvl, "start"), 1), fmt=_val(lvl, "numFmt") or "decimal",
                  text=_val(lvl, "lvlText") or "", suffix=_val(lvl, "suff") or "tab",
                  legal=legal is not None and legal.get(W_VAL) not in _FALSE)


class _Numbering:
    """Rebuilds the numbers Word draws in front of list paragraphs (counters per num id)."""

    def __init__(self, root: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, _Level | int]]] = {}
        self.counters: dict[str, list[int]] = {}
        if root is None:
            return
        for ab in root.iterchildren(_W + "abstractNum"):
            levels = {_int(lvl.get(_W + "ilvl"), 0): _parse_level(lvl)
                      for lvl in ab.iterchildren(_W + "lvl")}
            self.abstract[ab.get(_W + "abstractNumId", "")] = levels
        for num in root.iterchildren(_W + "num"):
            self.nums[num.get(_W + "numId", "")] = (_val(num, "abstractNumId") or "",
                                                   self._overrides(num))

    @staticmethod
    def _overrides(num: etree._Element) -> dict[int, _Level | int]:
        out: dict[int, _Level | int] = {}
        for ov in num.iterchildren(_W + "lvlOverride"):
            ilvl = _int(ov.get(_W + "ilvl"), 0)
            lvl = ov.find(_W + "lvl")
            if lvl is not None:
                out[ilvl] = _parse_level(lvl)
            elif (start := _val(ov, "startOverride")) is not None:
                out[ilvl] = _int(start, 1)
        return out

    def level(self, num_id: str, ilvl: int) -> _Level | None:
        entry = self.nums.get(num_id)
        if entry is None:
            return None
        abstract_id, overrides = entry
        override = overrides.get(ilvl)
        if isinstance(override, _Level):
            return override
        base = self.abstract.get(abstract_id, {}).get(ilvl)
        if base is not None and isinstance(override, int):
            return _Level(override, base.fmt, base.text, base.legal, base.suffix)
        return base

    def prefix(self, num_id: str, ilvl: int) -> tuple[str, str]:
        """(number text, format) for the next paragraph of list ``num_id`` at ``ilvl``."""
        lvl = self.level(num_id, ilvl)
        if lvl is None or num_id == "0":
            return "", ""
        counts = self.counters.get(num_id)
        if counts is None:
            counts = self.counters[num_id] = [0] * 9
        ilvl = min(max(ilvl, 0), 8)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else lvl.start
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        if lvl.fmt in ("bullet", "none"):
            return "", lvl.fmt
        text = re.sub(r"%([1-9])", lambda m: self._counter(num_id, int(m.group(1)) - 1, lvl),
                      lvl.text)
        if lvl.suffix != "nothing" and text and (text[-1].isalnum() or text[-1] in ".．"):
            text += " "
        return text, lvl.fmt

    def _counter(self, num_id: str, ilvl: int, current: _Level) -> str:
        counts = self.counters[num_id]
        lvl = self.level(num_id, ilvl) or _Level()
        n = counts[ilvl] or lvl.start
        return format_number(n, "decimal" if current.legal else lvl.fmt)


# ---------------------------------------------------------------- styles


@dataclass(frozen=True, slots=True)
class _Style:
    heading: int | None = None  # outline level 0–8
    toc: bool = False
    num: tuple[str, int] | None = None  # (numId, ilvl) from the style
    bold: bool = False


_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def _parse_styles(root: etree._Element | None) -> dict[str, _Style]:
    if root is None:
        return {}
    raw: dict[str, tuple[str, str | None, etree._Element]] = {}
    for st in root.iterchildren(_W + "style"):
        if st.get(_W + "type", "paragraph") == "paragraph":
            raw[st.get(_W + "styleId", "")] = (_val(st, "name") or "", _val(st, "basedOn"), st)
    return {sid: _resolve_style(sid, raw, set()) for sid in raw}


def _resolve_style(sid: str, raw: dict, seen: set[str]) -> _Style:
    name, based_on, st = raw[sid]
    parent = _Style()
    if based_on in raw and based_on not in seen:
        seen.add(sid)
        parent = _resolve_style(based_on, raw, seen)
    lowered = name.strip().lower()
    heading = parent.heading
    if m := _HEADING_NAME.match(lowered):
        heading = int(m.group(1)) - 1
    elif lowered in ("title", "标题"):
        heading = 0
    ppr = st.find(W_PPR)
    outline = _val(ppr, "outlineLvl")
    if outline is not None and _int(outline, 9) < 9:
        heading = _int(outline, 9)
    toc = lowered.startswith(("toc ", "目录")) or lowered == "toc heading" or parent.toc
    num = parent.num
    numpr = ppr.find(_W + "numPr") if ppr is not None else None
    if numpr is not None and _val(numpr, "numId") is not None:
        num = (_val(numpr, "numId") or "0", _int(_val(numpr, "ilvl"), 0))
    bold_el = st.find(W_RPR + "/" + _W + "b")
    bold = parent.bold if bold_el is None else bold_el.get(W_VAL) not in _FALSE
    return _Style(heading=heading, toc=toc, num=num, bold=bold)


# ---------------------------------------------------------------- blocks


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
    lines: list[str]
    tables: list[Table]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(slots=True)
class Table:
    index: int
    rows: list[list[Cell]] = field(default_factory=list)


Block = Para | Table


class _BlockReader:
    """Body → paragraphs and tables, in document order."""

    def __init__(self, parts: DocxParts) -> None:
        self.numbering = _Numbering(parts.numbering)
        self.styles = _parse_styles(parts.styles)
        self.paragraphs = 0
        self.tables = 0
        self.toc_fields = 0  # open TOC fields
        self.fields: list[str] = []  # instruction text of open fields
        self.texts: dict[etree._Element, list[str]] = {}
        self.special: set[etree._Element] = set()  # paragraphs read by _inline()
        self.default_style = self.styles.get(_default_style(parts.styles), _Style())

    def prepare(self, body: etree._Element) -> None:
        """One C-level pass: the text of every plain paragraph, and which need the slow path."""
        special = self.special
        for el in body.iter(*_SPECIAL):
            special.update(el.iterancestors(W_P))
            if el.tag == W_TXBX:
                special.update(el.iter(W_P))
        texts = self.texts
        current: list[str] = []
        for el in body.iter(W_P, W_T, W_TAB, W_BR, W_CR, W_NBH):
            tag = el.tag
            if tag == W_P:
                current = texts[el] = []
            elif tag == W_T:
                current.append(el.text or "")
            elif el.getparent().tag == W_R:  # not a tab stop in w:pPr
                current.append("\t" if tag == W_TAB else "-" if tag == W_NBH else "\n")

    def blocks(self, container: etree._Element, out: list[Block], *,
               in_table: bool = False) -> list[Block]:
        for el in container:
            tag = el.tag
            if tag == W_P:
                self._paragraph(el, in_table, out)
            elif tag == W_TBL:
                out.append(self._table(el))
            elif tag == W_SDT:
                if not _is_toc_sdt(el):
                    content = el.find(W_SDTCONTENT)
                    if content is not None:
                        self.blocks(content, out, in_table=in_table)
            elif tag in _BLOCK_CONTAINERS:
                self.blocks(el, out, in_table=in_table)
        return out

    def _paragraph(self, p: etree._Element, in_table: bool, out: list[Block]) -> None:
        index = 0 if in_table else self._next_paragraph()
        boxes: list[etree._Element] = []
        toc_before = self.toc_fields > 0
        toc = False
        if p in self.special:
            parts: list[str] = []
            toc = self._inline(p, parts, boxes)
            text = "".join(parts)
        else:
            text = "".join(self.texts.get(p, ()))
        style, heading, num = self._properties(p)
        if toc or toc_before or style.toc or (text and _looks_like_toc_line(text)):
            return
        prefix = ""
        if num is not None and text.strip():
            prefix, _ = self.numbering.prefix(*num)
        bold = not in_table and len(text) <= 40 and (style.bold or _all_bold(p))
        out.append(Para(index, text, prefix, heading, bold))
        for box in boxes:
            for block in self.blocks(box, [], in_table=True):
                if isinstance(block, Para):
                    block.index, block.boxed = index, True
                out.append(block)

    def _next_paragraph(self) -> int:
        self.paragraphs += 1
        return self.paragraphs

    def _properties(self, p: etree._Element) -> tuple[_Style, int | None, tuple[str, int] | None]:
        ppr = _first(p, W_PPR)
        if ppr is None:
            style = self.default_style
            return style, style.heading, style.num
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
        style = self.styles.get(style_id or "", _Style()) if style_id else self.default_style
        heading = style.heading
        if outline is not None:
            level = _int(outline, 9)
            heading = level if level < 9 else None
        num = style.num
        if numpr is not None:
            num_id = _val(numpr, "numId")
            ilvl = _int(_val(numpr, "ilvl"), num[1] if num else 0)
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
                is_toc = (child.get(_W + "instr") or "").strip().upper().startswith("TOC")
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
                toc = self._field_char(child.get(_W + "fldCharType")) or toc
            elif tag == W_INSTR and self.fields:
                self.fields[-1] += child.text or ""
            elif tag == MC_ALT:
                _boxes_of(_chosen(child), boxes)
            elif tag in (_W + "drawing", _W + "pict", _W + "object"):
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

    def _table(self, tbl: etree._Element) -> Table:
        self.tables += 1
        table = Table(self.tables)
        for tr in _rows(tbl):
            trpr = tr.find(W_TRPR)
            if trpr is not None and trpr.find(W_DEL) is not None:
                continue
            col = 1 + _int(_val(trpr, "gridBefore"), 0)
            cells = []
            for tc in _cells(tr):
                cell = self._cell(tc, col)
                cells.append(cell)
                col += cell.span
            if cells:
                table.rows.append(cells)
        return table

    def _cell(self, tc: etree._Element, col: int) -> Cell:
        span, merge = 1, None
        tcpr = _first(tc, W_TCPR)
        if tcpr is not None:
            for child in tcpr:
                if child.tag == W_GRIDSPAN:
                    span = max(_int(child.get(W_VAL), 1), 1)
                elif child.tag == W_VMERGE:
                    merge = "restart" if child.get(W_VAL) == "restart" else "continue"
        lines: list[str] = []
        tables: list[Table] = []
        for block in self.blocks(tc, [], in_table=True):
            if isinstance(block, Table):
                tables.append(block)
            else:
                lines.extend(line for line in block.text.split("\n") if line.strip())
        return Cell(col, span, merge, lines, tables)


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


def _first(el: etree._Element, tag: str) -> etree._Element | None:
    """The properties child (pPr, tcPr…), which Word always writes first."""
    for child in el:
        return child if child.tag == tag else None
    return None


def _default_style(root: etree._Element | None) -> str:
    if root is None:
        return ""
    for st in root.iterchildren(_W + "style"):
        if st.get(_W + "type") == "paragraph" and st.get(_W + "default") in ("1", "true", "on"):
            return st.get(_W + "styleId", "")
    return ""


def _all_bold(p: etree._Element) -> bool:
    runs = [r for r in p.iter(W_R) if r.find(W_T) is not None]
    if not runs:
        return False
    for r in runs:
        b = r.find(W_RPR + "/" + _W + "b")
        if b is None or b.get(W_VAL) in _FALSE:
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
    gallery = sdt.find(f"{W_SDTPR}/{_W}docPartObj/{_W}docPartGallery")
    return gallery is not None and "table of contents" in (gallery.get(W_VAL) or "").lower()


_TOC_LINE = re.compile(r"^[^：:\t]{1,80}?(?:[.．…·•\-_]{3,}|…{2,}|\t)\s*\d{1,4}\s*$")


def _looks_like_toc_line(text: str) -> bool:
    return text[-1:].isdigit() and len(text) <= 100 and bool(_TOC_LINE.match(text))


# ---------------------------------------------------------------- labels

_ZW = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_ENUM = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百\d]{1,3}[章节部分条步项][、.．:：\s]*"
    r"|[一二三四五六七八九十百]{1,3}\s*[、.．]"
    r"|[（(]\s*[一二三四五六七八九十百]{1,3}\s*[）)][、.．]?"
    r"|\d{1,3}\s*(?:[、．]|\.(?!\d)|[)）])"
    r"|[（(]\s*\d{1,3}\s*[）)]"
    r"|[①-⑳⑴-⒇⒈-⒛])\s*"
)
_ENUM_LEVEL = (
    (re.compile(r"^\s*第[一二三四五六七八九十百\d]+[章部分]"), 0),
    (re.compile(r"^\s*第[一二三四五六七八九十百\d]+节"), 1),
    (re.compile(r"^\s*[一二三四五六七八九十百]+\s*[、.．]"), 1),
    (re.compile(r"^\s*[（(]\s*[一二三四五六七八九十百]+\s*[）)]"), 2),
    (re.compile(r"^\s*\d+\s*(?:[、．]|\.(?!\d))"), 3),
)
_LABEL_SPLIT = re.compile(r"^([^：:\n]{1,30}?)\s*[：:]\s*(.*)$", re.DOTALL)
_SENTENCE = re.compile(r"[。；;，,！？!?]")
_LIST_KINDS = frozenset({"list", "materials", "legal_basis"})


def strip_enumerator(text: str) -> str:
    return _ENUM.sub("", text, count=1)


def _enum_level(text: str) -> int | None:
    for pattern, level in _ENUM_LEVEL:
        if pattern.match(text):
            return level
    return None


class _Vocab:
    """FieldVocab lookups memoized per document (labels repeat in every item)."""

    def __init__(self, vocab: FieldVocab) -> None:
        self.vocab = vocab
        self._fields: dict[str, str | None] = {}
        self._columns: dict[str, str | None] = {}

    def field_for_label(self, label: str) -> str | None:
        try:
            return self._fields[label]
        except KeyError:
            key = self._fields[label] = self.vocab.field_for_label(_ZW.sub("", label))
            return key

    def material_column(self, header: str) -> str | None:
        try:
            return self._columns[header]
        except KeyError:
            attr = self._columns[header] = self.vocab.material_column(_ZW.sub("", header))
            return attr

    def kind(self, key: str) -> str:
        return self.vocab.kind(key)


def _lookup(vocab: _Vocab, label: str) -> str | None:
    return vocab.field_for_label(label)


@dataclass(slots=True)
class _Label:
    label: str
    value: str
    key: str | None


def _parse_label(vocab: _Vocab, text: str, *, strong: bool,
                 open_kind: str | None) -> _Label | None:
    """A labelled line: "标签：值", "标签：" or (when ``strong``) a bare known label."""
    body = strip_enumerator(text)
    enumerated = body != text.lstrip()
    m = _LABEL_SPLIT.match(body)
    if m:
        label, value = m.group(1).strip(), m.group(2).strip()
        if label and not _SENTENCE.search(label):
            key = _lookup(vocab, label)
            if key is not None:
                return _Label(label, value, key)
            if not enumerated and _unknown_label_ok(label, value, open_kind):
                return _Label(label, value, None)
    bare = body.strip().rstrip("：:").strip()
    if bare and len(bare) <= 30 and (strong or enumerated or open_kind is None):
        key = _lookup(vocab, bare)
        if key is not None:
            return _Label(bare, "", key)
    return None


def _unknown_label_ok(label: str, value: str, open_kind: str | None) -> bool:
    plain = _ZW.sub("", label).strip()
    if not plain or plain[0].isdigit() or len(plain) > 15:
        return False
    if not value:
        return True
    return len(plain) <= 10 and open_kind not in _LIST_KINDS


def _is_label_cell(vocab: _Vocab, cell: Cell) -> bool:
    text = cell.text.strip().rstrip("：:")
    return bool(text) and len(cell.lines) == 1 and _lookup(vocab, text) is not None


def _looks_like_label_cell(cell: Cell) -> bool:
    text = _ZW.sub("", cell.text).strip().rstrip("：:")
    return (len(cell.lines) == 1 and 0 < len(text) <= 20 and not _SENTENCE.search(text)
            and not text[0].isdigit())


def _is_header_row(vocab: _Vocab, cells: list[Cell]) -> bool:
    attrs = [vocab.material_column(c.text) for c in cells if c.text.strip()]
    known = [a for a in attrs if a is not None]
    return "name" in known and len(known) >= 2 and len(known) * 2 > len(attrs)


# ---------------------------------------------------------------- assembly


@dataclass(slots=True)
class _Heading:
    level: int
    title: str
    location: Location


@dataclass(slots=True)
class _Candidate:
    text: str
    location: Location


@dataclass(slots=True)
class _TableStart:
    pass


Event = _Heading | _Candidate | _TableStart | RawField


@dataclass(slots=True)
class _Materials:
    field: RawField
    headers: list[tuple[int, str]]  # (grid column, header text)
    last: dict[int, str]  # last text per column, for vertically merged cells


class _Assembler:
    """Blocks → events; a field stays open for following value paragraphs."""

    def __init__(self, source: str, vocab: FieldVocab) -> None:
        self.source, self.vocab = source, _Vocab(vocab)
        self.events: list[Event] = []
        self.open: RawField | None = None

    # paragraphs ---------------------------------------------------------
    def paragraph(self, para: Para, following: list[Block]) -> None:
        text = para.text
        if not text.strip():
            return
        loc = Location(source=self.source, paragraph=para.index)
        label = _parse_label(self.vocab, text, strong=para.heading is not None or para.bold,
                             open_kind=self._open_kind())
        if label is not None:
            self._start_field(label, loc)
            return
        level = self._heading_level(para, following)
        if level is not None:
            self.open = None
            self.events.append(_Heading(level, _title(text), loc))
        elif self.open is not None and not self._titles_next_item(text, following):
            self.open.lines.extend(line for line in text.split("\n") if line.strip())
        elif len(text.strip()) <= 60 and not _SENTENCE.search(text.strip()[-1:]):
            self.events.append(_Candidate(_title(text), loc))

    def _titles_next_item(self, text: str, following: list[Block]) -> bool:
        """A short line right before "事项名称：…" is the next item's title, not a value."""
        nxt = following[0] if following else None
        if not isinstance(nxt, Para) or len(text.strip()) > 60 or _SENTENCE.search(text):
            return False
        label = _parse_label(self.vocab, nxt.text, strong=True, open_kind=None)
        return label is not None and label.key == "name" and bool(label.value)

    def _open_kind(self) -> str | None:
        if self.open is None:
            return None
        return self.vocab.kind(self.open.key) if self.open.key else "text"

    def _heading_level(self, para: Para, following: list[Block]) -> int | None:
        if para.heading is not None:
            return para.heading
        level = _enum_level(para.text)
        if level is None or len(para.text) > 60 or _SENTENCE.search(para.text[-1:]):
            return None
        if self.open is not None and any(_enum_level(line) == level for line in self.open.lines):
            return None  # the next entry of a numbered value list
        return level if self._starts_section(level, following) else None

    def _starts_section(self, level: int, following: list[Block]) -> bool:
        for block in following[:2]:
            if isinstance(block, Table):
                return True
            if not block.text.strip():
                continue
            if _parse_label(self.vocab, block.text, strong=True, open_kind=None):
                return True
            deeper = _enum_level(block.text)
            if deeper is None or deeper <= level:
                return False
        return False

    def _start_field(self, label: _Label, loc: Location) -> RawField:
        raw = RawField(label=label.label, key=label.key, lines=[], location=loc)
        if label.value:
            raw.lines.extend(line for line in label.value.split("\n") if line.strip())
        self.events.append(raw)
        self.open = raw
        return raw

    # tables -------------------------------------------------------------
    def table(self, table: Table) -> None:
        if not table.rows:
            return
        if any(_lookup(self.vocab, c.text) == "name" for row in table.rows for c in row
               if len(c.lines) == 1):
            self.events.append(_TableStart())
        attach = self.open if self.open is not None and self.open.key == "materials" else None
        if _is_header_row(self.vocab, table.rows[0]):
            target = attach if attach is not None and not attach.rows else None
            self._materials(table, target)
        else:
            self._key_values(table)
        self.open = None

    def _loc(self, table: Table, row: int, cell: int | None = None) -> Location:
        return Location(source=self.source, table=table.index, row=row, cell=cell)

    def _key_values(self, table: Table) -> None:
        col_fields: dict[int, RawField | None] = {}  # label columns merged down
        materials: _Materials | None = None
        for r, cells in enumerate(table.rows, start=1):
            if materials is not None:
                if self._material_row(materials, table, r, cells, col_fields):
                    continue
                materials = None
            materials = self._row(table, r, cells, col_fields)

    def _row(self, table: Table, r: int, cells: list[Cell],
             col_fields: dict[int, RawField | None]) -> _Materials | None:
        lead = 0
        outer: RawField | None = None
        while lead < len(cells) and (cells[lead].merge == "continue" and cells[lead].col in
                                     col_fields or not cells[lead].text.strip()):
            outer = col_fields.get(cells[lead].col) or outer
            lead += 1
        rest = cells[lead:]
        if len(rest) >= 3 and _is_label_cell(self.vocab, rest[0]) \
                and _is_header_row(self.vocab, rest[1:]):
            field_ = self._pair_field(rest[0], None, table, r)
            col_fields[rest[0].col] = field_
            return self._materials_from_row(table, r, cells, lead + 1, field_)
        if len(rest) >= 2 and _is_header_row(self.vocab, rest):
            return self._materials_from_row(table, r, cells, lead, outer)
        if not rest:
            return None
        if len(rest) == 1 and outer is None:
            self._single_cell(table, r, rest[0])
            return None
        self._pairs(table, r, rest, outer, col_fields)
        return None

    def _single_cell(self, table: Table, r: int, cell: Cell) -> None:
        loc = self._loc(table, r, cell.col)
        for line in cell.lines:
            label = _parse_label(self.vocab, line, strong=len(cell.lines) == 1,
                                 open_kind=self._open_kind())
            if label is not None:
                self._start_field(label, loc)
            elif self.open is not None:
                self.open.lines.append(line)
            else:
                self.events.append(_Candidate(_title(line), loc))
        self._nested(cell, self.open)

    def _pairs(self, table: Table, r: int, cells: list[Cell], outer: RawField | None,
               col_fields: dict[int, RawField | None]) -> None:
        i = 0
        while i < len(cells):
            cell = cells[i]
            if cell.merge == "continue":
                i += 1
                continue
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if self._is_outer_label(cells, i):
                col_fields[cell.col] = None  # an outer label over sub-labels: 时限 | 法定 | 15日
                i += 1
            elif nxt is not None and self._is_label(cell, nxt, i, len(cells)):
                field_ = self._pair_field(cell, nxt, table, r)
                if cell.merge == "restart":
                    col_fields[cell.col] = field_
                i += 2
            else:
                target = outer if outer is not None else self._last_field()
                if target is not None:
                    target.lines.extend(cell.lines)
                    self._nested(cell, target)
                i += 1

    def _is_outer_label(self, cells: list[Cell], i: int) -> bool:
        if i + 2 >= len(cells) or (len(cells) - i) % 2 == 0:
            return False
        cell, sub, value = cells[i], cells[i + 1], cells[i + 2]
        return (_is_label_cell(self.vocab, cell) or _looks_like_label_cell(cell)) and \
            _is_label_cell(self.vocab, sub) and not _is_label_cell(self.vocab, value)

    def _is_label(self, cell: Cell, nxt: Cell, i: int, count: int) -> bool:
        if _is_label_cell(self.vocab, cell):
            return True
        return i % 2 == 0 and _looks_like_label_cell(cell) and nxt.merge != "continue" and \
            not _is_label_cell(self.vocab, nxt) and count >= 2

    def _pair_field(self, label_cell: Cell, value: Cell | None, table: Table, r: int) -> RawField:
        label = label_cell.text.strip().rstrip("：:").strip()
        loc = self._loc(table, r, value.col if value is not None else label_cell.col)
        raw = RawField(label=label, key=_lookup(self.vocab, label),
                       lines=list(value.lines) if value is not None else [], location=loc)
        self.events.append(raw)
        self.open = raw
        if value is not None:
            self._nested(value, raw)
        return raw

    def _last_field(self) -> RawField | None:
        return self.open

    def _nested(self, cell: Cell, owner: RawField | None) -> None:
        for inner in cell.tables:
            if inner.rows and _is_header_row(self.vocab, inner.rows[0]):
                target = owner if owner is not None and owner.key == "materials" else None
                self._materials(inner, target)
            elif owner is not None and not self._has_known_label(inner):
                owner.lines.extend(_row_line(row) for row in inner.rows if _row_line(row))
            else:
                saved = self.open
                self._key_values(inner)
                self.open = saved

    def _has_known_label(self, table: Table) -> bool:
        return any(_is_label_cell(self.vocab, c) for row in table.rows for c in row)

    # materials ------------------------------------------------------------
    def _materials_from_row(self, table: Table, r: int, cells: list[Cell], lead: int,
                            owner: RawField | None) -> _Materials:
        if owner is None and self.open is not None and self.open.key == "materials" \
                and not self.open.rows:
            owner = self.open
        return self._materials_state(table, r, cells[lead:], owner)

    def _materials(self, table: Table, owner: RawField | None) -> None:
        """A table whose first row is a materials header."""
        state: _Materials | None = self._materials_state(table, 1, table.rows[0], owner)
        col_fields: dict[int, RawField | None] = {}
        for r, cells in enumerate(table.rows[1:], start=2):
            if state is not None and self._material_row(state, table, r, cells, col_fields):
                continue
            state = self._row(table, r, cells, col_fields)

    def _materials_state(self, table: Table, r: int, header: list[Cell],
                         owner: RawField | None) -> _Materials:
        if owner is None:
            owner = RawField(label="申请材料", key="materials", lines=[],
                             location=self._loc(table, r))
            self.events.append(owner)
        owner.rows = owner.rows or []
        owner.row_locations = owner.row_locations or []
        headers = [(c.col, _ZW.sub("", "".join(c.lines)).strip()) for c in header if c.text.strip()]
        self.open = owner
        return _Materials(owner, headers, {})

    def _material_row(self, state: _Materials, table: Table, r: int, cells: list[Cell],
                      col_fields: dict[int, RawField | None]) -> bool:
        """Add one data row; False when the row ends the materials block."""
        first = next((c for c in cells if c.merge != "continue" or c.col not in col_fields), None)
        if first is None:
            return True
        if first.merge != "continue" and _is_label_cell(self.vocab, first) and \
                self.vocab.material_column(first.text) is None:
            return False
        if self._is_subheader(state, cells):
            return True
        row = self._material_cells(state, cells)
        if any(row.values()):
            state.field.rows.append(row)  # type: ignore[union-attr]
            state.field.row_locations.append(self._loc(table, r))  # type: ignore[union-attr]
        return True

    def _material_cells(self, state: _Materials, cells: list[Cell]) -> dict[str, str]:
        by_col = {c.col: c for c in cells}
        row: dict[str, str] = {}
        for col, header in state.headers:
            cell = by_col.get(col)
            if cell is None:
                text = ""
            elif cell.merge == "continue":
                text = state.last.get(col, "")
            else:
                text = cell.text
                state.last[col] = text
            row[header] = text
        return row

    def _is_subheader(self, state: _Materials, cells: list[Cell]) -> bool:
        """A second header row under a spanning header cell (份数 → 原件 | 复印件)."""
        if state.field.rows:
            return False
        spanning = {col for col, _ in state.headers}
        subs = [c for c in cells if c.merge != "continue" and c.text.strip()]
        if not subs or any(c.col in spanning and len(c.lines) != 1 for c in subs):
            return False
        headers = dict(state.headers)
        parent_cols = sorted(headers)
        new: list[tuple[int, str]] = []
        used: set[int] = set()
        for c in subs:
            parent = max((col for col in parent_cols if col <= c.col), default=None)
            if parent is None or len(c.text) > 8:
                return False
            new.append((c.col, _combine(self.vocab, c.text.strip(), headers[parent])))
            used.add(parent)
        if not any(self.vocab.material_column(h) for _, h in new):
            return False
        kept = [(col, h) for col, h in state.headers if col not in used]
        state.headers = sorted(kept + new)
        return True


def _row_line(row: list[Cell]) -> str:
    """A row of a nested table without labels, as one value line (cells tab-separated)."""
    return "\t".join(" ".join(c.lines) for c in row if c.merge != "continue" and c.lines)


def _combine(vocab: _Vocab, sub: str, parent: str) -> str:
    for candidate in (sub + parent, parent + sub):
        if vocab.material_column(candidate):
            return candidate
    return sub if vocab.material_column(sub) else f"{parent}/{sub}"


def _title(text: str) -> str:
    return strip_enumerator(text.strip()).strip().rstrip("：:").strip()


# ---------------------------------------------------------------- items


@dataclass(slots=True)
class _Node:
    heading: _Heading | None
    events: list[Event] = field(default_factory=list)  # direct events
    children: list[_Node] = field(default_factory=list)

    def fields(self) -> Iterator[RawField]:
        for ev in self.events:
            if isinstance(ev, RawField):
                yield ev
        for child in self.children:
            yield from child.fields()

    def all_events(self) -> Iterator[Event]:
        yield from self.events
        for child in self.children:
            yield from child.all_events()


def _tree(events: list[Event]) -> _Node:
    root = _Node(None)
    stack: list[tuple[int, _Node]] = [(-1, root)]
    for ev in events:
        if isinstance(ev, _Heading):
            while stack[-1][0] >= ev.level:
                stack.pop()
            node = _Node(ev)
            stack[-1][1].children.append(node)
            stack.append((ev.level, node))
        else:
            stack[-1][1].events.append(ev)
    return root


def _repeats(node: _Node) -> bool:
    seen: set[str] = set()
    for f in node.fields():
        if f.key is None:
            continue
        k = label_key(_ZW.sub("", f.label))
        if k in seen:
            return True
        seen.add(k)
    return False


def _has_known(node: _Node) -> bool:
    return any(f.key is not None for f in node.fields())


def _items(node: _Node, source: str) -> list[RawGuide]:
    if node.heading is not None and _has_known(node) and not _repeats(node):
        return [_item_from_node(node, source)]
    out = _chunks(node.events, source, node.heading)
    for child in node.children:
        out.extend(_items(child, source))
    return out


def _item_from_node(node: _Node, source: str) -> RawGuide:
    chain = [node]
    while not chain[-1].events and len(chain[-1].children) == 1:
        chain.append(chain[-1].children[0])
    name = next((f.text for f in node.fields() if f.key == "name" and f.lines), None)
    chosen = node
    if name is not None:
        chosen = next((n for n in chain if n.heading and _same_title(n.heading.title, name)), node)
    assert chosen.heading is not None
    fields = [ev for ev in node.all_events() if isinstance(ev, RawField)]
    return RawGuide(source=chosen.heading.location, title=chosen.heading.title, fields=fields)


def _same_title(title: str, name: str) -> bool:
    a, b = label_key(title), label_key(name)
    return bool(a) and bool(b) and (a in b or b in a)


def _chunks(events: list[Event], source: str, heading: _Heading | None) -> list[RawGuide]:
    """Split a section's direct events into items at each repeated 事项名称."""
    chunks: list[list[Event]] = [[]]
    has_name = False
    boundary: int | None = None
    for ev in events:
        current = chunks[-1]
        if isinstance(ev, (_TableStart, _Candidate)):
            if boundary is None or isinstance(ev, _TableStart) or not _fields_since(current,
                                                                                  boundary):
                boundary = len(current)
        elif isinstance(ev, RawField):
            if ev.key == "name" and has_name:
                cut = boundary if boundary is not None else len(current)
                chunks[-1], chunks_tail = current[:cut], current[cut:]
                chunks.append(chunks_tail)
                has_name = False
                current = chunks[-1]
                boundary = None
            if ev.key == "name":
                has_name = True
            if ev.location.paragraph is not None and ev.key != "name":
                boundary = None
        current.append(ev)
    guides = []
    for chunk in chunks:
        fields = [ev for ev in chunk if isinstance(ev, RawField)]
        if not any(f.key is not None for f in fields):
            continue
        own = heading if len(chunks) == 1 else None
        title = _chunk_title(chunk, fields, own)
        first = next(ev for ev in chunk if isinstance(ev, (_Candidate, RawField)))
        where = own.location if own else first.location
        guides.append(RawGuide(source=where, title=title, fields=fields))
    return guides


def _fields_since(events: list[Event], start: int) -> bool:
    return any(isinstance(ev, RawField) for ev in events[start:])


def _chunk_title(chunk: list[Event], fields: list[RawField], heading: _Heading | None) -> str | None:
    if heading is not None:
        return heading.title
    for ev in chunk:
        if isinstance(ev, RawField):
            break
        if isinstance(ev, _Candidate):
            return ev.text
    name = next((f for f in fields if f.key == "name" and f.lines), None)
    return _title(name.lines[0]) if name else None


# ---------------------------------------------------------------- entry point


def read_blocks(parts: DocxParts) -> list[Block]:
    """The body's paragraphs and tables in document order (headers/footers not read)."""
    body = parts.document.find(_W + "body")
    if body is None:
        return []
    reader = _BlockReader(parts)
    reader.prepare(body)
    return reader.blocks(body, [])


def extract_docx(data: bytes, source: str, vocab: FieldVocab) -> list[RawGuide]:
    """Every item's guide in a DOCX handbook or manual; InvalidUpload for unreadable files."""
    parts = open_docx(data, source)
    blocks = read_blocks(parts)
    assembler = _Assembler(source, vocab)
    for i, block in enumerate(blocks):
        if isinstance(block, Table):
            assembler.table(block)
        else:
            assembler.paragraph(block, blocks[i + 1:i + 3])
    guides = _items(_tree(assembler.events), source)
    if parts.macros_ignored:
        for guide in guides:
            guide.notes.append("文档启用了宏（.docm），宏已忽略，只读取了正文")
    return guides
