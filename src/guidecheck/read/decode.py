"""HTML bytes → text, deciding the encoding ourselves before any parser sees the page.

Order: byte-order mark > HTTP header charset > ``<meta>`` charset (a lenient byte
scan of the first 4 KB) > detector (charset-normalizer) > UTF-8 with replacement.
Declared names are translated the way browsers and w3lib do (gb2312/gbk → gb18030,
big5 → big5hkscs, shift_jis → cp932), because Chinese portals declare ``gb2312`` and
then use GBK-only characters such as 镕 and 堃.

A declaration is only trusted when the bytes decode cleanly with it: when they do
not, but another declared encoding (or valid UTF-8) does, the clean one wins and
the result carries the ``charset_conflict`` flag. Nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

DecidedBy = Literal["bom", "header", "meta", "detected", "default"]

SCAN_BYTES = 4096
"""How far into the page the ``<meta>`` scan looks (the HTML standard prescans 1024)."""

DETECT_BYTES = 65536
"""How much of an undeclared page the detector reads."""

TRANSLATION: dict[str, str] = {
    # Chinese: every GB name decodes as its superset GB18030 (WHATWG maps them to GBK).
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "csgb2312": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    # Browsers read latin-1 and ASCII labels as windows-1252.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_META_RE = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)""")


@dataclass(frozen=True, slots=True, kw_only=True)
class Decoded:
    """Decoded page text and how its encoding was decided.

    ``flags``: ``charset_conflict`` (declarations disagree, or a declaration did not
    fit the bytes), ``guessed`` (no usable declaration, the detector chose),
    ``unknown_charset`` (a declared name Python does not know), ``replaced``
    (undecodable bytes became U+FFFD; see ``replacement_count``).
    """

    text: str
    encoding: str
    decided_by: DecidedBy
    flags: tuple[str, ...] = ()
    confidence: float = 1.0
    replacement_count: int = 0


def normalize_charset(label: str | None) -> str | None:
    """Python codec name for a declared charset label, translated; None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = TRANSLATION.get(name, name)
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return TRANSLATION.get(canonical, canonical)


def charset_from_content_type(value: str | bytes | None) -> str | None:
    """Charset of a ``Content-Type`` value as a codec name; None when absent or unknown.

    Tolerates any junk (bytes, undecodable header text such as cp1251 file names
    in a neighbouring header): it never raises.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    match = _CHARSET_RE.search(value)
    return normalize_charset(match.group(1)) if match else None


def meta_charset(data: bytes) -> str | None:
    """The charset label declared in ``<meta>`` (or an XML declaration) near the top.

    A byte scan, deliberately lenient: it also finds the malformed
    ``<meta httpequiv="ContentType" content="text/html; charset=gbk">``.
    """
    head = data[:SCAN_BYTES]
    match = _META_RE.search(head) or _XML_DECL_RE.search(head)
    return match.group(1).decode("ascii") if match else None


def _header_label(value: str | None) -> str | None:
    """A bare label from either a label or a whole ``Content-Type`` value."""
    if not value or "=" not in value:
        return value
    match = _CHARSET_RE.search(value)
    return match.group(1) if match else None


def _bom(data: bytes) -> tuple[str, int] | None:
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return encoding, len(mark)
    return None


def _clean(data: bytes, encoding: str) -> str | None:
    """The text when ``data`` decodes without a single error, else None."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _replaced(data: bytes, encoding: str) -> tuple[str, int]:
    text = data.decode(encoding, errors="replace")
    return text, text.count("\ufffd") - _count_literal_fffd(data, encoding)


def _count_literal_fffd(data: bytes, encoding: str) -> int:
    """U+FFFD characters really written in the page (not produced by replacement)."""
    marker = "\ufffd".encode(encoding, errors="ignore")
    return data.count(marker) if marker else 0


def _result(
    data: bytes,
    encoding: str,
    by: DecidedBy,
    flags: list[str],
    confidence: float = 1.0,
    text: str | None = None,
) -> Decoded:
    """``text``: the clean decoding when the caller already has it (a page is decoded
    once on the fast path: a declared charset that fits the bytes)."""
    if text is None:
        text = _clean(data, encoding)
    replaced = 0
    if text is None:
        text, replaced = _replaced(data, encoding)
        flags.append("replaced")
    return Decoded(
        text=text,
        encoding=encoding,
        decided_by=by,
        flags=tuple(dict.fromkeys(flags)),
        confidence=confidence,
        replacement_count=replaced,
    )


def _declarations(
    data: bytes, header_charset: str | None, flags: list[str]
) -> list[tuple[DecidedBy, str]]:
    """Declared encodings in priority order, translated, unknown names flagged."""
    found: list[tuple[DecidedBy, str]] = []
    for by, label in (("header", header_charset), ("meta", meta_charset(data))):
        if not label:
            continue
        encoding = normalize_charset(label)
        if by == "meta" and encoding in {"utf-16-le", "utf-16-be", "utf-16", "utf-32"}:
            encoding = "utf-8"  # an ASCII-readable meta cannot really mean UTF-16
        if encoding is None:
            flags.append("unknown_charset")
        else:
            found.append((by, encoding))  # type: ignore[arg-type]
    return found


def _from_declarations(
    data: bytes, declared: list[tuple[DecidedBy, str]], flags: list[str]
) -> Decoded:
    if len({enc for _, enc in declared}) > 1:
        flags.append("charset_conflict")
    first_by, first_enc = declared[0]
    if first_enc != "utf-8" and not data.isascii():
        text = _clean(data, "utf-8")
        if text is not None:
            # Valid multi-byte UTF-8 is almost never an accident; a stale header is common.
            by = next((b for b, e in declared if e == "utf-8"), "detected")
            return _result(data, "utf-8", by, [*flags, "charset_conflict"], text=text)
    for by, encoding in declared:
        text = _clean(data, encoding)
        if text is not None:
            if by != first_by:
                flags.append("charset_conflict")
            return _result(data, encoding, by, flags, text=text)
    return _result(data, first_enc, first_by, flags)


def _detect(data: bytes, flags: list[str]) -> Decoded:
    if data.isascii():
        return _result(data, "utf-8", "default", flags)
    text = _clean(data, "utf-8")
    if text is not None:
        return _result(data, "utf-8", "detected", [*flags, "guessed"], confidence=0.99, text=text)
    from charset_normalizer import from_bytes  # imported late: only undeclared pages need it

    best = from_bytes(data[:DETECT_BYTES]).best()
    encoding = normalize_charset(best.encoding) if best is not None else None
    if best is None or encoding is None:
        return _result(data, "utf-8", "default", [*flags, "guessed"], confidence=0.0)
    confidence = round(max(0.0, 1.0 - best.chaos), 3)
    return _result(data, encoding, "detected", [*flags, "guessed"], confidence=confidence)


def decode_html(data: bytes, *, header_charset: str | None = None) -> Decoded:
    """Decode an HTML page: BOM > header charset > meta charset > detector > UTF-8.

    ``header_charset`` is the charset of the HTTP ``Content-Type`` (a label or the
    whole header value). Never raises on bad bytes; undecodable bytes become
    U+FFFD and are counted in ``replacement_count``.
    """
    flags: list[str] = []
    header_charset = _header_label(header_charset)
    bom = _bom(data)
    declared = _declarations(data, header_charset, flags)
    if bom is not None:
        encoding, size = bom
        if any(enc != encoding for _, enc in declared):
            flags.append("charset_conflict")
        return _result(data[size:], encoding, "bom", flags)
    if declared:
        return _from_declarations(data, declared, flags)
    return _detect(data, flags)
