"""Attribution: registry parsing, implementing body → unit, line-department ownership."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecheck.attribute.charge import line_department
from guidecheck.attribute.gazetteer import Gazetteer
from guidecheck.attribute.registry import load_registry, parse_registry
from guidecheck.errors import ConfigError
from guidecheck.model import Guide, ListValue, Location, TextValue

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LOC = Location(source="handbook/scjg.docx")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_registry(load_registry(CORPUS / "registry.yaml"))


@pytest.mark.parametrize(
    ("body", "unit"),
    [
        ("杭州市规划和自然资源局西湖分局", "西湖区"),
        ("杭州市西湖区市场监督管理局", "西湖区"),
        ("杭州市公安局萧山分局", "萧山区"),
        ("杭州住房公积金管理中心萧山分中心", "萧山区"),  # registry body list
        ("杭州住房公积金管理中心", "市本级"),
        ("杭州市市场监督管理局", "市本级"),
        ("杭州市城市管理局", "市本级"),  # not in the registry: 杭州市 names the city
        ("杭州高新区（滨江）市场监督管理局", "滨江区"),
        ("杭州市 西湖区 民政局", "西湖区"),  # spaces
        ("杭州市上城区卫生健康局（上城区行政服务中心）", "上城区"),
        ("某某县人民政府", None),
        ("", None),
        (None, None),
    ],
)
def test_body_to_unit(gazetteer: Gazetteer, body: str | None, unit: str | None) -> None:
    assert gazetteer.unit_for_body(body) == unit


def test_registry_bodies_override_place_names() -> None:
    reg = parse_registry(
        {
            "units": [
                {"key": "a", "name": "西湖区", "short": ["西湖"]},
                {"key": "b", "name": "西湖风景名胜区", "bodies": {"市园文局": "西湖区园林分局"}},
            ]
        }
    )
    gaz = Gazetteer.from_registry(reg)
    assert gaz.unit_for_body("西湖区园林分局") == "西湖风景名胜区"
    assert gaz.unit_for_body("西湖风景名胜区管委会") == "西湖风景名胜区"  # longer name wins
    assert gaz.unit_for_body("杭州市西湖区民政局") == "西湖区"


def test_registry_parse_and_queries() -> None:
    reg = load_registry(CORPUS / "registry.yaml")
    assert reg.unit_by_key("xihu").name == "西湖区"  # type: ignore[union-attr]
    assert "西湖区" in reg.implementers()["许可-00077-006-01"]
    assert reg.line_departments()["许可-00077-006-01"] == "杭州市市场监督管理局"
    assert reg.body_for("萧山区", "杭州住房公积金管理中心") == "杭州住房公积金管理中心萧山分中心"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unitz": []}, "未知的键"),
        ({"units": [{"key": "a"}]}, "缺少 name"),
        ({"units": [{"key": "a", "name": "甲"}], "items": [{"code": "x", "name": "n", "units": ["乙"]}]}, "不在 units 中"),
        ({"items": [{"name": "n"}]}, "缺少 code"),
    ],
)
def test_registry_errors_name_the_entry(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_registry(data, "reg.yaml")


def _entry(dept: str | None = None, code: str = "许可-00077-006-01") -> Guide:
    return Guide(
        channel="handbook",
        source=LOC,
        name=TextValue(raw="食品经营许可", text="食品经营许可", location=LOC),
        code=ListValue(raw=code, items=(code,), location=LOC),
        line_department=TextValue(raw=dept, text=dept, location=LOC) if dept else None,
    )


def test_line_department_order() -> None:
    files = {"handbook/scjg.docx": "市市场监管局（手册）"}
    registry = {"许可-00077-006-01": "杭州市市场监督管理局"}
    assert line_department(_entry("主管部门甲"), file_departments=files, registry=registry) == "主管部门甲"
    assert line_department(_entry(), file_departments=files, registry=registry) == "市市场监管局（手册）"
    assert line_department(_entry(), registry=registry) == "杭州市市场监督管理局"
    assert line_department(_entry(code="许可-9"), registry=registry) is None
