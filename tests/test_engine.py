"""The compare engine and regional variance on hand-built semantic guides."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rulecases import build_guide, build_value

from guidecheck.attribute.variance import regional_variance
from guidecheck.compare.difference import Difference
from guidecheck.compare.engine import Comparison, FindingMaker, Settings, compare_guides, is_vague
from guidecheck.compare.findings import Finding
from guidecheck.model import Guide
from guidecheck.vocab import load_catalog, load_equivalents, load_field_vocab

CODE = "许可-00077-006-01"
UNITS = ("西湖区", "拱墅区")
OWNER = "杭州市市场监督管理局"
HANDBOOK: dict[str, Any] = {
    "name": "食品经营许可（新办）",
    "code": [CODE],
    "item_type": "行政许可",
    "line_department": OWNER,
    "conditions": ["有与经营项目相适应的经营场所", "有食品安全管理人员"],
    "materials": [{"name": "居民身份证", "originals": 1}, {"name": "营业执照（副本）", "copies": 1}],
    "time_limit_legal": {"amount": 10, "unit": "working_day"},
    "time_limit_promised": {"amount": 3, "unit": "working_day"},
    "fee": {"free": True},
}
LOCAL: dict[str, Any] = {
    "location": "西湖区行政服务中心1号窗口",
    "hours": "周一至周五9:00-17:00",
    "phone": ["0571-87654321"],
}
VAGUE = ("(?:按|依照)(?:有关)?规定(?:执行|办理)?", "详见.{0,20}")


def settings(**over: Any) -> Settings:
    vocab = load_field_vocab()
    base: dict[str, Any] = dict(
        fixed_fields=("name", "code", "item_type", "conditions", "materials", "time_limit_legal",
                      "time_limit_promised", "fee"),
        local_fields=("implementing_body", "location", "hours", "phone"),
        source_of_record="province",
        channels=("province", "app"),
        channel_labels={"province": "浙江政务服务网", "app": "杭州办事服务APP"},
        field_labels={k: s.element for k, s in vocab.fields.items()},
        vague=tuple(re.compile(p) for p in VAGUE),
        implementers={CODE: frozenset(UNITS)},
        owners={CODE: OWNER},
    )
    base.update(over)
    return Settings(**base)


def handbook(**changes: Any) -> Guide:
    data = {**HANDBOOK, **changes}
    return build_guide({k: v for k, v in data.items() if v is not None}, channel="handbook")


def page(unit: str, channel: str = "province", drop: tuple[str, ...] = (), **changes: Any) -> Guide:
    data = {**HANDBOOK, **LOCAL, "unit": unit, **changes}
    data.pop("line_department")
    return build_guide({k: v for k, v in data.items() if v is not None and k not in drop}, channel=channel)


def all_pages(**changes: Any) -> list[Guide]:
    return [page(u, ch, **changes) for u in UNITS for ch in ("province", "app")]


def run(guides: list[Guide], hb: Guide | None = None, *, lints: Any = None, **over: Any) -> list[Finding]:
    s = settings(**over)
    catalog = load_catalog()
    eq = load_equivalents()
    result = compare_guides(guides, [hb or handbook()], settings=s, catalog=catalog, equivalents=eq, lints=lints)
    variance = regional_variance(
        result.compared,
        fields=s.fixed_fields,
        maker=FindingMaker(catalog, s),
        equivalents=eq,
        owners=dict(s.owners),
    )
    return result.findings + variance


def brief(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.rule, f.unit, f.channel, f.field) for f in findings}


def test_clean_guides_with_benign_wording_give_nothing() -> None:
    guides = all_pages()
    guides[1] = page("西湖区", "app", time_limit_legal={"amount": 10, "unit": "working_day", "raw": "十个工作日"},
                     materials=[{"name": "营业执照（副本）", "copies": 1}, {"name": "身份证", "originals": 1}])
    assert run(guides) == []


def test_a_deviating_unit_is_charged_with_location_and_message() -> None:
    guides = all_pages()
    guides[0] = page("西湖区", time_limit_promised={"amount": 5, "unit": "working_day"})
    (f,) = run(guides)
    assert (f.rule, f.unit, f.channel, f.field, f.reference) == ("GC302", "西湖区", "province", "time_limit_promised", "handbook")
    assert f.expected and "3" in f.expected and f.actual and "5" in f.actual
    assert f.item_code == CODE and f.item_name == "食品经营许可（新办）"
    assert f.location is not None and "浙江政务服务网" in f.message


def test_field_absent_on_page_is_an_extraction_problem_not_missing_materials() -> None:
    guides = all_pages()
    guides[0] = page("西湖区", drop=("materials",))
    assert brief(run(guides)) == {("GC010", "西湖区", "province", "materials")}


def test_field_the_channel_never_shows_is_not_reported() -> None:
    guides = [page(u, ch, drop=("item_type",) if ch == "app" else ()) for u in UNITS for ch in ("province", "app")]
    assert run(guides, not_shown={"app": frozenset({"item_type"})}) == []
    assert {f.rule for f in run(guides)} == {"GC010"}


def test_unparsed_value_is_gc011() -> None:
    guides = all_pages()
    guides[0] = page("西湖区", time_limit_legal="unparsed")
    assert brief(run(guides)) == {("GC011", "西湖区", "province", "time_limit_legal")}


def test_local_fields_against_source_of_record_only() -> None:
    guides = all_pages()
    guides[1] = page("西湖区", "app", phone=["0571-11111111"])  # app deviates from province
    guides[2] = page("拱墅区", "province", hours="周一至周六")  # the record: app is charged
    findings = run(guides)
    assert brief(findings) == {("GC703", "西湖区", "app", "phone"), ("GC702", "拱墅区", "app", "hours")}
    assert {f.reference for f in findings} == {"province"}


def test_missing_and_unmatched_guides() -> None:
    guides = all_pages()[:-1] + [page("拱墅区", "app", name="完全不同的事项", code=None)]
    found = brief(run(guides))
    assert ("GC101", "拱墅区", "app", "item") in found
    assert ("GC102", "拱墅区", "app", "item") in found


def test_a_comparison_fed_a_guide_at_a_time_finds_what_one_call_finds() -> None:
    # As in a scan: the app's guides come back first, the source of record (province)
    # in later chunks, and an unmatched guide between them.
    guides = [
        page("西湖区", "app", phone=["0571-11111111"], time_limit_promised={"amount": 5, "unit": "working_day"}),
        page("拱墅区", "app", hours="周一至周六"),
        page("拱墅区", "app", name="完全不同的事项", code=None),
        page("西湖区", "province"),
        page("拱墅区", "province"),
    ]
    s, catalog, eq = settings(), load_catalog(), load_equivalents()
    whole = compare_guides(guides, [handbook()], settings=s, catalog=catalog, equivalents=eq)
    comparison = Comparison([handbook()], settings=s, catalog=catalog, equivalents=eq)
    for guide in guides:
        comparison.add([guide])
    batched = comparison.finish()
    assert batched.findings == whole.findings
    assert [c.charged for c in batched.compared] == [c.charged for c in whole.compared]
    assert {(f.unit, f.channel, f.field, f.reference) for f in batched.findings} >= {
        ("西湖区", "app", "phone", "province"),  # the record came in a later batch
        ("拱墅区", "app", "hours", "province"),
        ("西湖区", "app", "time_limit_promised", "handbook"),
        ("拱墅区", "app", "item", "handbook"),  # unmatched
    }


def test_fuzzy_name_match_without_code() -> None:
    guides = all_pages()
    guides[1] = page("西湖区", "app", code=None, name="食品经营许可(新办)")
    assert run(guides) == []


def test_ignored_rules_are_dropped() -> None:
    guides = all_pages()
    guides[0] = page("西湖区", time_limit_promised={"amount": 5, "unit": "working_day"})
    s = settings()
    catalog = load_catalog().configured(ignore=("GC3",))
    result = compare_guides(guides, [handbook()], settings=s, catalog=catalog, equivalents=load_equivalents())
    assert result.findings == []


def test_lint_hook_differences_become_findings() -> None:
    def lints(guide: Guide) -> list[Difference]:
        if guide.channel == "app" and guide.unit == "拱墅区":
            return [Difference(field="visits", kind="GC806", expected="≤1", actual="2次")]
        return []

    assert brief(run(all_pages(), lints=lints)) == {("GC806", "拱墅区", "app", "visits")}


# --- attribution: regional variance -------------------------------------------------------


def test_vague_handbook_and_units_differ_charges_the_line_department_once() -> None:
    hb = handbook(conditions=["按规定执行"])
    guides = [page("西湖区", ch, conditions=["申请人年满18周岁"]) for ch in ("province", "app")]
    guides += [page("拱墅区", ch, conditions=["申请人年满20周岁"]) for ch in ("province", "app")]
    findings = run(guides, hb)
    assert brief(findings) == {("GC710", OWNER, "*", "conditions")}
    (f,) = findings
    assert f.expected == "按规定执行"
    assert f.actual and "西湖区" in f.actual and "拱墅区" in f.actual


def test_silent_handbook_and_units_differ() -> None:
    hb = handbook(time_limit_legal=None)
    guides = all_pages()
    guides[2] = page("拱墅区", "province", time_limit_legal={"amount": 20, "unit": "working_day"})
    guides[3] = page("拱墅区", "app", time_limit_legal={"amount": 20, "unit": "working_day"})
    (f,) = run(guides, hb)
    assert (f.rule, f.unit, f.channel, f.field, f.expected) == ("GC710", OWNER, "*", "time_limit_legal", "手册未规定")


def test_vague_handbook_equivalent_values_are_no_variance() -> None:
    hb = handbook(time_limit_legal=None)
    guides = all_pages()
    guides[2] = page("拱墅区", "province", time_limit_legal={"amount": 10, "unit": "working_day", "raw": "十个工作日"})
    assert run(guides, hb) == []


def test_materials_attribute_left_open_by_handbook() -> None:
    hb = handbook(materials=[{"name": "居民身份证"}, {"name": "营业执照（副本）", "copies": 1}])
    guides = all_pages()
    guides[2] = page("拱墅区", "province", materials=[{"name": "居民身份证", "copies": 2}, {"name": "营业执照（副本）", "copies": 1}])
    assert brief(run(guides, hb)) == {("GC710", OWNER, "*", "materials")}


def test_local_fields_never_trigger_variance() -> None:
    guides = [page("西湖区", ch) for ch in ("province", "app")]
    guides += [page("拱墅区", ch, location="拱墅区行政服务中心", phone=["0571-22222222"]) for ch in ("province", "app")]
    assert run(guides) == []


def test_a_deviating_unit_is_charged_not_the_department() -> None:
    guides = all_pages()
    guides[2] = page("拱墅区", "province", conditions=["有与经营项目相适应的经营场所"])
    found = brief(run(guides))
    assert found == {("GC601", "拱墅区", "province", "conditions")}


@pytest.mark.parametrize(
    ("text", "vague"),
    [("按规定", True), ("按有关规定执行", True), ("详见附件2", True), ("", True),
     ("有食品安全管理人员", False), ("按规定提交身份证复印件并签字确认后受理", False)],
)
def test_is_vague(text: str, vague: bool) -> None:
    value = build_value("text", text) if text else build_value("text", " ")
    assert is_vague(value, [re.compile(p) for p in VAGUE]) is vague
