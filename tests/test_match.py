"""Matching guides to handbook entries: code parsing and fuzzy names on real item lists.

/work/shared/data/sichuan-guangan-items.json holds 1,135 real item names and national
implementation codes of one district (四川广安); a copy of the shape is not needed:
the test is skipped when the file is absent.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from guidecheck.compare.match import Matcher, NameKey, base_code
from guidecheck.model import Guide, ListValue, Location, TextValue

SICHUAN = Path("/work/shared/data/sichuan-guangan-items.json")
LOC = Location(source="t")


def guide(name: str | None, *codes: str, channel: str = "handbook") -> Guide:
    return Guide(
        channel=channel,
        source=LOC,
        name=TextValue(raw=name, text=name, location=LOC) if name else None,
        code=ListValue(raw=" ".join(codes), items=codes, location=LOC) if codes else None,
    )


@pytest.mark.parametrize(
    ("code", "base"),
    [
        ("许可-00077-006-01", "许可-00077-006-01"),
        ("确认-11006-000", "确认-11006-000"),
        ("511A0138000000-511602000000-000-115113010833722043-1-00", "511A0138000000"),
        ("G-000007-001-511602000000-000-11511301083372-1-00", "G-000007-001"),
        ("1J-5100-00027-511602000000-000-11511301008778386B-1-00", "1J-5100-00027"),
        ("E-000004-001-11511301008778386B", "E-000004-001"),
        ("511a0138000000-511602000000-000-x-1-00", "511A0138000000"),
        (" 许可-00077-006-01 ", "许可-00077-006-01"),
    ],
)
def test_base_code(code: str, base: str) -> None:
    assert base_code(code) == base


def test_name_key_drops_level_suffix_keeps_sub_item() -> None:
    nk = NameKey.from_patterns()
    assert nk("企业投资项目备案（技术改造）（市级/县级）") == nk("企业投资项目备案(技术改造)")
    assert nk("食品经营许可（新办）") != nk("食品经营许可（延续）")
    assert nk("护士执业注册（首次）（县级）") == nk("护士执业注册（首次）")


def test_code_wins_over_name_and_national_code_finds_its_base() -> None:
    m = Matcher.build(
        [guide("甲事项", "511A0138000000"), guide("乙事项", "许可-00077-006-01")], threshold=90
    )
    got = m.match(guide("乙事项", "511A0138000000-511602000000-000-1151-1-00", channel="app"))
    assert got.entry is not None and got.entry.name == "甲事项"
    assert (got.by, got.score) == ("code", 100.0)


def test_fuzzy_name_keeps_score_and_respects_threshold() -> None:
    m = Matcher.build(
        [guide("食品经营许可（新办）", "许可-00077-006-01"), guide("食品经营许可（延续）", "许可-00077-006-03")],
        threshold=90,
    )
    exact = m.match(guide("食品经营许可(新办)（县级）", channel="city"))
    assert exact.entry is not None and exact.entry.code == "许可-00077-006-01" and exact.score == 100
    assert m.match(guide("食品经营许可（变更）", channel="city")).entry is None  # 75 < 90
    close = m.match_name("食品经营许可证（新办）")
    assert close.entry is not None and close.entry.code == "许可-00077-006-01"
    assert 90 <= close.score < 100


def test_unit_items_are_searched_first() -> None:
    entries = [guide("户口迁移（市内迁移）", "确认-1"), guide("户口迁移（省内迁移）", "确认-2")]
    m = Matcher.build(entries, threshold=80, unit_codes={"西湖区": ["确认-2"]})
    # equally close to both: the unit's own item wins
    assert m.match_name("户口迁移（内迁移）", "西湖区").entry.code == "确认-2"  # type: ignore[union-attr]


def _perturb(name: str, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return name.replace("（", "(").replace("）", ")")
    if choice == 1:
        return name + rng.choice(["（市级）", "（县级）", "（市级/县级）"])
    if choice == 2:
        return " ".join([name[: len(name) // 2], name[len(name) // 2 :]]) + "。"
    if len(name) < 12:
        return name + " "
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1 :]  # one character dropped from a long name


@pytest.mark.skipif(not SICHUAN.exists(), reason="shared real item list not present")
def test_real_item_list_codes_and_names() -> None:
    items = json.loads(SICHUAN.read_text(encoding="utf-8"))
    assert len(items) > 1000
    handbook = [guide(i["name"], base_code(i["item_code"])) for i in items]
    m = Matcher.build(handbook, threshold=90)
    nk = m.name_key
    # every implementation code finds its own item by its base part
    for i in items:
        got = m.match(guide("（无名）", i["item_code"], channel="province"))
        assert got.by == "code" and got.entry is not None
        assert got.entry.name == i["name"], i["item_code"]
    # names with light perturbations (width, level suffix, spaces, one char dropped)
    rng = random.Random(7)
    wrong, missed = [], []
    for i in items:
        perturbed = _perturb(i["name"], rng)
        got = m.match_name(perturbed)
        if got.entry is None:
            missed.append(perturbed)
        elif nk(got.entry.name) != nk(i["name"]):
            wrong.append((perturbed, got.entry.name, got.score))
    assert not wrong, wrong[:5]
    assert len(missed) <= len(items) * 0.01, missed[:10]
