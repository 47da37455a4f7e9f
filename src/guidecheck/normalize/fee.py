"""Fees: 不收费 / 免费 / 无 / 0元 → free; amounts as ``N元``; the 收费依据."""

from __future__ import annotations

import functools
import re
from typing import Any

from guidecheck.model import Fee, Location
from guidecheck.normalize.numerals import arabize, format_number
from guidecheck.normalize.text import clean

_FREE = re.compile(r"不收费|免费|免收|不收取|无收费|零收费|无需缴费|不需缴费|无需付费|无费用")
_FREE_WHOLE = re.compile(r"^(?:无|否|0|0元|零元|无收费项目|不涉及)$")
_CHARGED = re.compile(r"^(?:是|收费|有|需缴费)(?:[,，:：;；。\s]|$)")
_AMOUNT = re.compile(r"(?:[¥￥]\s*(\d+(?:\.\d+)?))|(\d+(?:\.\d+)?)\s*(万元|元|块)")
_BASIS = re.compile(r"(?:收费依据|依据|根据)\s*[:：]?\s*(.+)$", re.S)


def _amounts(text: str) -> list[float]:
    values = []
    for m in _AMOUNT.finditer(text):
        number = float(m.group(1) or m.group(2))
        values.append(number * 10000 if m.group(3) == "万元" else number)
    return values


# A basis cited without a 依据 word: the first 《title》 or document number (浙价费〔2018〕1号)
# after the amount, e.g. "工本费20元；《关于…的通知》".
_CITED = re.compile(r"[;；,，]?\s*((?:《[^》]+》|[\u4e00-\u9fff]{1,12}〔\d{4}〕\d+号).*)$", re.S)


def _split_basis(text: str) -> tuple[str, str | None]:
    """(the fee text without its basis, the 收费依据 stated inside it, cleaned)."""
    m = _BASIS.search(text) or _CITED.search(text)
    if not m:
        return text, None
    basis = clean(m.group(1))
    while basis.endswith(")") and basis.count(")") > basis.count("("):
        basis = clean(basis[:-1])  # the close of a parenthesis the basis sat in
    return text[: m.start()] or text, basis or None


def extract_basis(text: str) -> str | None:
    """The 收费依据 stated inside a fee text (``依据…`` / ``收费依据：…`` / a cited 《title》)."""
    return _split_basis(text)[1]


def parse_fee(raw: str, location: Location, *, basis: str | None = None) -> Fee:
    """Parse a fee text; ``basis`` (from a 收费依据 label) wins over one found in the text.
    ``free`` is None when the text says neither free nor an amount."""
    return Fee(raw=raw, location=location, **_fee_parts(raw, basis))


@functools.lru_cache(maxsize=1 << 12)
def _fee_parts(raw: str, basis: str | None) -> dict[str, Any]:
    """The :class:`Fee` attributes but raw and location (cached; callers only unpack it)."""
    text = arabize(clean(raw))
    head, found_basis = _split_basis(text)
    if basis:
        head, found_basis = text, clean(basis)
    values = _amounts(head)
    if _FREE.search(head) or _FREE_WHOLE.match(head) or (values and not any(values)):
        return {"free": True, "basis": found_basis}
    amounts = tuple(dict.fromkeys(f"{format_number(v)}元" for v in values if v))
    if amounts or _CHARGED.match(head):
        return {"free": False, "amounts": amounts, "basis": found_basis}
    return {"free": None, "basis": found_basis}
