"""Reference-free lints GC801–GC811: what a guide says wrong on its own, without the handbook.

One module per rule, each with ``CODE``, ``FIELDS`` (the canonical keys it reads) and
``check(guide, vocab) -> Iterator[Difference]`` whose differences carry ``kind=CODE``.
The vocabulary (catch-all phrases, vague terms, cancel list…) comes from
``rules/lints.yaml`` through :func:`guidecheck.vocab.load_lint_vocab`; nothing here
reads files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Protocol, cast

from guidecheck.compare.difference import Difference
from guidecheck.compare.lints import (
    catch_all_condition,
    catch_all_material,
    fee_incomplete,
    immediate_case_type,
    legal_zero,
    online_missing,
    phone_area_code,
    promised_exceeds_legal,
    proof_to_cancel,
    vague_wording,
    visits_above_one,
)
from guidecheck.compare.lints.vocab import LintVocab, parse_lint_vocab
from guidecheck.errors import ConfigError
from guidecheck.model import Guide

__all__ = ["LINTS", "Lint", "LintVocab", "lint_for", "parse_lint_vocab", "run_lints"]


class Lint(Protocol):
    CODE: str
    FIELDS: tuple[str, ...]

    def check(self, guide: Guide, vocab: LintVocab) -> Iterator[Difference]: ...


_MODULES: tuple[ModuleType, ...] = (
    catch_all_material,
    catch_all_condition,
    vague_wording,
    promised_exceeds_legal,
    legal_zero,
    visits_above_one,
    online_missing,
    fee_incomplete,
    phone_area_code,
    proof_to_cancel,
    immediate_case_type,
)
LINTS: tuple[Lint, ...] = tuple(sorted((cast(Lint, m) for m in _MODULES), key=lambda m: m.CODE))
"""Every lint, in code order."""

_BY_CODE = {lint.CODE: lint for lint in LINTS}


def lint_for(code: str) -> Lint:
    """The lint of a code; ConfigError with a "did you mean" for an unknown one."""
    try:
        return _BY_CODE[code]
    except KeyError:
        near = difflib.get_close_matches(code, list(_BY_CODE), n=1)
        hint = f"（是否想写 {near[0]}？）" if near else f"（可用：{'、'.join(_BY_CODE)}）"
        raise ConfigError(f"未知的检查规则 {code!r}{hint}") from None


def _selected(codes: Iterable[str] | None) -> tuple[Lint, ...]:
    if codes is None:
        return LINTS
    wanted = {lint_for(code).CODE for code in codes}
    return tuple(lint for lint in LINTS if lint.CODE in wanted)


def run_lints(guide: Guide, vocab: LintVocab, *, codes: set[str] | None = None) -> list[Difference]:
    """Every lint difference of one guide, in code order (``codes``: only these rules)."""
    return [found for lint in _selected(codes) for found in lint.check(guide, vocab)]
