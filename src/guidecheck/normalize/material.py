"""Materials: "2. 居民身份证（原件1份、复印件1份，纸质，必要）" → Material.

The name keeps parentheses that are part of it (``营业执照（副本）``) and loses
numbering and the words that state copies, form, necessity and source.
"""

from __future__ import annotations

import re

from guidecheck.model import Form, Location, Material, Necessity
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


def parse_material_line(raw: str, location: Location) -> Material:
    """One material as written in a list line; absent attributes stay None."""
    text = clean(strip_numbering(fold(raw)))
    name, found = _split_name(text)
    originals, copies = parse_copies("、".join(found["copies"])) if found["copies"] else (None, None)
    return Material(
        raw=raw,
        name=name,
        originals=originals,
        copies=copies,
        form=parse_form("、".join(found["form"])) if found["form"] else None,
        necessity=parse_necessity(found["necessity"][0]) if found["necessity"] else None,
        source=found["source"][0] if found["source"] else None,
        note=clean("；".join(found["note"])) or None,
        location=location,
    )
