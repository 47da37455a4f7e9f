"""Generic HTML extractor: portal page bytes → ``list[RawGuide]``.

The bytes are decoded by :func:`guidecheck.read.decode.decode_html` first and handed
to lxml with an explicit encoding, so no parser ever guesses (a ``gb2312`` page with
one GBK-only character is otherwise cut short). Then one walk over the tree finds
labelled values in the layouts portals use, without per-site code:

* table rows: ``th/td`` or ``td/td`` pairs, several pairs per row, label cells with
  ``rowspan``, a label row followed by value rows, a row of labels over a row of values;
* a table with a header row (materials): delivered as ``rows`` (header → cell text),
  merged cells resolved on a grid;
* a label element (``dt``, ``span.label``, ``strong``, ``p``, ``h3``…) whose value is
  its tail text and following siblings, up to the next label or heading;
* "标签：值" lines inside one text block.

Boilerplate (nav, header, footer, aside, scripts, and elements whose class or id says
nav/menu/footer/header/breadcrumb/sidebar/share/copyright) is skipped. An optional
:class:`~guidecheck.extract.sites.SiteAdapter` narrows and refines the walk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from guidecheck.errors import InvalidUpload, NoGuideFound
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.extract.sites import SiteAdapter
from guidecheck.model import Location
from guidecheck.read.decode import decode_html
from guidecheck.vocab import FieldVocab, label_key

MAX_DEPTH = 180
"""Deeper elements are read as plain text (lxml itself caps the tree at 255 levels)."""
MAX_SPAN = 200
"""Largest rowspan/colspan honoured (a page may say rowspan=100000)."""
MAX_UNKNOWN_LABEL = 12
"""Longest text taken as an unknown label (th, dt, span.label…)."""
MIN_KNOWN_FIELDS = 2
"""A guide needs at least this many distinct known fields."""
KEY_CACHE_SIZE = 50_000
"""Label lookups remembered across pages (per vocabulary)."""

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure form h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary "
    "table tbody tfoot thead tr ul".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas select option button "
    "input textarea head title map".split()
)
BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside"})
NAMED_BOILERPLATE_TAGS = ("div", "ul", "ol", "section", "p", "span", "table", "dl", "form", "td")
"""Tags whose class or id is checked for boilerplate words (not html, body, main)."""
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
CELL_TAGS = frozenset({"td", "th"})
_BOILERPLATE_WORD = re.compile(
    r"(?:^|[\s_-])(?:[a-z]*nav(?:bar|igation|s)?|[a-z]*menus?|footer|header|breadcrumbs?|"
    r"crumbs?|sidebar|share|copyright|foot|tabs)(?=$|[\s_-])",
    re.IGNORECASE,
)
_LABEL_CLASS = re.compile(
    r"(?:^|[\s_-])(?:label|lab|key|tit|th|field-?name)(?=$|[\s_-])", re.IGNORECASE
)
_VALUE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:value|val|con|content|text|txt|td)(?=$|[\s_-])", re.IGNORECASE
)
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[①-⑳])\s*")
_SENTENCE = re.compile(r"[。，,；;！？!?]")
_ASCII_WS = re.compile(r"[ \t\r\n\f]+")
_COLON = re.compile(r"[:：]")


def _squash(text: str) -> str:
    """Collapse HTML source whitespace; keep &nbsp; and full-width spaces inside."""
    return _ASCII_WS.sub(" ", text).strip()


_STRING = etree.XPath("string()", smart_strings=False)


def _text(el: etree._Element) -> str:
    """All text inside an element (C speed)."""
    return _STRING(el)  # type: ignore[return-value]


def _tag(el: object) -> str:
    """The element's tag; "" for text parts, comments and processing instructions."""
    tag = getattr(el, "tag", None)
    return tag if isinstance(tag, str) else ""


