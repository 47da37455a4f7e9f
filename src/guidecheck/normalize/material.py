"""Materials: "2. 居民身份证（原件1份、复印件1份，纸质，必要）" → Material.

The name keeps parentheses that are part of it (``营业执照（副本）``) and loses
numbering and the words that state copies, form, necessity and source.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from guidecheck.model import Form, Location, Material, Necessity, slots
from guidecheck.normalize.numerals import arabize
from guidecheck.normalize.text import clean, fold, split_top_level, strip_numbering

_BOTH_EACH = re.compile(r"原件\s*(?:及|和|与|、|/|,|加)\s*复印件\s*各?\s*(\d+)\s*份")
_EACH = re.compile(r"各\s*(\d+)\s*份")
_ORIGINALS = re.compile(r"原件\s*(?:[:：])?\s*(\d+)\s*份")
_COPIES = re.compile(r"复印件\s*(?:[:：])?\s*(\d+)\s*份")
_SET_OF = re.compile(r"一式\s*(\d+)\s*份")
_BARE_COUNT = re.compile(r"(?<![\d.])(\d+)\s*份")
_EITHER = re.compile(r"原件或复印件|原件/复印件")

_FORM_BOTH = re.compile(r"纸质\s*(?:版|件|材料)?\s*[/、和及或与,]\s*电子|电子\s*(?:版|件|材料)?\s*[/、和及或与,]\s*纸质")
_FORM_PAPER = re.compile(r"纸质|纸本")
_FORM_ELECTRONIC = re.compile(r"电子")

_OPTIONAL = re.compile(r"非必要|非必需|非必须|不必要|选择提交|选交|可选|选填|选报|非必交|视情况提交|^否$")
_DEFERRED = re.compile(r"容缺")
_REQUIRED = re.compile(r"必要|必须|必需|必交|必填|必报|^是$")

_N = r"[\d零〇一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾]+"
# A token inside parentheses (or a trailing phrase) that states an attribute, not the name.
_COPY_TOKEN = re.compile(
    rf"^(?:原件|复印件|正本|一式\s*{_N}\s*份|各?\s*{_N}\s*份|原件\s*(?:及|和|与|、|/|或)\s*复印件)"
)
_COPY_PHRASE = re.compile(
    rf"(?:原件\s*(?:及|和|与|、|/|或)\s*复印件|原件|复印件|正本)?\s*(?:各?\s*{_N}\s*份|一式\s*{_N}\s*份)?"
)
_FORM_TOKEN = re.compile(r"^(?:纸质|电子|纸本)(?:版|件|材料|形式)?(?:\s*[/、和及或与]\s*(?:纸质|电子)(?:版|件)?)?$")
_NECESSITY_TOKEN = re.compile(r"^(?:必要|非必要|必需|非必需|必须|非必须|容缺(?:后补|受理)?|选择提交|可选|必交|必填)$")
_SOURCE_TOKEN = re.compile(r"^(?:申请人自备|申请人自行准备|自备|政府部门核发|[\u4e00-\u9fff]{0,12}(?:核发|出具|开具|提供|自备))$")
_PAREN = re.compile(r"[(（]([^()（）]*)[)）]")
_TOKEN_SPLIT = "、,，;；"
_TRAILING_COPY = re.compile(
    rf"(?:(?:原件\s*(?:及|和|与|、|/)\s*复印件|原件|复印件)\s*(?:各?\s*{_N}\s*份)?"
    rf"|一式\s*{_N}\s*份|各?\s*{_N}\s*份)$"
)


def parse_copies(s: str) -> tuple[int | None, int | None]:
    """(originals, copies) stated by a text: 原件1份、复印件2份 → (1, 2);
    原件及复印件各1份 / 各一份 → (1, 1); 一式三份 → (3, None); 1份 → (1, None);
    原件 → (1, None); 复印件 → (None, 1); 原件或复印件 → (None, None)."""
    t = arabize(fold(s))
    if (m := _BOTH_EACH.search(t)) or ((m := _EACH.search(t)) and not _EITHER.search(t)):
        return int(m.group(1)), int(m.group(1))
    if _EITHER.search(t):
        return None, None
    originals = _first_int(_ORIGINALS, t) or _first_int(_SET_OF, t)
    copies = _first_int(_COPIES, t)
    if originals is None and "原件" in t:
        originals = 1
    if copies is None and "复印件" in t:
        copies = 1
    if originals is None and copies is None:
        originals = _first_int(_BARE_COUNT, t)
    return originals, copies


def _first_int(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return int(m.group(1)) if m else None


def parse_form(s: str) -> Form | None:
    t = fold(s)
    if _FORM_BOTH.search(t):
        return Form.BOTH
    paper, electronic = bool(_FORM_PAPER.search(t)), bool(_FORM_ELECTRONIC.search(t))
    if paper and electronic:
        return Form.BOTH
    if paper:
        return Form.PAPER
    return Form.ELECTRONIC if electronic else None


def parse_necessity(s: str) -> Necessity | None:
    t = clean(s)
    if _OPTIONAL.search(t):
        return Necessity.OPTIONAL
    if _DEFERRED.search(t):
        return Necessity.DEFERRED
    return Necessity.REQUIRED if _REQUIRED.search(t) else None


def _token_kind(token: str) -> str | None:
    if _COPY_TOKEN.match(token):
        return "copies"
    if _FORM_TOKEN.match(token):
        return "form"
    if _NECESSITY_TOKEN.match(token):
        return "necessity"
    if _SOURCE_TOKEN.match(token):
        return "source"
    return None


def _copy_remark(token: str) -> str:
    """What follows the copy phrase in a token: 复印件加盖公章 → 加盖公章."""
    m = _COPY_PHRASE.match(token)
    return clean(token[m.end():]).lstrip(",、") if m else ""


def _split_name(text: str) -> tuple[str, dict[str, list[str]]]:
    """The name with attribute parentheses removed, and the attribute tokens by kind."""
    found: dict[str, list[str]] = {"copies": [], "form": [], "necessity": [], "source": [], "note": []}

    def keep(m: re.Match[str]) -> str:
        tokens = [t.strip() for t in split_top_level(m.group(1), _TOKEN_SPLIT) if t.strip()]
        rest = []
        for token in tokens:
            kind = _token_kind(token)
            if kind is None:
                rest.append(token)
                continue
            found[kind].append(token)
            remark = _copy_remark(token) if kind == "copies" else ""
            if remark:
                found["note"].append(remark)
        return f"({','.join(rest)})" if rest else ""

    name = _PAREN.sub(keep, text)
    trailing = _TRAILING_COPY.search(name)
    if trailing and trailing.start() > 0:
        found["copies"].append(trailing.group(0))
        name = name[: trailing.start()]
    return clean(name), found


@dataclass(frozen=True, slots=True)
class MaterialParts:
    """What a text states about one material, apart from its raw text and location:
    ``parts.material(raw=…, location=…)`` is the :class:`Material`."""

    name: str = ""
    originals: int | None = None
    copies: int | None = None
    form: Form | None = None
    necessity: Necessity | None = None
    source: str | None = None
    note: str | None = None

    def over(self, base: MaterialParts) -> MaterialParts:
        """These parts, with ``base`` filling what they leave out."""
        return MaterialParts(**{
            f: getattr(self, f) if getattr(self, f) not in (None, "") else getattr(base, f)
            for f in self.__slots__
        })

    def material(self, *, raw: str, location: Location) -> Material:
        """``Material(raw=…, location=…, name=…, …)`` (one a table row: see model.Slots)."""
        values = dict(zip(_PARTS_NAMES, _PARTS_VALUES(self)), raw=raw, location=location)
        return slots(Material).new(values)


_PARTS_NAMES = tuple(f.name for f in dataclasses.fields(MaterialParts))
_PARTS_VALUES = operator.attrgetter(*_PARTS_NAMES)


@functools.lru_cache(maxsize=1 << 14)
def parts_from_line(raw: str) -> MaterialParts:
    """:func:`parse_material_line` without raw text and location (cached, immutable)."""
    text = clean(strip_numbering(fold(raw)))
    name, found = _split_name(text)
    originals, copies = parse_copies("、".join(found["copies"])) if found["copies"] else (None, None)
    return MaterialParts(
        name=name,
        originals=originals,
        copies=copies,
        form=parse_form("、".join(found["form"])) if found["form"] else None,
        necessity=parse_necessity(found["necessity"][0]) if found["necessity"] else None,
        source=found["source"][0] if found["source"] else None,
        note=clean("；".join(found["note"])) or None,
    )


def parse_material_line(raw: str, location: Location) -> Material:
    """One material as written in a list line; absent attributes stay None."""
    return parts_from_line(raw).material(raw=raw, location=location)


# --- materials tables: what a column holds, one material from one row ----------------

_CELL_INDEX = re.compile(r"^\d{1,3}$")
_CELL_COUNT = re.compile(rf"^(?:{_N}\s*份|一式\s*{_N}\s*份|各\s*{_N}\s*份)$")
_CELL_NECESSITY = re.compile(
    r"^(?:必要|非必要|必需|非必需|必须|非必须|容缺(?:后补|受理)?|选择提交|可选|是|否|必交|选交)$"
)
_CELL_FORM = re.compile(r"^(?:纸质|电子|纸本)(?:版|件|材料)?(?:\s*[/、和及或与,]\s*(?:纸质|电子)(?:版|件)?)?$")
_CELL_SOURCE = re.compile(r"自备|核发|出具|开具|自行准备")
_COPY_WORDS = re.compile(r"原件|复印件")
_MAX_ATTRIBUTE_CELL = 24
_DIGITS = re.compile(r"\d+")
CONTENT_ATTRIBUTES = frozenset({"index", "count", "necessity", "form", "copy_kind", "source"})
"""Column attributes that a column's content can reveal."""


