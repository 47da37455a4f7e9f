"""Kill -9 and resume (reliability.md E1, E2, E3, E7, E10; L3 in small).

A writer subprocess (tests/store_writer.py) is killed with SIGKILL at a fault hook
or at a random time, then run again until it finishes; the end state must hold
the Harness invariants: integrity ok, no duplicate (url, run) fetch, every
frontier row terminal, exactly one snapshot per stored URL.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from store_writer import check_invariants, url_of

from guidecheck.store import RunActive, SnapshotStore

WRITER = Path(__file__).with_name("store_writer.py")
N = 40


def _env(fault: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GUIDECHECK_FAULT"}
    if fault:
        env["GUIDECHECK_FAULT"] = fault
    return env


def _writer(db: Path, log: Path, *extra: str, fault: str | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), str(log), str(N), *extra],
        env=_env(fault),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(db: Path, log: Path) -> None:
    proc = _writer(db, log)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "finished" in out


def _fetch_counts(log: Path) -> Counter[str]:
    return Counter(log.read_text(encoding="utf-8").split())


def _integrity(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("fault", "nth"),
    [
        ("between_insert_and_update", 3),  # E2
        ("after_blob_write", 5),  # E3 (bodies live in SQLite: the write is rolled back)
        ("before_commit", 4),
    ],
)
def test_kill_at_fault_hook_then_resume(tmp_path: Path, fault: str, nth: int) -> None:
    db, log = tmp_path / "s.db", tmp_path / "fetch.log"
    proc = _writer(db, log, fault=f"{fault}@{nth}")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    _integrity(db)
    conn = sqlite3.connect(db)
    stored_before = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    in_flight = conn.execute("SELECT count(*) FROM frontier WHERE state = 'in_flight'").fetchone()
    conn.close()
    assert stored_before == nth - 1  # the killed page's rows are all absent, none half there
    assert in_flight[0] >= 1
    _finish(db, log)
    check_invariants(db, N)
    counts = _fetch_counts(log)
    refetched = [u for u, c in counts.items() if c > 1]
    assert 1 <= len(refetched) <= 4  # at most the claimed batch is fetched again
    assert all(c <= 2 for c in counts.values())
    assert set(counts) == {url_of(i) for i in range(N)}


def test_sigkill_during_fetch_refetches_once(tmp_path: Path) -> None:
    """E1: killed while a page is being fetched; the URL is fetched once more, stored once."""
    db, log = tmp_path / "s.db", tmp_path / "fetch.log"
    proc = _writer(db, log, "--delay", "0.05", "--batch", "1")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text().split()) >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # most likely inside the 50 ms "fetch"
    proc.communicate(timeout=10)
    _integrity(db)
    _finish(db, log)
    check_invariants(db, N)
    counts = _fetch_counts(log)
    assert sum(counts.values()) - N <= 1
    assert all(c <= 2 for c in counts.values())


def test_random_kills_then_resume(tmp_path: Path) -> None:
    """L3 in small: 6 SIGKILLs at random times, resuming after each."""
    rng = random.Random(4)
    db, log = tmp_path / "s.db", tmp_path / "fetch.log"
    kills, finished = 0, False
    for _ in range(6):
        proc = _writer(db, log, "--delay", "0.01")
        time.sleep(rng.uniform(0.15, 0.5))  # python start-up is ~0.1-0.2 s
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        kills += proc.returncode == -signal.SIGKILL
        _integrity(db)
        if "finished" in out:  # done before the kill: another writer would start a new run
            finished = True
            break
    assert kills >= 3
    if not finished:
        _finish(db, log)
    check_invariants(db, N)
    counts = _fetch_counts(log)
    assert sum(counts.values()) - N <= kills * 4  # re-fetches per kill ≤ the batch size


def test_second_writer_refuses_while_first_runs(tmp_path: Path) -> None:
    """E7: a live run (another process) blocks a second crawler; a dead one is resumed."""
    db, log = tmp_path / "s.db", tmp_path / "fetch.log"
    proc = _writer(db, log, "--delay", "0.2", "--batch", "1")
    try:
        deadline = time.monotonic() + 20
        while not (log.exists() and log.read_text()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with SnapshotStore.open(db) as store:
            with pytest.raises(RunActive, match=rf"运行 #1 正在进行（pid {proc.pid}"):
                store.begin_run(channels=["city"], config_digest="t")
            with pytest.raises(RunActive):
                store.resume_run()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    with SnapshotStore.open(db) as store:
        run = store.resume_run()  # the owner is dead now: the run is taken over
        assert run is not None and run.id == 1 and run.resumed == 1
        assert store.frontier_counts(run).get("in_flight", 0) == 0


def test_migration_killed_midway_leaves_old_schema(tmp_path: Path) -> None:
    """E10: SIGKILL inside the schema migration: no table, user_version 0; reopen works."""
    db = tmp_path / "s.db"
    code = "import sys; from guidecheck.store import SnapshotStore; SnapshotStore.open(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db)],
        env=_env("during_migration"),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone() == (
        0,
    )
    conn.close()
    with SnapshotStore.open(db) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] >= 1
