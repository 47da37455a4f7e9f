"""Open an untrusted DOCX safely: check the zip directory, then read a few XML parts.

Nothing is decompressed before the central directory has passed every check
(entry count, declared sizes, compression ratio, overlapping entries,
encryption, compression method). Members are then read with a bounded
streaming read that never trusts the declared size. Only the main document,
``numbering.xml`` and ``styles.xml`` are read; headers, footers, media and
``word/embeddings`` are never expanded. Any ``<!DOCTYPE`` is refused and XML
is parsed with entity resolution, DTD loading and network access off.

Macro-enabled documents (``.docm``) are read like ``.docx``: macros are never
loaded or run, ``DocxParts.macros_ignored`` tells the caller.

Every problem raises :class:`~guidecheck.errors.InvalidUpload` with one
Chinese line that says what to do.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from lxml import etree

from guidecheck.errors import InvalidUpload

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_STRICT_TO_TRANSITIONAL = (
    (STRICT_W_NS.encode(), W_NS.encode()),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
)

_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": False,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": False,
    "application/vnd.ms-word.document.macroEnabled.main+xml": True,
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": True,
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
# OLE directory entries are UTF-16LE; the names of an encrypted OOXML package's streams.
_ENCRYPTION_MARKERS = (_ENCRYPTION_INFO, "EncryptedPackage".encode("utf-16-le"), b"EncryptedPackage")
_EOCD = b"PK\x05\x06"
_LOCAL = b"PK\x03\x04"
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_SAVE_AS = "请用 Word 或 WPS 打开后另存为 .docx 再上传"


@dataclass(frozen=True, slots=True)
class DocxLimits:
    """Caps for untrusted files (defaults: ../shared/reliability.md)."""

    max_file_bytes: int = 100 * 1024 * 1024
    max_entries: int = 2000
    max_central_directory_bytes: int = 4 * 1024 * 1024
    max_total_uncompressed: int = 200 * 1024 * 1024  # Σ declared sizes of every member
    max_read_total: int = 50 * 1024 * 1024  # Σ declared sizes of the parts we read
    max_part_bytes: int = 20 * 1024 * 1024  # one XML part
    max_ratio: float = 100.0  # declared / compressed, checked on members above ratio_floor
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = DocxLimits()


@dataclass(frozen=True, slots=True)
class DocxParts:
    """The parsed XML parts of a DOCX (strict OOXML mapped to the transitional namespace)."""

    source: str
    document: etree._Element  # root of the main document part (w:document)
    numbering: etree._Element | None
    styles: etree._Element | None  # paragraph styles only: see _drop_unread_styles
    main_part: str
    macros_ignored: bool = False
    strict: bool = False


def open_docx(data: bytes, source: str, limits: DocxLimits = DEFAULT_LIMITS) -> DocxParts:
    """Validate ``data`` as a DOCX and return its main XML parts, or raise InvalidUpload."""
    _check_magic(data, source)
    if len(data) > limits.max_file_bytes:
        raise _bad(source, f"文件过大（{len(data) // 1048576} MB），请拆分后再上传")
    _check_end_record(data, source, limits)
    with _open_zip(data, source) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        _check_directory(data, list(infos.values()), source, limits)
        reader = _PartReader(zf, infos, source, limits)
        main, macros = _main_part(reader)
        related = _related_parts(reader, main)
        document = reader.xml(main)
        numbering = reader.xml(related["numbering"]) if "numbering" in related else None
        styles = (reader.xml(related["styles"], _drop_unread_styles) if "styles" in related
                  else None)
        strict = reader.strict
    if etree.QName(document).localname != "document" or etree.QName(document).namespace != W_NS:
        raise _bad(source, f"主文档不是 Word 文档（{document.tag}），{_SAVE_AS}")
    return DocxParts(source=source, document=document, numbering=numbering, styles=styles,
                     main_part=main, macros_ignored=macros, strict=strict)


def _bad(source: str, reason: str) -> InvalidUpload:
    return InvalidUpload(reason, source=source)


def _check_magic(data: bytes, source: str) -> None:
    head = data[:8]
    if not data:
        raise _bad(source, "文件为空（0 字节），请检查文件后重新上传")
    if head == _OLE2:
        head_mb = data[: 1 << 20]
        if any(marker in head_mb for marker in _ENCRYPTION_MARKERS):
            raise _bad(source, "文档已加密（设置了打开密码），请取消密码后另存为 .docx 再上传")
        raise _bad(source, "旧版 Word 97-2003 (.doc) 格式，请另存为 .docx 后重试")
    if head.startswith(b"%PDF"):
        raise _bad(source, "这是 PDF 文件，不是 DOCX 文件；请提供 Word (.docx) 原件")
    if head.startswith(b"{\\rtf"):
        raise _bad(source, f"这是 RTF 文件，不是 DOCX 文件；{_SAVE_AS}")
    if head.startswith((_LOCAL, _EOCD)):
        return
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        raise _bad(source, f"不是 DOCX 文件（内容是网页或 XML 文本）；{_SAVE_AS}")
    raise _bad(source, f"不是 DOCX 文件（无法识别的文件格式）；{_SAVE_AS}")


def _check_end_record(data: bytes, source: str, limits: DocxLimits) -> None:
    """Entry count and directory size from the end record, before zipfile parses anything."""
    pos = data.rfind(_EOCD, max(0, len(data) - 65557))
    if pos < 0 or len(data) < pos + 22:
        raise _bad(source, "文件不完整或已损坏（找不到 zip 目录，可能下载或复制中断），请重新获取原文件")
    _, _, _, entries, cd_size, _, _ = struct.unpack("<HHHHIIH", data[pos + 4:pos + 22])
    if entries > limits.max_entries:
        raise _bad(source, f"文件包含过多内部条目（{entries} 个，上限 {limits.max_entries}），"
                           "不像正常的 Word 文档，已拒绝")
    if cd_size > limits.max_central_directory_bytes:
        raise _bad(source, "文件的 zip 目录过大，不像正常的 Word 文档，已拒绝")


def _open_zip(data: bytes, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:

        raise _bad(source, f"文件已损坏，无法作为 DOCX 打开（{_short(exc)}），"
                           "请重新获取原文件或用 Word 修复后另存为 .docx") from exc


def _check_directory(data: bytes, infos: list[zipfile.ZipInfo], source: str,
                     limits: DocxLimits) -> None:
    if len(infos) > limits.max_entries:
        raise _bad(source, f"文件包含过多内部条目（{len(infos)} 个），不像正常的 Word 文档，已拒绝")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise _bad(source, f"文件解压后过大（声明 {total // 1048576} MB），疑似压缩炸弹，已拒绝")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _bad(source, "文档已加密（zip 条目设置了密码），请取消密码后另存为 .docx 再上传")
    _check_overlaps(data, infos, source)


def _check_overlaps(data: bytes, infos: list[zipfile.ZipInfo], source: str) -> None:
    """Each member's local header + data must lie apart from the others (zip-bomb trick)."""
    spans = []
    for info in infos:
        start = info.header_offset
        header = data[start:start + 30]
        if len(header) < 30 or not header.startswith(_LOCAL):
            raise _bad(source, f"文件已损坏（条目 {info.filename} 的本地头无效），请重新获取原文件")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        spans.append((start, start + 30 + name_len + extra_len + info.compress_size))
    spans.sort()
    for (_, end), (next_start, _) in zip(spans, spans[1:]):
        if next_start < end:
            raise _bad(source, "文件内部条目相互重叠（疑似 zip 炸弹），已拒绝")


