"""Table-driven normalization cases from tests/cases/normalize.yaml."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from guidecheck import normalize
from guidecheck.model import Location, TimeUnit, to_data

CASES_FILE = Path(__file__).parent / "cases" / "normalize.yaml"
LOCATION = Location(source="cases/normalize.yaml")
KWARG_TYPES = {"default_unit": TimeUnit}


def load_cases() -> list[dict[str, Any]]:
    with CASES_FILE.open(encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["cases"])


CASES = load_cases()


def run(fn_name: str, value: Any, kwargs: dict[str, Any] | None = None) -> Any:
    fn = getattr(normalize, fn_name)
    kw = {k: KWARG_TYPES[k](v) if k in KWARG_TYPES else v for k, v in (kwargs or {}).items()}
    takes_location = "location" in inspect.signature(fn).parameters
    result = fn(value, LOCATION, **kw) if takes_location else fn(value, **kw)
    return to_data(result, semantic=True)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    if "same" in case:
        results = [run(case["fn"], v, case.get("kwargs")) for v in case["same"]]
        assert all(r == results[0] for r in results), list(zip(case["same"], results))
        assert results[0] not in (None, {}, [], ""), "a 'same' case must parse to something"
    else:
        assert run(case["fn"], case["input"], case.get("kwargs")) == case["expected"]


def test_fixture_is_large_and_names_are_unique() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) >= 170
    assert len(set(names)) == len(names)
    assert all(hasattr(normalize, c["fn"]) for c in CASES)


def test_clean_is_idempotent() -> None:
    for case in CASES:
        if case["fn"] == "clean" and "input" in case:
            once = normalize.clean(case["input"])
            assert normalize.clean(once) == once
