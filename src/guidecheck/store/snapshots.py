"""SnapshotStore: crawl runs, URLs, fetches, snapshots and the frontier in one SQLite file.

Every page is recorded in ONE transaction (:meth:`SnapshotStore.record`): the fetch
row, the snapshot row when the content is new for that URL, and the frontier state
change. A process killed at any point leaves either all of them or none.

A snapshot keeps the raw bytes (zlib-compressed) so a page can be decoded again
later, plus the encoding decision, validators and quality label. A page fetched
again with the same bytes (or answered 304) costs a fetch row, not a snapshot row.

One run at a time holds the database; a run whose process died (``kill -9``) is
taken over by :meth:`SnapshotStore.resume_run`, which puts its in-flight URLs back
to pending: each is fetched once more, and stored at most once.

The store is thread-safe: one connection, every call under one lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from guidecheck.store import db
from guidecheck.store.db import (
    RunActive,
    StoreError,
    iso,
    parse_iso,
    translated,
    utcnow,
)
from guidecheck.store.faults import fault_point

COMPRESS_LEVEL = 1
"""zlib level: HTML compresses ~5× at level 1, at a fraction of level 6's cost."""

FrontierState = Literal["pending", "in_flight", "deferred", "done", "failed"]
TERMINAL_STATES = frozenset({"done", "failed", "deferred"})


class RunUnfinished(StoreError):
    """An earlier run was killed and can be resumed (begin_run refuses to start over)."""

    def __init__(self, message: str, run_id: int) -> None:
        super().__init__(message)
        self.run_id = run_id


class Outcome(Protocol):
    """What the store reads from crawl.fetch.FetchOutcome (see docs/crawl.md)."""

    @property
    def final_url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> bytes | None: ...
    @property
    def not_modified(self) -> bool: ...
    @property
    def attempts(self) -> int: ...
    @property
    def elapsed(self) -> float: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    id: int
    started_at: datetime
    channels: tuple[str, ...]
    config_digest: str
    resumed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FrontierEntry:
    url: str
    channel: str
    depth: int = 0
    source_url: str | None = None
    attempts: int = 0  # times claimed so far in this run (set by claim)


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    etag: str | None
    last_modified: str | None
    content_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """What record() did: the snapshot the fetch points to, whether it is new."""

    state: FrontierState
    snapshot_id: int | None
    new_snapshot: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    id: int
    url: str
    channel: str
    final_url: str | None
    content_sha256: str
    body: bytes  # raw bytes as served (after transfer/content decoding)
    encoding: str | None
    encoding_info: Mapping[str, Any]  # decided_by, flags, confidence, replacement_count
    etag: str | None
    last_modified: str | None
    quality: str
    first_seen_run: int
    fetched_at: datetime  # first fetch that returned these bytes
    last_seen_at: datetime  # latest fetch that returned them (or a 304 for them)
    current_quality: str  # quality of the URL's latest fetch (blocked, error… or guide)


def _encoding_fields(decided: Any) -> tuple[str | None, str | None]:
    """(encoding, JSON info) from a read.decode.Decoded, a codec name, or None."""
    if decided is None:
        return None, None
    if isinstance(decided, str):
        return decided, None
    info = {
        "decided_by": getattr(decided, "decided_by", None),
        "flags": list(getattr(decided, "flags", ())),
        "confidence": getattr(decided, "confidence", None),
        "replacement_count": getattr(decided, "replacement_count", 0),
    }
    return decided.encoding, json.dumps(info, ensure_ascii=False)


