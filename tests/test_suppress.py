"""Suppressions (guidecheck.compare.suppress): accepted deviations with an expiry date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from guidecheck.compare.findings import Finding, Severity
from guidecheck.compare.suppress import Suppression, Suppressions, parse_suppressions
from guidecheck.errors import ConfigError
from guidecheck.vocab import load_catalog, load_suppressions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "corpus" / "suppressions.yaml"
TODAY = dt.date(2025, 6, 1)


def finding(**kw: Any) -> Finding:
    base: dict[str, Any] = {
        "rule": "GC204", "rule_name": "materials.copies", "severity": Severity.WARNING,
        "item_code": "许可-00077-006-01", "item_name": "食品经营许可（新办）", "unit": "西湖区",
        "implementing_body": "杭州市西湖区市场监督管理局", "channel": "province",
        "field": "materials", "expected": "原件1份", "actual": "原件2份", "message": "…",
        "location": None, "reference": "handbook", "subject": "食品经营许可申请书",
    }  # fmt: skip
    base.update(kw)
    return Finding(**base)


def entries(*specs: dict[str, Any]) -> Suppressions:
    base = {"item": "许可-00077-006-01", "unit": "西湖区", "rule": "GC204",
            "reason": "经市跑改办同意", "expires": dt.date(2025, 12, 31)}  # fmt: skip
    return parse_suppressions({"suppressions": [{**base, **s} for s in specs]}, "s.yaml")


# --- matching ------------------------------------------------------------------------------


def test_a_valid_entry_silences_its_finding() -> None:
    sup = entries({})
    target, other = finding(), finding(unit="滨江区")
    kept, suppressed, expired = sup.apply([target, other], TODAY)
    assert kept == [other]
    assert [s.finding for s in suppressed] == [target]
    assert suppressed[0].entry.reason == "经市跑改办同意"
    assert expired == []


@pytest.mark.parametrize(
    ("spec", "silenced"),
    [
        ({"rule": "GC2"}, True),  # code prefix
        ({"rule": "GC20"}, True),
        ({"rule": "GC205"}, False),
        ({"rule": "materials.copies"}, True),  # name
        ({"rule": "materials"}, True),  # name prefix
        ({"rule": "materials.copie"}, False),  # a name prefix stops at a dot
        ({"item": "食品经营许可（新办）"}, True),  # by item name
        ({"item": "食品经营许可(新办)"}, True),  # width-folded
        ({"item": "许可-00077-006-03"}, False),
        ({"unit": "滨江区"}, False),
        ({"channel": "province"}, True),
        ({"channel": "app"}, False),
        ({"field": "materials"}, True),
        ({"field": "fee"}, False),
        ({"subject": "食品经营许可申请书"}, True),
        ({"subject": "营业执照（副本）"}, False),
    ],
)
def test_what_an_entry_matches(spec: dict[str, Any], silenced: bool) -> None:
    _, suppressed, _ = entries(spec).apply([finding()], TODAY)
    assert bool(suppressed) is silenced


def test_item_name_matches_a_finding_without_code() -> None:
    sup = entries({"item": "食品经营许可（新办）"})
    _, suppressed, _ = sup.apply([finding(item_code=None)], TODAY)
    assert len(suppressed) == 1


def test_line_department_finding_on_all_channels() -> None:
    sup = entries({"unit": "杭州市市场监督管理局", "rule": "GC710", "channel": "*"})
    variance = finding(
        rule="GC710",
        rule_name="variance.regional",
        unit="杭州市市场监督管理局",
        channel="*",
        field="time_limit_promised",
        subject=None,
    )
    assert len(sup.apply([variance], TODAY)[1]) == 1


# --- expiry and unused entries ------------------------------------------------------------


def test_valid_through_the_expiry_day_then_reported() -> None:
    sup = entries({"expires": dt.date(2025, 6, 1)})
    kept, suppressed, expired = sup.apply([finding()], dt.date(2025, 6, 1))
    assert (kept, len(suppressed), expired) == ([], 1, [])
    kept, suppressed, expired = sup.apply([finding()], dt.date(2025, 6, 2))
    assert kept == [finding()] and suppressed == []
    assert expired == list(sup.entries)


def test_expired_entries_are_reported_even_when_nothing_matches() -> None:
    sup = entries({"expires": dt.date(2024, 1, 1)}, {"unit": "滨江区"})
    _, _, expired = sup.apply([], TODAY)
    assert [e.index for e in expired] == [1]


def test_unused_entries() -> None:
    sup = entries({}, {"unit": "滨江区"}, {"unit": "萧山区", "expires": dt.date(2020, 1, 1)})
    _, suppressed, _ = sup.apply([finding()], TODAY)
    unused = sup.unused(suppressed, TODAY)
    assert [(e.index, e.unit) for e in unused] == [(2, "滨江区")]  # the expired one is "expired"


def test_first_matching_entry_wins() -> None:
    sup = entries({"rule": "GC2", "reason": "宽"}, {"reason": "窄"})
    _, suppressed, _ = sup.apply([finding()], TODAY)
    assert suppressed[0].entry.reason == "宽"
    assert sup.unused(suppressed, TODAY)[0].reason == "窄"


# --- schema ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"reason": None}, "缺少 reason"),
        ({"expires": None}, "缺少 expires"),
        ({"expires": "2025-13-01"}, "expires"),
        ({"expires": "下个月"}, "expires"),
        ({"rule": "materials missing"}, "rule"),
        ({"rule": "GC"}, "rule"),
        ({"unit": 12}, "unit"),
        ({"field": "material"}, "materials"),  # did you mean
        ({"reasn": "x"}, "reason"),  # did you mean
    ],
)
def test_errors_name_file_entry_and_key(spec: dict[str, Any], says: str) -> None:
    base = {"item": "许可-00077-006-01", "unit": "西湖区", "rule": "GC204",
            "reason": "经同意", "expires": "2025-12-31"}  # fmt: skip
    data = {"suppressions": [base, {**base, **spec}]}
    with pytest.raises(ConfigError) as err:
        parse_suppressions(data, "corpus/suppressions.yaml")
    message = str(err.value)
    assert "corpus/suppressions.yaml" in message and "第2条" in message and says in message


def test_rule_checked_against_the_catalog() -> None:
    data = {"suppressions": [{"item": "x", "unit": "西湖区", "rule": "GC9", "reason": "r",
                              "expires": "2025-01-01"}]}  # fmt: skip
    assert parse_suppressions(data).entries[0].rule == "GC9"  # no catalog: format only
    with pytest.raises(ConfigError, match="第1条.*GC9"):
        parse_suppressions(data, catalog=load_catalog())


def test_iso_string_and_datetime_dates() -> None:
    sup = entries({"expires": "2025-12-31"}, {"expires": dt.datetime(2025, 12, 31, 8, 0)})
    assert {e.expires for e in sup.entries} == {dt.date(2025, 12, 31)}


@pytest.mark.parametrize("data", [None, {}, {"suppressions": None}, {"version": 1}])
def test_empty_files_suppress_nothing(data: Any) -> None:
    assert parse_suppressions(data).apply([finding()], TODAY) == ([finding()], [], [])


@pytest.mark.parametrize(
    "data", [[], {"suppression": []}, {"suppressions": {"item": "x"}}, {"suppressions": ["x"]}]
)
def test_malformed_top_level(data: Any) -> None:
    with pytest.raises(ConfigError, match="s.yaml"):
        parse_suppressions(data, "s.yaml")


# --- the documented example --------------------------------------------------------------


def test_example_file_loads_and_matches_the_catalog() -> None:
    sup = load_suppressions(EXAMPLE, catalog=load_catalog())
    assert len(sup.entries) >= 3 and all(isinstance(e, Suppression) for e in sup.entries)
    assert all(e.source == str(EXAMPLE) for e in sup.entries)
    raw = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    assert [e.index for e in sup.entries] == list(range(1, len(raw["suppressions"]) + 1))


def test_loading_a_broken_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("suppressions: [item: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="s.yaml"):
        load_suppressions(path)
