"""The demo corpus generator (scripts/make_corpus.py) is deterministic and complete."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402
from corpusgen.wording import VARIATIONS, chinese_number  # noqa: E402

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
    channels = Counter(g["channel"] for g in guides)
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
    assert [g["fields"] for g in one["guides"] if g["channel"] == "handbook"] == [
        g["fields"] for g in two["guides"] if g["channel"] == "handbook"
    ]
    assert [g["variations"] for g in one["guides"]] != [g["variations"] for g in two["guides"]]


@pytest.mark.parametrize(
    "n, text",
    [(1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (29, "二十九"), (105, "一百零五"),
     (110, "一百一十"), (209, "二百零九"), (1049, "一千零四十九"), (1000, "一千")],
)
def test_chinese_number(n: int, text: str) -> None:
    assert chinese_number(n) == text
