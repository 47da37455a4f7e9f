"""SnapshotStore on real SQLite files: API, and reliability.md E5–E11."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_writer import FakeOutcome, body_of, check_invariants, url_of

from guidecheck.read.decode import decode_html
from guidecheck.store import (
    DiskFull,
    FrontierEntry,
    NetworkFilesystem,
    Run,
    RunActive,
    RunUnfinished,
    SnapshotStore,
    StoreBusy,
    StoreCorrupt,
    StoreError,
)
from guidecheck.store import db as storedb
from guidecheck.store.faults import fault_point

WRITER = Path(__file__).with_name("store_writer.py")
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def _entry(i: int) -> FrontierEntry:
    return FrontierEntry(url=url_of(i), channel="city")


_BODY = b"<default>"


def _ok(i: int, body: bytes | None = _BODY, **kw: object) -> FakeOutcome:
    url = url_of(i)
    body = body_of(i) if body is _BODY else body
    return FakeOutcome(url=url, final_url=url, body=body, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):
    with SnapshotStore.open(tmp_path / "s.db") as s:
        yield s


def _run(store: SnapshotStore, n: int = 3) -> Run:
    run = store.begin_run(channels=["city"], config_digest="d")
    store.enqueue(run, [_entry(i) for i in range(n)])
    return run


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(proc.stdout)


def _orphan(store: SnapshotStore, run: Run) -> None:
    """Make ``run`` look like the run of a process that was killed."""
    store.connection.execute("UPDATE runs SET pid = ? WHERE id = ?", (_dead_pid(), run.id))


# --- opening ----------------------------------------------------------------------------


def test_open_sets_pragmas_and_schema(store: SnapshotStore) -> None:
    conn = store.connection
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(storedb.MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "urls", "fetches", "snapshots", "frontier"} <= tables


def test_reopen_keeps_data(tmp_path: Path) -> None:
    with SnapshotStore.open(tmp_path / "s.db") as s:
        run = _run(s)
        s.record(run, s.claim(run, 1)[0], _ok(0), "guide")
    with SnapshotStore.open(tmp_path / "s.db") as s:
        assert s.validators(url_of(0)) is not None


# --- frontier ---------------------------------------------------------------------------


def test_enqueue_is_idempotent_and_claim_marks_in_flight(store: SnapshotStore) -> None:
    run = _run(store, 5)
    assert store.enqueue(run, [_entry(i) for i in range(7)]) == 2
    batch = store.claim(run, 3)
    assert [e.url for e in batch] == [url_of(i) for i in range(3)]
    assert all(e.attempts == 1 for e in batch)
    assert store.frontier_counts(run) == {"in_flight": 3, "pending": 4}
    assert [e.url for e in store.claim(run, 10)] == [url_of(i) for i in range(3, 7)]
    assert store.claim(run, 10) == []


def test_deferred_comes_back_when_due(store: SnapshotStore) -> None:
    run = _run(store, 1)
    entry = store.claim(run, 1)[0]
    store.defer(run, entry.url, T0 + timedelta(minutes=5), "http_429")
    assert store.frontier_counts(run) == {"deferred": 1}
    assert store.claim(run, 5, now=T0 + timedelta(minutes=4)) == []
    again = store.claim(run, 5, now=T0 + timedelta(minutes=5))
    assert [e.url for e in again] == [entry.url] and again[0].attempts == 2


def test_defer_unknown_url_is_an_error(store: SnapshotStore) -> None:
    run = _run(store, 1)
    with pytest.raises(StoreError, match="不在运行"):
        store.defer(run, "http://127.0.0.1/nowhere", T0, "x")


def test_finish_run_refuses_unfinished_frontier(store: SnapshotStore) -> None:
    run = _run(store, 2)
    store.record(run, store.claim(run, 1)[0], _ok(0), "guide")
    with pytest.raises(StoreError, match="还有 1 个网址未处理"):
        store.finish_run(run, {})
    store.record(run, store.claim(run, 1)[0], _ok(1, body=None, error="http_5xx"), "error")
    store.finish_run(run, {"fetched": 1})
    state = store.connection.execute("SELECT state, summary FROM runs").fetchone()
    assert state == ("finished", '{"fetched": 1}')


# --- record -----------------------------------------------------------------------------


def test_record_one_snapshot_for_unchanged_content(store: SnapshotStore) -> None:
    run = _run(store, 1)
    first = store.record(run, store.claim(run, 1)[0], _ok(0, headers={"etag": '"a"'}), "guide")
    assert first.new_snapshot and first.state == "done"
    store.finish_run(run)
    run2 = _run(store, 1)
    again = store.record(run2, store.claim(run2, 1)[0], _ok(0), "guide")
    assert not again.new_snapshot and again.snapshot_id == first.snapshot_id
    conn = store.connection
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM fetches").fetchone() == (2,)


def test_record_new_snapshot_when_content_changes(store: SnapshotStore) -> None:
    run = _run(store, 1)
    store.record(run, store.claim(run, 1)[0], _ok(0), "guide")
    store.finish_run(run)
    run2 = _run(store, 1)
    rec = store.record(run2, store.claim(run2, 1)[0], _ok(0, body=b"<html>new</html>"), "guide")
    assert rec.new_snapshot
    assert store.body(rec.snapshot_id or 0) == b"<html>new</html>"


def test_not_modified_reuses_snapshot_and_its_quality(store: SnapshotStore) -> None:
    run = _run(store, 1)
    store.record(run, store.claim(run, 1)[0], _ok(0, headers={"etag": '"a"'}), "guide")
    store.finish_run(run)
    validators = store.validators(url_of(0))
    assert validators is not None and validators.etag == '"a"'
    run2 = _run(store, 1)
    entry = store.claim(run2, 1)[0]
    rec = store.record(run2, entry, _ok(0, body=None, status=304, not_modified=True), "unknown")
    assert not rec.new_snapshot and rec.snapshot_id is not None
    fetch = store.connection.execute("SELECT status, quality FROM fetches WHERE run_id = 2")
    assert fetch.fetchone() == (304, "guide")


def test_same_url_twice_in_a_run_is_one_fetch_row(store: SnapshotStore) -> None:
    """UNIQUE(url_id, run_id): a deferred URL fetched again updates its fetch row."""
    run = _run(store, 1)
    entry = store.claim(run, 1)[0]
    store.record(run, entry, _ok(0, body=None, error="http_5xx", attempts=3), "error")
    store.record(run, entry, _ok(0, attempts=1), "guide")
    rows = store.connection.execute("SELECT attempts, error, snapshot_id FROM fetches").fetchall()
    assert rows == [(4, None, 1)]
    assert store.frontier_counts(run) == {"done": 1}


def test_failed_fetch_keeps_reason_and_no_snapshot(store: SnapshotStore) -> None:
    run = _run(store, 1)
    out = _ok(0, body=None, status=None, error="read_timeout", detail="读取超时")
    rec = store.record(run, store.claim(run, 1)[0], out, "error")
    assert rec == type(rec)(state="failed", snapshot_id=None, new_snapshot=False)
    row = store.connection.execute("SELECT state, reason FROM frontier").fetchone()
    assert row == ("failed", "read_timeout")
    assert store.connection.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)


def test_raw_bytes_and_encoding_decision_kept(store: SnapshotStore) -> None:
    raw = '<meta charset="gb2312"><p>朱镕基 堃</p>'.encode("gb18030")
    decided = decode_html(raw)
    run = _run(store, 1)
    store.record(run, store.claim(run, 1)[0], _ok(0, body=raw), "guide", decided)
    (snap,) = store.latest_snapshots("city")
    assert snap.body == raw and snap.encoding == "gb18030"
    assert snap.encoding_info["decided_by"] == "meta"
    assert snap.body.decode(snap.encoding) == raw.decode("gb18030")


def test_latest_snapshot_keeps_good_baseline_after_block_page(store: SnapshotStore) -> None:
    run = _run(store, 1)
    good = store.record(run, store.claim(run, 1)[0], _ok(0), "guide")
    store.finish_run(run)
    run2 = _run(store, 1)
    store.record(run2, store.claim(run2, 1)[0], _ok(0, body=b"<html>captcha</html>"), "blocked")
    (snap,) = store.latest_snapshots()
    assert snap.id == good.snapshot_id
    assert snap.quality == "guide" and snap.current_quality == "blocked"
    assert list(store.latest_snapshots("province")) == []


# --- E7: one active run -------------------------------------------------------------------


def test_second_run_refused_while_first_is_live(store: SnapshotStore, tmp_path: Path) -> None:
    run = _run(store)
    with (
        SnapshotStore.open(tmp_path / "s.db") as other,
        pytest.raises(RunActive, match=rf"运行 #{run.id} 正在进行（pid \d+"),
    ):
        other.begin_run(channels=["city"], config_digest="d")


def test_stale_run_is_resumed_not_restarted(store: SnapshotStore) -> None:
    run = _run(store, 3)
    store.claim(run, 2)
    _orphan(store, run)
    with pytest.raises(RunUnfinished, match=f"运行 #{run.id} 未完成") as info:
        store.begin_run(channels=["city"], config_digest="d")
    assert info.value.run_id == run.id
    resumed = store.resume_run()
    assert resumed is not None and resumed.id == run.id and resumed.resumed == 1
    assert store.frontier_counts(run) == {"pending": 3}


def test_abandoned_run_lets_a_new_one_begin(store: SnapshotStore) -> None:
    run = _run(store, 1)
    _orphan(store, run)
    store.abandon_run(run.id)
    assert store.resume_run() is None
    assert store.begin_run(channels=["city"], config_digest="d").id == run.id + 1


# --- E5: disk full --------------------------------------------------------------------------


def test_disk_full_stops_clearly_and_resume_finishes(tmp_path: Path) -> None:
    db, log = tmp_path / "s.db", tmp_path / "fetch.log"
    cmd = [sys.executable, str(WRITER), str(db), str(log), "40"]
    full = subprocess.run(
        [*cmd, "--extra-pages", "3"], capture_output=True, text=True, timeout=60, check=False
    )
    assert full.returncode == 3
    assert "磁盘已满" in full.stderr and "重新运行同一命令" in full.stderr
    assert "Traceback" not in full.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    conn.close()
    assert 0 < stored < 30
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    check_invariants(db, 40)


def test_disk_full_in_process_rolls_back_the_page(store: SnapshotStore) -> None:
    run = _run(store, 1)
    entry = store.claim(run, 1)[0]
    pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
    store.connection.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull, match="磁盘已满"):
        store.record(run, entry, _ok(0, body=body_of(0, 64 * 1024)), "guide")
    conn = store.connection
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("SELECT count(*) FROM fetches").fetchone() == (0,)
    assert store.frontier_counts(run) == {"in_flight": 1}
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert store.record(run, entry, _ok(0, body=body_of(0, 64 * 1024)), "guide").new_snapshot


# --- E6: busy lock --------------------------------------------------------------------------


def _hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_busy_lock_waits_then_succeeds(tmp_path: Path) -> None:
    with SnapshotStore.open(tmp_path / "s.db", busy_timeout_ms=3000) as s:
        run = _run(s, 1)
        entry = s.claim(run, 1)[0]
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(s.path, 0.4, started))
        holder.start()
        started.wait(5)
        t = time.monotonic()
        s.record(run, entry, _ok(0), "guide")
        assert time.monotonic() - t >= 0.3
        holder.join()


def test_busy_lock_past_limit_is_a_clear_error_and_nothing_lost(tmp_path: Path) -> None:
    with SnapshotStore.open(tmp_path / "s.db", busy_timeout_ms=200) as s:
        run = _run(s, 1)
        entry = s.claim(run, 1)[0]
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(s.path, 1.0, started))
        holder.start()
        started.wait(5)
        t = time.monotonic()
        with pytest.raises(StoreBusy, match="被另一个进程占用"):
            s.record(run, entry, _ok(0), "guide")
        assert 0.15 <= time.monotonic() - t < 0.9
        holder.join()
        assert s.frontier_counts(run) == {"in_flight": 1}  # retried later: not lost
        assert s.record(run, entry, _ok(0), "guide").new_snapshot


# --- E8: corruption -------------------------------------------------------------------------


def _filled_db(path: Path) -> None:
    with SnapshotStore.open(path) as s:
        run = _run(s, 60)
        for entry in s.claim(run, 60):
            s.record(run, entry, _ok(int(entry.url.rsplit("/", 1)[1].split(".")[0])), "guide")
        s.finish_run(run)


@pytest.mark.parametrize("offset", [0, 4096 * 2, 4096 * 5])
def test_corrupted_file_is_refused(tmp_path: Path, offset: int) -> None:
    path = tmp_path / "s.db"
    _filled_db(path)
    data = bytearray(path.read_bytes())
    data[offset : offset + 16] = bytes(b ^ 0xFF for b in data[offset : offset + 16])
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt, match="已损坏.*备份"):
        SnapshotStore.open(path)


# --- E9: network filesystems -----------------------------------------------------------------

MOUNTS = """\
sysfs /sys sysfs rw,nosuid 0 0
/dev/sda1 / ext4 rw,relatime 0 0
//fileserver/share /mnt/share cifs rw,vers=3.0 0 0
nas:/export /mnt/nfs nfs4 rw,vers=4.2 0 0
/dev/sdb1 /mnt/nfs/local\\040disk ext4 rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/mnt/share/crawl/s.db", "cifs"),
        ("/mnt/nfs/s.db", "nfs4"),
        ("/mnt/nfs/local disk/s.db", None),
        ("/mnt/sharefoo/s.db", None),
        ("/home/u/s.db", None),
    ],
)
def test_network_filesystem_from_mount_table(path: str, expected: str | None) -> None:
    assert storedb.network_filesystem(path, MOUNTS) == expected