class _Lines:
    """Accumulates rendered text, breaking lines at blocks and ``<br>``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._current: list[str] = []

    def text(self, value: str | None) -> None:
        if value:
            self._current.append(_ASCII_WS.sub(" ", value))

    def newline(self) -> None:
        line = "".join(self._current).strip(" \t\r\n\f")
        if line.strip():
            self.lines.append(line)
        self._current = []

    def result(self) -> list[str]:
        self.newline()
        return self.lines


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: cells key dicts
class _Cell:
    el: etree._Element
    table: int
    row: int  # 1-based
    col: int  # 1-based grid column
    index: int  # 1-based position among the row's own cells
    rowspan: int
    colspan: int


class _Grid:
    """A table's cells placed on a grid, merged cells resolved."""

    def __init__(self, table: etree._Element, number: int) -> None:
        self.number = number
        self.rows = list(_table_rows(table))
        self.own: list[list[_Cell]] = []
        self.at: dict[tuple[int, int], _Cell] = {}
        for r, tr in enumerate(self.rows, 1):
            self.own.append(self._place(tr, r))
        self.width = max((c for _, c in self.at), default=0)

    def _place(self, tr: etree._Element, r: int) -> list[_Cell]:
        cells, col = [], 1
        for index, td in enumerate((c for c in tr if _tag(c) in CELL_TAGS), 1):
            while (r, col) in self.at:
                col += 1
            rowspan = min(_span(td.get("rowspan")), len(self.rows) - r + 1)
            cell = _Cell(td, self.number, r, col, index, rowspan, _span(td.get("colspan")))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    self.at[(r + dr, col + dc)] = cell
            cells.append(cell)
            col += cell.colspan
        return cells

    def cell_at(self, row: int, col: int) -> _Cell | None:
        return self.at.get((row, col))


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        return max(1, min(int(str(value).strip()), MAX_SPAN))
    except ValueError:
        return 1


def _table_rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in {"thead", "tbody", "tfoot"}:
            yield from (tr for tr in child if _tag(tr) == "tr")


@dataclass(slots=True)
class _Found:
    field: RawField
    heading: str | None