class SnapshotStore(db.Database):
    """The snapshot database. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(path, conn)
        self._url_ids: dict[str, int] = {}
        self._pid = os.getpid()
        self._pid_start = db.process_start(self._pid)

    # --- opening --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = db.BUSY_TIMEOUT_MS,
        allow_network_fs: bool = False,
        mounts: str | None = None,
    ) -> SnapshotStore:
        """Open (create, migrate) the database; refuse a damaged file or a network path.

        ``allow_network_fs`` turns the network-filesystem refusal into a warning and
        uses a rollback journal instead of WAL. ``mounts`` replaces /proc/mounts (tests).
        """
        path = Path(path)
        conn = db.open_database(
            path,
            busy_timeout_ms=busy_timeout_ms,
            allow_network_fs=allow_network_fs,
            mounts=mounts,
        )
        return cls(path, conn)

    def __enter__(self) -> SnapshotStore:
        return self

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for read-only reporting and tests; hold no transaction."""
        return self._conn


    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, translated(self.path):
            return self._conn.execute(sql, params).fetchall()

    # --- runs -----------------------------------------------------------------------

    def _running(self, conn: sqlite3.Connection) -> tuple[Any, ...] | None:
        return conn.execute(
            "SELECT id, pid, pid_start, host, started_at FROM runs WHERE state = 'running'"
        ).fetchone()

    def _is_ours(self, row: tuple[Any, ...]) -> bool:
        _, pid, start, host, _ = row
        return pid == self._pid and start == self._pid_start and host == socket.gethostname()

    def _check_not_live(self, row: tuple[Any, ...]) -> None:
        run_id, pid, start, host, started = row
        if host != socket.gethostname():
            raise RunActive(
                f"运行 #{run_id} 正在进行（主机 {host}，pid {pid}，开始于 {started}）："
                "同一数据库同时只能有一个抓取；请等它结束后再试。"
            )
        if self._is_ours(row) or db.process_alive(pid, start):
            raise RunActive(
                f"运行 #{run_id} 正在进行（pid {pid}，开始于 {started}）："
                "同一数据库同时只能有一个抓取；请等它结束后再试。"
            )

    def begin_run(self, *, channels: Iterable[str], config_digest: str) -> Run:
        """Start a run. Refuses while a live run holds the database, or a killed one waits."""
        channels = tuple(channels)
        started = utcnow()
        with self._tx() as conn:
            row = self._running(conn)
            if row is not None:
                self._check_not_live(row)
                raise RunUnfinished(
                    f"运行 #{row[0]} 未完成（pid {row[1]} 已退出）：重新运行同一命令会从中断处继续；"
                    "若要放弃它重新开始，请先放弃该运行。",
                    row[0],
                )
            cur = conn.execute(
                "INSERT INTO runs (state, started_at, pid, pid_start, host, channels, config_digest)"
                " VALUES ('running', ?, ?, ?, ?, ?, ?)",
                (
                    iso(started),
                    self._pid,
                    self._pid_start,
                    socket.gethostname(),
                    json.dumps(channels, ensure_ascii=False),
                    config_digest,
                ),
            )
        return Run(
            id=int(cur.lastrowid or 0),
            started_at=started,
            channels=channels,
            config_digest=config_digest,
        )

    def resume_run(self) -> Run | None:
        """Take over the unfinished run of a dead process; None when there is none.

        Its in-flight URLs go back to pending (each is fetched once more).
        """
        with self._tx() as conn:
            row = self._running(conn)
            if row is None:
                return None
            if not self._is_ours(row):
                self._check_not_live(row)
                conn.execute(
                    "UPDATE runs SET pid = ?, pid_start = ?, host = ?, resumed = resumed + 1"
                    " WHERE id = ?",
                    (self._pid, self._pid_start, socket.gethostname(), row[0]),
                )
                conn.execute(
                    "UPDATE frontier SET state = 'pending'"
                    " WHERE run_id = ? AND state = 'in_flight'",
                    (row[0],),
                )
            full = conn.execute(
                "SELECT id, started_at, channels, config_digest, resumed FROM runs WHERE id = ?",
                (row[0],),
            ).fetchone()
        return Run(
            id=full[0],
            started_at=parse_iso(full[1]),
            channels=tuple(json.loads(full[2])),
            config_digest=full[3],
            resumed=full[4],
        )

    def abandon_run(self, run_id: int) -> None:
        """Give up a killed run (its fetches and snapshots stay); refuses a live one."""
        with self._tx() as conn:
            row = self._running(conn)
            if row is None or row[0] != run_id:
                raise StoreError(f"运行 #{run_id} 不是未完成的运行，无需放弃。")
            self._check_not_live(row)
            conn.execute(
                "UPDATE runs SET state = 'abandoned', finished_at = ? WHERE id = ?",
                (iso(utcnow()), run_id),
            )

    def finish_run(self, run: Run, summary: Mapping[str, Any] | None = None) -> None:
        """Close the run; every frontier row must be terminal (done, failed, deferred)."""
        with self._tx() as conn:
            left = conn.execute(
                "SELECT count(*) FROM frontier WHERE run_id = ? AND state IN ('pending', 'in_flight')",
                (run.id,),
            ).fetchone()[0]
            if left:
                raise StoreError(
                    f"运行 #{run.id} 还有 {left} 个网址未处理（待抓取或抓取中），不能结束："
                    "请先抓取、推迟或标记失败。"
                )
            conn.execute(
                "UPDATE runs SET state = 'finished', finished_at = ?, summary = ?"
                " WHERE id = ? AND state = 'running'",
                (iso(utcnow()), json.dumps(dict(summary or {}), ensure_ascii=False), run.id),
            )
        with self._lock, translated(self.path):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # keep the WAL bounded

    # --- frontier -------------------------------------------------------------------

    def _url_id(self, conn: sqlite3.Connection, url: str, channel: str) -> int:
        cached = self._url_ids.get(url)
        if cached is not None:
            return cached
        conn.execute("INSERT OR IGNORE INTO urls (url, channel) VALUES (?, ?)", (url, channel))
        url_id = conn.execute("SELECT id FROM urls WHERE url = ?", (url,)).fetchone()[0]
        self._url_ids[url] = url_id
        return int(url_id)

    def _known_url_id(self, url: str) -> int | None:
        cached = self._url_ids.get(url)
        if cached is not None:
            return cached
        rows = self._read("SELECT id FROM urls WHERE url = ?", (url,))
        return int(rows[0][0]) if rows else None

    def enqueue(self, run: Run, entries: Iterable[FrontierEntry]) -> int:
        """Add URLs to the run's frontier as pending; a URL already there is left alone.

        Returns how many were new.
        """
        added = 0
        with self._tx() as conn:
            for entry in entries:
                url_id = self._url_id(conn, entry.url, entry.channel)
                cur = conn.execute(
                    "INSERT INTO frontier (run_id, url_id, state, depth, source_url)"
                    " VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (run_id, url_id) DO NOTHING",
                    (run.id, url_id, entry.depth, entry.source_url),
                )
                added += cur.rowcount
        return added

    def claim(self, run: Run, limit: int, now: datetime | None = None) -> list[FrontierEntry]:
        """Up to ``limit`` pending (then due deferred) URLs, marked in_flight, oldest first."""
        moment = iso(now or utcnow())
        sql = (
            "SELECT f.url_id, u.url, u.channel, f.depth, f.source_url, f.attempts"
            " FROM frontier f JOIN urls u ON u.id = f.url_id"
            " WHERE f.run_id = ? AND {cond} ORDER BY f.rowid LIMIT ?"
        )
        with self._tx() as conn:
            rows = conn.execute(sql.format(cond="f.state = 'pending'"), (run.id, limit)).fetchall()
            if len(rows) < limit:
                rows += conn.execute(
                    sql.format(cond="f.state = 'deferred' AND f.next_attempt_at <= ?"),
                    (run.id, moment, limit - len(rows)),
                ).fetchall()
            conn.executemany(
                "UPDATE frontier SET state = 'in_flight', attempts = attempts + 1"
                " WHERE run_id = ? AND url_id = ?",
                [(run.id, r[0]) for r in rows],
            )
        for r in rows:
            self._url_ids[r[1]] = r[0]
        return [
            FrontierEntry(url=r[1], channel=r[2], depth=r[3], source_url=r[4], attempts=r[5] + 1)
            for r in rows
        ]

    def defer(self, run: Run, url: str, next_attempt_at: datetime, reason: str) -> None:
        """Put a URL aside until ``next_attempt_at`` (UTC), e.g. after Retry-After."""
        when = iso(next_attempt_at)
        url_id = self._known_url_id(url)
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE frontier SET state = 'deferred', next_attempt_at = ?, reason = ?"
                " WHERE run_id = ? AND url_id = ?",
                (when, reason, run.id, url_id),
            )
            if cur.rowcount != 1:
                raise StoreError(f"{url} 不在运行 #{run.id} 的待抓取队列中，无法推迟。")

    def frontier_counts(self, run: Run) -> dict[str, int]:
        rows = self._read(
            "SELECT state, count(*) FROM frontier WHERE run_id = ? GROUP BY state", (run.id,)
        )
        return {r[0]: r[1] for r in rows}

    # --- pages ----------------------------------------------------------------------

    def _latest(self, url_id: int | None) -> tuple[int, str, str] | None:
        if url_id is None:
            return None
        rows = self._read(
            "SELECT id, content_sha256, quality FROM snapshots WHERE url_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (url_id,),
        )
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def validators(self, url: str) -> Validators | None:
        """ETag, Last-Modified and content hash of the URL's latest snapshot, for a
        conditional GET; None when the URL has never been stored."""
        rows = self._read(
            "SELECT s.etag, s.last_modified, s.content_sha256 FROM snapshots s"
            " JOIN urls u ON u.id = s.url_id WHERE u.url = ? ORDER BY s.id DESC LIMIT 1",
            (url,),
        )
        if not rows:
            return None
        return Validators(etag=rows[0][0], last_modified=rows[0][1], content_hash=rows[0][2])

    def record(
        self,
        run: Run,
        entry: FrontierEntry,
        outcome: Outcome,
        quality: str,
        decided_encoding: Any = None,
    ) -> Recorded:
        """Store one fetched page in ONE transaction: the fetch row, a snapshot row when
        the content (or its quality) is new for this URL, and the frontier state
        (``done``, or ``failed`` with the outcome's error class as reason).

        ``decided_encoding`` is the ``read.decode.Decoded`` of the page (or a codec name).
        """
        url_id = self._known_url_id(entry.url)
        latest = self._latest(url_id)
        body = None if outcome.not_modified else outcome.body
        sha = hashlib.sha256(body).hexdigest() if body is not None else None
        reuse = latest is not None and (
            outcome.not_modified or (sha == latest[1] and quality == latest[2])
        )
        if outcome.not_modified and latest is not None:
            quality = latest[2]
        packed = zlib.compress(body, COMPRESS_LEVEL) if body is not None and not reuse else None
        encoding, info = _encoding_fields(decided_encoding)
        headers = outcome.headers or {}
        etag, modified = headers.get("etag"), headers.get("last-modified")
        state: FrontierState = "done" if outcome.error is None else "failed"
        now = iso(utcnow())
        with self._tx() as conn:
            url_id = self._url_id(conn, entry.url, entry.channel)
            snapshot_id = latest[0] if reuse and latest else None
            if packed is not None and body is not None:
                snapshot_id = conn.execute(
                    "INSERT INTO snapshots (url_id, content_sha256, size, body, encoding,"
                    " encoding_flags, etag, last_modified, quality, final_url, first_seen_run,"
                    " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        url_id, sha, len(body), packed, encoding, info, etag, modified,
                        quality, outcome.final_url, run.id, now,
                    ),
                ).lastrowid  # fmt: skip
                fault_point("after_blob_write")
            elif snapshot_id is not None and (etag or modified):
                conn.execute(
                    "UPDATE snapshots SET etag = coalesce(?, etag),"
                    " last_modified = coalesce(?, last_modified) WHERE id = ?",
                    (etag, modified, snapshot_id),
                )
            conn.execute(
                "INSERT INTO fetches (url_id, run_id, status, error, detail, quality, attempts,"
                " fetched_at, elapsed, snapshot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (url_id, run_id) DO UPDATE SET status = excluded.status,"
                " error = excluded.error, detail = excluded.detail, quality = excluded.quality,"
                " attempts = fetches.attempts + excluded.attempts,"
                " fetched_at = excluded.fetched_at, elapsed = excluded.elapsed,"
                " snapshot_id = excluded.snapshot_id",
                (
                    url_id, run.id, outcome.status, outcome.error, outcome.detail or None,
                    quality, outcome.attempts, now, outcome.elapsed, snapshot_id,
                ),
            )  # fmt: skip
            fault_point("between_insert_and_update")
            conn.execute(
                "INSERT INTO frontier (run_id, url_id, state, reason, depth, source_url, attempts)"
                " VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (run_id, url_id) DO UPDATE SET"
                " state = excluded.state, reason = excluded.reason, next_attempt_at = NULL",
                (run.id, url_id, state, outcome.error, entry.depth, entry.source_url),
            )
            fault_point("before_commit")
        return Recorded(state=state, snapshot_id=snapshot_id, new_snapshot=packed is not None)

    # --- reading --------------------------------------------------------------------

    def body(self, snapshot_id: int) -> bytes:
        rows = self._read("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,))
        if not rows:
            raise StoreError(f"快照 #{snapshot_id} 不存在。")
        return zlib.decompress(rows[0][0])

    def latest_snapshots(self, channel: str | None = None) -> Iterator[Snapshot]:
        """The newest snapshot of quality ``guide`` of every URL (of ``channel``).

        A later block page or error does not replace it (it stays the baseline);
        ``current_quality`` tells what the latest fetch saw.
        """
        where = "WHERE u.channel = ?" if channel is not None else ""
        rows = self._read(
            "SELECT s.id, u.url, u.channel, s.final_url, s.content_sha256, s.encoding,"
            " s.encoding_flags, s.etag, s.last_modified, s.quality, s.first_seen_run,"
            " s.fetched_at,"
            " (SELECT max(f.fetched_at) FROM fetches f WHERE f.snapshot_id = s.id),"
            " (SELECT f.quality FROM fetches f WHERE f.url_id = u.id"
            "  ORDER BY f.run_id DESC LIMIT 1)"
            " FROM urls u JOIN snapshots s ON s.id = (SELECT max(id) FROM snapshots"
            "  WHERE url_id = u.id AND quality = 'guide') " + where + " ORDER BY u.url",
            (channel,) if channel is not None else (),
        )
        for r in rows:
            yield Snapshot(
                id=r[0],
                url=r[1],
                channel=r[2],
                final_url=r[3],
                content_sha256=r[4],
                body=self.body(r[0]),
                encoding=r[5],
                encoding_info=json.loads(r[6]) if r[6] else {},
                etag=r[7],
                last_modified=r[8],
                quality=r[9],
                first_seen_run=r[10],
                fetched_at=parse_iso(r[11]),
                last_seen_at=parse_iso(r[12] or r[11]),
                current_quality=r[13] or r[9],
            )

    def changes(self, since: datetime | None = None) -> Iterator[Any]:
        """Guides whose content changed between crawls (see store.history.changes)."""
        from guidecheck.store.history import changes

        return changes(self, since)

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Online backup of the whole database to ``target`` (SQLite backup API)."""
        with self._lock, translated(self.path):
            dest = sqlite3.connect(target)
            try:
                self._conn.backup(dest)
            finally:
                dest.close()