class _PartReader:
    """Bounded reads and safe parsing of named members."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], source: str,
                 limits: DocxLimits) -> None:
        self.zf, self.infos, self.source, self.limits = zf, infos, source, limits
        self.read_total = 0
        self.strict = False

    def has(self, name: str) -> bool:
        return name in self.infos

    def raw(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise _bad(self.source, f"文档内部链接损坏（找不到 {name}），{_SAVE_AS}")
        self._check_declared(info)
        data = self._bounded_read(info)
        self.read_total += len(data)
        if self.read_total > self.limits.max_read_total:
            raise _bad(self.source, "文档内容解压后过大，已拒绝；请拆分文档后再上传")
        return data

    def xml(self, name: str, trim: Callable[[bytes], bytes] | None = None) -> etree._Element:
        """Parse a member; ``trim`` may cut elements nobody reads before parsing."""
        data = self.raw(name)
        if self.strict or STRICT_W_NS.encode() in data[:4096]:
            self.strict = True
            for old, new in _STRICT_TO_TRANSITIONAL:
                data = data.replace(old, new)
        if trim is not None and not _has_doctype(data):
            trimmed = trim(data)
            if trimmed is not data:
                try:
                    return parse_xml(trimmed, name, self.source)
                except InvalidUpload:
                    pass  # the untrimmed part decides: same result or same error as ever
        return parse_xml(data, name, self.source)

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        limits = self.limits
        if info.file_size > limits.max_part_bytes:
            raise _bad(self.source, f"文档部件 {info.filename} 过大（声明 "
                                    f"{info.file_size // 1048576} MB），疑似压缩炸弹，已拒绝")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise _bad(self.source, f"文档部件 {info.filename} 压缩比异常（{ratio:.0f}:1），"
                                    "疑似压缩炸弹，已拒绝")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _bad(self.source, f"文档部件 {info.filename} 使用了不支持的压缩方式，{_SAVE_AS}")

    def _bounded_read(self, info: zipfile.ZipInfo) -> bytes:
        cap = self.limits.max_part_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            with self.zf.open(info) as member:
                size = _read_into(member, chunks, cap + 1)
        except Exception as exc:
            raise _bad(self.source, f"文件已损坏（{info.filename}：{_corruption(exc)}），"
                                    "请重新获取原文件或用 Word 修复后另存为 .docx") from exc
        if size > cap:
            raise _bad(self.source, f"文档部件 {info.filename} 解压后超过上限，已拒绝")
        return b"".join(chunks)


def _read_into(member: IO[bytes], chunks: list[bytes], limit: int) -> int:
    size = 0
    while size < limit:
        chunk = member.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return size


def xml_parser() -> etree.XMLParser:
    """The one parser configuration for untrusted parts (second line behind the DOCTYPE check)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def parse_xml(data: bytes, name: str, source: str) -> etree._Element:
    """Parse one XML part: no DOCTYPE, no entities, no DTD, no network, no huge trees."""
    if _has_doctype(data):
        raise _bad(source, f"文档部件 {name} 含有 DOCTYPE 声明（可能是恶意构造的文件），已拒绝")
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise _bad(source, f"文档部件 {name} 的 XML 结构无效或过于复杂（{_short(exc)}），"
                           "请用 Word 打开后另存为 .docx 再上传") from exc
    if root is None:
        raise _bad(source, f"文档部件 {name} 为空，{_SAVE_AS}")
    if root.getroottree().docinfo.doctype:
        raise _bad(source, f"文档部件 {name} 含有 DOCTYPE 声明，已拒绝")
    return root