class _Extractor:
    """One page's extraction state (not shared between pages)."""

    def __init__(
        self, root: etree._Element, source: str, vocab: FieldVocab
    ) -> None:
        self.root = root
        self.source = source
        self.vocab = vocab
        self.skip: set[object] = set()
        self.max_label = vocab.longest_label + 6
        self.tables = {t: i for i, t in enumerate(root.iter("table"), 1)}
        self.cells: dict[object, _Cell] = {}
        self.consumed: set[object] = set()
        self.found: list[_Found] = []
        self.heading: str | None = None
        self.too_deep = False
        self.hot: set[object] = set()
        self._labels: dict[object, tuple[str, str | None] | None] = {}
        self._texts: dict[object, str] = {}
        self._keys = _key_cache(vocab)
        self._cell_labels: dict[_Cell, tuple[str, str | None] | None] = {}

    # ----- labels -------------------------------------------------------------------

    def key_for(self, text: str) -> str | None:
        """Canonical key when ``text`` is a known label (numbering and colon allowed)."""
        if not text or len(text) > self.max_label:
            return None
        try:
            return self._keys[text]
        except KeyError:
            if len(self._keys) > KEY_CACHE_SIZE:
                self._keys.clear()
            key = self._keys[text] = self.vocab.field_for_label(_NUMBERING.sub("", text))
            return key

    def label_of(self, el: etree._Element) -> tuple[str, str | None] | None:
        """``(label, key)`` when the element as a whole is a label, else None."""
        if el in self._labels:
            return self._labels[el]
        found = self._label_of(el)
        self._labels[el] = found
        return found

    def short_text(self, el: etree._Element) -> str | None:
        """The element's squashed text when it has few children (a label candidate)."""
        if len(el) > 3:
            return None
        text = self._texts.get(el)
        if text is None:
            text = self._texts[el] = _squash(_text(el))
        return text

    def _label_of(self, el: etree._Element) -> tuple[str, str | None] | None:
        tag = _tag(el)
        if tag in SKIP_TAGS or tag in {"table", "ul", "ol", "dl", "a", "dd"}:
            return None
        if _VALUE_CLASS.search(el.get("class") or ""):
            return None  # <span class="value">网上办理</span> is a value, whatever it says
        text = self.short_text(el)
        if not text:
            return None
        key = self.key_for(text)
        if key is not None:
            return text, key
        if self._labelish(el, tag, text):
            return text, None
        return None

    def _labelish(self, el: etree._Element, tag: str, text: str) -> bool:
        if not text or len(text) > MAX_UNKNOWN_LABEL or _SENTENCE.search(text):
            return False
        if tag in HEADINGS:
            return False  # a heading is a label only when the vocabulary knows it
        if tag in {"th", "dt", "label"} or _LABEL_CLASS.search(el.get("class") or ""):
            return True
        return tag in {"strong", "b"} and text.endswith((":", "："))

    def line_label(self, line: str, known_only: bool) -> tuple[str, str | None, str] | None:
        """``(label, key, rest)`` when a text line starts with "标签：…"."""
        match = _COLON.search(line, 0, self.max_label + 1)
        if match is None:
            return None
        label = line[: match.start()].strip()
        key = self.key_for(label)
        if key is None and (
            known_only or not label or len(label) > MAX_UNKNOWN_LABEL or _SENTENCE.search(label)
        ):
            return None
        return label, key, line[match.end():].strip(" \t")

    def starts_field(self, el: etree._Element) -> bool:
        """Whether a sibling begins the next field (a label, heading or "标签：" text)."""
        if _tag(el) in HEADINGS or self.label_of(el) is not None:
            return True
        first = _first_text(el)
        if first is None:
            return False
        return self.key_for(first) is not None or self.line_label(first, True) is not None

    # ----- walking ------------------------------------------------------------------

    def walk(self, el: etree._Element, depth: int = 0) -> None:
        """Visit the children of ``el``."""
        if depth > MAX_DEPTH:
            self.too_deep = True
            return
        for child in el:
            self.visit(child, depth)

    def visit(self, el: etree._Element, depth: int = 0) -> None:
        """Find the fields in one element; a subtree without label text is not entered."""
        tag = _tag(el)
        if not tag or tag in SKIP_TAGS or el in self.skip or el in self.consumed:
            return
        hot = el in self.hot
        if hot and self.is_tab_bar(el):
            return
        if tag in HEADINGS:
            self.heading = _squash(_text(el)) or self.heading
        if tag == "table":
            if hot:
                self.table(el, depth)
        elif (found := self.label_of(el)) is not None:
            self.label_field(el, *found)
        elif _is_leaf(el):
            if any(self.label_of(c) for c in el if _tag(c)):
                self.walk(el, depth + 1)  # <span class="label">…</span><span>…</span>
            elif hot:
                self.text_block(el)
        elif hot:
            self.walk(el, depth + 1)

    def is_tab_bar(self, el: etree._Element) -> bool:
        """A row of ≥ 3 short items, ≥ 2 of them known labels, nothing else: tabs or a menu."""
        if not 3 <= len(el) <= 20 or (el.text or "").strip() or _tag(el) in {"dl", "tr"}:
            return False
        tags = {_tag(child) for child in el}
        if len(tags) != 1 or not tags <= {"span", "a", "li", "div", "button"}:
            return False
        known = 0
        for child in el:
            if len(child) > 1 or (child.tail or "").strip():
                return False
            text = self.short_text(child)
            if not text or len(text) > self.max_label:
                return False
            known += self.key_for(text) is not None
        return known >= 2 and known * 2 >= len(el)

    def scan(self) -> None:
        """One tight pass in document order that finds boilerplate and hot elements.

        Boilerplate: nav/header/footer/aside, and elements whose class or id names
        nav/menu/footer/header/breadcrumb/sidebar/share/copyright. Hot: elements
        holding, at any depth, a known label or a colon in their own text; the walk
        enters only hot subtrees, so link lists cost almost nothing.
        """
        hot, skip = self.hot, self.skip
        skip.update(self.root.iter(*BOILERPLATE_TAGS))
        for el in self.root.iter(*NAMED_BOILERPLATE_TAGS):
            names, ident = el.get("class"), el.get("id")
            if (names or ident) and _boilerplate_name(f"{names or ''} {ident or ''}"):
                skip.add(el)
        for el in self.root.iter():
            target = None
            if el.text and self._hit(el.text):
                target = el
            elif el.tail and self._hit(el.tail):
                target = el.getparent()
            while target is not None and target not in hot:
                hot.add(target)
                target = target.getparent()

    def _hit(self, text: str) -> bool:
        if "：" in text or ":" in text:
            return True
        text = text.strip()
        return bool(text) and len(text) <= self.max_label and self.key_for(text) is not None

    def label_field(self, el: etree._Element, label: str, key: str | None) -> None:
        if key is None:  # an unknown label gets its pair only: dt→dd, th→td, span→span
            parts = self.pair_value(el)
        else:
            parts = self.value_after(el, label)
        self.emit(label, key, parts, el)

    def pair_value(self, el: etree._Element) -> list[object]:
        if el.tail and el.tail.strip():
            return [el.tail]
        sib = el.getnext()
        if sib is None or not _tag(sib) or sib in self.skip or self.starts_field(sib):
            return []
        self.consumed.add(sib)
        return [sib]

    def value_after(self, el: etree._Element, label: str) -> list[object]:
        """The label's value: its tail and following siblings up to the next field.

        When the label stands alone in its parent (``<div class="tit"><h4>申请材料</h4>
        </div><div>…</div>``), the parent's following siblings are taken instead.
        """
        node = el
        for _ in range(3):
            parts = self._siblings_after(node)
            parent = node.getparent()
            if _has_text(parts) or parent is None or _tag(parent) in {"body", "td", "th"}:
                return parts
            if _squash(_text(parent)) != label:
                return parts
            node = parent
        return parts

    def _siblings_after(self, node: etree._Element) -> list[object]:
        parts: list[object] = [node.tail] if node.tail and node.tail.strip() else []
        for sib in node.itersiblings():
            tag = _tag(sib)
            if tag and sib not in self.skip and tag not in SKIP_TAGS:
                if self.starts_field(sib):
                    break
                parts.append(sib)
                self.consumed.add(sib)
            if sib.tail and sib.tail.strip():
                parts.append(sib.tail)
        return parts

    def text_block(self, el: etree._Element) -> None:
        """"标签：值" lines inside one block; lines without a label continue the field."""
        current: tuple[str, str | None, list[str]] | None = None
        for line in self.render([el]):
            found = self.line_label(line, known_only=current is None)
            if found is not None:
                if current is not None:
                    self.emit_lines(*current, el)
                label, key, rest = found
                current = (label, key, [rest] if rest else [])
            elif current is not None:
                current[2].append(line)
        if current is not None:
            self.emit_lines(*current, el)

    # ----- tables -------------------------------------------------------------------

    def table(self, table: etree._Element, depth: int) -> None:
        grid = self.grid(table)
        pending: RawField | None = None  # a label row whose values follow in later rows
        spanning: dict[_Cell, RawField] = {}  # label cells with rowspan → their field
        r = 0
        while r < len(grid.own):
            cells = grid.own[r]
            r += 1
            if not cells:
                continue
            lead = self.cell_label(cells[0])
            rest = cells[1:] if lead else cells
            if self.is_header_row(rest):
                if pending is not None and not pending.lines:
                    self.found = [f for f in self.found if f.field is not pending]
                label = lead or (pending and (pending.label, pending.key)) or _caption(self, table)
                end = self.rows_end(grid, r)
                self.rows_field(grid, r - 1, end, rest, label)
                pending, r = None, end
                continue
            if lead and len(cells) >= 2 and self.horizontal(grid, r, cells):
                r += 1
                continue
            pending = self.row_pairs(grid, cells, pending, spanning, depth)

    def row_pairs(
        self,
        grid: _Grid,
        cells: list[_Cell],
        pending: RawField | None,
        spanning: dict[_Cell, RawField],
        depth: int,
    ) -> RawField | None:
        if self.cell_label(cells[0]):
            pending = None  # a new label row ends the previous label's value rows
        i = 0
        while i < len(cells):
            cell = cells[i]
            found = self.cell_label(cell)
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if found and nxt is not None and self.is_value_cell(cell, nxt):
                field = self.emit(*found, [nxt.el], nxt.el)
                if field is not None and cell.rowspan > 1:
                    spanning[cell] = field
                self.consumed.add(nxt.el)
                i += 2
                continue
            if found and found[1] is not None:
                pending = self.emit(*found, [], cell.el, keep_empty=True)
                if cell.rowspan > 1 and pending is not None:
                    spanning[cell] = pending
            elif not found:
                left = grid.cell_at(cell.row, cell.col - 1)
                target = spanning.get(left) if left is not None else None
                target = target or pending
                if target is not None:
                    self.append(target, cell.el)
                else:
                    self.walk_cell(cell.el, depth)
            i += 1
        return pending

    def is_value_cell(self, label: _Cell, cell: _Cell) -> bool:
        """Whether the cell after a label cell holds its value (it may read like a label:
        ``<th>网上办理深度</th><td>网上办理（Ⅲ级）</td>``)."""
        if not self.cell_label(cell):
            return True
        if _tag(label.el) == "th" and _tag(cell.el) == "td":
            return True
        text = self.short_text(cell.el) or ""
        return (self.short_text(label.el) or "").endswith((":", "：")) and not text.endswith(
            (":", "：")
        )

    def horizontal(self, grid: _Grid, r: int, cells: list[_Cell]) -> bool:
        """A row of labels over a row of values (same columns)."""
        labels = [self.cell_label(c) for c in cells]
        if not all(labels) or sum(1 for lab in labels if lab and lab[1]) < 2:
            return False
        below = grid.own[r] if r < len(grid.own) else []
        if len(below) != len(cells) or any(self.cell_label(c) for c in below):
            return False
        for lab, value in zip(labels, below):
            assert lab is not None
            self.emit(*lab, [value.el], value.el)
            self.consumed.add(value.el)
        return True

    def walk_cell(self, el: etree._Element, depth: int) -> None:
        if _is_leaf(el) and not any(self.label_of(c) for c in el if _tag(c)):
            self.text_block(el)
        else:
            self.walk(el, depth + 1)

    def cell_label(self, cell: _Cell) -> tuple[str, str | None] | None:
        if cell not in self._cell_labels:
            self._cell_labels[cell] = self._cell_label(cell)
        return self._cell_labels[cell]

    def _cell_label(self, cell: _Cell) -> tuple[str, str | None] | None:
        el = cell.el
        if len(el) > 3:
            return None
        text = _squash(_text(el))
        key = self.key_for(text)
        if key is not None:
            return text, key
        bold = len(el) == 1 and _tag(el[0]) in {"b", "strong"} and not (el.text or "").strip()
        if (_tag(el) == "th" or bold or text.endswith((":", "："))) and self._labelish_text(text):
            return text, None
        return None

    @staticmethod
    def _labelish_text(text: str) -> bool:
        return 0 < len(text) <= MAX_UNKNOWN_LABEL and not _SENTENCE.search(text)

    def is_header_row(self, cells: list[_Cell]) -> bool:
        """A header row: ≥ 2 cells naming material columns, one of them the name (or №)."""
        if len(cells) < 2:
            return False
        columns = [self.column_of(c) for c in cells]
        known = [c for c in columns if c]
        return len(known) >= 2 and ("name" in known or "index" in known)

    def column_of(self, cell: _Cell) -> str | None:
        """Material attribute named by a header cell's text, or None."""
        text = self.short_text(cell.el)
        if not text or len(text) > self.max_label:
            return None
        return self.vocab.material_column(text)

    def rows_end(self, grid: _Grid, start: int) -> int:
        """Index after the last data row following a header row at ``start - 1``."""
        r = start
        while r < len(grid.own):
            cells = grid.own[r]
            lead = self.cell_label(cells[0]) if cells else None
            if lead is not None and lead[1] is not None and cells[0].col == 1:
                break
            if self.is_header_row(cells):
                break
            r += 1
        return r

    def rows_field(
        self,
        grid: _Grid,
        header_row: int,
        end: int,
        header: list[_Cell],
        label: tuple[str, str | None] | None,
    ) -> None:
        label = label or ("申请材料", "materials")
        names, depth = _header_names(grid, header_row, header)
        first = header[0].col
        rows, locations, lines = [], [], []
        for r in range(header_row + depth, end):
            row = {n: self.cell_text(grid.cell_at(r + 1, c)) for c, n in names}
            row_cells = [grid.cell_at(r + 1, c) for c, _ in names]
            if not any(row.values()) or _one_wide_cell(row_cells):
                continue
            rows.append(row)
            locations.append(self.location(grid.cell_at(r + 1, first) or header[0]))
            lines.append(" ".join(v for v in row.values() if v))
            for cell in row_cells:
                if cell is not None:
                    self.consumed.add(cell.el)
        field = RawField(
            label=label[0], key=label[1], lines=lines, location=self.location(header[0]),
            rows=rows, row_locations=locations,
        )
        self.found.append(_Found(field, self.heading))

    def cell_text(self, cell: _Cell | None) -> str:
        return "\n".join(self.render([cell.el])) if cell is not None else ""

    def grid(self, table: etree._Element) -> _Grid:
        grid = _Grid(table, self.tables.get(table, 0))
        for cell in grid.at.values():
            self.cells[cell.el] = cell
        return grid

    def header_table(self, parts: list[object], *, force: bool = False) -> RawField | None:
        """The rows of the one header table among a value's parts, if there is one.

        With ``force`` the first row of two or more cells is taken as the header.
        """
        tables = [t for p in parts if _tag(p) for t in p.iter("table")]  # type: ignore[union-attr]
        if len(tables) != 1:
            return None
        grid = self.grid(tables[0])
        for r, cells in enumerate(grid.own):
            if self.is_header_row(cells) or (force and len(cells) >= 2):
                before = len(self.found)
                end = len(grid.own) if force else self.rows_end(grid, r + 1)
                self.rows_field(grid, r, end, cells, ("", None))
                return self.found.pop(before).field
        return None

    # ----- values and fields ------------------------------------------------------------

    def render(self, parts: Iterable[object]) -> list[str]:
        out = _Lines()
        for part in parts:
            if isinstance(part, str):
                out.text(part)
            else:
                self._render(part, out, 0)  # type: ignore[arg-type]
        return out.result()

    def _render(
        self, el: etree._Element, out: _Lines, depth: int, prefix: str = ""
    ) -> None:
        tag = _tag(el)
        if not tag or tag in SKIP_TAGS or el in self.skip:
            return
        if depth > MAX_DEPTH:
            out.text(_text(el))
            return
        if tag == "br":
            out.newline()
            return
        block = tag in BLOCK_TAGS
        if block:
            out.newline()
        elif tag in CELL_TAGS:
            out.text(" ")
        out.text(prefix)
        out.text(el.text)
        number = _ol_start(el) if tag == "ol" else None
        for child in el:
            mark = ""
            if number is not None and _tag(child) == "li":
                number = _li_value(child, number)
                mark, number = f"{number}. ", number + 1
            self._render(child, out, depth + 1, mark)
            out.text(child.tail)
        if block:
            out.newline()

    def emit(
        self,
        label: str,
        key: str | None,
        parts: list[object],
        anchor: etree._Element,
        *,
        keep_empty: bool = False,
    ) -> RawField | None:
        table = self.header_table(parts)
        lines = table.lines if table is not None else self.render(parts)
        if not lines and not keep_empty and table is None:
            return None
        first = next((p for p in parts if _tag(p)), anchor)
        field = RawField(label=label, key=key, lines=lines, location=self.location(first))
        if table is not None:
            field.rows, field.row_locations = table.rows, table.row_locations
        self.found.append(_Found(field, self.heading))
        return field

    def emit_lines(
        self, label: str, key: str | None, lines: list[str], anchor: etree._Element
    ) -> None:
        field = RawField(label=label, key=key, lines=lines, location=self.location(anchor))
        self.found.append(_Found(field, self.heading))

    def append(self, field: RawField, el: etree._Element) -> None:
        """Add a later cell's text to a field (label with rowspan, or a label row)."""
        lines = self.render([el])
        if not field.lines and lines:
            field.location = self.location(el)
        field.lines.extend(lines)
        self.consumed.add(el)

    # ----- locations --------------------------------------------------------------------

    def location(self, el: object) -> Location:
        cell = self._cell_of(el)
        if isinstance(el, _Cell):
            el = el.el
        if cell is not None and cell.el is el:
            selector = f"table[{cell.table}]>tr[{cell.row}]>{_tag(el)}[{cell.index}]"
        else:
            selector = self.path(el)  # type: ignore[arg-type]
        if cell is None:
            table = self.tables.get(el) if _tag(el) == "table" else None
            return Location(source=self.source, table=table, selector=selector)
        return Location(
            source=self.source, table=cell.table, row=cell.row, cell=cell.col, selector=selector
        )

    def _cell_of(self, el: object) -> _Cell | None:
        if isinstance(el, _Cell):
            return el
        node = el
        while node is not None:
            cell = self.cells.get(node)
            if cell is not None:
                return cell
            node = node.getparent()  # type: ignore[attr-defined]
        return None

    def path(self, el: etree._Element) -> str:
        """A short CSS-like path: ``#main>div[2]>p[3]``, ``table[2]>tr[3]>td[2]>p[1]``."""
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None and _tag(node) not in {"html", "body", ""}:
            if node.get("id"):
                steps.append(f"#{node.get('id')}")
                break
            if node in self.tables:
                steps.append(f"table[{self.tables[node]}]")
                break
            tag = _tag(node)
            index = 1 + sum(1 for s in node.itersiblings(preceding=True) if _tag(s) == tag)
            steps.append(f"{tag}[{index}]")
            node = node.getparent()
        return ">".join(reversed(steps))


