"""Tables: label/value cells (th/td, td/td, rowspan labels, label rows over value rows)
and header tables (materials) delivered as ``rows``, merged cells resolved on a grid.
"""

from __future__ import annotations

from lxml import etree

from guidecheck.extract.html_clean import (
    _SENTENCE,
    MAX_UNKNOWN_LABEL,
    _is_leaf,
    _squash,
    _tag,
    _text,
)
from guidecheck.extract.html_state import _UNSEEN, KEY_CACHE_SIZE, _Cell, _Found, _Grid, _State
from guidecheck.extract.raw import RawField


class _Tables(_State):
    """Reads tables: pairs of cells, label rows, header (materials) tables."""

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
        labels = []
        for cell in cells:
            found = self.cell_label(cell)
            if not found:
                return False
            labels.append(found)
        if sum(1 for lab in labels if lab and lab[1]) < 2:
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
        found = self._cell_labels.get(cell, _UNSEEN)
        if found is _UNSEEN:
            found = self._cell_labels[cell] = self._cell_label(cell)
        return found  # type: ignore[return-value]

    def _cell_label(self, cell: _Cell) -> tuple[str, str | None] | None:
        el = cell.el
        text = self.short_text(el)  # None when the cell has more than 3 children
        if text is None:
            return None
        key = self.key_for(text)
        if key is not None:
            return text, key
        # a cell's tag is "td" or "th"; a comment's tag (not a string) is no "b" either
        bold = len(el) == 1 and el[0].tag in {"b", "strong"} and not (el.text or "").strip()
        if (el.tag == "th" or bold or text.endswith((":", "："))) and self._labelish_text(text):
            return text, None
        return None

    @staticmethod
    def _labelish_text(text: str) -> bool:
        return 0 < len(text) <= MAX_UNKNOWN_LABEL and not _SENTENCE.search(text)

    def is_header_row(self, cells: list[_Cell]) -> bool:
        """A header row: ≥ 2 cells naming material columns, one of them the name (or №)."""
        if len(cells) < 2:
            return False
        known = [column for column in map(self.column_of, cells) if column]
        return len(known) >= 2 and ("name" in known or "index" in known)

    def column_of(self, cell: _Cell) -> str | None:
        """Material attribute named by a header cell's text, or None."""
        text = self.short_text(cell.el)
        if not text or len(text) > self.max_label:
            return None
        try:
            return self._columns[text]
        except KeyError:
            if len(self._columns) > KEY_CACHE_SIZE:
                self._columns.clear()
            column = self._columns[text] = self.vocab.material_column(text)
            return column

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
            row_cells = [grid.cell_at(r + 1, c) for c, _ in names]
            row = {n: self.cell_text(cell) for (_, n), cell in zip(names, row_cells)}
            if not any(row.values()) or _one_wide_cell(row_cells):
                continue
            rows.append(row)
            locations.append(self.location(grid.cell_at(r + 1, first) or header[0]))
            lines.append(" ".join([v for v in row.values() if v]))
            for cell in row_cells:
                if cell is not None:
                    self.consumed.add(cell.el)
        field = RawField(
            label=label[0], key=label[1], lines=lines, location=self.location(header[0]),
            rows=rows, row_locations=locations,
        )
        self.found.append(_Found(field, self.heading))

    def cell_text(self, cell: _Cell | None) -> str:
        return "\n".join(self.render_element(cell.el)) if cell is not None else ""

    def grid(self, table: etree._Element) -> _Grid:
        grid = _Grid(table, self.tables.get(table, 0))
        for cell in grid.at.values():
            self.cells[cell.el] = cell
        return grid

    def header_table(self, parts: list[object], *, force: bool = False) -> RawField | None:
        """The rows of the one header table among a value's parts, if there is one.

        With ``force`` the first row of two or more cells is taken as the header.
        """
        tables = [t for p in parts if _may_hold_table(p) for t in p.iter("table")]  # type: ignore[union-attr]
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


def _may_hold_table(part: object) -> bool:
    """Whether a value part is or may hold a table (a leaf cell, the usual part, cannot)."""
    return bool(_tag(part)) and (len(part) > 0 or part.tag == "table")  # type: ignore[arg-type, attr-defined]


def _caption(ex: _Tables, table: etree._Element) -> tuple[str, str | None] | None:
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
