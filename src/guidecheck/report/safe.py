"""Sanitising shared by the report renderers (reliability.md F1–F5, F8).

Crawled text is hostile until proven otherwise. Every string a renderer takes from a
finding goes through a :class:`Sanitizer`, which counts what it changed so the
renderer can log it (never a silent change):

* C0 control characters other than tab, newline and carriage return (and the code
  points XML 1.0 forbids: lone surrogates, U+FFFE, U+FFFF) are replaced by U+FFFD.
  openpyxl raises ``IllegalCharacterError`` and python-docx ``ValueError`` on them.
* Text longer than a spreadsheet cell holds (32,767 characters) is cut, ending with
  the visible :data:`TRUNCATION_MARK`.
* A cell starting with ``= + - @`` or tab/CR (the ASVS 1.2.10 set) is *kept as text*:
  the XLSX writer stores it as a literal string cell, a CSV cell gets a ``'`` prefix.
* Only ``http``/``https`` links survive :func:`safe_url`.

:func:`safe_filename` and :func:`sheet_title` turn hostile titles into names that are
short, unique and (for files) inside the output directory.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

CELL_MAX = 32_767  # characters an XLSX cell holds
TRUNCATION_MARK = "…（内容过长已截断，全文见 HTML 报告/数据库）"
REPLACEMENT = "\ufffd"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # OWASP ASVS 1.2.10
FILENAME_MAX_BYTES = 200
SHEET_TITLE_MAX = 31

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)


@dataclass(slots=True)
class SanitizeStats:
    """What a renderer changed in the text it was given."""

    control_chars: int = 0  # characters replaced by U+FFFD
    truncated: int = 0  # texts cut with the mark
    formulas: int = 0  # formula-looking texts kept as literal text
    links_dropped: int = 0  # non-http(s) links shown as text only

    def log(self, what: str) -> None:
        if self.control_chars or self.truncated or self.formulas or self.links_dropped:
            log.info(
                "%s: %d control characters replaced, %d texts truncated, "
                "%d formula-looking cells kept as text, %d non-http(s) links dropped",
                what,
                self.control_chars,
                self.truncated,
                self.formulas,
                self.links_dropped,
            )


@dataclass(slots=True)
class Sanitizer:
    """Cleans strings for one rendering and counts every change in :attr:`stats`."""

    stats: SanitizeStats = field(default_factory=SanitizeStats)

    def text(self, value: object, limit: int | None = None) -> str:
        """``value`` as printable text: illegal characters replaced, cut at ``limit``."""
        if value is None:
            return ""
        s = value if isinstance(value, str) else str(value)
        s, n = _ILLEGAL.subn(REPLACEMENT, s)
        self.stats.control_chars += n
        if limit is not None and len(s) > limit:
            self.stats.truncated += 1
            s = truncate(s, limit)
        return s

    def cell(self, value: object) -> str:
        """Text for a spreadsheet cell (≤ 32,767 characters); counts formula lookalikes.
        The caller must store it as a string cell (see ``xlsx_annex``)."""
        s = self.text(value, CELL_MAX)
        if looks_like_formula(s):
            self.stats.formulas += 1
        return s

    def csv_cell(self, value: object) -> str:
        """Text for a CSV cell: a formula lookalike gets a leading ``'``."""
        s = self.cell(value)
        return "'" + s if looks_like_formula(s) else s

    def url(self, value: object) -> str | None:
        """The link if it is http(s), else None (counted when something was dropped)."""
        url = safe_url(value)
        if url is None and value:
            self.stats.links_dropped += 1
        return url


def truncate(s: str, limit: int) -> str:
    """``s`` cut to at most ``limit`` characters, ending with :data:`TRUNCATION_MARK`."""
    if len(s) <= limit:
        return s
    keep = max(0, limit - len(TRUNCATION_MARK))
    return s[:keep] + TRUNCATION_MARK[: limit - keep]


def looks_like_formula(s: str) -> bool:
    return s.startswith(FORMULA_PREFIXES)


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL without whitespace or controls."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def safe_filename(
    title: str, out_dir: Path, *, suffix: str, taken: AbstractSet[str] = frozenset()
) -> Path:
    """A path inside ``out_dir`` for a file named after ``title``.

    Separators, control and reserved characters become ``_``; leading dots and trailing
    dots/spaces go; Windows device names (``CON``) get a ``_`` prefix; the name with its
    suffix and any ``-2`` de-duplication stays within 200 UTF-8 bytes; a name in
    ``taken`` or already on disk gets a number. Raises ValueError if the result would
    leave ``out_dir`` (it cannot, by construction; the check guards regressions).
    """
    stem = _clean_stem(title) or "report"
    base = out_dir.resolve()
    n = 1
    while True:
        tail = f"-{n}{suffix}" if n > 1 else suffix
        name = _cut_bytes(stem, FILENAME_MAX_BYTES - len(tail.encode())).rstrip(". ") + tail
        path = base / name
        if name not in taken and not path.exists():
            break
        n += 1
    if path.resolve().parent != base:
        raise ValueError(f"file name {name!r} leaves the output directory")
    return path


def _clean_stem(title: str) -> str:
    s = unicodedata.normalize("NFC", _ILLEGAL.sub("", title))
    s = _FILENAME_BAD.sub("_", s).strip().lstrip(".").rstrip(". ")
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    return s


def _cut_bytes(s: str, max_bytes: int) -> str:
    b = s.encode()
    if len(b) <= max_bytes:
        return s
    return b[:max_bytes].decode("utf-8", errors="ignore")


def sheet_title(name: str, taken: set[str]) -> str:
    """An XLSX sheet title for ``name``: ≤ 31 characters, none of ``[]:*?/\\``, not
    starting or ending with ``'``, unique in ``taken`` ignoring case (added to it)."""
    s = _SHEET_BAD.sub("_", _ILLEGAL.sub("", name)).strip().strip("'") or "Sheet"
    if s.lower() == "history":  # reserved by Excel
        s = "_" + s
    candidate = s[:SHEET_TITLE_MAX].rstrip("'")
    n = 1
    lowered = {t.lower() for t in taken}
    while candidate.lower() in lowered:
        n += 1
        tail = f"({n})"
        candidate = s[: SHEET_TITLE_MAX - len(tail)] + tail
    taken.add(candidate)
    return candidate


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto ``path`` (``os.replace``) only when
    the block succeeds, removed otherwise. A killed run leaves no file under the final
    name (reliability.md E4)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for sharing
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