def test_open_on_network_filesystem_refused_or_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mounts = MOUNTS + f"//nas/crawl {tmp_path} smb3 rw 0 0\n"
    with pytest.raises(NetworkFilesystem, match="网络文件系统（smb3）"):
        SnapshotStore.open(tmp_path / "s.db", mounts=mounts)
    with (
        caplog.at_level(logging.WARNING, logger="guidecheck.store"),
        SnapshotStore.open(tmp_path / "s.db", mounts=mounts, allow_network_fs=True) as s,
    ):
        assert s.connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert "回滚日志" in caplog.text


# --- E10: migrations ------------------------------------------------------------------------


def test_failed_migration_keeps_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SnapshotStore.open(path).close()

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE urls ADD COLUMN note TEXT")

    def broken(conn: sqlite3.Connection) -> None:
        raise RuntimeError("boom")

    conn = storedb.connect(path)
    with pytest.raises(RuntimeError):
        storedb.migrate(conn, path, [*storedb.MIGRATIONS, add_column, broken])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(storedb.MIGRATIONS)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(urls)")]
    assert "note" not in columns
    assert storedb.migrate(conn, path, [*storedb.MIGRATIONS, add_column]) == len(
        storedb.MIGRATIONS
    ) + 1
    assert "note" in [r[1] for r in conn.execute("PRAGMA table_info(urls)")]
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SnapshotStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="更新版本的 guidecheck"):
        SnapshotStore.open(path)


