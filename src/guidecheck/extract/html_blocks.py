"""Block layouts: the walk over the page, label elements and their values (dl/dt/dd,
span/div pairs, label + following siblings, label-headed sections) and "标签：值" lines.
"""

from __future__ import annotations

from lxml import etree

from guidecheck.extract.html_clean import (
    HEADINGS,
    MAX_DEPTH,
    SKIP_TAGS,
    _has_text,
    _is_leaf,
    _squash,
    _tag,
    _text,
)
from guidecheck.extract.html_state import _UNSEEN, _State

WIDE_BLOCK = 8
"""Children from which the hot-subtree search first tests a block's whole text
(:meth:`_Blocks._cold_block`). In callgrind, 8 beat 16 on every page set (−1.0 % on
distinct pages of the 100,000-page corpus, −0.9 % demo pages, −0.3 % synthetic); 4 lost
(+2.9 %): the whole-text test of a narrow block rarely saves a walk."""


class _Blocks(_State):
    """Finds fields outside tables; hands tables to :meth:`table`."""

    def walk(self, el: etree._Element, depth: int = 0) -> None:
        """Visit the children of ``el``."""
        if depth > MAX_DEPTH:
            self.too_deep = True
            return
        for child in el:
            self.visit(child, depth)

    def visit(self, el: etree._Element, depth: int = 0) -> None:
        """Find the fields in one element; a subtree without label text is not entered."""
        tag = el.tag  # a comment's or PI's tag is not a string
        if type(tag) is not str or tag in SKIP_TAGS or el in self.skip or el in self.consumed:
            return
        hot = self.is_hot(el)
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

    def is_hot(self, el: etree._Element) -> bool:
        """Whether the element holds, at any depth, a known label or a colon in its own
        text (a tail belongs to the parent); the walk enters only hot subtrees.

        Decided when the walk first asks, so boilerplate and subtrees the walk never
        reaches are never read (see :meth:`_search`).
        """
        known = self.hot.get(el)
        return known if known is not None else self._search(el)

    def _search(self, el: etree._Element) -> bool:
        """Read the subtree up to its first hit, in document order; mark the path from
        the hit to ``el`` hot, or ``el`` cold.

        A child with two or more children (a container) is searched on its own, so a
        wide block anywhere below (a side column's lists of links) gets the one look at
        its whole text (:meth:`_cold_block`) instead of a read node by node; a smaller
        child is read in one pass. Children found cold are remembered: the walk asks
        about them next.
        """
        hot = self.hot
        if self._cold_block(el):
            hot[el] = False
            return False
        hit = self._hit
        text = el.text
        found = bool(text) and hit(text)
        if not found:
            for child in el:
                if len(child) > 1:
                    known = hot.get(child)
                    found = known if known is not None else self._search(child)
                else:
                    found = self._search_small(child, el)
                if found:
                    break
                tail = child.tail
                if tail and hit(tail):
                    found = True
                    break
        hot[el] = found
        return found

    def _search_small(self, child: etree._Element, parent: etree._Element) -> bool:
        """:meth:`_search` of a child with at most one child, in one pass (its own tail
        is the parent's: not read here). A hit marks the path up to ``parent``; no hit
        marks the child cold."""
        hit, target = self._hit, None
        text = child.text
        if text and hit(text):
            target = child
        elif len(child) and not len(grand := child[0]):  # <li><a>…</a></li>, the usual
            text, tail = grand.text, grand.tail
            if text and hit(text):
                target = grand
            elif tail and hit(tail):
                target = child
        elif len(child):
            nodes = child.iter()
            next(nodes)  # the child itself, read above
            for node in nodes:
                text = node.text
                if text and hit(text):
                    target = node
                    break
                tail = node.tail
                if tail and hit(tail):
                    target = node.getparent()
                    break
        hot = self.hot
        if target is None:
            hot[child] = False
            return False
        while target is not parent:
            hot[target] = True
            target = target.getparent()
        return True

    def _cold_block(self, el: etree._Element) -> bool:
        """A wide block (a list of links, say) found cold with one look at its whole text."""
        return len(el) >= WIDE_BLOCK and not self.may_hold_label(_text(el))

    def _hit(self, text: str) -> bool:
        """Whether a text part has a colon or is, stripped, a known label."""
        if "：" in text or ":" in text:
            return True
        text = text.strip()
        if not text or len(text) > self.max_label:
            return False
        key = self._keys.get(text, _UNSEEN)
        return (self.key_for(text) if key is _UNSEEN else key) is not None


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
        for line in self.render_element(el):
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
