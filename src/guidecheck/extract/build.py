"""RawGuide → Guide: parse each raw field by its kind, merge repeated fields.

The builder is the only place where extracted text becomes typed values, so
DOCX and HTML yield the same model. Nothing is dropped: an unknown label
becomes an extra field, a value that cannot be parsed is kept with its parts
as None and a note in ``Guide.notes``.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.model import (
    FIELD_KEYS,
    ExtraField,
    Fee,
    FieldValue,
    Guide,
    LegalBasis,
    ListValue,
    Material,
    MaterialList,
    Online,
    Phones,
    TextValue,
    TimeLimit,
    slots,
    to_data,
)
from guidecheck.normalize.citation import parse_legal_basis
from guidecheck.normalize.enums import parse_online, parse_visits
from guidecheck.normalize.fee import parse_fee
from guidecheck.normalize.material import (
    CONTENT_ATTRIBUTES,
    MaterialParts,
    classify_column,
    parts_from_cells,
    parts_from_line,
)
from guidecheck.normalize.phone import parse_phones
from guidecheck.normalize.text import clean, entry_tuple, split_values
from guidecheck.normalize.timelimit import parse_time_limit, unit_from_label
from guidecheck.vocab import FieldVocab, label_key

Built = tuple[FieldValue | None, Sequence[str]]
"""A field's value and the notes its building produced."""
Builder = Callable[[str, Sequence[RawField], FieldVocab], Built]
"""Builds one key's value from its fields (in document order)."""

_KNOWN_KEYS = frozenset(FIELD_KEYS)
_ARROW_LISTS = frozenset({"process"})
_PREFERRED_LABELS = {"name": ("子项名称",)}  # a sub-item's name is the item's name
_FEE_BASIS_MARK = "依据"
_NO_NOTES: tuple[str, ...] = ()


def _snippet(text: str, limit: int = 40) -> str:
    t = clean(text)
    return t if len(t) <= limit else t[:limit] + "…"


def note_unparsed(field: RawField) -> str:
    return f"「{field.label}」的值无法解析：{_snippet(field.text)}（{field.location}）"


def note_repeated(field: RawField, kept: RawField) -> str:
    return (
        f"「{field.label}」与「{kept.label}」重复且内容不同，取第一个值"
        f"（{field.location}：{_snippet(field.text)}）"
    )


def _text(field: RawField) -> str:
    """A field's text as the one string object all equal texts share (``sys.intern``):
    pages repeat values, so a chunk's guides pickle each text once and the scan's main
    process unpickles one string for it, not one a page."""
    return sys.intern(field.text)


def _joined(fields: Sequence[RawField]) -> str:
    """The text of one key's fields, joined (shared as in :func:`_text`)."""
    if len(fields) == 1:
        return _text(fields[0])
    return sys.intern("\n".join(f.text for f in fields))


def _text_value(field: RawField) -> TextValue:
    text = _text(field)
    return TextValue(raw=text, text=clean(text), location=field.location)


def _is_blank(field: RawField) -> bool:
    return not clean(field.text) and not field.rows


# --- one parser per kind: (fields of one key) → value, notes ------------------------


def _first_wins(
    fields: Sequence[RawField], parse: Callable[[RawField], Any], unparsed: Callable[[Any], bool]
) -> Built:
    kept = fields[0]
    value = parse(kept)
    notes = [note_unparsed(kept)] if unparsed(value) and not _is_blank(kept) else []
    if len(fields) == 1:
        return value, notes
    others = [f for f in fields[1:] if clean(f.text) != clean(kept.text)]
    if others:
        meaning = to_data(value, semantic=True)
        notes += [
            note_repeated(f, kept) for f in others if to_data(parse(f), semantic=True) != meaning
        ]
    return value, notes


