"""``guidecheck check``: a draft guide against the handbook, with exact places and comments.

Drafts are built in ``tmp_path``: a manual-layout draft written from a handbook item by
``scripts/make_drafts.py`` (clean, or with planted errors), and handbook-layout drafts
made by editing cells of a copy of ``corpus/handbook/ga.docx`` with python-docx.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import docx
import pytest
from lxml import etree

from guidecheck.check import DRAFT, default_config, run_check
from guidecheck.cli import main
from guidecheck.report.findings_json import FINDING_KEYS

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = ROOT / "corpus" / "handbook"
GA = HANDBOOK / "ga.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_drafts", ROOT / "scripts" / "make_drafts.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


make_drafts = _load_script()


@pytest.fixture(scope="module")
def item():
    return make_drafts.handbook_item()


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def findings_json(capsys, draft: Path, *extra: object) -> tuple[int, dict]:
    code, out, _ = run(capsys, draft, "--handbook", HANDBOOK, "--format", "json", *extra)
    return code, json.loads(out)


def comments(path: Path) -> list[tuple[str, str, str]]:
    """(comment text, author, anchored text) of every comment, in id order; the
    anchored text is every w:t between the range start and end, whitespace removed."""
    doc = docx.Document(str(path))
    by_id = {c.comment_id: c for c in doc.comments}
    with zipfile.ZipFile(path) as z:
        assert "word/comments.xml" in z.namelist()
        body = etree.fromstring(z.read("word/document.xml"))
    anchored: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for el in body.iter(W + "commentRangeStart", W + "commentRangeEnd", W + "t"):
        if el.tag == W + "commentRangeStart":
            open_ids.add(int(el.get(W + "id")))
            anchored.setdefault(int(el.get(W + "id")), [])
        elif el.tag == W + "commentRangeEnd":
            open_ids.discard(int(el.get(W + "id")))
        else:
            for i in open_ids:
                anchored[i].append(el.text or "")
    return [
        (by_id[i].text, by_id[i].author, re.sub(r"\s+", "", "".join(anchored.get(i, []))))
        for i in sorted(by_id)
    ]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- manual layout ----------------------------------------------------------------------


def test_clean_draft_exits_0_with_no_findings(tmp_path, capsys, item):
    draft = tmp_path / "clean.docx"
    make_drafts.write_draft(draft, item)
    code, out, err = run(capsys, draft, "--handbook", HANDBOOK)
    assert code == 0, out + err
    assert "检查通过：未发现问题" in out
    assert "确认-00204-002" in out and "按编码" in out
    code, data = findings_json(capsys, draft)
    assert code == 0 and data["findings"] == [] and data["summary"]["failed"] is False


def test_planted_errors_reported_at_their_paragraphs(tmp_path, capsys, item):
    draft = tmp_path / "with_errors.docx"
    planted = make_drafts.PLANTED
    where = make_drafts.write_draft(draft, item, planted)
    code, data = findings_json(capsys, draft)
    assert code == 1
    got = {(f["rule"], f["location"]["where"], f["location"]["text"]) for f in data["findings"]}
    extra_line = next(t for t in where.lines if planted.extra_material in t)
    fee_line = f"收费标准：{planted.fee}"
    assert got == {
        # the missing material: at the materials list's label
        ("GC201", f"第{where.labels['应提交材料']}段", "应提交材料："),
        ("GC202", f"第{where.lines[extra_line]}段", extra_line),
        ("GC801", f"第{where.lines[extra_line]}段", extra_line),
        ("GC302", f"第{where.labels['承诺期限']}段", f"承诺期限：{planted.promised}"),
        ("GC402", f"第{where.labels['收费标准']}段", fee_line),
    }
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert by_rule["GC201"]["subject"] == planted.drop_material
    assert by_rule["GC201"]["expected"] == planted.drop_material
    assert (by_rule["GC302"]["expected"], by_rule["GC302"]["actual"]) == (
        "20个工作日",
        "30个工作日",
    )
    assert (by_rule["GC402"]["expected"], by_rule["GC402"]["actual"]) == ("20元", "40元")
    assert all(f["severity"] == "error" and f["channel"] == DRAFT for f in data["findings"])


def test_text_output_groups_by_item_with_place_expected_and_rule(tmp_path, capsys, item):
    draft = tmp_path / "with_errors.docx"
    where = make_drafts.write_draft(draft, item, make_drafts.PLANTED)
    code, out, _ = run(capsys, draft, "--handbook", HANDBOOK)
    assert code == 1
    assert "■ 居民身份证补领" in out
    assert (
        f"[GC302 错误] 承诺办结时限  第{where.labels['承诺期限']}段「承诺期限：30个工作日」" in out
    )
    assert "手册：20个工作日" in out
    assert "共 5 个问题（错误 5）。请修改后再报送。" in out


def test_json_schema_matches_findings_doc(tmp_path, capsys, item):
    draft = tmp_path / "with_errors.docx"
    make_drafts.write_draft(draft, item, make_drafts.PLANTED)
    _, data = findings_json(capsys, draft)
    assert set(data) == {
        "version",
        "generated_at",
        "config",
        "draft",
        "summary",
        "items",
        "findings",
    }
    assert data["version"] == 1 and data["draft"] == str(draft)
    assert data["summary"]["findings"] == len(data["findings"]) == 5
    assert data["summary"]["by_severity"] == {"error": 5}
    for f in data["findings"]:
        assert tuple(f) == FINDING_KEYS
        assert set(f["location"]) == {"file", "where", "text"}
        assert f["location"]["file"] == str(draft)
        assert f["item_code"] == "确认-00204-002" and f["reference"] in {"handbook", "lint"}
        assert f["message"] and re.fullmatch(r"GC\d{3}", f["rule"])
    [entry] = data["items"]
    assert (entry["item_code"], entry["matched_by"], entry["findings"]) == (
        "确认-00204-002",
        "code",
        5,
    )


def test_annotate_puts_one_comment_at_each_finding(tmp_path, capsys, item):
    draft = tmp_path / "with_errors.docx"
    out_docx = tmp_path / "annotated.docx"
    make_drafts.write_draft(draft, item, make_drafts.PLANTED)
    _, data = findings_json(capsys, draft, "--annotate", out_docx)
    notes = comments(out_docx)
    assert len(notes) == len(data["findings"]) == 5
    for f, (text, author, anchored) in zip(data["findings"], notes, strict=True):
        assert author == "guidecheck"
        assert text.startswith(f"[{f['rule']}] {f['message']}")
        assert anchored == squash(f["location"]["text"])
    assert notes[0][0].endswith("（手册：居民身份证挂失申报表）")
    # the annotated copy is still a draft guidecheck reads, with the same findings
    code, again = findings_json(capsys, out_docx)
    assert code == 1
    assert [f["rule"] for f in again["findings"]] == [f["rule"] for f in data["findings"]]


# --- handbook (table) layout ------------------------------------------------------------


@pytest.fixture()
def table_draft(tmp_path: Path) -> Path:
    """ga.docx with errors in item 1's cells: promised limit, fee, a material renamed to
    a catch-all (python-docx's tables[1] is the extractor's 表3: a nested table in 表1)."""
    doc = docx.Document(str(GA))
    doc.tables[0].cell(7, 2).text = "30个工作日"
    doc.tables[0].cell(8, 1).text = "工本费40元"
    doc.tables[1].cell(3, 1).text = "其他相关材料"
    path = tmp_path / "table.docx"
    doc.save(str(path))
    return path


def test_table_layout_findings_at_their_cells(table_draft, capsys):
    code, data = findings_json(capsys, table_draft)
    assert code == 1
    got = {(f["rule"], f["location"]["where"], f["location"]["text"]) for f in data["findings"]}
    assert got == {
        ("GC302", "表1 第8行 第3列", "30个工作日"),
        ("GC402", "表1 第9行 第2列", "工本费40元"),
        ("GC201", "第15段", "申请材料："),
        ("GC202", "表3 第4行 第2列", "其他相关材料"),
        ("GC801", "表3 第4行 第2列", "其他相关材料"),
    }
    assert [i["findings"] for i in data["items"]] == [5, 0, 0, 0]  # other items untouched


def test_table_layout_annotation_anchors_in_cells(table_draft, capsys, tmp_path):
    out_docx = tmp_path / "table_annotated.docx"
    _, data = findings_json(capsys, table_draft, "--annotate", out_docx)
    notes = comments(out_docx)
    assert [a for _, _, a in notes] == [squash(f["location"]["text"]) for f in data["findings"]]
    doc = docx.Document(str(out_docx))
    xml = etree.tostring(doc.tables[0].rows[7]._tr, encoding="unicode")
    assert "commentRangeStart" in xml  # inside the promised-limit row, not elsewhere


def test_whole_handbook_file_as_draft_is_clean(capsys):
    code, data = findings_json(capsys, GA)
    assert code == 0 and data["findings"] == []
    assert [i["matched_by"] for i in data["items"]] == ["code"] * 4


# --- matching ---------------------------------------------------------------------------


def _renamed(tmp_path: Path, item) -> Path:
    """The clean draft without its code and under a name no matcher can link."""
    path = tmp_path / "renamed.docx"
    make_drafts.write_draft(path, item)
    doc = docx.Document(str(path))
    for p in doc.paragraphs:
        if p.text.startswith("事项编码"):
            p._p.getparent().remove(p._p)
        elif "居民身份证补领" in p.text:
            for run in p.runs:
                run.text = run.text.replace("居民身份证补领", "身份证丢失补办")
    doc.save(str(path))
    return path


def test_unmatched_draft_is_an_error_and_item_forces_the_match(tmp_path, capsys, item):
    draft = _renamed(tmp_path, item)
    code, data = findings_json(capsys, draft)
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in data["findings"]] == [("GC102", "error")]
    assert data["items"][0]["matched_by"] == "none"
    code, data = findings_json(capsys, draft, "--item", "确认-00204-002")
    assert data["items"][0]["matched_by"] == "item"
    assert [(f["rule"], f["actual"]) for f in data["findings"]] == [("GC103", "身份证丢失补办")]
    assert code == 1


def test_item_by_name_and_unknown_item(tmp_path, capsys, item):
    draft = tmp_path / "clean.docx"
    make_drafts.write_draft(draft, item)
    code, data = findings_json(capsys, draft, "--item", "户口迁移（市内迁移）")
    assert data["items"][0]["item_code"] == "确认-00210-001"
    assert code == 1 and {f["rule"] for f in data["findings"]} >= {"GC103", "GC201"}
    code, out, err = run(capsys, draft, "--handbook", HANDBOOK, "--item", "确认-99999-999")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "手册中没有事项" in err


def test_config_supplies_handbook_and_select_ignore(tmp_path, capsys, item):
    draft = tmp_path / "with_errors.docx"
    make_drafts.write_draft(draft, item, make_drafts.PLANTED)
    config = ROOT / "corpus" / "scan.yaml"
    code, out, _ = run(capsys, draft, "--config", config, "--format", "json", "--select", "GC2")
    data = json.loads(out)
    assert {f["rule"] for f in data["findings"]} == {"GC201", "GC202"} and code == 1
    assert data["findings"][0]["unit"] == "西湖区"  # the registry's gazetteer knew the body
    code, out, _ = run(
        capsys, draft, "--config", config, "--format", "json", "--ignore", "GC2,GC3,GC4,GC8"
    )
    assert json.loads(out)["findings"] == [] and code == 0


def test_run_check_api_pins_every_finding(tmp_path, item):
    draft = tmp_path / "with_errors.docx"
    make_drafts.write_draft(draft, item, make_drafts.PLANTED)
    result = run_check(draft, default_config([GA]))
    assert result.failed()
    assert all(p.finding.location is not None and p.text for p in result.findings)


# --- usage and read errors --------------------------------------------------------------


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_corrupt_docx_exits_2_with_one_line(tmp_path, capsys, item):
    good = tmp_path / "clean.docx"
    make_drafts.write_draft(good, item)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    code, out, err = run(capsys, broken, "--handbook", HANDBOOK, "--annotate", tmp_path / "a.docx")
    assert code == 2 and out == ""
    assert one_line_error(err).startswith(f"错误：{broken}")
    assert not (tmp_path / "a.docx").exists()


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "文件为空"),
        (b"<html><body>not a docx</body></html>", "不是 DOCX"),
        (b"%PDF-1.7 ...", "PDF"),
    ],
)
def test_not_a_docx_exits_2(tmp_path, capsys, content, words):
    path = tmp_path / "draft.docx"
    path.write_bytes(content)
    code, out, err = run(capsys, path, "--handbook", HANDBOOK)
    assert code == 2 and out == "" and words in one_line_error(err)


def test_docx_without_a_guide_exits_2(tmp_path, capsys):
    path = tmp_path / "letter.docx"
    doc = docx.Document()
    doc.add_paragraph("关于报送办事指南的函")
    doc.save(str(path))
    code, _, err = run(capsys, path, "--handbook", HANDBOOK)
    assert code == 2 and "没有找到办事指南" in one_line_error(err)


def test_missing_draft_and_missing_handbook_are_usage_errors(tmp_path, capsys, item):
    code, _, err = run(capsys, tmp_path / "nope.docx", "--handbook", HANDBOOK)
    assert code == 2 and "无法读取文件" in one_line_error(err)
    draft = tmp_path / "clean.docx"
    make_drafts.write_draft(draft, item)
    code, _, err = run(capsys, draft)
    assert code == 2 and "--handbook" in one_line_error(err)
    code, _, err = run(capsys, draft, "--handbook", tmp_path / "no_handbook")
    assert code == 2 and "找不到手册" in one_line_error(err)
    code, _, err = run(capsys, draft, "--handbook", HANDBOOK, "--select", "GC9")
    assert code == 2 and "没有规则匹配" in one_line_error(err)


@pytest.mark.parametrize(
    "path",
    sorted(HANDBOOK.glob("*.docx")) + sorted((ROOT / "corpus" / "manuals").glob("*.docx")),
    ids=lambda p: p.name,
)
def test_annotation_walk_numbers_like_the_extractor(path):
    """Every paragraph and cell the extractor numbers is the same element for the
    annotator (so comments land where the report says, without the text fallback)."""
    from guidecheck.check import DraftText
    from guidecheck.extract.docx import read_blocks
    from guidecheck.read.docx_safe import open_docx
    from guidecheck.report.annotate import BodyIndex, element_text

    text = DraftText.from_blocks(read_blocks(open_docx(path.read_bytes(), str(path))))
    index = BodyIndex(docx.Document(str(path)).element.body)
    assert set(text.paragraphs) <= set(index.paragraphs)  # TOC lines are numbered, not read
    assert max(index.paragraphs) == max(text.paragraphs)
    assert set(text.cells) <= set(index.cells)
    for n, want in text.paragraphs.items():
        assert squash(want).endswith(squash(element_text(index.paragraphs[n]))), n
    for key, want in text.cells.items():
        assert squash(element_text(index.cells[key])) == squash(want), key
