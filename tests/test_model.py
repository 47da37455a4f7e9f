"""The domain model: locations read as a person would, semantic data drops raw text."""

from __future__ import annotations

import dataclasses

import pytest

from guidecheck.model import (
    FIELD_KEYS,
    Guide,
    Location,
    Material,
    MaterialList,
    TextValue,
    TimeLimit,
    TimeUnit,
    to_data,
)

DOC = Location(source="corpus/manuals/xihu.docx")


@pytest.mark.parametrize(
    "loc,text",
    [
        (Location(source="a.docx", table=2, row=3, cell=2), "表2 第3行 第2列"),
        (Location(source="a.docx", paragraph=14), "第14段"),
        (Location(source="http://x/1.html", selector="table[1]>tr[4]>td[2]"), "table[1]>tr[4]>td[2]"),
        (Location(source="a.docx"), ""),
    ],
)
def test_location_describe(loc, text):
    assert loc.describe() == text


def test_location_str_and_url():
    loc = Location(source="https://www.zjzwfw.gov.cn/x.html", selector="dl>dd[3]")
    assert loc.is_url and str(loc) == "https://www.zjzwfw.gov.cn/x.html dl>dd[3]"
    assert not DOC.is_url


def test_guide_is_frozen():
    guide = Guide(channel="manual", source=DOC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        guide.channel = "city"  # type: ignore[misc]


def test_semantic_data_keeps_meaning_only():
    guide = Guide(
        channel="manual",
        source=DOC,
        name=TextValue(raw="食品经营许可 ", text="食品经营许可", location=DOC),
        location=TextValue(raw="西湖区文三路1号", text="西湖区文三路1号", location=DOC),
        time_limit_promised=TimeLimit(
            raw="十五个工作日", amount=15, unit=TimeUnit.WORKING_DAY, location=DOC
        ),
        materials=MaterialList(
            items=(Material(raw="1. 居民身份证（原件1份）", name="居民身份证", originals=1, location=DOC),),
            location=DOC,
        ),
        notes=("x",),
    )
    assert to_data(guide, semantic=True) == {
        "channel": "manual",
        "name": {"text": "食品经营许可"},
        "materials": {"items": [{"name": "居民身份证", "originals": 1}]},
        "time_limit_promised": {"amount": 15, "unit": "working_day"},
        "location": {"text": "西湖区文三路1号"},
    }
    full = to_data(guide)
    assert full["source"] == {"source": "corpus/manuals/xihu.docx"}
    assert full["time_limit_promised"]["raw"] == "十五个工作日"


def test_fields_in_canonical_order():
    guide = Guide(
        channel="x",
        source=DOC,
        hours=TextValue(raw="a", text="a", location=DOC),
        name=TextValue(raw="b", text="b", location=DOC),
    )
    assert [k for k, _ in guide.fields()] == ["name", "hours"]
    assert FIELD_KEYS[0] == "name" and "complaint_phone" in FIELD_KEYS


@pytest.mark.parametrize(
    "obj",
    [
        Location(source="a.html", table=2, row=3, cell=1, selector="table[2]>tr[3]>td[1]"),
        TimeLimit(raw="十五个工作日", amount=15, unit=TimeUnit.WORKING_DAY, location=DOC),
        TextValue(raw="  杭州市 ", text="杭州市", location=DOC),
    ],
    ids=lambda o: type(o).__name__,
)
def test_slots_fill_and_copy_a_model_object(obj: object) -> None:
    from guidecheck.model import slots

    fill = slots(type(obj))
    assert fill.from_values(fill.values(obj)) == obj
    first = dataclasses.fields(obj)[0].name  # type: ignore[arg-type]
    assert fill.replace(obj, first, "changed") == dataclasses.replace(obj, **{first: "changed"})  # type: ignore[type-var]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fill.from_values(fill.values(obj)).__setattr__(first, "x")  # still frozen