def _build_text(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    preferred = _PREFERRED_LABELS.get(key)
    ordered = fields
    if preferred:
        ordered = sorted(fields, key=lambda f: label_key(f.label) not in preferred)
    return _first_wins(ordered, _text_value, _never)


def _never(value: Any) -> bool:
    return False


def _build_list(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    arrows = key in _ARROW_LISTS

    def parse(field: RawField) -> ListValue:
        items = entry_tuple(tuple(field.lines), arrows)
        return ListValue(raw=_text(field), items=items, location=field.location)

    return _first_wins(fields, parse, _never)


def _build_codes(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    items = dict.fromkeys(code for f in fields for code in split_values(f.text))
    raw = _joined(fields)
    return ListValue(raw=raw, items=tuple(items), location=fields[0].location), _NO_NOTES


def _parse_time_limit(field: RawField) -> TimeLimit:
    return parse_time_limit(
        _text(field), field.location, default_unit=unit_from_label(field.label)
    )


def _time_unparsed(value: TimeLimit) -> bool:
    return value.amount is None and not value.immediate and not value.no_statutory


def _build_time_limit(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    return _first_wins(fields, _parse_time_limit, _time_unparsed)


def _build_fee(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    basis_fields = [f for f in fields if _FEE_BASIS_MARK in label_key(f.label)]
    fee_fields = [f for f in fields if f not in basis_fields]
    basis = "\n".join(f.text for f in basis_fields if clean(f.text)) or None
    parsed = [parse_fee(_text(f), f.location, basis=basis) for f in fee_fields]
    if not parsed:
        first = basis_fields[0]
        return Fee(raw=_text(first), basis=clean(basis) if basis else None, location=first.location), _NO_NOTES
    fee = parsed[0] if len(fields) == 1 else _merge_fees(parsed, raw=_joined(fields))
    notes = [note_unparsed(fee_fields[0])] if fee.free is None and not _is_blank(fee_fields[0]) else []
    return fee, notes


def _merge_fees(fees: Sequence[Fee], *, raw: str) -> Fee:
    free = next((f.free for f in fees if f.free is not None), None)
    amounts = tuple(dict.fromkeys(a for f in fees for a in f.amounts))
    basis = next((f.basis for f in fees if f.basis), None)
    return replace(fees[0], raw=raw, free=free, amounts=amounts, basis=basis)


def _build_legal_basis(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    raw = _joined(fields)
    value: LegalBasis = parse_legal_basis(raw, fields[0].location)
    unparsed = not value.citations and bool(clean(raw))
    return value, [note_unparsed(fields[0])] if unparsed else _NO_NOTES


def _build_visits(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    return _first_wins(
        fields, lambda f: parse_visits(_text(f), f.location), lambda v: v.count is None
    )


def _build_online(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    parsed = [parse_online(_text(f), f.location) for f in fields]
    value: Online = parsed[0] if len(parsed) == 1 else replace(
        parsed[0],
        raw=_joined(fields),
        available=next((o.available for o in parsed if o.available is not None), None),
        depth=next((o.depth for o in parsed if o.depth is not None), None),
    )
    unparsed = value.available is None and value.depth is None and not _is_blank(fields[0])
    return value, [note_unparsed(fields[0])] if unparsed else _NO_NOTES


def _build_phones(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    raw = _joined(fields)
    value: Phones = parse_phones(raw, fields[0].location)
    unparsed = not value.numbers and bool(clean(raw))
    return value, [note_unparsed(fields[0])] if unparsed else _NO_NOTES


_NOTE_LINE = re.compile(r"^(?:注|备注|说明|温馨提示)\s*[:：]")


LineParts = tuple[tuple[tuple[str, MaterialParts], ...], tuple[str, ...]]
"""(entry, parts) of each entry of a materials list that names a material; the note entries."""


@functools.lru_cache(maxsize=1 << 12)
def _line_parts(lines: tuple[str, ...]) -> LineParts:
    """What each entry of a materials list states, cached on the list's lines: a
    channel's pages repeat an item's materials list unit after unit."""
    items, notes = [], []
    for entry in entry_tuple(lines):
        if _NOTE_LINE.match(entry):
            notes.append(entry)
            continue
        parts = parts_from_line(entry)
        if parts.name:
            items.append((entry, parts))
    return tuple(items), tuple(notes)


def _materials_from_lines(field: RawField) -> tuple[list[Material], list[str]]:
    found, note_entries = _line_parts(tuple(field.lines))
    location = field.location
    items = [parts.material(raw=entry, location=location) for entry, parts in found]
    notes = [f"「{field.label}」的说明：{entry}（{location}）" for entry in note_entries]
    return items, notes


def column_attributes(
    rows: Sequence[Mapping[str, str]], vocab: FieldVocab
) -> dict[str, str | None]:
    """Header → material attribute. The header decides, unless it is unknown or its
    column's content clearly shows another attribute (a "要求" column of 纸质/电子 is
    ``form``); with no name column the free-text column with the longest cells is it."""
    headers = list(dict.fromkeys(h for row in rows for h in row))
    attrs: dict[str, str | None] = {}
    for header in headers:
        by_header = vocab.material_column(header)
        by_content = classify_column([row.get(header, "") for row in rows])
        overrides = by_content is not None and by_content != "index"
        if by_header == "count" and by_content == "copy_kind":
            overrides = False  # 份数 cells such as 原件1份、复印件3份 are counts of both kinds
        if by_header is None or (by_header in CONTENT_ATTRIBUTES and overrides):
            attrs[header] = by_content or by_header
        else:
            attrs[header] = by_header
    if "name" not in attrs.values():
        free = [h for h in headers if attrs[h] is None]
        if free:
            longest = max(free, key=lambda h: sum(len(row.get(h, "")) for row in rows))
            attrs[longest] = "name"
    return attrs


def _row_cells(row: Mapping[str, str], attrs: Mapping[str, str | None]) -> dict[str, str]:
    """Attribute → text for one row; unknown free-text columns join the note."""
    cells: dict[str, str] = {}
    extra_notes = []
    for header, text in row.items():
        attr = attrs.get(header)
        if attr is None:
            if clean(text):
                extra_notes.append(f"{clean(header)}：{clean(text)}")
        elif attr != "index" and attr not in cells:
            cells[attr] = text
    if extra_notes:
        cells["note"] = "；".join(filter(None, [cells.get("note", ""), *extra_notes]))
    return cells


def _is_section_row(row: Mapping[str, str]) -> bool:
    """A row that spans the table ("一、主体材料"): every filled cell says the same."""
    filled = [c for c in map(clean, row.values()) if c]
    return len(filled) > 1 and len(set(filled)) == 1


TableParts = tuple[tuple[int, str, MaterialParts], ...]
"""(row index, raw text, parts) of each row of a materials table that names a material."""
_TABLES: dict[tuple[int, tuple[tuple[tuple[str, str], ...], ...]], tuple[FieldVocab, TableParts]] = {}
_TABLES_MAX = 4096


def _table_parts(rows: Sequence[Mapping[str, str]], vocab: FieldVocab) -> TableParts:
    """What each row of a materials table states, cached on the table's text: a
    channel's pages repeat an item's materials table unit after unit. The entry
    keeps ``vocab`` alive, so its id names that vocabulary while the entry lives."""
    key = (id(vocab), tuple([tuple(row.items()) for row in rows]))
    hit = _TABLES.get(key)
    if hit is not None and hit[0] is vocab:
        return hit[1]
    attrs = column_attributes(rows, vocab)
    out = []
    for i, row in enumerate(rows):
        if _is_section_row(row):
            continue
        parts = parts_from_cells(_row_cells(row, attrs))
        if parts and parts.name:
            out.append((i, " | ".join(v for v in row.values() if v), parts))
    if len(_TABLES) >= _TABLES_MAX:
        _TABLES.clear()  # one atomic step, safe under threads
    _TABLES[key] = (vocab, tuple(out))
    return tuple(out)


def _materials_from_rows(field: RawField, vocab: FieldVocab) -> list[Material]:
    locations = field.row_locations or []
    n = len(locations)
    return [
        parts.material(raw=raw, location=locations[i] if i < n else field.location)
        for i, raw, parts in _table_parts(field.rows or [], vocab)
    ]


def build_materials(key: str, fields: Sequence[RawField], vocab: FieldVocab) -> Built:
    items: list[Material] = []
    notes: list[str] = []
    for field in fields:
        if field.rows:
            items.extend(_materials_from_rows(field, vocab))
        else:
            found, field_notes = _materials_from_lines(field)
            items.extend(found)
            notes.extend(field_notes)
    if not items and not _is_blank(fields[0]):
        notes.append(note_unparsed(fields[0]))
    return MaterialList(items=tuple(items), location=fields[0].location), notes


_BUILDERS: dict[str, Builder] = {
    "text": _build_text,
    "list": _build_list,
    "codes": _build_codes,
    "time_limit": _build_time_limit,
    "fee": _build_fee,
    "legal_basis": _build_legal_basis,
    "visits": _build_visits,
    "online": _build_online,
    "phones": _build_phones,
    "materials": build_materials,
}


# --- the guide -----------------------------------------------------------------------


def _extra(field: RawField) -> ExtraField:
    return ExtraField(label=field.label, value=_text_value(field))


_DISPATCH: tuple[FieldVocab | None, dict[str, Builder]] = (None, {})


def _builders(vocab: FieldVocab) -> dict[str, Builder]:
    """The builder of every key both the model and ``vocab`` know, by key; memo of the
    last vocabulary only (a run has one), read and replaced in one step each."""
    global _DISPATCH
    memo_vocab, builders = _DISPATCH
    if memo_vocab is vocab:
        return builders
    builders = {key: _BUILDERS[vocab.kind(key)] for key in vocab.fields if key in _KNOWN_KEYS}
    _DISPATCH = (vocab, builders)
    return builders


def _group(
    raw: RawGuide, builders: Mapping[str, Builder]
) -> tuple[dict[str, list[RawField]], list[ExtraField], list[str]]:
    """Fields grouped by canonical key (document order), extras, notes."""
    groups: dict[str, list[RawField]] = {}
    extras: list[ExtraField] = []
    notes: list[str] = []
    for field in raw.fields:
        key = field.key
        if key in builders:
            group = groups.get(key)
            if group is None:
                groups[key] = [field]
            else:
                group.append(field)
        else:
            extras.append(_extra(field))
            if key is not None:
                notes.append(f"「{field.label}」的字段键 {key!r} 不在字段词表中，作为附加字段保留")
    return groups, extras, notes


def build_guide(raw: RawGuide, *, channel: str, vocab: FieldVocab) -> Guide:
    """The typed guide for one item's raw fields (see docs/architecture.md)."""
    builders = _builders(vocab)
    groups, extras, notes = _group(raw, builders)
    values: dict[str, Any] = {}
    for key, fields in groups.items():
        values[key], field_notes = builders[key](key, fields, vocab)
        if field_notes:
            notes.extend(field_notes)
    values.update(
        channel=channel,
        source=raw.source,
        title=raw.title,
        extras=tuple(extras),
        notes=tuple([*raw.notes, *notes]),
    )
    return slots(Guide).new(values)  # Guide(**values), one a page: see model.Slots


def build_guides(raws: Iterable[RawGuide], *, channel: str, vocab: FieldVocab) -> list[Guide]:
    return [build_guide(r, channel=channel, vocab=vocab) for r in raws]
