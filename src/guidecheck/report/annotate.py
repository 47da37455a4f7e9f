"""A copy of a draft DOCX with a Word comment anchored at each finding's place.

The caller passes :class:`Note` objects: a place in the draft (``Location`` with the
extractor's numbering: body paragraph ``第P段`` or table cell ``表N 第R行 第C列``), the
text the extractor read there, and the comment. The body is walked in the same order
as :mod:`guidecheck.extract.docx_blocks` numbers it; when the element found there does
not hold the expected text (a layout the walk numbers differently), the first
paragraph or cell holding exactly that text is used instead.

Only call this on a draft that already passed the safe reader
(:func:`guidecheck.read.docx_safe.open_docx`): python-docx loads the whole package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.text.run import Run
from lxml import etree

from guidecheck.errors import GuidecheckError
from guidecheck.model import Location

AUTHOR = "guidecheck"
INITIALS = "GC"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W_P, W_TBL, W_TR, W_TC, W_R, W_T = (W + t for t in ("p", "tbl", "tr", "tc", "r", "t"))
W_SDT, W_SDTCONTENT, W_SDTPR = W + "sdt", W + "sdtContent", W + "sdtPr"
_CONTAINERS = frozenset({W + "customXml", W + "ins", W + "moveTo", W_SDTCONTENT})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Note:
    location: Location
    text: str  # what the extractor read at the location ("" when unknown)
    comment: str


class AnnotateError(GuidecheckError):
    """The annotated copy could not be written."""


def annotate_docx(
    source: Path,
    target: Path,
    notes: Sequence[Note],
    *,
    author: str = AUTHOR,
    initials: str = INITIALS,
) -> int:
    """Write ``target``: ``source`` with one comment per note; returns the count."""
    try:
        document = docx.Document(str(source))
    except Exception as exc:
        raise AnnotateError(f"{source}: 无法打开草稿以添加批注（{type(exc).__name__}）") from exc
    index = BodyIndex(document.element.body)
    for note in notes:
        runs = _runs(index.element(note.location, note.text))
        document.add_comment(runs, text=note.comment, author=author, initials=initials)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(target))
    except OSError as exc:
        raise AnnotateError(f"{target}: 无法写入带批注的草稿（{exc.strerror}）") from exc
    return len(notes)


# --- finding the element ----------------------------------------------------------------


class BodyIndex:
    """Body paragraphs and table cells by the extractor's numbering."""

    def __init__(self, body: etree._Element) -> None:
        self.paragraphs: dict[int, etree._Element] = {}
        self.cells: dict[tuple[int, int, int], etree._Element] = {}
        self._p = self._t = 0
        self._walk(body, in_table=False)

    def _walk(self, container: etree._Element, *, in_table: bool) -> None:
        for el in container:
            if el.tag == W_P:
                if not in_table:
                    self._p += 1
                    self.paragraphs[self._p] = el
            elif el.tag == W_TBL:
                self._table(el)
            elif el.tag == W_SDT:
                content = el.find(W_SDTCONTENT)
                if content is not None and not _is_toc(el):
                    self._walk(content, in_table=in_table)
            elif el.tag in _CONTAINERS:
                self._walk(el, in_table=in_table)

    def _table(self, tbl: etree._Element) -> None:
        self._t += 1
        table, row = self._t, 0
        for tr in _children(tbl, W_TR):
            trpr = tr.find(W + "trPr")
            if trpr is not None and trpr.find(W + "del") is not None:
                continue
            cells = list(_children(tr, W_TC))
            if not cells:
                continue
            row += 1
            col = 1 + _int(trpr, "gridBefore", 0)
            for tc in cells:
                self.cells[(table, row, col)] = tc
                self._walk(tc, in_table=True)
                col += max(_int(tc.find(W + "tcPr"), "gridSpan", 1), 1)

    def element(self, loc: Location, text: str) -> etree._Element:
        found = self.at(loc)
        want = _squash(text)
        if found is not None and (not want or _holds(found, want)):
            return found
        for el in (*self.paragraphs.values(), *self.cells.values()):
            if want and _squash(element_text(el)) == want:
                return el
        if found is not None:
            return found
        if self.paragraphs:
            return self.paragraphs[min(self.paragraphs)]
        raise AnnotateError(f"无法在草稿中定位 {loc.describe()}")

    def at(self, loc: Location) -> etree._Element | None:
        if loc.table is not None and loc.row is not None and loc.cell is not None:
            return self.cells.get((loc.table, loc.row, loc.cell))
        if loc.table is None and loc.paragraph is not None:
            return self.paragraphs.get(loc.paragraph)
        return None


def _children(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _CONTAINERS or child.tag == W_SDT:
            inner = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if inner is not None:
                yield from _children(inner, tag)


def _int(parent: etree._Element | None, name: str, default: int) -> int:
    if parent is None:
        return default
    el = parent.find(W + name)
    try:
        return int(el.get(W + "val")) if el is not None else default
    except (TypeError, ValueError):
        return default


def _is_toc(sdt: etree._Element) -> bool:
    gallery = sdt.find(f"{W_SDTPR}/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "table of contents" in (gallery.get(W + "val") or "").lower()


def _own(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """``tag`` descendants of a paragraph or cell, not those of nested paragraphs/tables
    (text boxes) or nested tables."""
    stop = W_P if el.tag == W_P else W_TC
    for child in el.iter(tag):
        owner = next(child.iterancestors(stop), None)
        if owner is el:
            yield child


def element_text(el: etree._Element) -> str:
    if el.tag == W_P:
        return "".join(t.text or "" for t in _own(el, W_T))
    return "\n".join(element_text(p) for p in _own(el, W_P))


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _holds(el: etree._Element, want: str) -> bool:
    """The element's text is the expected text (which may carry list numbering that
    Word draws and the runs do not hold)."""
    have = _squash(element_text(el))
    return have == want or (bool(have) and want.endswith(have))


# --- anchoring --------------------------------------------------------------------------


def _runs(el: etree._Element) -> list[Run]:
    """The first and last text run of a paragraph or cell (a new empty run when it
    has none); runs holding a comment reference are left out."""
    paragraphs = [el] if el.tag == W_P else list(_own(el, W_P))
    runs = [
        r
        for p in paragraphs
        for r in _own(p, W_R)
        if r.find(W_T) is not None and r.find(W + "commentReference") is None
    ]
    if not runs:
        target = paragraphs[0] if paragraphs else el
        r = OxmlElement("w:r")
        target.append(r)
        runs = [r]
    return [Run(runs[0], None), Run(runs[-1], None)]  # type: ignore[arg-type]
