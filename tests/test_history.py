"""Changes between crawls, field by field (store.history; reliability.md B11, A23–A25)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_writer import FakeOutcome

from guidecheck.read.decode import decode_html
from guidecheck.store import FrontierEntry, SnapshotStore
from guidecheck.store import snapshots as snapshots_module
from guidecheck.store.history import Change, changes, render_changes

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "corpus" / "web" / "city" / "xiaoshan_xk-00102-003-01.html"  # declares gb2312
URL = "http://127.0.0.1/city/xk-00102-003-01.html"
ORIGINAL = PAGE.read_bytes()
TEXT = ORIGINAL.decode("gb18030")
BLOCK = "<html><body>访问过于频繁，请输入验证码</body></html>".encode()


def _gbk(text: str) -> bytes:
    return text.encode("gb18030")


def _utf8(text: str) -> bytes:
    """The same page re-served as UTF-8, declaring it."""
    return text.replace('<meta charset="gb2312">', '<meta charset="utf-8">').encode("utf-8")


def _crawl(store: SnapshotStore, body: bytes | None, quality: str, url: str = URL) -> None:
    run = store.resume_run() or store.begin_run(channels=["city"], config_digest="d")
    store.enqueue(run, [FrontierEntry(url=url, channel="city")])
    (entry,) = store.claim(run, 1)
    error = None if body is not None else "http_5xx"
    outcome = FakeOutcome(url=url, final_url=url, body=body, error=error, status=200)
    decided = decode_html(body) if body is not None else None
    store.record(run, entry, outcome, quality, decided)
    store.finish_run(run)


@pytest.fixture
def store(tmp_path: Path):
    with SnapshotStore.open(tmp_path / "s.db") as s:
        yield s


def test_changed_field_is_reported_with_before_and_after(store: SnapshotStore) -> None:
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, _gbk(TEXT.replace("3个工作日", "5个工作日")), "guide")
    (change,) = list(changes(store))
    assert change.kind == "content" and change.url == URL and change.channel == "city"
    assert change.item == "道路货物运输经营许可"
    assert change.before_at < change.after_at
    assert [(f.field, f.label, f.before, f.after) for f in change.fields] == [
        ("time_limit_promised", "承诺办结时限", "3个工作日", "5个工作日")
    ]


def test_list_field_shows_only_changed_entries(store: SnapshotStore) -> None:
    _crawl(store, ORIGINAL, "guide")
    new = TEXT.replace("有符合规定条件的驾驶人员", "有符合规定条件的驾驶人员和押运人员")
    _crawl(store, _gbk(new), "guide")
    (change,) = list(changes(store))
    (field,) = change.fields
    assert field.field == "conditions"
    assert field.before == "有符合规定条件的驾驶人员"
    assert field.after == "有符合规定条件的驾驶人员和押运人员"


def test_same_text_under_another_encoding_is_not_a_change(store: SnapshotStore) -> None:
    """B11: new bytes (a new snapshot), same meaning: nothing to report."""
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, _utf8(TEXT), "guide")
    assert store.connection.execute("SELECT count(*) FROM snapshots").fetchone() == (2,)
    assert list(changes(store)) == []


def test_layout_only_change_is_not_a_change(store: SnapshotStore) -> None:
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, _gbk(TEXT.replace("<head>", "<head><!-- 改版 2026 -->")), "guide")
    assert list(changes(store)) == []


def test_block_page_is_a_quality_change_not_a_deletion(store: SnapshotStore) -> None:
    """A24: guide → blocked → guide (unchanged): two quality changes, no content change."""
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, BLOCK, "blocked")
    _crawl(store, None, "error")
    _crawl(store, ORIGINAL, "guide")
    found = list(changes(store))
    assert [(c.kind, c.before_quality, c.after_quality) for c in found] == [
        ("quality", "guide", "blocked"),
        ("quality", "error", "guide"),
    ]
    assert all(c.fields == () for c in found)
    assert found[0].item == "道路货物运输经营许可"


def test_change_behind_a_block_page_is_diffed_against_the_last_good_one(
    store: SnapshotStore,
) -> None:
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, BLOCK, "blocked")
    _crawl(store, _gbk(TEXT.replace("0571-82890615", "0571-82890616")), "guide")
    content = [c for c in changes(store) if c.kind == "content"]
    assert len(content) == 1
    assert [(f.field, f.before, f.after) for f in content[0].fields] == [
        ("phone", "0571-82890615", "0571-82890616")
    ]


def test_non_guide_pages_are_never_diffed(store: SnapshotStore) -> None:
    _crawl(store, b"<html>list page 1</html>", "not_guide")
    _crawl(store, b"<html>list page 2</html>", "not_guide")
    assert list(changes(store)) == []


def test_since_keeps_recent_changes_only(store: SnapshotStore) -> None:
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, _gbk(TEXT.replace("3个工作日", "5个工作日")), "guide")
    middle = datetime.now(timezone.utc)
    _crawl(store, _gbk(TEXT.replace("3个工作日", "7个工作日")), "guide")
    found = list(changes(store, since=middle))
    assert [(f.before, f.after) for c in found for f in c.fields] == [("5个工作日", "7个工作日")]
    assert len(list(changes(store))) == 2
    with pytest.raises(ValueError):
        list(changes(store, since=datetime(2026, 1, 1)))


def test_clock_jump_back_does_not_reverse_a_change(
    store: SnapshotStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E11: fetches are ordered by run, so a wall clock set back a day changes nothing."""
    _crawl(store, ORIGINAL, "guide")
    earlier = datetime.now(timezone.utc) - timedelta(days=1)
    monkeypatch.setattr(snapshots_module, "utcnow", lambda: earlier)
    _crawl(store, _gbk(TEXT.replace("3个工作日", "5个工作日")), "guide")
    (change,) = list(changes(store))
    assert [(f.before, f.after) for f in change.fields] == [("3个工作日", "5个工作日")]


def test_render_changes_is_a_chinese_table(store: SnapshotStore) -> None:
    _crawl(store, ORIGINAL, "guide")
    _crawl(store, _gbk(TEXT.replace("3个工作日", "5个工作日")), "guide")
    _crawl(store, BLOCK, "blocked")
    text = render_changes(changes(store))
    assert "内容变化：1 项" in text
    assert "道路货物运输经营许可" in text and URL in text
    line = next(x for x in text.splitlines() if "承诺办结时限" in x)
    assert line.split() == ["承诺办结时限", "3个工作日", "5个工作日"]
    assert "页面状态变化：1 项" in text and "被拦截（验证码/防火墙）" in text
    assert render_changes([]) == "没有发现变化。\n"


def test_render_cuts_long_values() -> None:
    from guidecheck.store.history import FieldChange

    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    change = Change(
        kind="content",
        url=URL,
        channel="city",
        item="某事项",
        before_at=now,
        after_at=now + timedelta(days=7),
        before_quality="guide",
        after_quality="guide",
        before_snapshot=1,
        after_snapshot=2,
        fields=(FieldChange(field="conditions", label="受理条件", before="长" * 200, after="短"),),
    )
    text = render_changes([change])
    assert "长" * 19 + "…" in text and "长" * 21 not in text
    assert "2026-03-01 08:00 → 2026-03-08 08:00" in text  # Beijing time