# --- E11: clocks ----------------------------------------------------------------------------


def test_timestamps_are_utc_whatever_the_local_zone(
    store: SnapshotStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        run = _run(store, 1)
        store.record(run, store.claim(run, 1)[0], _ok(0), "guide")
        (fetched,) = store.connection.execute("SELECT fetched_at FROM fetches").fetchone()
        (started,) = store.connection.execute("SELECT started_at FROM runs").fetchone()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    for stamp in (fetched, started):
        assert stamp.endswith("+00:00")
        moment = datetime.fromisoformat(stamp)
        assert abs(moment - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_deferral_is_an_instant_not_a_local_time(store: SnapshotStore) -> None:
    run = _run(store, 1)
    store.defer(run, store.claim(run, 1)[0].url, T0, "http_503")
    shanghai = timezone(timedelta(hours=8))
    new_york_dst = timezone(timedelta(hours=-4))
    assert store.claim(run, 1, now=(T0 - timedelta(seconds=1)).astimezone(shanghai)) == []
    assert len(store.claim(run, 1, now=T0.astimezone(new_york_dst))) == 1


def test_naive_datetimes_are_refused(store: SnapshotStore) -> None:
    run = _run(store, 1)
    with pytest.raises(ValueError, match="naive"):
        store.claim(run, 1, now=datetime(2026, 3, 1, 8, 0))
    with pytest.raises(ValueError, match="naive"):
        store.defer(run, url_of(0), datetime(2026, 3, 1), "x")


# --- fault hooks ----------------------------------------------------------------------------


def test_fault_point_is_inert_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUIDECHECK_FAULT", raising=False)
    fault_point("before_commit")
    monkeypatch.setenv("GUIDECHECK_FAULT", "during_report")
    fault_point("before_commit")  # another point: still alive


def test_fault_point_kills_with_sigkill() -> None:
    code = "from guidecheck.store.faults import fault_point; fault_point('x'); fault_point('x')"
    env = {**os.environ, "GUIDECHECK_FAULT": "x@2"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, timeout=30, check=False)
    assert proc.returncode == -9


def test_outcome_dataclass_is_accepted_as_is() -> None:
    """The store reads FetchOutcome-like objects by attribute (no import of crawl/)."""
    out = replace(_ok(1), attempts=2)
    assert out.attempts == 2