def _caption(ex: _Extractor, table: etree._Element) -> tuple[str, str | None] | None:
    caption = table.find("caption")
    if caption is None:
        return None
    text = _squash(_text(caption))
    return (text, ex.key_for(text)) if text else None


def _header_names(
    grid: _Grid, header_row: int, header: list[_Cell]
) -> tuple[list[tuple[int, str]], int]:
    """Column number → header text, and the header's height in rows.

    A two-level header (a ``colspan`` parent over a row of sub-headers) joins sub and
    parent: 原件 + 份数 → 原件份数.
    """
    names: list[tuple[int, str]] = []
    below = grid.own[header_row + 1] if header_row + 1 < len(grid.own) else []
    two_level = any(c.colspan > 1 for c in header) and below and all(
        _tag(c.el) == "th" for c in below
    )
    sub = {c.col: c for c in below} if two_level else {}
    for cell in header:
        parent = _squash(_text(cell.el))
        for col in range(cell.col, cell.col + cell.colspan):
            child = sub.get(col) if cell.colspan > 1 else None
            text = _squash(_text(child.el)) if child is not None else ""
            names.append((col, f"{text}{parent}" if text and text != parent else parent or f"列{col}"))
    seen: dict[str, int] = {}
    unique = []
    for col, name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append((col, name if seen[name] == 1 else f"{name}({seen[name]})"))
    return unique, 2 if two_level else 1


