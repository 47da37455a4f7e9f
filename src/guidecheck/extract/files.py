"""Extraction: files (DOCX handbooks and manuals, saved HTML pages) → :class:`Guide`.

:func:`extract_paths` is the one entry point: it expands folders, detects each
file's format from its bytes, runs the format extractor and the shared builder,
and collects a one-line reason for every file it could not read, carrying on
with the rest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from guidecheck.errors import GuidecheckError
from guidecheck.extract.build import build_guides
from guidecheck.extract.docx import extract_docx
from guidecheck.extract.html import extract_html
from guidecheck.extract.sites import SiteAdapter, adapter_for, load_site_adapters
from guidecheck.model import HANDBOOK, Guide
from guidecheck.vocab import FieldVocab, load_field_vocab, rules_dir

DOCX_SUFFIXES = frozenset({".docx", ".doc", ".docm", ".dotx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Folder names that tell a file's channel when none is given.
CHANNEL_FOLDERS = {
    "handbook": HANDBOOK,
    "handbooks": HANDBOOK,
    "manual": "manual",
    "manuals": "manual",
    "province": "province",
    "city": "city",
    "app": "app",
    "kiosk": "kiosk",
}


@dataclass(frozen=True, slots=True)
class ReadError:
    """A file that could not be read, with one plain line saying why and what to do."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(slots=True)
class ExtractResult:
    guides: list[Guide] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    files_read: int = 0

    def unknown_labels(self) -> list[str]:
        """Labels not in the vocabulary, each once, in first-seen order."""
        seen: dict[str, None] = {}
        for guide in self.guides:
            for extra in guide.extras:
                seen.setdefault(extra.label, None)
        return list(seen)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` that look like guides (folders walked, sorted)."""
    return map(Path, iter_file_names(paths))


def iter_file_names(paths: Iterable[Path]) -> Iterator[str]:
    """:func:`iter_files` as strings (a 100,000-page scan lists its files without
    making a Path of each)."""
    wanted = DOCX_SUFFIXES | HTML_SUFFIXES
    for path in paths:
        if path.is_dir():
            yield from _walk(str(path), wanted)
        else:
            yield str(path)


def _walk(folder: str, wanted: frozenset[str]) -> Iterator[str]:
    """Files under ``folder`` with a ``wanted`` suffix, in Path order (by parts: a
    folder's files come where its name sorts), as ``rglob`` walks: symlinked folders
    not entered, symlinked files kept. Directory entries tell files from folders
    without a ``stat`` per file."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # an unreadable folder is skipped, as rglob skips it
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                yield from _walk(entry.path, wanted)
            elif os.path.splitext(entry.name)[1].lower() in wanted and entry.is_file():
                yield entry.path
        except OSError:
            continue


def channel_for(path: Path) -> str:
    """The channel a file belongs to, from the nearest folder with a channel's name."""
    for parent in path.parents:
        channel = CHANNEL_FOLDERS.get(parent.name.lower())
        if channel:
            return channel
    return "unknown"


def detect_format(data: bytes, name: str) -> str:
    """``"docx"`` or ``"html"``: by content first, then by the file name."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return "docx"
    suffix = Path(name).suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return "docx"
    return "html"


def extract_bytes(
    data: bytes,
    source: str,
    *,
    channel: str,
    vocab: FieldVocab,
    header_charset: str | None = None,
    sites: list[SiteAdapter] | None = None,
) -> list[Guide]:
    """Guides in one document. Raises :class:`GuidecheckError` subclasses on bad input.

    ``sites`` are the optional per-site adapters (``rules/sites/*.yaml``); the one
    matching ``source`` refines the generic HTML extraction.
    """
    if detect_format(data, source) == "docx":
        raws = extract_docx(data, source, vocab)
    else:
        site = adapter_for(source, sites) if sites else None
        raws = extract_html(data, source, vocab, header_charset=header_charset, site=site)
    return build_guides(raws, channel=channel, vocab=vocab)


def extract_file(
    path: Path,
    *,
    channel: str | None = None,
    vocab: FieldVocab,
    sites: list[SiteAdapter] | None = None,
) -> list[Guide]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuidecheckError(f"无法读取文件（{exc.strerror}），请检查路径和权限") from exc
    return extract_bytes(
        data, str(path), channel=channel or channel_for(path), vocab=vocab, sites=sites
    )


def default_sites() -> list[SiteAdapter]:
    """The per-site adapters under ``rules/sites/`` (none is fine)."""
    directory = rules_dir() / "sites"
    return load_site_adapters(directory) if directory.is_dir() else []


def extract_paths(
    paths: Iterable[Path],
    *,
    channel: str | None = None,
    vocab: FieldVocab | None = None,
) -> ExtractResult:
    """Extract every file under ``paths``; one bad file never stops the others."""
    vocab = vocab or load_field_vocab()
    sites = default_sites()
    result = ExtractResult()
    for path in iter_files(paths):
        result.files_read += 1
        try:
            result.guides.extend(extract_file(path, channel=channel, vocab=vocab, sites=sites))
        except GuidecheckError as exc:
            result.errors.append(ReadError(str(path), _reason(exc)))
    return result


def _reason(exc: GuidecheckError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
