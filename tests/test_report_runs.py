"""Scan runs kept in the store, `guidecheck report` end to end: the two-week demo
matches its truth, a report killed mid-write (E4) leaves no file under its final name,
the store migrates an existing crawl database."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from guidecheck.cli import main
from guidecheck.store import db as storedb
from guidecheck.store.findings import ScanStore

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from make_two_weeks import generate_week2


def _finding(item: str, unit: str, channel: str = "province") -> dict[str, Any]:
    return {"key": f"{item}|{unit}|{channel}|materials|GC201|", "rule": "GC201",
            "severity": "error", "unit": unit, "item_code": item, "item_name": item,
            "channel": channel, "field": "materials", "subject": None,
            "location": {"file": "a.html", "where": ""}}  # fmt: skip


def _store(path: Path) -> None:
    with ScanStore.open(path) as store:
        store.record_scan(
            at=datetime(2026, 11, 20, 2, tzinfo=timezone.utc),
            config="scan.yaml",
            channels={"province": "浙江政务服务网"},
            checked=[("province", "西湖区", f"i{n}") for n in range(50)],
            findings=[_finding(f"i{n}", "西湖区") for n in range(0, 50, 5)],
            units=["西湖区"],
        )


def test_store_round_trip_and_migration_of_a_crawl_database(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    conn = storedb.connect(path)  # a database of the crawler, schema 1 only
    storedb.migrate(conn, path, storedb.MIGRATIONS[:1])
    conn.execute("BEGIN")
    conn.execute("INSERT INTO urls (url, channel) VALUES ('http://a/', 'city')")
    conn.execute("COMMIT")
    conn.close()
    _store(path)
    with ScanStore.open(path) as store:
        (run,) = store.scans()
        assert run.at == datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
        assert run.channels == {"province": "浙江政务服务网"} and run.units == ("西湖区",)
        assert len(store.checked(run.id)) == 50 and store.checked(run.id, ["city"]) == []
        assert [f["item_code"] for f in store.findings(run.id)][:2] == ["i0", "i5"]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(storedb.MIGRATIONS)
    assert raw.execute("SELECT url FROM urls").fetchall() == [("http://a/",)]
    stored_at = raw.execute("SELECT at FROM scans").fetchone()[0]
    assert stored_at == "2026-11-20T02:00:00.000000+00:00"  # UTC text, as in the store
    raw.close()


def _report(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "from guidecheck.cli import main; raise SystemExit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "report", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60, check=False,
    )  # fmt: skip


def test_report_killed_mid_write_leaves_no_file_and_rerun_completes(tmp_path: Path) -> None:
    """E4: SIGKILL during report generation: only a temp file; the rerun writes it."""
    _store(tmp_path / "g.db")
    out = tmp_path / "out"
    args = ["--store", str(tmp_path / "g.db"), "--week", "2026-11-20", "-o", str(out),
            "--format", "json"]  # fmt: skip
    killed = _report(args, {"GUIDECHECK_FAULT": "during_report"})
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "weekly-2026-W48.json").exists()
    assert [p.name.endswith(".tmp") for p in out.iterdir()] == [True]
    done = _report(args)
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "weekly-2026-W48.json").read_text(encoding="utf-8"))
    assert doc["totals"]["findings"] == len(doc["findings"]) == 10
    assert doc["totals"]["guides_checked"] == 50
    assert [p.name for p in out.iterdir()] == ["weekly-2026-W48.json"]  # stale temp removed


def test_report_sampling_is_printed_and_reproducible(tmp_path: Path) -> None:
    _store(tmp_path / "g.db")
    docs = []
    for run in ("a", "b"):
        args = ["--store", str(tmp_path / "g.db"), "--week", "2026-11-20", "-o",
                str(tmp_path / run), "--format", "json", "--sample", "10", "--seed", "42"]  # fmt: skip
        assert main(["report", *args]) == 0
        docs.append(json.loads((tmp_path / run / "weekly-2026-W48.json").read_text("utf-8")))
    a, b = docs
    assert a["sample"] == b["sample"] and a["sample"]["seed"] == 42
    assert len(a["sample"]["guides"]) == 10 == a["totals"]["guides_checked"]
    assert a["totals"]["findings"] == len(a["findings"])


def test_report_without_scans_in_the_window_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _store(tmp_path / "g.db")
    assert main(["report", "--store", str(tmp_path / "g.db"), "--week", "2026-12-20",
                 "-o", str(tmp_path), "--format", "json"]) == 2  # fmt: skip
    assert "没有扫描记录" in capsys.readouterr().err


def _keys(truth: dict[str, Any]) -> set[tuple[str, ...]]:
    return {
        (d["rule"], d["unit"], d["channel"], d["field"], d["item_code"])
        for g in truth["guides"] + truth["dropped"]
        for d in g["deviations"]
    }


def test_two_week_demo_matches_the_truth(tmp_path: Path) -> None:
    """Week 1 = the committed corpus, week 2 = some deviations fixed, new ones added:
    the report's new / persisting / resolved findings are exactly the truth's."""
    week2 = generate_week2(tmp_path / "week2")
    store = tmp_path / "demo.db"
    with contextlib.redirect_stdout(io.StringIO()):
        for config, at in ((ROOT / "corpus" / "scan.yaml", "2026-11-20T10:00"),
                           (tmp_path / "week2" / "scan.yaml", "2026-11-27T10:00")):  # fmt: skip
            code = main(["scan", str(config), "-q", "-o", str(tmp_path / "f.json"),
                         "--store", str(store), "--at", at, "--jobs", "2"])  # fmt: skip
            assert code in (0, 1)
    out = tmp_path / "report"
    assert main(["report", "--store", str(store), "--week", "2026-11-27", "-o", str(out),
                 "--format", "json"]) == 0  # fmt: skip
    doc = json.loads((out / "weekly-2026-W49.json").read_text(encoding="utf-8"))
    week1 = json.loads((ROOT / "corpus" / "truth.json").read_text(encoding="utf-8"))
    t1, t2 = _keys(week1), _keys(week2)
    assert week2["week2"]["fixed"] and week2["week2"]["added"]

    def k(f: dict[str, Any]) -> tuple[str, ...]:
        return (f["rule"], f["unit"], f["channel"], f["field"], f["item_code"])

    new = [k(f) for f in doc["findings"] if f["status"] == "new"]
    persisting = [k(f) for f in doc["findings"] if f["status"] == "persisting"]
    resolved = [k(f) for f in doc["resolved"]]
    assert set(new) == t2 - t1
    assert set(persisting) == t2 & t1
    assert set(resolved) == t1 - t2
    assert {k(r) for r in week2["week2"]["added"]} == t2 - t1
    t = doc["totals"]
    assert (t["new"], t["persisting"], t["resolved"]) == (len(new), len(persisting), len(resolved))
    assert t["findings"] == len(doc["findings"]) == sum(
        u["findings"] for u in doc["units"] + doc["line_departments"]
    )
    assert sum(u["resolved"] for u in doc["units"] + doc["line_departments"]) == t["resolved"]
    assert [s["channel"] for s in doc["scans"]] == ["*", "app", "city", "handbook", "manual", "province"]
    assert doc["totals"]["trend"][-2]["consistency_rate"] is not None  # week 1 in the trend