def _one_wide_cell(cells: list[_Cell | None]) -> bool:
    """A group row such as "以下为企业提交": one cell across the whole table."""
    present = {id(c): c for c in cells if c is not None}
    return len(cells) > 1 and len(present) == 1


def _is_leaf(el: etree._Element) -> bool:
    return not any(_tag(c) in BLOCK_TAGS for c in el)


def _has_text(parts: list[object]) -> bool:
    for part in parts:
        text = part if isinstance(part, str) else _text(part)  # type: ignore[attr-defined]
        if text.strip():
            return True
    return False


def _first_text(el: etree._Element) -> str | None:
    for node in el.iter():
        text = node.text if _tag(node) not in SKIP_TAGS else None
        if text and text.strip():
            return _squash(text)
        if node is not el and node.tail and node.tail.strip():
            return _squash(node.tail)
    return None


def _ol_start(el: etree._Element) -> int:
    try:
        return int(el.get("start", "1"))
    except ValueError:
        return 1


def _li_value(li: etree._Element, default: int) -> int:
    try:
        return int(li.get("value", default))
    except ValueError:
        return default


# ----- page level ---------------------------------------------------------------------------


def _parse(text: str, source: str) -> etree._Element:
    """Parse with the encoding stated, so libxml2 never re-guesses it from <meta>."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
        why = "文档为空"
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        root, why = None, str(exc)
    if root is None:
        raise InvalidUpload(
            f"无法解析网页（{why}），请确认文件是完整的 HTML 页面，重新保存后再试",
            source=source,
        )
    return root


@functools.lru_cache(maxsize=4096)
def _boilerplate_name(names: str) -> bool:
    return _BOILERPLATE_WORD.search(names) is not None


def _inside(el: etree._Element, skip: set[object]) -> bool:
    return any(a in skip for a in el.iterancestors()) or el in skip


def _page_title(root: etree._Element, skip: set[object]) -> str | None:
    for h1 in root.iter("h1"):
        text = _squash(_text(h1))
        if text and not _inside(h1, skip):
            return text
    title = root.find(".//title")
    text = _squash(_text(title)) if title is not None else ""
    return text or None


Group = tuple[str | None, list[RawField]]
"""A guide's title (None: the page title) and its fields."""


