"""DOCX handbooks and offline manuals → :class:`RawGuide` objects.

Reads ``word/document.xml`` with lxml (python-docx objects are ~10× slower)
after :func:`guidecheck.read.docx_safe.open_docx` has checked the file.

Three stages, one module each:

1. :mod:`~guidecheck.extract.docx_blocks` turns the body into paragraphs and
   tables in document order (list numbers from
   :mod:`~guidecheck.extract.docx_numbering`, styles from
   :mod:`~guidecheck.extract.docx_styles`).
2. :mod:`~guidecheck.extract.docx_assemble` turns blocks into events
   (headings, labelled fields, title candidates), using the label rules of
   :mod:`~guidecheck.extract.docx_labels`.
3. This module cuts the events into items: the shallowest heading whose
   section repeats no label is an item, and a section holding several
   ``事项名称`` is split at each of them.

The layout (handbook tables or manual paragraphs) is never configured: both
are read by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from guidecheck.extract.docx_assemble import Assembler, Candidate, Event, Heading, TableStart
from guidecheck.extract.docx_blocks import Block, Cell, Para, Table, read_blocks
from guidecheck.extract.docx_labels import ZW, strip_enumerator, title_of
from guidecheck.extract.docx_numbering import format_number
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.memory import gc_paused
from guidecheck.read.docx_safe import open_docx
from guidecheck.vocab import FieldVocab, label_key

__all__ = ["Block", "Cell", "Para", "Table", "extract_docx", "format_number", "read_blocks",
           "strip_enumerator"]


@dataclass(slots=True)
class _Node:
    heading: Heading | None
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
        if isinstance(ev, Heading):
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
        k = _label_key(f.label)
        if k in seen:
            return True
        seen.add(k)
    return False


@lru_cache(maxsize=4096)
def _label_key(label: str) -> str:
    """label_key of a field's label; memoized: every item repeats the same labels."""
    return label_key(ZW.sub("", label))


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


def _chunks(events: list[Event], source: str, heading: Heading | None) -> list[RawGuide]:
    """Split a section's direct events into items at each repeated 事项名称."""
    chunks: list[list[Event]] = [[]]
    has_name = False
    boundary: int | None = None
    for ev in events:
        current = chunks[-1]
        if isinstance(ev, (TableStart, Candidate)):
            if boundary is None or isinstance(ev, TableStart) or not _fields_since(current,
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
        first = next(ev for ev in chunk if isinstance(ev, (Candidate, RawField)))
        where = own.location if own else first.location
        guides.append(RawGuide(source=where, title=title, fields=fields))
    return guides


def _fields_since(events: list[Event], start: int) -> bool:
    return any(isinstance(ev, RawField) for ev in events[start:])


def _chunk_title(chunk: list[Event], fields: list[RawField], heading: Heading | None) -> str | None:
    if heading is not None:
        return heading.title
    for ev in chunk:
        if isinstance(ev, RawField):
            break
        if isinstance(ev, Candidate):
            return ev.text
    name = next((f for f in fields if f.key == "name" and f.lines), None)
    return title_of(name.lines[0]) if name else None


def extract_docx(data: bytes, source: str, vocab: FieldVocab) -> list[RawGuide]:
    """Every item's guide in a DOCX handbook or manual; InvalidUpload for unreadable files."""
    parts = open_docx(data, source)
    with gc_paused():
        blocks = read_blocks(parts)
        assembler = Assembler(source, vocab)
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
