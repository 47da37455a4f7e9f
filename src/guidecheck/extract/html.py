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

from collections.abc import Iterable

from lxml import etree

from guidecheck.errors import NoGuideFound
from guidecheck.extract.html_blocks import _Blocks
from guidecheck.extract.html_clean import (
    BLOCK_TAGS,
    BOILERPLATE_TAGS,
    CELL_TAGS,
    HEADINGS,
    MAX_DEPTH,
    MAX_SPAN,
    MAX_UNKNOWN_LABEL,
    NAMED_BOILERPLATE_TAGS,
    SKIP_TAGS,
    _body,
    _page_title,
    _parse,
    _squash,
    _text,
)
from guidecheck.extract.html_state import KEY_CACHE_SIZE, _Found
from guidecheck.extract.html_tables import _Tables
from guidecheck.extract.raw import RawField, RawGuide
from guidecheck.extract.sites import SiteAdapter
from guidecheck.model import Location
from guidecheck.read.decode import Decoded, decode_html
from guidecheck.vocab import FieldVocab, label_key

__all__ = [
    "BLOCK_TAGS",
    "BOILERPLATE_TAGS",
    "CELL_TAGS",
    "HEADINGS",
    "KEY_CACHE_SIZE",
    "MAX_DEPTH",
    "MAX_SPAN",
    "MAX_UNKNOWN_LABEL",
    "MIN_KNOWN_FIELDS",
    "NAMED_BOILERPLATE_TAGS",
    "SKIP_TAGS",
    "Group",
    "extract_html",
]

MIN_KNOWN_FIELDS = 2
"""A guide needs at least this many distinct known fields."""


class _Extractor(_Blocks, _Tables):
    """One page's extraction: the block walk and the table reader over one state."""


Group = tuple[str | None, list[RawField]]
"""A guide's title (None: the page title) and its fields."""


def _group(found: list[_Found]) -> list[Group]:
    """Split the page's fields into guides where the first label comes round again."""
    groups: list[list[_Found]] = []
    current: list[_Found] = []
    keys: dict[str, str] = {}  # label → label_key (labels come round on a page)
    for item in found:
        if len(current) >= 3 and _cached_key(keys, item.field.label) == _cached_key(
            keys, current[0].field.label
        ):
            groups.append(current)
            current = []
        current.append(item)
    if current:
        groups.append(current)
    several = len(groups) > 1  # then each guide is titled by the heading above it
    return [(g[0].heading if several else None, [f.field for f in g]) for g in groups]


def _cached_key(keys: dict[str, str], label: str) -> str:
    key = keys.get(label)
    if key is None:
        key = keys[label] = label_key(label)
    return key


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


def _decode_notes(
    data: bytes, header_charset: str | None, decoded: Decoded | None = None
) -> tuple[str, bytes | None, list[str]]:
    """Text, the page bytes when they are that text in UTF-8 already, and notes."""
    if decoded is None:
        decoded = decode_html(data, header_charset=header_charset)
    same = decoded.encoding == "utf-8" and decoded.decided_by != "bom" and not decoded.flags
    notes = []
    if decoded.flags:
        notes.append(
            f"编码：按 {decoded.encoding} 解码（依据 {decoded.decided_by}，"
            f"标记 {', '.join(decoded.flags)}）"
        )
    if decoded.replacement_count:
        notes.append(f"编码：{decoded.replacement_count} 处无法解码的字节已替换为 �")
    return decoded.text, data if same else None, notes


def _no_guide(source: str, why: str) -> NoGuideFound:
    return NoGuideFound(
        f"{source}: 页面中没有找到办事指南（{why}），请确认该网址或文件是事项的办事指南详情页"
    )


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
    decoded: Decoded | None = None,
) -> list[RawGuide]:
    """The guides on one HTML page (usually one).

    ``decoded``: the page already decoded by :func:`~guidecheck.read.decode.decode_html`
    (with the same ``header_charset``), so it is not decoded twice.
    Raises :class:`NoGuideFound` for a page without a guide (news, 404, empty) and
    :class:`InvalidUpload` for markup the parser rejects.
    """
    text, utf8, notes = _decode_notes(data, header_charset, decoded)
    if not text.strip():
        raise _no_guide(source, "页面为空")
    root = _parse(text, source, utf8)
    ex = _Extractor(root, source, vocab)
    groups = _run_site(ex, site) if site is not None else _run_generic(ex)
    if ex.too_deep:
        notes.append("网页嵌套过深，深层内容未读取")
    guides = _guides(groups, source, _page_title(root, ex.skip), notes)
    if not guides:
        raise _no_guide(source, "未识别出事项名称、申请材料等字段")
    return guides