def _group(found: list[_Found]) -> list[Group]:
    """Split the page's fields into guides where the first label comes round again."""
    groups: list[list[_Found]] = []
    current: list[_Found] = []
    for item in found:
        if len(current) >= 3 and label_key(item.field.label) == label_key(current[0].field.label):
            groups.append(current)
            current = []
        current.append(item)
    if current:
        groups.append(current)
    several = len(groups) > 1  # then each guide is titled by the heading above it
    return [(g[0].heading if several else None, [f.field for f in g]) for g in groups]


def _known(fields: Iterable[RawField]) -> int:
    return len({f.key for f in fields if f.key is not None})


def _guides(groups: list[Group], source: str, title: str | None, notes: list[str]) -> list[RawGuide]:
    guides = []
    for heading, fields in groups:
        fields = [f for f in fields if f.lines or f.rows]
        if _known(fields) < MIN_KNOWN_FIELDS:
            continue
        guides.append(
            RawGuide(
                source=Location(source=source),
                title=heading or title,
                fields=fields,
                notes=list(notes),
            )
        )
    return guides


def _decode_notes(data: bytes, header_charset: str | None) -> tuple[str, list[str]]:
    decoded = decode_html(data, header_charset=header_charset)
    notes = []
    if decoded.flags:
        notes.append(
            f"编码：按 {decoded.encoding} 解码（依据 {decoded.decided_by}，"
            f"标记 {', '.join(decoded.flags)}）"
        )
    if decoded.replacement_count:
        notes.append(f"编码：{decoded.replacement_count} 处无法解码的字节已替换为 �")
    return decoded.text, notes


