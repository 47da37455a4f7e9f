"""Legal citations: 《中华人民共和国行政许可法》第二十九条、第三十条 → Citation."""

from __future__ import annotations

import functools
import re

from guidecheck.model import Citation, LegalBasis, Location
from guidecheck.normalize.numerals import CN_NUMERAL_CHARS, parse_number
from guidecheck.normalize.text import clean, fold, strip_numbering

_NUM = rf"[\d{CN_NUMERAL_CHARS}]+"
_TITLED = re.compile(r"《([^《》]+)》")
# 第二十九条 / 第29条 / 第二十九、三十条 / 第二十九条至第三十一条
_ARTICLE_GROUP = re.compile(
    rf"第\s*({_NUM}(?:\s*[、,，和及与]\s*第?\s*{_NUM})*)\s*条"
    rf"(?:\s*[至到\-~—]\s*第?\s*({_NUM})\s*条)?"
)
_SPLIT_NUMS = re.compile(rf"{_NUM}")
_BARE_TITLE = re.compile(
    r"([\u4e00-\u9fff]{1,58}?法典|"
    r"[\u4e00-\u9fff()〔〕\[\]\d]{2,60}?(?:法|条例|规定|办法|细则|决定|规则|规程|意见|通知|标准|规范|目录|令|公约|章程|批复|纲要))"
    r"(?=\s*(?:\(\d{4}年[^)]*\))?\s*(?:第|$|[,，;；、。]))"
)
_LEADING_WORDS = re.compile(r"^(?:根据|依据|按照|依照|遵照|据)\s*")
_VERSION_NOTE = re.compile(r"\(\d{4}年[^)]*\)$")
_SEGMENT_SPLIT = re.compile(r"[\n;；]+")
_LAW_BOUNDARY = re.compile(r"[、,，](?=\s*(?:《|[^第\d\s" + CN_NUMERAL_CHARS + r"]))")
_MAX_RANGE = 200


def _article_numbers(text: str) -> list[int]:
    articles: list[int] = []
    for m in _ARTICLE_GROUP.finditer(text):
        numbers = [parse_number(n) for n in _SPLIT_NUMS.findall(m.group(1))]
        ints = [int(n) for n in numbers if isinstance(n, (int, float))]
        if m.group(2) and ints:
            end = parse_number(m.group(2))
            if isinstance(end, (int, float)) and ints[-1] < end <= ints[-1] + _MAX_RANGE:
                ints.extend(range(ints[-1] + 1, int(end) + 1))
        articles.extend(ints)
    return articles


def _law_title(title: str) -> str:
    return clean(_VERSION_NOTE.sub("", clean(title)))


def _titles_in(segment: str) -> list[tuple[int, str]]:
    """(position, title) of each law named in a segment, with or without 《》."""
    titled = [(m.start(), _law_title(m.group(1))) for m in _TITLED.finditer(segment)]
    if titled:
        return titled
    body = _LEADING_WORDS.sub("", strip_numbering(segment))
    offset = len(segment) - len(body)
    return [(offset + m.start(), _law_title(_LEADING_WORDS.sub("", m.group(1))))
            for m in _BARE_TITLE.finditer(body)]


def _segments(text: str) -> list[str]:
    out = []
    for part in _SEGMENT_SPLIT.split(text):
        out.extend(_LAW_BOUNDARY.split(part))
    return [s for s in (p.strip() for p in out) if s]


@functools.lru_cache(maxsize=1 << 12)
def parse_citations(text: str) -> tuple[Citation, ...]:
    """Laws and article numbers, in order; articles deduplicated per law, laws merged.
    Cached (the result is immutable): a legal basis repeats on every page of an item."""
    laws: dict[str, list[int]] = {}
    current: str | None = None
    for segment in _segments(fold(text)):
        titles = _titles_in(segment)
        bounds = [pos for pos, _ in titles] + [len(segment)]
        if titles and bounds[0] > 0 and current is not None:
            laws[current].extend(_article_numbers(segment[: bounds[0]]))
        elif not titles and current is not None:
            laws[current].extend(_article_numbers(segment))
        for (pos, title), end in zip(titles, bounds[1:]):
            current = title
            laws.setdefault(title, []).extend(_article_numbers(segment[pos:end]))
    return tuple(
        Citation(law=law, articles=tuple(dict.fromkeys(arts))) for law, arts in laws.items() if law
    )


def parse_legal_basis(raw: str, location: Location) -> LegalBasis:
    return LegalBasis(raw=raw, citations=parse_citations(raw), location=location)
