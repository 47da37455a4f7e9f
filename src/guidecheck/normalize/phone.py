"""Phone numbers: 0571-87654321 / (0571)87654321 / 057187654321 → ``0571-87654321``."""

from __future__ import annotations

import functools
import re

from guidecheck.model import Location, Phones
from guidecheck.normalize.text import fold

_SEP = r"[\s\-–—]?"
_PHONE = re.compile(
    r"(?<![\d.])(?:"
    rf"(?P<land>\(?0\d{{2,3}}\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}})"
    rf"|(?P<mobile>(?:\+?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}})"
    rf"|(?P<service>[48]00{_SEP}\d{{3}}{_SEP}\d{{4}})"
    r"|(?P<short>\d{5}|\d{7,8})"
    r")(?![\d:.])"
)
_NON_DIGIT = re.compile(r"\D")


def format_landline(digits: str) -> str | None:
    """``057187654321`` → ``0571-87654321``; area codes 01x/02x have 3 digits, others 4."""
    area = 3 if digits[1] in "12" else 4
    local = digits[area:]
    if not 7 <= len(local) <= 8:
        return None
    return f"{digits[:area]}-{local}"


def _normalize(m: re.Match[str]) -> str | None:
    digits = _NON_DIGIT.sub("", m.group(0))
    if m.group("land"):
        return format_landline(digits)
    if m.group("mobile"):
        return digits[-11:]
    return digits


@functools.lru_cache(maxsize=1 << 12)
def normalize_phones(text: str) -> tuple[str, ...]:
    """Every phone number in a text, normalized, in order, deduplicated (cached)."""
    numbers = (_normalize(m) for m in _PHONE.finditer(fold(text)))
    return tuple(dict.fromkeys(n for n in numbers if n))


def parse_phones(raw: str, location: Location) -> Phones:
    return Phones(raw=raw, numbers=normalize_phones(raw), location=location)
