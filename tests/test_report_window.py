"""The weekly window (上周三 00:00 – 本周二 24:00, Asia/Shanghai): edges, other time zones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from guidecheck.errors import GuidecheckError
from guidecheck.report.weekly import latest_per_channel, window_data
from guidecheck.report.window import (
    SHANGHAI,
    latest_complete,
    parse_moment,
    shift,
    week_number,
    window_containing,
)
from guidecheck.store.findings import ScanStore


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_window_runs_wednesday_to_tuesday() -> None:
    w = window_containing(date(2026, 11, 20))  # a Friday
    assert w.start == sh(2026, 11, 18) and w.start.weekday() == 2
    assert w.end == sh(2026, 11, 25)
    assert w.label == "2026年11月18日至11月24日"
    assert window_containing(date(2026, 11, 18)) == w  # Wednesday itself
    assert window_containing(date(2026, 11, 24)) == w  # Tuesday
    assert window_containing(date(2026, 11, 25)) == shift(w, 1)


def test_tuesday_2359_and_wednesday_0000_shanghai() -> None:
    tue = parse_moment("2026-11-24T23:59")
    wed = parse_moment("2026-11-25T00:00")
    assert window_containing(tue).label == "2026年11月18日至11月24日"
    assert window_containing(wed).label == "2026年11月25日至12月1日"
    # the same instants written in UTC: 15:59 and 16:00 on Tuesday
    assert window_containing(datetime(2026, 11, 24, 15, 59, tzinfo=timezone.utc)).start == sh(
        2026, 11, 18
    )
    assert window_containing(datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc)).start == sh(
        2026, 11, 25
    )


def test_parse_moment_naive_is_shanghai_and_offsets_kept() -> None:
    assert parse_moment("2026-11-24T09:30") == datetime(2026, 11, 24, 1, 30, tzinfo=timezone.utc)
    assert parse_moment("2026-11-24") == sh(2026, 11, 24)
    assert parse_moment("2026-11-24T01:30Z") == sh(2026, 11, 24, 9, 30)
    assert parse_moment("2026-11-24T01:30+00:00").utcoffset() == timedelta(hours=8)
    with pytest.raises(GuidecheckError):
        parse_moment("next tuesday")


def test_latest_complete_window_and_year_boundary() -> None:
    now = sh(2026, 11, 25, 9, 0)  # Wednesday morning: last week just ended
    assert latest_complete(now).label == "2026年11月18日至11月24日"
    assert latest_complete(sh(2026, 11, 24, 23, 59)).label == "2026年11月11日至11月17日"
    w = window_containing(date(2026, 12, 31))
    assert w.label == "2026年12月30日至2027年1月5日"
    assert week_number(w) == (2027, 1)


SCRIPT = """
import json, sys
from datetime import datetime, timezone
from guidecheck.report.window import window_containing, parse_moment, latest_complete
out = []
for text in sys.argv[1:]:
    w = window_containing(parse_moment(text))
    out.append([w.start.isoformat(), w.end.isoformat(), w.label])
now = datetime(2026, 11, 25, 0, 30, tzinfo=timezone.utc)
out.append(latest_complete(now).label)
print(json.dumps(out, ensure_ascii=False))
"""


def test_machine_time_zone_does_not_move_windows() -> None:
    moments = ["2026-11-24T23:59", "2026-11-25T00:00", "2026-11-24T15:59:59Z", "2026-03-08T02:30"]
    results = []
    for tz in ("Asia/Shanghai", "America/New_York", "UTC", "Pacific/Kiritimati"):
        env = {**os.environ, "TZ": tz}
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT, *moments], capture_output=True, text=True, env=env,
            check=True,
        )
        results.append(json.loads(run.stdout))
    assert all(r == results[0] for r in results)
    assert results[0][0][2] == "2026年11月18日至11月24日"
    assert results[0][1][2] == "2026年11月25日至12月1日"
    assert results[0][-1] == "2026年11月18日至11月24日"


def _scan(store: ScanStore, at: datetime, channels: dict[str, str], tag: str) -> int:
    run = store.record_scan(
        at=at,
        config="x.yaml",
        channels=channels,
        checked=[(c, "西湖区", f"item-{tag}") for c in channels],
        findings=[],
        units=["西湖区"],
    )
    return run.id


def test_store_scans_at_the_edges_and_latest_per_channel(tmp_path: Path) -> None:
    with ScanStore.open(tmp_path / "g.db") as store:
        a = _scan(store, parse_moment("2026-11-24T23:59"), {"province": "省", "city": "市"}, "a")
        b = _scan(store, parse_moment("2026-11-25T00:00"), {"province": "省"}, "b")
        c = _scan(store, parse_moment("2026-11-20T08:00"), {"city": "市"}, "c")
        w1 = window_containing(date(2026, 11, 20))
        scans = store.scans(w1.start, w1.end)
        assert [s.id for s in scans] == [c, a]
        assert {ch: s.id for ch, s in latest_per_channel(scans).items()} == {
            "city": a,
            "province": a,
        }
        w2 = shift(w1, 1)
        data = window_data(store, w2)
        assert [s["run_id"] for s in data.scans] == [b]
        assert data.checked == {"item-b|西湖区|province"}
        assert window_data(store, shift(w1, -1)).empty
