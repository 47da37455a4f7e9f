"""styles.xml → what a paragraph style means here: heading level, TOC, list, bold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from guidecheck.extract.docx_xml import FALSE, W_PPR, W_RPR, W_VAL, W, child_val, to_int


@dataclass(frozen=True, slots=True)
class Style:
    heading: int | None = None  # outline level 0–8
    toc: bool = False
    num: tuple[str, int] | None = None  # (numId, ilvl) from the style
    bold: bool = False


_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def parse_styles(root: etree._Element | None) -> dict[str, Style]:
    if root is None:
        return {}
    raw: dict[str, tuple[str, str | None, etree._Element]] = {}
    for st in root.iterchildren(W + "style"):
        if st.get(W + "type", "paragraph") == "paragraph":
            name = child_val(st, "name") or ""
            raw[st.get(W + "styleId", "")] = (name, child_val(st, "basedOn"), st)
    return {sid: _resolve_style(sid, raw, set()) for sid in raw}


def _resolve_style(sid: str, raw: dict, seen: set[str]) -> Style:
    name, based_on, st = raw[sid]
    parent = Style()
    if based_on in raw and based_on not in seen:
        seen.add(sid)
        parent = _resolve_style(based_on, raw, seen)
    lowered = name.strip().lower()
    heading = parent.heading
    if m := _HEADING_NAME.match(lowered):
        heading = int(m.group(1)) - 1
    elif lowered in ("title", "标题"):
        heading = 0
    ppr = st.find(W_PPR)
    outline = child_val(ppr, "outlineLvl")
    if outline is not None and to_int(outline, 9) < 9:
        heading = to_int(outline, 9)
    toc = lowered.startswith(("toc ", "目录")) or lowered == "toc heading" or parent.toc
    num = parent.num
    numpr = ppr.find(W + "numPr") if ppr is not None else None
    if numpr is not None and child_val(numpr, "numId") is not None:
        num = (child_val(numpr, "numId") or "0", to_int(child_val(numpr, "ilvl"), 0))
    bold_el = st.find(W_RPR + "/" + W + "b")
    bold = parent.bold if bold_el is None else bold_el.get(W_VAL) not in FALSE
    return Style(heading=heading, toc=toc, num=num, bold=bold)


def default_style_id(root: etree._Element | None) -> str:
    if root is None:
        return ""
    for st in root.iterchildren(W + "style"):
        if st.get(W + "type") == "paragraph" and st.get(W + "default") in ("1", "true", "on"):
            return st.get(W + "styleId", "")
    return ""