def _no_guide(source: str, why: str) -> NoGuideFound:
    return NoGuideFound(
        f"{source}: 页面中没有找到办事指南（{why}），请确认该网址或文件是事项的办事指南详情页"
    )


def _body(root: etree._Element) -> etree._Element:
    body = root.find("body")
    return body if body is not None else root


_KEY_CACHES: dict[int, tuple[FieldVocab, dict[str, str | None]]] = {}


def _key_cache(vocab: FieldVocab) -> dict[str, str | None]:
    """A label → key memo shared by the pages read with one vocabulary."""
    entry = _KEY_CACHES.get(id(vocab))
    if entry is None or entry[0] is not vocab:
        if len(_KEY_CACHES) > 8:
            _KEY_CACHES.clear()
        entry = _KEY_CACHES[id(vocab)] = (vocab, {})
    return entry[1]


def _run_generic(ex: _Extractor) -> list[Group]:
    ex.walk(_body(ex.root))
    return _group(ex.found)


# ----- per-site adapter -----------------------------------------------------------------------


def _site_fields(ex: _Extractor, container: etree._Element, site: SiteAdapter) -> list[RawField]:
    out = []
    for label, selector in site.fields:
        found = selector(container)
        if found:
            key = ex.key_for(label)
            out.append(RawField(label=label, key=key, lines=ex.render(found), location=ex.location(found[0])))
    for pair in site.pairs:
        for item in pair.item(container):
            labels, values = pair.label(item), pair.value(item)
            if labels and values:
                label = _squash(_text(labels[0]))
                out.append(RawField(label=label, key=ex.key_for(label), lines=ex.render(values),
                                    location=ex.location(values[0])))
    tables = site.materials(container) if site.materials is not None else []
    table = ex.header_table(tables[:1], force=True) if tables else None
    if table is not None:
        table.label, table.key = "申请材料", "materials"
        out.append(table)
    return out


