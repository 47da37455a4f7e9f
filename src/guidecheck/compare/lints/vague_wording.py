"""GC803 lint.vague-wording: 按规定 / 视情况 / 必要时 / 详见 / 另行通知 in conditions,
materials (name and note), process steps, 办理地点 or 办理时间.

The difference's ``subject`` is the vague term(s) found (the catalog message quotes
it), ``actual`` the entry holding it (for a material note: ``name：note``).

Bad: ``必要时提交现场核查报告`` / ``详见有关规定``.
Good: say when and what: ``经营面积超过500平方米的，提交现场核查报告``.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints.base import quote, raw_text, text_entries
from guidecheck.compare.lints.vocab import LintVocab
from guidecheck.model import Guide

CODE = "GC803"
FIELDS = ("conditions", "materials", "process", "location", "hours")
EXPECTED = "写明具体情形和要求，不使用模糊表述"


def check(guide: Guide, vocab: LintVocab) -> Iterator[Difference]:
    if not vocab.vague_terms.pattern.search(raw_text(guide, FIELDS)):
        return  # most guides: one search, no entries built
    for entry in text_entries(guide, FIELDS):
        terms = vocab.vague_terms.find_all(entry.text)
        if terms:
            yield Difference(
                field=entry.field,
                kind=CODE,
                expected=EXPECTED,
                actual=entry.raw,
                location=entry.location,
                subject="、".join(terms),
                detail=f"含模糊表述{quote(terms)}",
            )
