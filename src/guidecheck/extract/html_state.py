"""One page's extraction state: labels, rendering, emitted fields and their locations.

The walk over blocks (:mod:`~guidecheck.extract.html_blocks`) and the table reader
(:mod:`~guidecheck.extract.html_tables`) build on :class:`_State`; the page flow is
in :mod:`guidecheck.extract.html`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from guidecheck.extract.html_clean import (
    _COLON,
    _NUMBERING,
    _SENTENCE,
    BLOCK_TAGS,
    CELL_TAGS,
    HEADINGS,
    MAX_DEPTH,
    MAX_SPAN,
    MAX_UNKNOWN_LABEL,
    SKIP_TAGS,
    _Boilerplate,
    _collapse,
    _first_text,
    _li_value,
    _Lines,
    _ol_start,
    _squash,
    _tag,
    _text,
    label_class,
    value_class,
)
from guidecheck.extract.raw import RawField
from guidecheck.model import Location
from guidecheck.vocab import FieldVocab, fold_label_text, label_key

_UNSEEN = object()
"""A memo's "not looked up yet" (None is an answer)."""

KEY_CACHE_SIZE = 50_000
"""Label lookups remembered across pages (per vocabulary)."""


class _Cell:
    """One table cell on its grid (identity hash: cells key dicts)."""

    __slots__ = ("col", "colspan", "el", "index", "row", "rowspan", "table")

    def __init__(
        self, el: etree._Element, table: int, row: int, col: int, index: int,
        rowspan: int, colspan: int,
    ) -> None:
        self.el = el
        self.table = table
        self.row = row  # 1-based
        self.col = col  # 1-based grid column
        self.index = index  # 1-based position among the row's own cells
        self.rowspan = rowspan
        self.colspan = colspan


class _Grid:
    """A table's cells placed on a grid, merged cells resolved."""

    def __init__(self, table: etree._Element, number: int) -> None:
        self.number = number
        self.rows = list(_table_rows(table))
        self.own: list[list[_Cell]] = []
        self.at: dict[tuple[int, int], _Cell] = {}
        for r, tr in enumerate(self.rows, 1):
            self.own.append(self._place(tr, r))

    def _place(self, tr: etree._Element, r: int) -> list[_Cell]:
        cells, col, at, below = [], 1, self.at, len(self.rows) - r + 1
        for index, td in enumerate(tr.iterchildren("td", "th"), 1):
            while (r, col) in at:
                col += 1
            rowspan, colspan = td.get("rowspan"), td.get("colspan")
            rows = 1 if rowspan is None else min(_span(rowspan), below)
            cols = 1 if colspan is None else _span(colspan)
            cell = _Cell(td, self.number, r, col, index, rows, cols)
            if rows == 1 and cols == 1:
                at[(r, col)] = cell
            else:
                for dr in range(rows):
                    for dc in range(cols):
                        at[(r + dr, col + dc)] = cell
            cells.append(cell)
            col += cols
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
    for child in table.iterchildren("tr", "thead", "tbody", "tfoot"):
        if child.tag == "tr":
            yield child
        else:
            yield from child.iterchildren("tr")


def _may_be_short(text: str, limit: int) -> bool:
    """False when ``text`` squashed (:func:`_squash`) is surely longer than ``limit``:
    stripped, its characters other than ASCII whitespace are more than that. Its
    first ``8 * limit`` characters usually tell already (a whole table's text need
    not be counted)."""
    if len(text) <= limit:
        return True
    head = text[: 8 * limit].strip()
    if len(head) - _ascii_spaces(head) > limit:
        return False
    whole = text.strip()
    return len(whole) - _ascii_spaces(whole) <= limit


def _ascii_spaces(text: str) -> int:
    spaces = text.count(" ") + text.count("\n") + text.count("\t") + text.count("\r")
    return spaces + text.count("\f")


def _child_indexes(parent: etree._Element) -> dict[object, int]:
    """Each child's 1-based position among its parent's children of the same tag."""
    counts: dict[object, int] = {}
    out: dict[object, int] = {}
    for child in parent:
        tag = child.tag
        out[child] = counts[tag] = counts.get(tag, 0) + 1
    return out


@dataclass(slots=True)
class _Found:
    field: RawField
    heading: str | None


class _Memo:
    """Label → key and header → material column lookups, shared by the pages read
    with one vocabulary (the same strings come round on every page)."""

    __slots__ = ("columns", "keys", "label_pattern", "max_label", "vocab", "wide_texts")

    def __init__(self, vocab: FieldVocab) -> None:
        self.vocab = vocab
        self.keys: dict[str, str | None] = {}
        self.columns: dict[str, str | None] = {}
        self.max_label = vocab.longest_label + 6
        keys = {label_key(label) for spec in vocab.fields.values() for label in spec.labels}
        self.label_pattern = re.compile(_any_of(keys))
        """Any known label's lookup form (see :meth:`_State.may_hold_label`)."""
        self.wide_texts: dict[str, bool] = {}
        """Wide blocks' texts → :meth:`_State.may_hold_label` (a template's lists come round)."""


