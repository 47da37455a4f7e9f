"""The demo corpus generator (scripts/make_corpus.py) is deterministic and complete."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus
import yaml
from corpusgen import deviations
from corpusgen.wording import VARIATIONS, chinese_number

FIELD_KEYS = {
    "name", "code", "item_type", "implementing_body", "line_department", "legal_basis",
    "conditions", "materials", "process", "time_limit_legal", "time_limit_promised", "case_type",
    "fee", "visits", "online", "location", "hours", "phone", "complaint_phone", "result",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    return out, make_corpus.generate(out, seed=1)


def test_regenerating_reproduces_committed_truth(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    committed = (ROOT / "corpus" / "truth.json").read_text(encoding="utf-8")
    assert (out / "truth.json").read_text(encoding="utf-8") == committed, (
        "corpus/truth.json is stale: run python scripts/make_corpus.py --seed 1 --out corpus"
    )
    committed_registry = (ROOT / "corpus" / "registry.yaml").read_text(encoding="utf-8")
    assert (out / "registry.yaml").read_text(encoding="utf-8") == committed_registry


def test_same_seed_gives_identical_files(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    for rel in ["handbook/scjg.docx", "manuals/xihu.docx", "web/city/xiaoshan_xk-00077-006-01.html"]:
        assert (out / rel).read_bytes() == (ROOT / "corpus" / rel).read_bytes(), rel


def test_counts_meet_minimums(generated: tuple[Path, dict]) -> None:
    out, data = generated
    guides = data["guides"]
    handbook = [g for g in guides if g["channel"] == "handbook"]
    assert len(handbook) >= 32
    departments = {g["file"] for g in handbook}
    assert len(departments) >= 7
    units = {g["unit"] for g in guides if g["unit"]}
    assert len(units - {"市本级"}) >= 5
    channels = Counter(g["channel"] for g in guides) + Counter(g["channel"] for g in data["dropped"])
    assert set(channels) == {"handbook", "province", "city", "app", "manual"}
    assert channels["province"] == channels["city"] == channels["app"] == channels["manual"]
    for g in guides:
        assert (out / g["file"]).is_file(), g["file"]
        assert set(g["fields"]) <= FIELD_KEYS
        assert set(g["variations"]) <= set(VARIATIONS)
        items = g["fields"]["materials"]["items"]
        assert 3 <= len(items) <= 8
    sizes = [p.stat().st_size for p in (out / "web").rglob("*.html")]
    assert 30_000 <= sum(sizes) / len(sizes) <= 60_000


def test_truth_follows_channel_conventions(generated: tuple[Path, dict]) -> None:
    _, data = generated
    for g in data["guides"]:
        fields = g["fields"]
        if g["channel"] == "city":
            assert "code" not in fields
        if g["channel"] in {"handbook", "province", "app"}:
            assert fields["code"] == {"items": [g["item_code"]]}
        if g["channel"] == "handbook":
            assert g["unit"] is None and "location" not in fields
        else:
            assert {"location", "hours", "phone", "complaint_phone"} <= set(fields)


def test_gbk_channel_carries_gbk_only_characters(generated: tuple[Path, dict]) -> None:
    out, data = generated
    city = [g for g in data["guides"] if g["channel"] == "city"]
    raw = b"".join((out / g["file"]).read_bytes() for g in city)
    assert b'<meta charset="gb2312">' in raw
    text = raw.decode("gbk")
    assert "镕" in text and "堃" in text
    with pytest.raises(UnicodeEncodeError):
        "镕".encode("gb2312")


def test_docx_files_open_and_carry_office_oddities(generated: tuple[Path, dict]) -> None:
    import zipfile

    import docx

    out, _ = generated
    xml = ""
    for path in sorted((out / "handbook").glob("*.docx")) + sorted((out / "manuals").glob("*.docx")):
        docx.Document(str(path))
        with zipfile.ZipFile(path) as z:
            xml += z.read("word/document.xml").decode("utf-8")
    for marker in ["<w:ins ", "<w:delText", "<w:numPr>", "w:gridSpan", "<w:vMerge",
                   "txbxContent", "\u200b", "\u3000"]:
        assert marker in xml, marker


def test_another_seed_changes_wording_not_meaning(tmp_path: Path, generated: tuple[Path, dict]) -> None:
    _, one = generated
    two = make_corpus.generate(tmp_path, seed=2)
    # The handbook says the same, except where regional variance (seeded) made it silent.
    book = lambda data: {g["item_code"]: g for g in data["guides"] if g["channel"] == "handbook"}  # noqa: E731
    b1, b2 = book(one), book(two)
    assert b1.keys() == b2.keys()
    for code in b1:
        if not b1[code]["deviations"] and not b2[code]["deviations"]:
            assert b1[code]["fields"] == b2[code]["fields"], code
    assert [g["variations"] for g in one["guides"]] != [g["variations"] for g in two["guides"]]
    assert deviation_keys(one) != deviation_keys(two)


# ------------------------------------------------------------------ injected deviations


def records(data: dict) -> list[dict]:
    return [d for g in data["guides"] + data["dropped"] for d in g["deviations"]]


def deviation_keys(data: dict) -> set[tuple]:
    return {(d["item_code"], d["unit"], d["channel"], d["field"], d["rule"]) for d in records(data)}


def test_deviations_cover_every_kind(generated: tuple[Path, dict]) -> None:
    _, data = generated
    kinds = Counter(d["kind"] for d in records(data))
    assert set(kinds) == set(data["deviation_kinds"]) == set(deviations.DEVIATION_KINDS)
    assert len(kinds) >= 16
    assert all(n >= 1 for n in kinds.values())
    rules = {d["rule"] for d in records(data)}
    for rule in ["GC101", "GC103", "GC201", "GC202", "GC204", "GC205", "GC206", "GC207",
                 "GC301", "GC302", "GC401", "GC402", "GC501", "GC503", "GC601", "GC603",
                 "GC611", "GC621", "GC622", "GC623", "GC701", "GC702", "GC703", "GC710",
                 "GC801", "GC804"]:
        assert rule in rules, rule


def test_deviation_records_are_well_formed(generated: tuple[Path, dict]) -> None:
    _, data = generated
    registry = yaml.safe_load((ROOT / "corpus" / "registry.yaml").read_text(encoding="utf-8"))
    units = {u["name"] for u in registry["units"]}
    departments = {i["line_department"] for i in registry["items"]}
    implemented = {(i["code"], u) for i in registry["items"] for u in i["units"]}
    for g in data["guides"] + data["dropped"]:
        for d in g["deviations"]:
            assert set(d) >= {"kind", "rule", "field", "unit", "channel", "item_code"}, d
            assert d["item_code"] == g["item_code"]
            assert d["field"] in FIELD_KEYS | {"item"}, d
            if d["rule"] == "GC710":  # regional variance: the line department, every channel
                assert d["channel"] == "*" and d["unit"] in departments, d
                assert g["channel"] == "handbook" or g["unit"] in units
            else:
                assert d["channel"] == g["channel"] and d["unit"] == g["unit"] in units, d
                assert (d["item_code"], d["unit"]) in implemented
            if d["field"] == "materials" or d["rule"] in {"GC501", "GC503", "GC601", "GC603", "GC611"}:
                assert d.get("subject"), d


def test_deviations_are_spread_and_sparse(generated: tuple[Path, dict]) -> None:
    out, data = generated
    guides = data["guides"]
    deviated = [g for g in guides if g["deviations"]] + data["dropped"]
    share = len(deviated) / (len(guides) + len(data["dropped"]))
    assert 0.08 <= share <= 0.16, share
    assert {g["channel"] for g in deviated} >= {"handbook", "province", "city", "app", "manual"}
    assert len({g["unit"] for g in deviated if g["unit"]}) >= 6
    registry = yaml.safe_load((out / "registry.yaml").read_text(encoding="utf-8"))
    dept = {i["code"]: i["line_department"] for i in registry["items"]}
    assert len({dept[g["item_code"]] for g in deviated}) >= 7
    # one deviation per (item, unit): the unit's other channels stay clean
    per_pair = Counter((d["item_code"], d["unit"]) for d in records(data) if d["channel"] != "*")
    kinds_per_pair: dict[tuple, set] = {}
    for d in records(data):
        if d["channel"] != "*":
            kinds_per_pair.setdefault((d["item_code"], d["unit"]), set()).add((d["kind"], d["channel"]))
    assert all(len(v) == 1 for v in kinds_per_pair.values()), per_pair
    for g in data["dropped"]:
        assert not (out / g["file"]).exists() or g["channel"] == "manual", g["file"]


def test_regional_variance_leaves_the_handbook_silent(generated: tuple[Path, dict]) -> None:
    _, data = generated
    variance = [d for d in records(data) if d["rule"] == "GC710"]
    assert variance
    for d in variance:
        book = next(g for g in data["guides"] if g["channel"] == "handbook" and g["item_code"] == d["item_code"])
        assert d["field"] not in book["fields"]
        values = {
            json.dumps(g["fields"][d["field"]], sort_keys=True)
            for g in data["guides"]
            if g["item_code"] == d["item_code"] and g["unit"] and d["field"] in g["fields"]
        }
        assert len(values) == 2, values  # two units publish different values


def test_clean_corpus_has_no_deviations(tmp_path: Path) -> None:
    data = make_corpus.generate(tmp_path, seed=1, clean=True)
    assert not records(data) and not data["dropped"]


@pytest.mark.parametrize(
    "n, text",
    [(1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (29, "二十九"), (105, "一百零五"),
     (110, "一百一十"), (209, "二百零九"), (1049, "一千零四十九"), (1000, "一千")],
)
def test_chinese_number(n: int, text: str) -> None:
    assert chinese_number(n) == text