def _merge(generic: list[RawField], refined: list[RawField]) -> list[RawField]:
    """Adapter fields replace generic ones with the same key (or label when unknown)."""
    def ident(f: RawField) -> str:
        return f.key or f"label:{label_key(f.label)}"

    by_ident = {ident(f): f for f in refined}
    merged, used = [], set()
    for field in generic:
        name = ident(field)
        if name in by_ident:
            if name not in used:
                merged.append(by_ident[name])
                used.add(name)
        else:
            merged.append(field)
    return merged + [f for f in refined if ident(f) not in used]


def _run_site(ex: _Extractor, site: SiteAdapter) -> list[Group]:
    for selector in site.ignore:
        ex.skip.update(selector(ex.root))
    containers = site.guide(ex.root) if site.guide is not None else [_body(ex.root)]
    groups: list[Group] = []
    for container in containers or [_body(ex.root)]:
        ex.found = []
        if container is _body(ex.root):
            ex.walk(container)
        else:
            ex.visit(container)
        titles = site.title(container) if site.title is not None else []
        title = _squash(_text(titles[0])) if titles else None
        groups.append((title, _merge([f.field for f in ex.found], _site_fields(ex, container, site))))
    return groups


def extract_html(
    data: bytes,
    source: str,
    vocab: FieldVocab,
    *,
    header_charset: str | None = None,
    site: SiteAdapter | None = None,
) -> list[RawGuide]:
    """The guides on one HTML page (usually one).

    Raises :class:`NoGuideFound` for a page without a guide (news, 404, empty) and
    :class:`InvalidUpload` for markup the parser rejects.
    """
    text, notes = _decode_notes(data, header_charset)
    if not text.strip():
        raise _no_guide(source, "页面为空")
    root = _parse(text, source)
    ex = _Extractor(root, source, vocab)
    ex.scan()
    groups = _run_site(ex, site) if site is not None else _run_generic(ex)
    if ex.too_deep:
        notes.append("网页嵌套过深，深层内容未读取")
    guides = _guides(groups, source, _page_title(root, ex.skip), notes)
    if not guides:
        raise _no_guide(source, "未识别出事项名称、申请材料等字段")
    return guides