def _any_of(words: Iterable[str]) -> str:
    """A regex that finds any of ``words``, its alternatives factored by prefix (申请材料|
    申请条件 → 申请(?:材料|条件)): Python's regex engine tries a plain alternation's
    words one by one at every position, the factored one reads each position once
    (2.3–2.7x faster on a side column's lists). A word that another word starts
    with makes the longer one needless: only whether one is there is asked."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a whole word ends here
        alternatives = [re.escape(char) + pattern(node[char]) for char in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    return pattern(trie)


_MEMOS: dict[int, _Memo] = {}


def _memo(vocab: FieldVocab) -> _Memo:
    memo = _MEMOS.get(id(vocab))
    if memo is None or memo.vocab is not vocab:
        if len(_MEMOS) > 8:
            _MEMOS.clear()
        memo = _MEMOS[id(vocab)] = _Memo(vocab)
    return memo


class _State:
    """One page's extraction state (not shared between pages)."""

    def __init__(
        self, root: etree._Element, source: str, vocab: FieldVocab
    ) -> None:
        self.root = root
        self.source = source
        self.vocab = vocab
        self.skip = _Boilerplate()
        memo = _memo(vocab)
        self.max_label = memo.max_label
        self.label_limit = max(memo.max_label, MAX_UNKNOWN_LABEL)
        """Longest text that can be a label, known or not (see :meth:`short_text`)."""
        self.tables = {t: i for i, t in enumerate(root.iter("table"), 1)}
        self.cells: dict[object, _Cell] = {}
        self.consumed: set[object] = set()
        self.found: list[_Found] = []
        self.heading: str | None = None
        self.too_deep = False
        self.hot: dict[object, bool] = {}  # see _Blocks.is_hot
        self._labels: dict[object, tuple[str, str | None] | None] = {}
        self._texts: dict[object, str | None] = {}
        self._keys = memo.keys
        self._label_pattern = memo.label_pattern
        self._wide_texts = memo.wide_texts
        self._columns = memo.columns
        self._cell_labels: dict[_Cell, tuple[str, str | None] | None] = {}
        self._indexes: dict[object, dict[object, int]] = {}  # parent → child → nth of its tag
        self._paths: dict[object, str] = {}  # see path()

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

    def may_hold_label(self, text: str) -> bool:
        """False when no part of ``text`` can be a known label or hold a colon.

        A sound pre-test for a large block's whole text (one C call gets it): a text
        part that is a known label holds that label's lookup form as a substring of its
        folded text (:func:`~guidecheck.vocab.fold_label_text`; numbering, spaces and
        markers are only dropped), so it is a substring of the whole text's folded
        text too. One regex search for all the lookup forms; remembered per text.
        """
        if "：" in text or ":" in text:
            return True
        known = self._wide_texts.get(text)
        if known is None:
            if len(self._wide_texts) > KEY_CACHE_SIZE // 10:
                self._wide_texts.clear()
            known = self._wide_texts[text] = (
                self._label_pattern.search(fold_label_text(text)) is not None
            )
        return known

    def label_of(self, el: etree._Element) -> tuple[str, str | None] | None:
        """``(label, key)`` when the element as a whole is a label, else None."""
        found = self._labels.get(el, _UNSEEN)
        if found is _UNSEEN:
            found = self._labels[el] = self._label_of(el)
        return found  # type: ignore[return-value]

    def short_text(self, el: etree._Element) -> str | None:
        """The element's squashed text when it can be a label: at most 3 children and
        at most :attr:`label_limit` characters. None otherwise: every caller asks
        whether the text is a label (known or not), a tab or a column header, and
        each of those is that short.

        A long text is told without squashing it (:func:`_may_be_short`): squashing
        keeps every character inside but runs of ASCII whitespace, so when the others
        already exceed the limit, the text is None. A block that holds the guide's
        table (a tab pane, say) is serialised, but its 2,000-odd characters are not
        run through the whitespace regex.
        """
        if len(el) > 3:
            return None
        text = self._texts.get(el, _UNSEEN)
        if text is _UNSEEN:
            # a leaf's text is its .text (one XPath string() less per cell)
            raw = _text(el) if len(el) else el.text or ""
            text = self._texts[el] = _squash(raw) if _may_be_short(raw, self.label_limit) else None
        return text  # type: ignore[return-value]

    def _label_of(self, el: etree._Element) -> tuple[str, str | None] | None:
        tag = el.tag
        if type(tag) is not str:
            return None  # a comment or PI
        if tag in SKIP_TAGS or tag in {"table", "ul", "ol", "dl", "a", "dd"}:
            return None
        names = el.get("class")
        if names and value_class(names):
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
        if tag in {"th", "dt", "label"}:
            return True
        names = el.get("class")
        if names and label_class(names):
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

    # ----- values and fields ------------------------------------------------------------

    def render(self, parts: Iterable[object]) -> list[str]:
        """The lines of a value's parts (text parts and elements)."""
        if type(parts) is list and len(parts) <= 1:
            if not parts:
                return []
            el = parts[0]
            if not isinstance(el, str):
                return self.render_element(el)  # type: ignore[arg-type]
        out = _Lines()
        for part in parts:
            if isinstance(part, str):
                out.text(part)
            else:
                self._render(part, out, 0)  # type: ignore[arg-type]
        return out.result()

    def render_element(self, el: etree._Element) -> list[str]:
        """:meth:`render` of one element (a cell, a block)."""
        if len(el) == 0:
            return self._render_leaf(el)
        out = _Lines()
        self._render(el, out, 0)
        return out.result()

    def _render_leaf(self, el: etree._Element) -> list[str]:
        """:meth:`render` of one element without children (most cells and values)."""
        tag = el.tag
        if type(tag) is not str or tag in SKIP_TAGS or tag == "br" or el in self.skip:
            return []
        line = _collapse(el.text or "").strip(" \t\r\n\f")
        return [line] if line.strip() else []

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
        # A list item is one entry: its <br> lines are joined (not when it holds a
        # nested list or table, or where a line starts another "标签：").
        item = tag == "li" and next(el.iter("ul", "ol", "dl", "table"), None) is None
        into = _Lines() if item else out
        into.text(prefix)
        into.text(el.text)
        number = _ol_start(el) if tag == "ol" else None
        for child in el:
            mark = ""
            if number is not None and _tag(child) == "li":
                number = _li_value(child, number)
                mark, number = f"{number}. ", number + 1
            self._render(child, into, depth + 1, mark)
            into.text(child.tail)
        if item:
            for i, line in enumerate(self._join_item(into.result())):
                if i:
                    out.newline()
                out.text(line)
        if block:
            out.newline()

    def _join_item(self, lines: list[str]) -> list[str]:
        joined: list[str] = []
        for line in lines:
            if joined and self.line_label(line, True) is None:
                joined[-1] = f"{joined[-1]} {line}"
            else:
                joined.append(line)
        return joined

    def emit(
        self,
        label: str,
        key: str | None,
        parts: list[object],
        anchor: etree._Element,
        *,
        keep_empty: bool = False,
    ) -> RawField | None:
        table = self.header_table(parts) if parts else None
        lines = table.lines if table is not None else self.render(parts)
        if not lines and not keep_empty and table is None:
            return None
        first = anchor
        for part in parts:
            if _tag(part):
                first = part
                break
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
        lines = self.render_element(el)
        if not field.lines and lines:
            field.location = self.location(el)
        field.lines.extend(lines)
        self.consumed.add(el)

    # ----- locations --------------------------------------------------------------------

    def location(self, el: etree._Element | _Cell) -> Location:
        if isinstance(el, _Cell):
            cell, el = el, el.el
        else:
            cell = self._cell_of(el)
        if cell is not None and cell.el is el:  # a td or th
            selector = f"table[{cell.table}]>tr[{cell.row}]>{el.tag}[{cell.index}]"
        else:
            selector = self.path(el)  # type: ignore[arg-type]
        if cell is None:
            table = self.tables.get(el)  # None unless el is a table
            return Location(source=self.source, table=table, selector=selector)
        return Location(
            source=self.source, table=cell.table, row=cell.row, cell=cell.col, selector=selector
        )

    def _cell_of(self, el: etree._Element) -> _Cell | None:
        """The table cell holding the element (itself, perhaps), if any."""
        if not self.cells:
            return None  # no table read yet
        node: etree._Element | None = el
        while node is not None:
            cell = self.cells.get(node)
            if cell is not None:
                return cell
            node = node.getparent()  # type: ignore[attr-defined]
        return None

    def path(self, el: etree._Element) -> str:
        """A short CSS-like path: ``#main>div[2]>p[3]``, ``table[2]>tr[3]>td[2]>p[1]``.

        It stops at an element with an id, at a table, or below ``body``. Remembered per
        element: the fields of one block share its path.
        """
        known = self._paths.get(el)
        if known is not None:
            return known
        tag = _tag(el)
        ident = el.get("id") if tag else None
        if tag in {"html", "body", ""}:
            path = ""
        elif ident:
            path = f"#{ident}"
        elif el in self.tables:
            path = f"table[{self.tables[el]}]"
        else:
            parent = el.getparent()
            if parent is None:
                index = 1 + sum(1 for _ in el.itersiblings(el.tag, preceding=True))
                path = f"{tag}[{index}]"
            else:
                indexes = self._indexes.get(parent)
                if indexes is None:
                    indexes = self._indexes[parent] = _child_indexes(parent)
                above = self.path(parent)
                path = f"{above}>{tag}[{indexes[el]}]" if above else f"{tag}[{indexes[el]}]"
        self._paths[el] = path
        return path

    # ----- implemented by the block walk and the table reader ------------------------------

    def walk(self, el: etree._Element, depth: int = 0) -> None:
        raise NotImplementedError

    def text_block(self, el: etree._Element) -> None:
        raise NotImplementedError

    def table(self, table: etree._Element, depth: int) -> None:
        raise NotImplementedError

    def header_table(self, parts: list[object], *, force: bool = False) -> RawField | None:
        raise NotImplementedError
