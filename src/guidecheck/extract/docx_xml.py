"""WordprocessingML names and the small attribute helpers every DOCX module uses."""

from __future__ import annotations

from lxml import etree

from guidecheck.read.docx_safe import W_NS

W = f"{{{W_NS}}}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
W_P, W_R, W_T, W_TBL, W_TR, W_TC = (W + t for t in ("p", "r", "t", "tbl", "tr", "tc"))
W_PPR, W_RPR, W_TCPR, W_TRPR = (W + t for t in ("pPr", "rPr", "tcPr", "trPr"))
W_TAB, W_BR, W_CR, W_NBH = (W + t for t in ("tab", "br", "cr", "noBreakHyphen"))
W_SDT, W_SDTCONTENT, W_SDTPR = W + "sdt", W + "sdtContent", W + "sdtPr"
W_TXBX, W_DEL, W_MOVEFROM = W + "txbxContent", W + "del", W + "moveFrom"
W_FLDCHAR, W_INSTR, W_FLDSIMPLE = W + "fldChar", W + "instrText", W + "fldSimple"
W_VAL, W_B = W + "val", W + "b"
W_PSTYLE, W_NUMPR, W_OUTLINE = W + "pStyle", W + "numPr", W + "outlineLvl"
W_GRIDSPAN, W_VMERGE = W + "gridSpan", W + "vMerge"
MC_ALT, MC_CHOICE, MC_FALLBACK = MC + "AlternateContent", MC + "Choice", MC + "Fallback"

FALSE = frozenset({"0", "false", "off"})


def child_val(el: etree._Element | None, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(W + tag)
    return None if child is None else child.get(W_VAL)


def to_int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def first_child(el: etree._Element, tag: str) -> etree._Element | None:
    """The properties child (pPr, tcPr…), which Word always writes first."""
    for child in el:
        return child if child.tag == tag else None
    return None
