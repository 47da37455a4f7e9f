"""Blocks → events: headings, labelled fields, title candidates, table starts.

A field stays open for the value paragraphs that follow it; tables are read as
label/value pairs (merged label cells carry down) or as materials tables.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from guidecheck.extract.docx_blocks import Block, Cell, Para, Table
from guidecheck.extract.docx_labels import (
    SENTENCE,
    ZW,
    Label,
    Vocab,
    enum_level,
    is_header_row,
    is_label_cell,
    looks_like_label_cell,
    lookup,
    parse_label,
    title_of,
)
from guidecheck.extract.raw import RawField
from guidecheck.model import Location
from guidecheck.vocab import FieldVocab


@dataclass(slots=True)
class Heading:
    level: int
    title: str
    location: Location


@dataclass(slots=True)
class Candidate:
    text: str
    location: Location


@dataclass(slots=True)
class TableStart:
    pass


Event = Heading | Candidate | TableStart | RawField


@dataclass(slots=True)
class _Materials:
    field: RawField
    headers: list[tuple[int, str]]  # (grid column, header text)
    last: dict[int, str]  # last text per column, for vertically merged cells


class Assembler:
    """Blocks → events; a field stays open for following value paragraphs."""

    def __init__(self, source: str, vocab: FieldVocab) -> None:
        self.source, self.vocab = source, Vocab(vocab)
        self.events: list[Event] = []
        self.open: RawField | None = None

    # paragraphs ---------------------------------------------------------
    def paragraph(self, para: Para, following: list[Block]) -> None:
        text = para.text
        if not text.strip():
            return
        label = parse_label(self.vocab, text, strong=para.heading is not None or para.bold,
                             open_kind=self._open_kind())
        if label is not None:
            self._start_field(label, Location(source=self.source, paragraph=para.index))
            return
        level = self._heading_level(para, following)
        if level is not None:
            self.open = None
            self.events.append(Heading(level, title_of(text),
                                       Location(source=self.source, paragraph=para.index)))
        elif self.open is not None and not self._titles_next_item(text, following):
            self.open.lines.extend(line for line in text.split("\n") if line.strip())
        elif len(text.strip()) <= 60 and not SENTENCE.search(text.strip()[-1:]):
            self.events.append(Candidate(title_of(text),
                                         Location(source=self.source, paragraph=para.index)))

    def _titles_next_item(self, text: str, following: list[Block]) -> bool:
        """A short line right before "事项名称：…" is the next item's title, not a value."""
        nxt = following[0] if following else None
        if not isinstance(nxt, Para) or len(text.strip()) > 60 or SENTENCE.search(text):
            return False
        label = parse_label(self.vocab, nxt.text, strong=True, open_kind=None)
        return label is not None and label.key == "name" and bool(label.value)

    def _open_kind(self) -> str | None:
        if self.open is None:
            return None
        return self.vocab.kind(self.open.key) if self.open.key else "text"

    def _heading_level(self, para: Para, following: list[Block]) -> int | None:
        if para.heading is not None:
            return para.heading
        level = enum_level(para.text)
        if level is None or len(para.text) > 60 or SENTENCE.search(para.text[-1:]):
            return None
        if self.open is not None and any(enum_level(line) == level for line in self.open.lines):
            return None  # the next entry of a numbered value list
        return level if self._starts_section(level, following) else None

    def _starts_section(self, level: int, following: list[Block]) -> bool:
        for block in following[:2]:
            if isinstance(block, Table):
                return True
            if not block.text.strip():
                continue
            if parse_label(self.vocab, block.text, strong=True, open_kind=None):
                return True
            deeper = enum_level(block.text)
            if deeper is None or deeper <= level:
                return False
        return False

    def _start_field(self, label: Label, loc: Location) -> RawField:
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
        if self._has_name_cell(table):
            self.events.append(TableStart())
        attach = self.open if self.open is not None and self.open.key == "materials" else None
        if is_header_row(self.vocab, table.rows[0]):
            target = attach if attach is not None and not attach.rows else None
            self._materials(table, target)
        else:
            self._key_values(table)
        self.open = None

    def _has_name_cell(self, table: Table) -> bool:
        field_for_label = self.vocab.field_for_label
        for row in table.rows:
            for c in row:
                if len(c.lines) == 1 and field_for_label(c.text) == "name":
                    return True
        return False

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
        while lead < len(cells) and ((cells[lead].merge == "continue" and cells[lead].col in
                                     col_fields) or not cells[lead].text.strip()):
            outer = col_fields.get(cells[lead].col) or outer
            lead += 1
        rest = cells[lead:]
        if len(rest) >= 3 and is_label_cell(self.vocab, rest[0]) \
                and is_header_row(self.vocab, rest[1:]):
            field_ = self._pair_field(rest[0], None, table, r)
            col_fields[rest[0].col] = field_
            return self._materials_from_row(table, r, cells, lead + 1, field_)
        if len(rest) >= 2 and is_header_row(self.vocab, rest):
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
            label = parse_label(self.vocab, line, strong=len(cell.lines) == 1,
                                 open_kind=self._open_kind())
            if label is not None:
                self._start_field(label, loc)
            elif self.open is not None:
                self.open.lines.append(line)
            else:
                self.events.append(Candidate(title_of(line), loc))
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
        return (is_label_cell(self.vocab, cell) or looks_like_label_cell(cell)) and \
            is_label_cell(self.vocab, sub) and not is_label_cell(self.vocab, value)

    def _is_label(self, cell: Cell, nxt: Cell, i: int, count: int) -> bool:
        if is_label_cell(self.vocab, cell):
            return True
        return i % 2 == 0 and looks_like_label_cell(cell) and nxt.merge != "continue" and \
            not is_label_cell(self.vocab, nxt) and count >= 2

    def _pair_field(self, label_cell: Cell, value: Cell | None, table: Table, r: int) -> RawField:
        label = label_cell.text.strip().rstrip("：:").strip()
        loc = self._loc(table, r, value.col if value is not None else label_cell.col)
        raw = RawField(label=label, key=lookup(self.vocab, label),
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
            if inner.rows and is_header_row(self.vocab, inner.rows[0]):
                target = owner if owner is not None and owner.key == "materials" else None
                self._materials(inner, target)
            elif owner is not None and not self._has_known_label(inner):
                owner.lines.extend(_row_line(row) for row in inner.rows if _row_line(row))
            else:
                saved = self.open
                self._key_values(inner)
                self.open = saved

    def _has_known_label(self, table: Table) -> bool:
        return any(is_label_cell(self.vocab, c) for row in table.rows for c in row)

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
        headers = [(c.col, ZW.sub("", "".join(c.lines)).strip()) for c in header if c.text.strip()]
        self.open = owner
        return _Materials(owner, headers, {})

    def _material_row(self, state: _Materials, table: Table, r: int, cells: list[Cell],
                      col_fields: dict[int, RawField | None]) -> bool:
        """Add one data row; False when the row ends the materials block."""
        first = next((c for c in cells if c.merge != "continue" or c.col not in col_fields), None)
        if first is None:
            return True
        if first.merge != "continue" and is_label_cell(self.vocab, first) and \
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
            at = bisect_right(parent_cols, c.col)  # the last header column at or before c
            if at == 0 or len(c.text) > 8:
                return False
            parent = parent_cols[at - 1]
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


def _combine(vocab: Vocab, sub: str, parent: str) -> str:
    for candidate in (sub + parent, parent + sub):
        if vocab.material_column(candidate):
            return candidate
    return sub if vocab.material_column(sub) else f"{parent}/{sub}"
