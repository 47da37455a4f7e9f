"""report/figures.py and sample.py on small synthetic windows: totals equal the findings,
deductions and caps, ranking, line departments apart, new/persisting/resolved, trend,
reproducible sampling; json_out carries the same figures."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from guidecheck.report.figures import Scoring, WindowData, build, population, restrict
from guidecheck.report.json_out import report_data, write_json
from guidecheck.report.model import LINE_DEPARTMENT, NEW, PERSISTING, WeeklyReport
from guidecheck.report.sample import draw
from guidecheck.report.weekly import load_scoring
from guidecheck.report.window import shift, window_containing

W = window_containing(date(2026, 11, 20))
AT = datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 25, 2, tzinfo=timezone.utc)


def f(item: str, unit: str, channel: str, rule: str = "GC201", field: str = "materials",
      severity: str = "error", subject: str = "") -> dict[str, Any]:  # fmt: skip
    return {
        "key": f"{item}|{unit}|{channel}|{field}|{rule}|{subject}",
        "rule": rule, "severity": severity, "unit": unit, "item_code": item,
        "item_name": item, "channel": channel, "field": field, "subject": subject or None,
        "location": None if channel == "*" else {"file": f"{item}.html", "where": ""},
    }  # fmt: skip


def data(window: Any, checked: list[str], findings: list[dict[str, Any]]) -> WindowData:
    return WindowData(
        window=window,
        scans=({"run_id": 1, "channel": "province", "channel_label": "省", "at": AT, "guides": 1},),
        checked=frozenset(checked),
        findings=tuple((x, AT) for x in findings),
        covered=frozenset({"province", "city", "*", "handbook"}),
        units=("西湖区", "萧山区", "滨江区"),
    )


CHECKED = [f"i{n}|{u}|{c}" for n in range(1, 5) for u in ("西湖区", "萧山区") for c in ("province", "city")]
CHECKED += ["i1|滨江区|province"]
PREV = [
    f("i1", "西湖区", "province"),  # persists
    f("i2", "西湖区", "province", "GC302", "time_limit_promised"),  # resolved (checked again)
    f("i9", "萧山区", "city"),  # gone but i9 not checked again: not resolved
    f("i3", "杭州市市场监督管理局", "*", "GC710", "fee"),  # resolved (* scanned again)
]
CUR = [
    f("i1", "西湖区", "province"),
    f("i1", "西湖区", "province", "GC202", subject="照片"),
    f("i3", "西湖区", "city", "GC703", "phone", "warning"),
    f("i5", "萧山区", "province", "GC101", "item"),  # a missing guide: not a checked guide
    f("i2", "杭州市公安局", "*", "GC710", "visits"),
    f("i2", "杭州市公安局", "handbook", "GC801", "materials", "warning"),
]


def report(**kw: Any) -> WeeklyReport:
    return build(
        data(W, CHECKED, CUR),
        previous=data(shift(W, -1), CHECKED + ["i9|萧山区|city"], PREV),
        history=[data(shift(W, -2), CHECKED, PREV[:1])],
        generated_at=NOW,
        **kw,
    )


def test_totals_equal_the_findings() -> None:
    r = report()
    rows = r.units + r.line_departments
    t = r.totals
    assert t["findings"] == len(r.findings) == len(CUR) == sum(u.findings for u in rows)
    assert t["new"] + t["persisting"] == t["findings"]
    assert t["resolved"] == len(r.resolved) == sum(u.resolved for u in rows)
    assert t["guides_checked"] == len(CHECKED) == sum(u.guides_checked for u in rows)
    assert t["by_rule"] == {k: v for k, v in Counter(x["rule"] for x in CUR).items()}
    assert sum(t["by_severity"].values()) == sum(t["by_field"].values()) == len(CUR)
    for u in rows:
        assert sum(u.by_rule.values()) == sum(u.by_severity.values()) == u.findings
        assert u.new + u.persisting == u.findings


def test_unit_figures_rates_and_line_departments_apart() -> None:
    r = report()
    xihu = next(u for u in r.units if u.unit == "西湖区")
    assert (xihu.guides_checked, xihu.guides_with_findings, xihu.findings) == (8, 2, 3)
    assert xihu.consistency_rate == pytest.approx(6 / 8)
    xs = next(u for u in r.units if u.unit == "萧山区")
    assert (xs.guides_with_findings, xs.findings, xs.consistency_rate) == (0, 1, 1.0)
    assert {u.unit for u in r.line_departments} == {"杭州市公安局", "杭州市市场监督管理局"}
    assert all(u.kind == LINE_DEPARTMENT and u.guides_checked == 0 for u in r.line_departments)
    police = next(u for u in r.line_departments if u.unit == "杭州市公安局")
    assert police.findings == 2 and police.consistency_rate is None


def test_new_persisting_resolved() -> None:
    r = report()
    status = {x.data["key"]: x.status for x in r.findings}
    assert status["i1|西湖区|province|materials|GC201|"] == PERSISTING
    assert sum(s == NEW for s in status.values()) == len(CUR) - 1
    assert {x["key"] for x in r.resolved} == {
        "i2|西湖区|province|time_limit_promised|GC302|",
        "i3|杭州市市场监督管理局|*|fee|GC710|",
    }
    smj = next(u for u in r.line_departments if u.unit == "杭州市市场监督管理局")
    assert (smj.findings, smj.resolved) == (0, 1)
    # without a previous scan everything is new and nothing resolved
    first = build(data(W, CHECKED, CUR), previous=None, generated_at=NOW)
    assert first.totals["new"] == len(CUR) and first.totals["resolved"] == 0


def test_deductions_cap_and_ranking() -> None:
    scoring = Scoring(base=100, cap=5, severity={"error": 2, "warning": 1, "info": 0},
                      rules={"GC101": 4})  # fmt: skip
    r = report(scoring=scoring)
    by = {u.unit: u for u in r.units}
    assert by["西湖区"].deduction == 5  # 2 + 2 + 1 = 5, at the cap
    assert by["萧山区"].deduction == 4  # GC101 by rule
    assert by["滨江区"].deduction == 0 and by["滨江区"].score == 100
    assert [u.unit for u in r.units] == ["滨江区", "萧山区", "西湖区"]
    assert [u.rank for u in r.units] == [1, 2, 3]
    police = next(u for u in r.line_departments if u.unit == "杭州市公安局")
    assert police.deduction == 3 and police.rank == 1  # GC710 error + GC801 warning
    uncapped = report(scoring=Scoring(cap=None))
    assert next(u for u in uncapped.units if u.unit == "西湖区").deduction == 4 + 1
    assert r.totals["deduction"] == sum(u.deduction for u in r.units + r.line_departments)


def test_equal_figures_share_a_rank() -> None:
    checked = ["a|甲|province", "a|乙|province", "a|丙|province"]
    r = build(data(W, checked, [f("a", "丙", "province")]), generated_at=NOW)
    assert [(u.unit, u.rank) for u in r.units if u.unit in "甲乙丙"] == [
        ("乙", 1), ("甲", 1), ("丙", 3),
    ]  # fmt: skip


def test_trend_oldest_first_ending_with_this_window() -> None:
    r = report()
    xihu = next(u for u in r.units if u.unit == "西湖区")
    assert [lab for lab, _ in xihu.trend] == [shift(W, -2).label, W.label]
    assert xihu.trend[0][1] == pytest.approx(7 / 8) and xihu.trend[1][1] == pytest.approx(6 / 8)
    assert [rate for _, rate in r.totals["trend"]][-1] == pytest.approx(r.totals["consistency_rate"])


def test_scoring_yaml_loads_and_bad_scoring_is_refused() -> None:
    s = load_scoring()
    assert s.base == 100 and s.cap and set(s.severity) == {"error", "warning", "info"}
    assert s.points({"rule": "GC101", "severity": "error"}) == s.rules["GC101"]
    with pytest.raises(ValueError, match="未知的键"):
        Scoring.from_data({"bsae": 100})
    with pytest.raises(ValueError, match="非负数"):
        Scoring.from_data({"cap": -1})


POP = [(f"i{n:02d}", u, c) for n in range(30) for u in ("西湖区", "萧山区") for c in ("province", "city", "app")]


def test_sample_same_seed_same_sample_and_stratified() -> None:
    a = draw(POP, seed=7, size=6)
    assert draw(list(reversed(POP)), seed=7, size=6) == a  # input order does not matter
    assert draw(POP, seed=8, size=6).guides != a.guides
    assert a.strata == {f"{u}/{c}": 2 for u in ("西湖区", "萧山区") for c in ("app", "city", "province")}
    assert len(a.guides) == 12 and a.seed == 7 and a.size == 6
    r = draw(POP, seed=7, rate=0.1)
    assert set(r.strata.values()) == {3} and r.rate == 0.1
    assert draw(POP, seed=1, size=1000).guides == tuple(sorted(f"{i}|{u}|{c}" for i, u, c in POP))
    with pytest.raises(ValueError):
        draw(POP, seed=1, size=1, rate=0.5)


def test_restrict_to_sample_keeps_line_departments() -> None:
    d = data(W, CHECKED, CUR)
    assert ("i5", "萧山区", "province") in population(d)  # the missing guide can be drawn
    s = draw(population(d), seed=3, size=1)
    r = restrict(d, s)
    assert r.checked <= set(s.guides)
    kept = {x["key"] for x, _ in r.findings}
    assert {x["key"] for x in CUR if x["channel"] in ("*", "handbook")} <= kept
    rep = build(r, generated_at=NOW, sample=s)
    assert rep.sample == s and rep.totals["findings"] == len(r.findings)


def test_json_has_the_same_figures(tmp_path: Path) -> None:
    r = report()
    path = write_json(r, tmp_path / "r.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc == json.loads(json.dumps(report_data(r), ensure_ascii=False))
    assert len(doc["findings"]) == doc["totals"]["findings"] == sum(
        u["findings"] for u in doc["units"] + doc["line_departments"]
    )
    assert sum(1 for x in doc["findings"] if x["status"] == "new") == doc["totals"]["new"]
    assert len(doc["resolved"]) == doc["totals"]["resolved"]
    assert doc["window"]["start"] == "2026-11-18T00:00:00+08:00"
    assert doc["title"].startswith("关于2026年第48周")
    assert list(tmp_path.iterdir()) == [path]  # no temp file left
