"""Quality on the labelled demo corpus: the scan finds every injected deviation and
nothing else (issue 3, item 9), and the scoring helpers of guidecheck.quality.

corpus/truth.json records, under each guide's ``deviations`` (and ``dropped`` for the
guides left out), the findings each injected deviation must produce; every other
difference between a guide and the handbook is a benign variation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from guidecheck.compare.findings import Finding, Severity
from guidecheck.model import Guide, Location, Material, MaterialList, TextValue
from guidecheck.quality import (
    baseline_findings,
    expected_records,
    score,
    subject_key,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry() -> dict:
    return yaml.safe_load((CORPUS / "registry.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scan_findings() -> list[Finding]:
    from guidecheck.scan import load_config, run_scan

    result = run_scan(load_config(CORPUS / "scan.yaml"))
    assert not result.errors, result.errors
    return result.findings


def test_scan_finds_every_deviation_and_nothing_else(scan_findings, truth, registry, capsys):
    report = score(scan_findings, truth, registry=registry)
    with capsys.disabled():
        print("\nquality on the demo corpus (seed 1)\n" + report.table())
    assert len(expected_records(truth)) >= 100
    assert report.recall == 1.0 and report.precision == 1.0 and report.benign_count == 0, (
        f"precision {report.precision:.3f}, recall {report.recall:.3f}, "
        f"{report.benign_count} findings on benign variations\n" + report.problems(80)
    )


def test_every_kind_is_found(scan_findings, truth, registry):
    report = score(scan_findings, truth, registry=registry)
    assert len(report.per_kind) >= 16
    missed = {k: t.recall for k, t in report.per_kind.items() if t.recall < 1.0}
    assert not missed, report.problems(40)


def test_findings_json_scores_the_same(tmp_path, truth, registry):
    """The documented interface: guidecheck scan CONFIG -o findings.json."""
    from guidecheck.cli import main

    out = tmp_path / "findings.json"
    code = main(["scan", str(CORPUS / "scan.yaml"), "-o", str(out), "--quiet",
                 "--store", str(tmp_path / "guidecheck.db")])
    assert code in (0, 1)
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    report = score(findings, truth, registry=registry)
    assert (report.precision, report.recall, report.benign_count) == (1.0, 1.0, 0), report.problems(
        40
    )


# ------------------------------------------------------------------ scoring helpers


def _truth(*deviations: dict, variations: tuple[str, ...] = ()) -> dict:
    guides = [
        {
            "file": "web/city/xihu_x.html",
            "channel": "city",
            "unit": "西湖区",
            "item_code": "许可-1",
            "index": 0,
            "fields": {},
            "variations": list(variations),
            "deviations": list(deviations),
        }
    ]
    return {"guides": guides, "dropped": []}


def _dev(rule: str, field: str, subject: str | None = None, **kw) -> dict:
    d = {
        "kind": kw.pop("kind", "k"),
        "rule": rule,
        "field": field,
        "unit": kw.pop("unit", "西湖区"),
        "channel": kw.pop("channel", "city"),
        "item_code": "许可-1",
    }
    if subject:
        d["subject"] = subject
    return d


def _found(rule: str, field: str, subject: str | None = None, **kw) -> dict:
    return {
        "rule": rule,
        "field": field,
        "subject": subject,
        "item_code": "许可-1",
        "unit": kw.get("unit", "西湖区"),
        "channel": kw.get("channel", "city"),
    }


def test_score_perfect_missed_and_unexpected():
    truth = _truth(_dev("GC201", "materials", "居民身份证"), _dev("GC302", "time_limit_promised"))
    perfect = score(
        [_found("GC201", "materials", "居民身份证"), _found("GC302", "time_limit_promised")], truth
    )
    assert (perfect.precision, perfect.recall, perfect.benign_count) == (1.0, 1.0, 0)
    partial = score(
        [_found("GC201", "materials", "营业执照"), _found("GC702", "hours")],
        truth,
    )
    assert partial.precision == 0.0 and partial.recall == 0.0
    assert {r.rule for r in partial.missed} == {"GC201", "GC302"}
    assert {r.rule for r in partial.unexpected} == {"GC201", "GC702"}
    assert [r.rule for r in partial.benign] == ["GC702"]  # no deviation on hours
    assert partial.per_kind["k"].found == 1  # the wrong material counts against its kind
    assert "GC702 许可-1 西湖区 @city hours" in partial.problems()


def test_score_subjects_fold_noise_and_may_be_absent():
    truth = _truth(_dev("GC501", "legal_basis", "中华人民共和国行政许可法"), _dev("GC103", "name"))
    found = [
        _found("GC501", "legal_basis", "《行政许可法》"),
        _found("GC103", "name", "食品经营许可"),
    ]
    report = score(found, truth)
    assert (report.precision, report.recall) == (1.0, 1.0)
    assert subject_key("《中华人民共和国 食品安全法》") == "食品安全法"


def test_score_line_department_short_name_and_finding_objects():
    truth = _truth(_dev("GC710", "fee", unit="杭州市民政局", channel="*"))
    registry = {"items": [{"line_department": "杭州市民政局", "line_department_short": "市民政局"}]}
    finding = Finding(
        rule="GC710",
        rule_name="variance.regional",
        severity=Severity.ERROR,
        item_code="许可-1",
        item_name=None,
        unit="市民政局",
        implementing_body=None,
        channel="*",
        field="fee",
        expected=None,
        actual=None,
        message="",
        location=None,
        reference="handbook",
    )
    report = score([finding], truth, registry=registry)
    assert (report.precision, report.recall) == (1.0, 1.0)
    assert score([finding], truth).recall == 0.0


def test_score_duplicates_count_once_and_field_granularity():
    truth = _truth(_dev("GC302", "time_limit_promised"), _dev("GC804", "time_limit_promised"))
    found = [_found("GC302", "time_limit_promised")] * 2
    report = score(found, truth)
    assert report.overall.found == 1 and report.recall == 0.5
    fields = score([_found("TEXT", "time_limit_promised")], truth, granularity="field")
    assert (fields.precision, fields.recall, fields.overall.expected) == (1.0, 1.0, 1)


def _guide(channel: str, **fields) -> Guide:
    loc = Location(source="x")
    values = {}
    for key, raw in fields.items():
        if key == "materials":
            values[key] = MaterialList(
                items=tuple(Material(raw=r, name=r, location=loc) for r in raw), location=loc
            )
        else:
            values[key] = TextValue(raw=raw, text=raw, location=loc)
    return Guide(channel=channel, source=loc, **values)


def test_baseline_flags_any_text_difference():
    book = {"许可-1": _guide("handbook", name="食品经营许可", materials=["身份证", "营业执照"])}
    channels = {
        "province": {
            ("许可-1", "西湖区"): _guide("province", name="食品经营许可", location="A楼 1号")
        },
        "city": {
            ("许可-1", "西湖区"): _guide(
                "city", name="食品经营 许可", materials=["营业执照", "身份证"], location="A楼2号"
            )
        },
    }
    flags = baseline_findings(
        channels, book, implemented=[("许可-1", "西湖区"), ("许可-1", "上城区")]
    )
    got = {(f["channel"], f["unit"], f["field"]) for f in flags}
    assert ("city", "西湖区", "name") not in got  # whitespace only
    assert ("city", "西湖区", "materials") in got  # order is text to a text diff
    assert ("city", "西湖区", "location") in got  # against the province page
    assert ("province", "上城区", "item") in got and ("city", "上城区", "item") in got