@functools.lru_cache(maxsize=1 << 14)
def classify_cell(cell: str) -> str | None:
    """What a materials-table cell looks like: index, count, necessity, form,
    copy_kind, source, or text; None for an empty cell."""
    t = clean(cell)
    if not t or t in "/-—":
        return None
    if _CELL_INDEX.match(t):
        return "index"
    if _CELL_COUNT.match(t):
        return "count"
    if _CELL_NECESSITY.match(t):
        return "necessity"
    if _CELL_FORM.match(t):
        return "form"
    if len(t) <= _MAX_ATTRIBUTE_CELL and _COPY_WORDS.search(t):
        return "copy_kind"
    if len(t) <= _MAX_ATTRIBUTE_CELL and _CELL_SOURCE.search(t):
        return "source"
    return "text"


def _is_sequence(cells: Sequence[str]) -> bool:
    numbers = [int(clean(c)) for c in cells]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(numbers) > 1


def classify_column(cells: Sequence[str], *, share: float = 0.6) -> str | None:
    """The attribute a column's content shows (``copy_kind``, ``form``, ``necessity``,
    ``count``, ``index``, ``source``), or None when its cells are free text."""
    return _column_kind(tuple(cells), share)


@functools.lru_cache(maxsize=1 << 12)
def _column_kind(cells: tuple[str, ...], share: float) -> str | None:
    kinds = list(map(classify_cell, cells))
    filled = [c for c, k in zip(cells, kinds) if k is not None]
    if not filled:
        return None
    counts = Counter(kinds)
    del counts[None]
    if counts.keys() == {"index"}:
        return "index" if _is_sequence(filled) else "count"
    counts["count"] += counts.pop("index", 0)
    best, n = counts.most_common(1)[0]
    if best != "text" and n >= share * len(filled):
        return best
    return None