def _has_doctype(data: bytes) -> bool:
    if _DOCTYPE.search(data):
        return True
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:64]:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if re.search(r"<!\s*DOCTYPE", text, re.IGNORECASE):
                return True
    return False


_STYLE_TAG = re.compile(rb"<w:style((?:\s+[^\s=/<>]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(/?)>")
_STYLE_ATTR = re.compile(rb"([^\s=/<>]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_STYLE_END = re.compile(rb"</w:style\s*>")
_W_PREFIX = re.compile(rb"xmlns:w\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_UNREAD_STYLE_TYPES = frozenset({b"table", b"character", b"numbering"})


def _drop_unread_styles(data: bytes) -> bytes:
    """styles.xml without its table, character and numbering styles, or ``data`` itself.

    Only paragraph styles are read, yet Word's templates carry a hundred table
    styles: 340 of the 350 KB of the usual styles.xml, which cost more to parse
    than a small document's whole body. They are cut from the bytes before
    parsing, but only where that is exact: UTF-8 markup without comments, CDATA
    or processing instructions (so every ``<`` opens a tag), ``w`` bound once,
    on the root, to the WordprocessingML namespace, ``w:style`` elements not
    nested and without namespace declarations of their own. Anything else is
    parsed whole, as is a trimmed part that does not parse. (What is cut is
    never parsed: a broken table style no longer makes the file unreadable.)
    """
    if b"<!--" in data or b"<![CDATA[" in data or data.find(b"<?", 1) >= 0:
        return data
    first = data.find(b"xmlns:w")
    decl = _W_PREFIX.match(data, first) if first >= 0 else None
    if decl is None or W_NS.encode() not in decl.groups() or _binds_w(data, decl.end()):
        return data
    keep: list[bytes] = []
    pos = 0  # data[:pos] is decided
    start = data.find(b"<w:style", pos)
    while start >= 0:
        if data[start + 8:start + 9] not in b" \t\r\n/>":  # <w:styles>, <w:styleId …>
            start = data.find(b"<w:style", start + 8)
            continue
        if start < pos:
            return data  # nested, or inside a style just cut
        tag = _STYLE_TAG.match(data, start)
        if tag is None:
            return data
        attrs = {m[1]: m[2] or m[3] for m in _STYLE_ATTR.finditer(tag[1])}
        if any(name.startswith(b"xmlns") for name in attrs):
            return data
        end = tag.end()
        if not tag[2]:
            close = data.find(b"</w:style", end)
            match = _STYLE_END.match(data, close) if close >= 0 else None
            if match is None:
                return data
            end = match.end()
        keep.append(data[pos:start] if attrs.get(b"w:type") in _UNREAD_STYLE_TYPES
                    else data[pos:end])
        pos = end
        start = data.find(b"<w:style", start + 8)
    if not keep:
        return data
    keep.append(data[pos:])
    return b"".join(keep)


def _binds_w(data: bytes, pos: int) -> bool:
    """Whether ``w`` is declared again after ``pos`` (not w14=, w15=…)."""
    at = data.find(b"xmlns:w", pos)
    while at >= 0:
        if data[at + 7:at + 8] in b" \t\r\n=":
            return True
        at = data.find(b"xmlns:w", at + 7)
    return False


def _main_part(reader: _PartReader) -> tuple[str, bool]:
    """The main document part name and whether it is macro-enabled."""
    if not reader.has("[Content_Types].xml"):
        raise _bad(reader.source, f"不是 DOCX 文件（缺少 [Content_Types].xml），{_SAVE_AS}")
    types = reader.xml("[Content_Types].xml")
    overrides = {}
    for el in types:
        if etree.QName(el).localname == "Override":
            part = (el.get("PartName") or "").lstrip("/")
            overrides[part] = el.get("ContentType", "")
    mains = [(part, _MAIN_TYPES[ct]) for part, ct in overrides.items() if ct in _MAIN_TYPES]
    if not mains:
        raise _bad(reader.source, "不是 Word 文档（内容类型中没有 Word 主文档，可能是 Excel/PPT 或其他"
                                  f" zip 文件），{_SAVE_AS}")
    target = _office_document_target(reader)
    for part, macros in mains:
        if target is None or part == target:
            return part, macros
    return mains[0]


def _office_document_target(reader: _PartReader) -> str | None:
    if not reader.has("_rels/.rels"):
        return None
    for rel in _relationships(reader, "_rels/.rels", ""):
        if rel[0] == "officeDocument":
            return rel[1]
    return None


def _related_parts(reader: _PartReader, main: str) -> dict[str, str]:
    """numbering/styles targets of the main part; dangling targets are skipped."""
    folder, base = posixpath.split(main)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, str] = {}
    if reader.has(rels_name):
        for kind, target in _relationships(reader, rels_name, folder):
            if kind in ("numbering", "styles") and kind not in found and reader.has(target):
                found[kind] = target
    for kind in ("numbering", "styles"):
        default = posixpath.join(folder, kind + ".xml")
        if kind not in found and reader.has(default):
            found[kind] = default
    return found


def _relationships(reader: _PartReader, name: str, folder: str) -> list[tuple[str, str]]:
    """(type's last segment, resolved internal target) of a .rels part."""
    out = []
    for rel in reader.xml(name):
        if rel.get("TargetMode") == "External":
            continue
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out.append((kind, resolved))
    return out


def _corruption(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "校验和错误"
    if isinstance(exc, zlib.error) or "decompress" in text.lower():
        return "压缩数据损坏"
    if "encrypted" in text or "password" in text:
        return "条目已加密"
    if isinstance(exc, EOFError) or "truncat" in text.lower() or "end of" in text.lower():
        return "数据不完整"
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:80]
