"""``guidecheck scan`` end to end: the demo corpus, config loading, read errors, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from guidecheck.cli import main
from guidecheck.errors import ConfigError
from guidecheck.report.findings_json import FINDING_KEYS
from guidecheck.scan import load_config

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
TOP_KEYS = {"version", "generated_at", "config", "summary", "findings"}
SUMMARY_KEYS = {"files_read", "guides", "read_errors", "findings", "by_severity", "by_rule",
                "by_field", "suppressed", "expired_suppressions", "units", "unreached",
                "missing_skipped"}
UNIT_KEYS = {"unit", "guides", "guides_with_findings", "error", "warning", "info", "consistency"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("scan") / "findings.json"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["scan", str(CORPUS / "scan.yaml"), "-o", str(out), "--jobs", "2",
                     "--store", str(out.with_name("guidecheck.db"))])
    return code, json.loads(out.read_text(encoding="utf-8")), buf.getvalue()


def test_demo_corpus_has_no_noise(demo: tuple[int, dict[str, Any], str]) -> None:
    """Every finding on the demo corpus is an injected deviation of truth.json (none at all
    on a clean corpus): benign variations never surface."""
    code, doc, _table = demo
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    injected = {
        (d["rule"], d["unit"], d["channel"], d["field"], d["item_code"])
        for g in truth["guides"] + truth.get("dropped", [])  # dropped: guides taken away
        for d in g.get("deviations", [])
    }
    noise = [
        (f["rule"], f["unit"], f["channel"], f["field"], f["item_code"], f["message"])
        for f in doc["findings"]
        if (f["rule"], f["unit"], f["channel"], f["field"], f["item_code"]) not in injected
    ]
    assert noise == []
    assert code == (1 if injected else 0)


def test_findings_json_schema(demo: tuple[int, dict[str, Any], str]) -> None:
    _code, doc, _table = demo
    assert set(doc) == TOP_KEYS
    assert set(doc["summary"]) == SUMMARY_KEYS
    summary = doc["summary"]
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    pages = [g for g in truth["guides"] if g["channel"] != "handbook"]
    files = {g["file"] for g in truth["guides"]}
    assert summary["files_read"] == len(files) and summary["guides"] == len(pages)
    assert summary["read_errors"] == []
    units = summary["units"]
    assert [u["unit"] for u in units][:3] == ["市本级", "上城区", "拱墅区"]
    assert all(set(u) == UNIT_KEYS for u in units)
    assert sum(u["guides"] for u in units) == len(pages)
    for f in doc["findings"]:
        assert tuple(f) == FINDING_KEYS


def test_summary_table_printed(demo: tuple[int, dict[str, Any], str]) -> None:
    table = demo[2].splitlines()
    assert table[0].split() == ["单位", "检查指南", "有问题指南", "错误", "警告", "提示", "一致率"]
    assert any(line.startswith("西湖区") for line in table)


def _mini(tmp_path: Path, *, deviate: bool = False, broken: bool = False, fmt: str = "yaml") -> Path:
    """A small corpus copy: one handbook, two units' province and app pages."""
    for sub in ("handbook", "web/province", "web/app"):
        (tmp_path / sub).mkdir(parents=True)
    shutil.copy(CORPUS / "handbook/scjg.docx", tmp_path / "handbook")
    shutil.copy(CORPUS / "registry.yaml", tmp_path)
    for ch in ("province", "app"):
        for f in (CORPUS / "web" / ch).glob("*_xk-00077-006-01.html"):
            shutil.copy(f, tmp_path / "web" / ch)
    if deviate:
        page = tmp_path / "web/app/xihu_xk-00077-006-01.html"
        text = page.read_text(encoding="utf-8")
        assert "承诺期限：３个工作日" in text  # the generator's wording (seed 1)
        page.write_text(text.replace("承诺期限：３个工作日", "承诺期限：7个工作日"), encoding="utf-8")
    if broken:
        (tmp_path / "web/app/broken.html").write_bytes(b"")
        (tmp_path / "handbook/broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    config: dict[str, Any] = {
        "handbook": ["handbook/"],
        "registry": "registry.yaml",
        "channels": {
            "province": {"label": "浙江政务服务网", "inputs": ["web/province/"]},
            "app": {"label": "杭州办事服务APP", "inputs": ["web/app/"], "not_shown": ["item_type", "time_limit_legal"]},
        },
    }
    if fmt == "toml":
        path = tmp_path / "scan.toml"
        path.write_text(
            'handbook = ["handbook/"]\nregistry = "registry.yaml"\n'
            '[channels.province]\nlabel = "浙江政务服务网"\ninputs = ["web/province/"]\n'
            '[channels.app]\nlabel = "杭州办事服务APP"\ninputs = ["web/app/"]\n'
            'not_shown = ["item_type", "time_limit_legal"]\n',
            encoding="utf-8",
        )
        return path
    import yaml

    path = tmp_path / "scan.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _scan(config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = config.parent / "out.json"
    code = main(["scan", str(config), "-o", str(out), "--jobs", "1", "-q", *args])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def test_deviation_found_charged_and_located(tmp_path: Path) -> None:
    code, doc = _scan(_mini(tmp_path, deviate=True))
    rules = [(f["rule"], f["unit"], f["channel"], f["field"]) for f in doc["findings"]]
    assert ("GC302", "西湖区", "app", "time_limit_promised") in rules
    f = next(f for f in doc["findings"] if f["rule"] == "GC302")
    assert f["location"]["file"].endswith("xihu_xk-00077-006-01.html") and f["location"]["where"]
    assert f["reference"] == "handbook" and f["severity"] == "error" and "7" in f["actual"]
    assert code == 1
    code, doc = _scan(tmp_path / "scan.yaml", "--ignore", "GC3")
    assert not [f for f in doc["findings"] if f["rule"].startswith("GC3")]


