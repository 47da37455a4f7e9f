"""Legal basis (设定依据): sets of (law, article), order never matters.

A law is identified by its title after ``clean()``, with 《》 removed and with a
configured state prefix dropped (``legal_basis.law_prefixes``): 《行政许可法》 is
《中华人民共和国行政许可法》 — national laws are cited both ways, while a province
or city prefix names a different, local regulation and stays. A revision note
such as （2019年修正） is not part of the title.

Kinds: ``missing_law`` / ``extra_law`` (subject: the law), ``missing_article`` /
``extra_article`` / ``changed_article`` (one difference per law, listing the
articles: a replaced article is one change, so a finding's key stays unique). A law cited
without articles on either side says nothing about articles: no difference.
"""

from __future__ import annotations

import functools
import re

from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents, alias_form
from guidecheck.model import Citation, LegalBasis, Location

_REVISION = re.compile(r"[(（][^()（）]*(?:修正|修订|修改|年)[^()（）]*[)）]$")


@functools.lru_cache(maxsize=16384)
def law_key(title: str, equivalents: Equivalents) -> str:
    """Identity of a law title: cleaned, no 《》, no revision note, no state prefix."""
    key = _REVISION.sub("", alias_form(title))
    for prefix in equivalents.law_prefixes:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def _articles(numbers: tuple[int, ...] | list[int]) -> str:
    return "、".join(f"第{n}条" for n in numbers)


def _cite(law: str, numbers: tuple[int, ...] | list[int] = ()) -> str:
    return f"《{law}》{_articles(numbers)}"


def _by_law(citations: tuple[Citation, ...], equivalents: Equivalents) -> dict[str, Citation]:
    out: dict[str, Citation] = {}
    for c in citations:
        key = law_key(c.law, equivalents)
        if key in out:  # the same law cited twice: merge the articles
            merged = tuple(dict.fromkeys(out[key].articles + c.articles))
            c = Citation(law=out[key].law, articles=merged)
        out[key] = c
    return out


def _article_differences(
    field: str, want: Citation, got: Citation, location: Location
) -> list[Difference]:
    if not want.articles or not got.articles:
        return []
    missing = [a for a in want.articles if a not in got.articles]
    extra = [a for a in got.articles if a not in want.articles]
    if missing and extra:  # one article replaced by another: one difference, not two
        kind, expected, actual = "changed_article", want.articles, got.articles
    elif missing:
        kind, expected, actual = "missing_article", missing, got.articles
    elif extra:
        kind, expected, actual = "extra_article", want.articles, extra
    else:
        return []
    return [
        Difference(
            field=field,
            kind=kind,
            expected=_cite(want.law, expected),
            actual=_cite(got.law, actual),
            location=location,
            subject=want.law,
        )
    ]


def compare_legal_basis(
    field: str, expected: LegalBasis, actual: LegalBasis, *, equivalents: Equivalents
) -> list[Difference]:
    """Missing/extra laws, then missing/extra articles of the laws both cite."""
    if expected.citations == actual.citations or not expected.citations or not actual.citations:
        return []  # no citation parsed on a side: an extraction problem, not a difference
    want, got = _by_law(expected.citations, equivalents), _by_law(actual.citations, equivalents)
    out: list[Difference] = []
    for key, c in want.items():
        if key in got:
            out += _article_differences(field, c, got[key], actual.location)
        else:
            out.append(
                Difference(
                    field=field,
                    kind="missing_law",
                    expected=_cite(c.law, c.articles),
                    actual=None,
                    subject=c.law,
                )
            )
    for key, c in got.items():
        if key not in want:
            out.append(
                Difference(
                    field=field,
                    kind="extra_law",
                    expected=None,
                    actual=_cite(c.law, c.articles),
                    location=actual.location,
                    subject=c.law,
                )
            )
    return out
