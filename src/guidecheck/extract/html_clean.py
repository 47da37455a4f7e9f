"""HTML extraction helpers: parsing, boilerplate, text of elements, rendered lines.

Shared by the modules of the generic HTML extractor (:mod:`guidecheck.extract.html`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterable

from lxml import etree

from guidecheck.errors import InvalidUpload

MAX_DEPTH = 180
"""Deeper elements are read as plain text (lxml itself caps the tree at 255 levels)."""
MAX_SPAN = 200
"""Largest rowspan/colspan honoured (a page may say rowspan=100000)."""
MAX_UNKNOWN_LABEL = 12
"""Longest text taken as an unknown label (th, dt, span.label…)."""
BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul"]
)
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "select", "option", "button", "input", "textarea", "head", "title", "map"]
)
BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside"})
NAMED_BOILERPLATE_TAGS = ("div", "ul", "ol", "section", "p", "span", "table", "dl", "form", "td")
"""Tags whose class or id is checked for boilerplate words (not html, body, main)."""
_NAMED_BOILERPLATE = frozenset(NAMED_BOILERPLATE_TAGS)
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
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


def _collapse(text: str) -> str:
    """Each run of HTML source (ASCII) whitespace as one space.

    Most text parts hold no tab, newline, carriage return, form feed or double space:
    they are already collapsed and skip the regex.
    """
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return _ASCII_WS.sub(" ", text)
    return text


def _squash(text: str) -> str:
    """Collapse HTML source whitespace; keep &nbsp; and full-width spaces inside."""
    return _collapse(text).strip()


_TOSTRING = etree.tostring


def _text(el: etree._Element) -> str:
    """All text inside an element, tails of descendants included, the element's own
    tail not (XPath ``string()``, but several times cheaper than an XPath call)."""
    return _TOSTRING(el, method="text", encoding="unicode", with_tail=False)  # type: ignore[no-any-return]


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
            self._current.append(_collapse(value))

    def newline(self) -> None:
        line = "".join(self._current).strip(" \t\r\n\f")
        if line.strip():
            self.lines.append(line)
        self._current = []

    def result(self) -> list[str]:
        self.newline()
        return self.lines


def _is_leaf(el: etree._Element) -> bool:
    """No child is a block (a comment's or PI's tag, not a string, is no block either)."""
    return not any(c.tag in BLOCK_TAGS for c in el)

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


def _parse(text: str, source: str, utf8: bytes | None = None) -> etree._Element:
    """Parse with the encoding stated, so libxml2 never re-guesses it from <meta>.

    ``utf8``: the page's own bytes when they are exactly ``text`` in UTF-8 (not encoded again).
    """
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    if utf8 is None:
        utf8 = text.encode("utf-8", errors="replace")
    try:
        root = etree.fromstring(utf8, parser)
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


@functools.lru_cache(maxsize=4096)
def label_class(names: str) -> bool:
    """Whether a class attribute names a label (``tit``, ``label``, ``field-name``…)."""
    return _LABEL_CLASS.search(names) is not None


@functools.lru_cache(maxsize=4096)
def value_class(names: str) -> bool:
    """Whether a class attribute names a value (``value``, ``con``, ``content``…)."""
    return _VALUE_CLASS.search(names) is not None


class _Boilerplate:
    """The skipped elements: nav/header/footer/aside, elements whose class or id names
    nav/menu/footer/header/breadcrumb/sidebar/share/copyright, and those a site adapter
    ignores. Decided per element when first asked, so the elements nobody asks about
    (most of a page) are never looked at."""

    __slots__ = ("_known", "ignored")

    def __init__(self) -> None:
        self.ignored: set[object] = set()
        self._known: dict[object, bool] = {}

    def update(self, elements: Iterable[object]) -> None:
        self.ignored.update(elements)
        self._known.clear()  # answers given before may change

    def __contains__(self, el: object) -> bool:
        known = self._known.get(el)
        if known is None:
            tag = el.tag  # type: ignore[attr-defined]
            if tag in BOILERPLATE_TAGS or (self.ignored and el in self.ignored):
                known = True
            elif tag not in _NAMED_BOILERPLATE:
                known = False
            else:
                names, ident = el.get("class"), el.get("id")  # type: ignore[attr-defined]
                known = bool(names or ident) and _boilerplate_name(f"{names or ''} {ident or ''}")
            self._known[el] = known
        return known


def _inside(el: etree._Element, skip: Container[object]) -> bool:
    return any(a in skip for a in el.iterancestors()) or el in skip


def _page_title(root: etree._Element, skip: Container[object]) -> str | None:
    for h1 in root.iter("h1"):
        text = _squash(_text(h1))
        if text and not _inside(h1, skip):
            return text
    title = root.find(".//title")
    text = _squash(_text(title)) if title is not None else ""
    return text or None


def _body(root: etree._Element) -> etree._Element:
    body = root.find("body")
    return body if body is not None else root