def test_toml_config_and_select(tmp_path: Path) -> None:
    config = _mini(tmp_path, deviate=True, fmt="toml")
    code, doc = _scan(config, "--select", "GC2")
    assert code == 0 and all(f["rule"].startswith("GC2") for f in doc["findings"])


def test_unreadable_files_reported_and_scan_carries_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _scan(_mini(tmp_path, broken=True))
    err = capsys.readouterr().err
    assert err.count("无法读取 ") == 2 and "broken.html" in err and "broken.docx" in err
    assert {e["source"].rsplit("/", 1)[-1] for e in doc["summary"]["read_errors"]} == {"broken.html", "broken.docx"}
    assert doc["summary"]["guides"] > 0


def test_nothing_readable_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "scan.yaml"
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "x.docx").write_bytes(b"nope")
    config.write_text("handbook: [h/]\nchannels: {province: {inputs: [h/]}}\n", encoding="utf-8")
    assert main(["scan", str(config), "-o", str(tmp_path / "o.json"), "--jobs", "1", "-q"]) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("handbook: [h/]\nchanels: {}\n", "chanels"),
        ("handbook: [h/]\nchannels: {app: {inputs: [a/]}}\n", "source_of_record"),
        ("handbook: [h/]\nchannels: {province: {inputs: [a/], not_shown: [adress]}}\n", "未知的字段"),
        ("handbook: [h/]\nchannels: {province: {inputs: [a/]}}\nfields: {fixed: [nam]}\n", "未知的字段"),
        ("handbook: [h/]\nchannels: {province: {inputs: [a/]}}\nunit_from_filename: '('\n", "正则"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "scan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    assert main(["scan", str(path), "-o", str(tmp_path / "o.json")]) == 2


def test_demo_config_documents_every_channel() -> None:
    config = load_config(CORPUS / "scan.yaml")
    assert [c.name for c in config.channels] == ["province", "city", "app", "manual"]
    assert config.source_of_record == "province"
    assert "materials" in config.fixed_fields and "phone" in config.local_fields