def _count(text: str) -> int | None:
    t = arabize(clean(text))
    m = _DIGITS.search(t)
    return int(m.group(0)) if m else None


_COPY_WORD = re.compile(r"原件|复印|影印")


def copies_from_cells(copy_kind: str | None, count: str | None) -> tuple[int | None, int | None]:
    """(originals, copies) from a 原件/复印件 cell and a 份数 cell: 原件和复印件 + 1 → (1, 1)."""
    if count and _COPY_WORD.search(count):  # 份数 cell saying 原件1份、复印件3份 itself
        return parse_copies(count)
    n = _count(count) if count else None
    if not copy_kind or not clean(copy_kind):
        return (n, None) if n is not None else (None, None)
    originals, copies = parse_copies(copy_kind)
    if n is None or any(ch.isdigit() for ch in arabize(fold(copy_kind))):
        return originals, copies
    return (n if originals else None), (n if copies else None)


def _cell_parts(cells: Mapping[str, str]) -> MaterialParts:
    """Parts stated by a row's attribute cells (all but the name)."""
    get = cells.get
    originals, copies = copies_from_cells(get("copy_kind"), get("count"))
    if get("originals") is not None:
        originals = _count(get("originals", ""))
    if get("copies") is not None:
        copies = _count(get("copies", ""))
    return MaterialParts(
        originals=originals,
        copies=copies,
        form=parse_form(get("form", "")),
        necessity=parse_necessity(get("necessity", "")),
        source=clean(get("source", "")) or None,
        note=clean(get("note", "")) or None,
    )


@functools.lru_cache(maxsize=1 << 14)
def _row_parts(cells: tuple[tuple[str, str], ...]) -> MaterialParts | None:
    mapping = dict(cells)
    base = parts_from_line(mapping.get("name", ""))
    if not base.name:
        return None
    return _cell_parts(mapping).over(base)


def parts_from_cells(cells: Mapping[str, str]) -> MaterialParts | None:
    """What a table row given as attribute → cell text states about one material; None
    without a name. Cells win over what the name cell itself says (居民身份证（原件）).
    Cached, immutable: ``parts.material(raw=…, location=…)`` is the :class:`Material`."""
    return _row_parts(tuple(sorted(cells.items())))
