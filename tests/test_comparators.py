"""Comparators (guidecheck.compare): table-driven from tests/cases/compare_*.yaml.

Each case gives a reference value, a guide's value (model objects built from plain
YAML) and the differences expected, as ``kind`` or ``kind|subject``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz

from guidecheck.compare.align import align, assign
from guidecheck.compare.difference import Difference
from guidecheck.compare.equivalence import Equivalents, parse_equivalents
from guidecheck.compare.fields import compare_field
from guidecheck.compare.lists import in_order
from guidecheck.compare.materials import material_key, material_score
from guidecheck.errors import ConfigError
from guidecheck.model import (
    Citation,
    Fee,
    Form,
    LegalBasis,
    ListValue,
    Location,
    Material,
    MaterialList,
    Necessity,
    Online,
    Phones,
    TextValue,
    TimeLimit,
    TimeUnit,
    Visits,
)
from guidecheck.normalize.text import clean

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
LOC = Location(source="guide.html", table=1, row=2)


@pytest.fixture(scope="module")
def equivalents() -> Equivalents:
    return parse_equivalents(
        yaml.safe_load((ROOT / "rules" / "equivalents.yaml").read_text("utf-8"))
    )


# --- building model values from YAML --------------------------------------------------


def _text(v: str) -> TextValue:
    return TextValue(raw=v, text=clean(v), location=LOC)


def _list(v: list[str]) -> ListValue:
    return ListValue(raw="\n".join(v), items=tuple(clean(s) for s in v), location=LOC)


def _time_limit(v: Any) -> TimeLimit:
    if v == "immediate":
        return TimeLimit(raw="即办", immediate=True, location=LOC)
    if v == "no_statutory":
        return TimeLimit(raw="无法定时限", no_statutory=True, location=LOC)
    if v == "unparsed":
        return TimeLimit(raw="按规定办理", location=LOC)
    unit = TimeUnit(v["unit"]) if "unit" in v else None
    return TimeLimit(raw=str(v), amount=v["amount"], unit=unit, location=LOC)


def _fee(v: dict[str, Any]) -> Fee:
    return Fee(
        raw=str(v),
        free=v.get("free"),
        amounts=tuple(v.get("amounts", ())),
        basis=v.get("basis"),
        location=LOC,
    )


def _legal(v: list[dict[str, Any]]) -> LegalBasis:
    cites = tuple(Citation(law=c["law"], articles=tuple(c.get("articles", ()))) for c in v)
    return LegalBasis(raw=str(v), citations=cites, location=LOC)


def _material(v: Any) -> Material:
    v = {"name": v} if isinstance(v, str) else v
    return Material(
        raw=v["name"],
        name=v["name"],
        originals=v.get("originals"),
        copies=v.get("copies"),
        form=Form(v["form"]) if "form" in v else None,
        necessity=Necessity(v["necessity"]) if "necessity" in v else None,
        location=LOC,
    )


def _materials(v: list[Any]) -> MaterialList:
    return MaterialList(items=tuple(map(_material, v)), location=LOC)


def _visits(v: dict[str, Any]) -> Visits:
    return Visits(raw=str(v), count=v["count"], location=LOC)


def _online(v: dict[str, Any]) -> Online:
    return Online(raw=str(v), available=v.get("available"), depth=v.get("depth"), location=LOC)


def _phones(v: list[str]) -> Phones:
    return Phones(raw=" ".join(v), numbers=tuple(v), location=LOC)


BUILDERS = {
    "text": _text,
    "list": _list,
    "time_limit": _time_limit,
    "fee": _fee,
    "legal_basis": _legal,
    "materials": _materials,
    "visits": _visits,
    "online": _online,
    "phones": _phones,
}
FIELD_KIND = {
    "item_type": "text",
    "case_type": "text",
    "visits": "visits",
    "online": "online",
    "conditions": "list",
    "process": "list",
    "code": "list",
}


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("compare_*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for case in doc["cases"]:
            field = case.get("field", doc.get("field"))
            kind = case.get("kind") or FIELD_KIND.get(field) or doc["kind"]
            params.append(pytest.param(field, kind, case, id=f"{path.stem}:{case['name']}"))
    return params


def _matches(want: str, got: Difference) -> bool:
    kind, _, subject = want.partition("|")
    return got.kind == kind and (not subject or got.subject == subject)


def _assert_differences(produced: list[Difference], wanted: list[str]) -> None:
    left = list(produced)
    for want in sorted(wanted, key=lambda w: "|" not in w):  # specific expectations first
        hit = next((d for d in left if _matches(want, d)), None)
        assert hit is not None, f"expected {want!r}, got {[(d.kind, d.subject) for d in produced]}"
        left.remove(hit)
    assert not left, f"unexpected differences: {left}"


@pytest.mark.parametrize(("field", "kind", "case"), _load_cases())
def test_case(field: str, kind: str, case: dict[str, Any], equivalents: Equivalents) -> None:
    build = BUILDERS[kind]
    produced = compare_field(
        field, build(case["expected"]), build(case["actual"]), equivalents=equivalents
    )
    _assert_differences(produced, case["differences"])
    assert all(d.field == field for d in produced)
    if "detail" in case:
        assert [d.detail for d in produced] == [case["detail"]]


def test_swapping_sides_swaps_missing_and_extra(equivalents: Equivalents) -> None:
    ref = _materials(["居民身份证", "结婚证", "房屋租赁合同"])
    guide = _materials(["身份证", "劳动合同"])
    forward = {d.kind for d in compare_field("materials", ref, guide, equivalents=equivalents)}
    backward = {d.kind for d in compare_field("materials", guide, ref, equivalents=equivalents)}
    assert forward == {"missing"} | {"extra"} and backward == forward


def test_difference_locations_point_into_the_guide(equivalents: Equivalents) -> None:
    ref = _materials([{"name": "申请书", "originals": 1}, "结婚证"])
    guide = MaterialList(
        items=(
            Material(
                raw="申请书",
                name="申请书",
                originals=2,
                location=Location(source="g.docx", table=3, row=4),
            ),
        ),
        location=LOC,
    )
    by_kind = {d.kind: d for d in compare_field("materials", ref, guide, equivalents=equivalents)}
    assert by_kind["copies"].location == Location(source="g.docx", table=3, row=4)
    assert by_kind["copies"].expected == "原件1份" and by_kind["copies"].actual == "原件2份"
    assert by_kind["missing"].location is None


def test_compare_field_refuses_mixed_types(equivalents: Equivalents) -> None:
    with pytest.raises(TypeError):
        compare_field("name", _text("甲"), _list(["甲"]), equivalents=equivalents)


# --- the alignment machinery ----------------------------------------------------------


def test_assign_is_optimal_against_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(200):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        n, m = min(n, m), max(n, m)
        cost = [[rng.randint(0, 100) for _ in range(m)] for _ in range(n)]
        cols = assign(cost)
        best = min(
            sum(cost[i][p[i]] for i in range(n)) for p in itertools.permutations(range(m), n)
        )
        assert len(set(cols)) == n
        assert sum(cost[i][cols[i]] for i in range(n)) == best


def test_align_prefers_exact_then_best_total() -> None:
    al = align(
        ["申请人身份证明", "委托代理人身份证明"], ["委托代理人的身份证明", "申请人身份证明材料"], 60
    )
    assert [(p.left, p.right) for p in al.pairs] == [(0, 1), (1, 0)]
    assert align(["a", "b"], ["b", "zzz"], 60).right_only == (1,)


@pytest.mark.parametrize(
    ("sequence", "kept"),
    [
        ([0, 1, 2, 3], {0, 1, 2, 3}),
        ([1, 2, 3, 0], {0, 1, 2}),
        ([0, 2, 1, 3], {0, 1, 3}),
        ([], set()),
    ],
)
def test_in_order(sequence: list[int], kept: set[int]) -> None:
    assert len(in_order(sequence)) == len(kept)
    values = [sequence[i] for i in sorted(in_order(sequence))]
    assert values == sorted(values)


# --- materials alignment quality on realistic name variants ------------------------------


def alignment_quality(
    key: Callable[[str], str], threshold: float, scorer: Callable[..., float] = fuzz.ratio
) -> tuple[float, float]:
    """(precision, recall) of material pairs on the ``alignment`` sets of compare_materials.yaml."""
    doc = yaml.safe_load((CASES / "compare_materials.yaml").read_text("utf-8"))
    found = right = gold = 0
    for case in doc["alignment"]:
        ref, guide = case["reference"], case["guide"]
        al = align([key(n) for n in ref], [key(g["name"]) for g in guide], threshold, scorer=scorer)
        truth = {(ref.index(g["is"]), j) for j, g in enumerate(guide) if g["is"]}
        got = {(p.left, p.right) for p in al.pairs}
        found, right, gold = found + len(got), right + len(got & truth), gold + len(truth)
    return right / found, right / gold


def test_material_alignment_quality_floor(equivalents: Equivalents) -> None:
    precision, recall = alignment_quality(
        lambda n: material_key(n, equivalents), equivalents.similarity.material_pair, material_score
    )
    assert precision >= 0.97 and recall >= 0.90, (precision, recall)
    # … and it beats plain fuzz.ratio on raw names (the baseline)
    base_p, base_r = alignment_quality(lambda n: n, equivalents.similarity.material_pair)
    assert recall > base_r


def test_material_key_strips_form_words_only(equivalents: Equivalents) -> None:
    assert material_key("身份证原件及复印件各1份", equivalents) == "居民身份证"
    assert material_key("营业执照副本复印件（加盖公章）", equivalents) == "营业执照副本"
    assert material_key("电子营业执照", equivalents) == "电子营业执照"  # 电子 inside a name stays
    assert material_key("复印件", equivalents) == "复印件"  # never strip a name to nothing
    assert material_key("父母户口本", equivalents) == "父母居民户口簿"  # alias inside a name
    assert (
        material_key("法定代表人身份证明", equivalents) == "法定代表人身份证明"
    )  # 身份证明 ≠ 身份证


# --- parse_equivalents validation -----------------------------------------------------------


def _minimal(**over: Any) -> dict[str, Any]:
    return {"version": 1, **over}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (_minimal(materail={}), "materail"),
        (_minimal(materials={"aliases": [["身份证"]]}), "materials.aliases[0]"),
        (_minimal(materials={"aliases": [["甲", "乙"], ["乙", "丙"]]}), "materials.aliases[1]"),
        (_minimal(materials={"strip_words": "原件"}), "materials.strip_words"),
        (_minimal(similarity={"material_pair": 120}), "similarity.material_pair"),
        (_minimal(similarity={"sentence_equal": 50}), "similarity.sentence_changed"),
        (_minimal(text={"values": {"item_typ": []}}), "text.values.item_typ"),
        ({"version": 2}, "version"),
    ],
)
def test_parse_equivalents_names_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_equivalents(data)


def test_parse_equivalents_did_you_mean() -> None:
    with pytest.raises(ConfigError, match="materials"):
        parse_equivalents(_minimal(materail={}))


def test_shipped_equivalents_parse(equivalents: Equivalents) -> None:
    assert equivalents.material_canonical("户口本") == "居民户口簿"
    assert "中华人民共和国" in equivalents.law_prefixes
    assert equivalents.similarity.material_pair <= equivalents.similarity.material_same_name
