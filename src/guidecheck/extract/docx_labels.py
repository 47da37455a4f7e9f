"""Labels: "标签：值" lines, label cells, materials header rows, list enumerators."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guidecheck.extract.docx_blocks import Cell
from guidecheck.vocab import FieldVocab

ZW = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
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
SENTENCE = re.compile(r"[。；;，,！？!?]")
_LIST_KINDS = frozenset({"list", "materials", "legal_basis"})


def strip_enumerator(text: str) -> str:
    return _ENUM.sub("", text, count=1)


@lru_cache(maxsize=4096)
def enum_level(text: str) -> int | None:
    """Outline level of a leading enumerator ("一、" → 1); memoized: list lines repeat."""
    for pattern, level in _ENUM_LEVEL:
        if pattern.match(text):
            return level
    return None


class Vocab:
    """FieldVocab lookups memoized per document (labels repeat in every item)."""

    def __init__(self, vocab: FieldVocab) -> None:
        self.vocab = vocab
        self._fields: dict[str, str | None] = {}
        self._columns: dict[str, str | None] = {}
        self._label_texts: dict[str, bool] = {}  # is_label_text
        self.labels: dict[tuple[str, bool, str | None], Label | None] = {}  # parse_label

    def field_for_label(self, label: str) -> str | None:
        try:
            return self._fields[label]
        except KeyError:
            key = self._fields[label] = self.vocab.field_for_label(ZW.sub("", label))
            return key

    def material_column(self, header: str) -> str | None:
        try:
            return self._columns[header]
        except KeyError:
            attr = self._columns[header] = self.vocab.material_column(ZW.sub("", header))
            return attr

    def is_label_text(self, text: str) -> bool:
        """Whether a one-line cell's text is a known label (trailing colon allowed)."""
        try:
            return self._label_texts[text]
        except KeyError:
            label = text.strip().rstrip("：:")
            known = self._label_texts[text] = bool(label) and \
                self.field_for_label(label) is not None
            return known

    def kind(self, key: str) -> str:
        return self.vocab.kind(key)


def lookup(vocab: Vocab, label: str) -> str | None:
    return vocab.field_for_label(label)


@dataclass(slots=True)
class Label:
    label: str
    value: str
    key: str | None


def parse_label(vocab: Vocab, text: str, *, strong: bool,
                 open_kind: str | None) -> Label | None:
    """A labelled line: "标签：值", "标签：" or (when ``strong``) a bare known label.

    Memoized per document (the same labels and step lines recur in every item);
    the Label returned is shared, never changed."""
    key = (text, strong, open_kind)
    try:
        return vocab.labels[key]
    except KeyError:
        label = vocab.labels[key] = _parse_label(vocab, text, strong, open_kind)
        return label


def _parse_label(vocab: Vocab, text: str, strong: bool, open_kind: str | None) -> Label | None:
    body = strip_enumerator(text)
    enumerated = body != text.lstrip()
    m = _LABEL_SPLIT.match(body)
    if m:
        label, value = m.group(1).strip(), m.group(2).strip()
        if label and not SENTENCE.search(label):
            key = lookup(vocab, label)
            if key is not None:
                return Label(label, value, key)
            if not enumerated and _unknown_label_ok(label, value, open_kind):
                return Label(label, value, None)
    bare = body.strip().rstrip("：:").strip()
    if bare and len(bare) <= 30 and (strong or enumerated or open_kind is None):
        key = lookup(vocab, bare)
        if key is not None:
            return Label(bare, "", key)
    return None


def _unknown_label_ok(label: str, value: str, open_kind: str | None) -> bool:
    plain = ZW.sub("", label).strip()
    if not plain or plain[0].isdigit() or len(plain) > 15:
        return False
    if not value:
        return True
    return len(plain) <= 10 and open_kind not in _LIST_KINDS


def is_label_cell(vocab: Vocab, cell: Cell) -> bool:
    return len(cell.lines) == 1 and vocab.is_label_text(cell.text)


def looks_like_label_cell(cell: Cell) -> bool:
    return len(cell.lines) == 1 and _looks_like_label(cell.text)


@lru_cache(maxsize=4096)
def _looks_like_label(text: str) -> bool:
    """A short line that could be an unknown label; memoized: label cells repeat."""
    text = ZW.sub("", text).strip().rstrip("：:")
    return 0 < len(text) <= 20 and not SENTENCE.search(text) and not text[0].isdigit()


def is_header_row(vocab: Vocab, cells: list[Cell]) -> bool:
    """Most non-blank cells name a materials column, among them the material's name."""
    material_column = vocab.material_column
    filled = known = 0
    has_name = False
    for c in cells:
        text = c.text
        if not text.strip():
            continue
        filled += 1
        attr = material_column(text)
        if attr is not None:
            known += 1
            has_name = has_name or attr == "name"
    return has_name and known >= 2 and known * 2 > filled


def title_of(text: str) -> str:
    return strip_enumerator(text.strip()).strip().rstrip("：:").strip()
