"""The SQLite file under the snapshot store: connection, pragmas, checks, schema.

* WAL, ``synchronous=NORMAL``, ``foreign_keys=ON``, ``busy_timeout`` (5 s) on every
  connection; ``quick_check`` when the file is opened: a damaged file is refused.
* The schema is created and migrated in ONE transaction together with the
  ``PRAGMA user_version`` bump: a migration killed midway leaves the old schema.
* A database on a network filesystem (NFS, SMB/CIFS…) is refused: WAL needs
  shared memory that those filesystems do not provide.
* SQLite errors that mean "disk full", "locked" or "damaged" become the
  :class:`StoreError` subclasses below, with a Chinese line saying what to do.

Timestamps are stored as UTC ISO-8601 text (:func:`iso`); never local time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from guidecheck.errors import GuidecheckError
from guidecheck.store.faults import fault_point

log = logging.getLogger("guidecheck.store")

BUSY_TIMEOUT_MS = 5000


class StoreError(GuidecheckError):
    """The snapshot database cannot be used as asked."""


class StoreCorrupt(StoreError):
    """The database file is damaged (quick_check failed, or not a database)."""


class DiskFull(StoreError):
    """SQLite reported "database or disk is full"; the last page was not stored."""


class StoreBusy(StoreError):
    """Another process held the write lock longer than ``busy_timeout``."""


class RunActive(StoreError):
    """Another live process is running a crawl on this database."""


class NetworkFilesystem(StoreError):
    """The database sits on a network filesystem where WAL is unsafe."""


# --- time ---------------------------------------------------------------------------


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 text with microseconds; a naive datetime is refused (ambiguous)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC)")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


# --- network filesystems ---------------------------------------------------------------

NETWORK_FS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p",
        "glusterfs", "ceph", "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.s3fs",
        "fuse.rclone", "fuse.glusterfs", "fuse.cephfs", "vboxsf", "prl_fs",
    }
)  # fmt: skip


def _unescape_mount(field: str) -> str:
    """/proc/mounts escapes space, tab, newline and backslash as octal (\\040…)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_type(path: str, mounts: str) -> str | None:
    """Filesystem type of the mount holding the absolute ``path``, from a mount table.

    ``mounts`` is the text of ``/proc/mounts`` (pure: tests pass a fake table).
    """
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape_mount(parts[1]).rstrip("/") or "/"
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


def network_filesystem(path: str, mounts: str) -> str | None:
    """The network filesystem type holding ``path``, or None when it is local."""
    fstype = filesystem_type(path, mounts)
    if fstype is None:
        return None
    return fstype if fstype.lower() in NETWORK_FS or fstype.startswith("nfs") else None


def _read_mounts() -> str:
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def check_filesystem(path: Path, *, allow_network: bool, mounts: str | None = None) -> bool:
    """True when the database may use WAL; raises or warns on a network filesystem."""
    where = str(path.resolve().parent)
    fstype = network_filesystem(where, _read_mounts() if mounts is None else mounts)
    if fstype is None:
        return True
    message = (
        f"快照数据库 {path} 位于网络文件系统（{fstype}）上，SQLite 的 WAL 模式在其上不安全，"
        "可能损坏数据：请把数据库放到本机磁盘"
    )
    if not allow_network:
        raise NetworkFilesystem(message + "。")
    log.warning("%s；已改用回滚日志模式（较慢）继续。", message)
    return False


# --- errors ----------------------------------------------------------------------------


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """A StoreError with a Chinese line for a sqlite3 error."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    if code == sqlite3.SQLITE_FULL or "database or disk is full" in text:
        return DiskFull(
            f"磁盘已满，快照数据库 {path} 无法写入（{text}）：请释放磁盘空间后重新运行同一命令，"
            "抓取会从中断处继续，已保存的页面不会丢失。"
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return StoreBusy(
            f"快照数据库 {path} 被另一个进程占用（{text}），等待超时：请关闭占用它的程序"
            "（例如正在查看结果的界面）后重试，已保存的页面不会丢失。"
        )
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text:
        return corrupt(path, text)
    return StoreError(f"快照数据库 {path} 出错：{text}")


def corrupt(path: Path, detail: str) -> StoreCorrupt:
    detail = " ".join(detail.replace("*** in database main ***", "").split())
    return StoreCorrupt(
        f"快照数据库 {path} 已损坏（{detail}）：请停止使用该文件，用最近的备份替换它后重试；"
        "没有备份时可删除它重新抓取（历史记录会丢失）。"
    )


@contextlib.contextmanager
def translated(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc


# --- connection -----------------------------------------------------------------------


def connect(
    path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, wal: bool = True
) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit) with the pragmas set."""
    with translated(path):
        conn = sqlite3.connect(
            path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
    return conn


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise :class:`StoreCorrupt` unless ``PRAGMA quick_check`` answers ok."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise corrupt(path, str(exc)) from exc
    if [tuple(r) for r in rows] != [("ok",)]:
        raise corrupt(path, "; ".join(str(r[0]) for r in rows[:3]))


# --- schema ---------------------------------------------------------------------------

Migration = Callable[[sqlite3.Connection], None]

SCHEMA_V1 = """
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('running', 'finished', 'abandoned')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    pid           INTEGER NOT NULL,
    pid_start     TEXT,
    host          TEXT NOT NULL,
    resumed       INTEGER NOT NULL DEFAULT 0,
    channels      TEXT NOT NULL,
    config_digest TEXT NOT NULL,
    summary       TEXT
);
CREATE UNIQUE INDEX one_running_run ON runs (state) WHERE state = 'running';
CREATE TABLE urls (
    id      INTEGER PRIMARY KEY,
    url     TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL
);
CREATE TABLE snapshots (
    id             INTEGER PRIMARY KEY,
    url_id         INTEGER NOT NULL REFERENCES urls (id),
    content_sha256 TEXT NOT NULL,
    size           INTEGER NOT NULL,
    body           BLOB NOT NULL,
    encoding       TEXT,
    encoding_flags TEXT,
    etag           TEXT,
    last_modified  TEXT,
    quality        TEXT NOT NULL,
    final_url      TEXT,
    first_seen_run INTEGER NOT NULL REFERENCES runs (id),
    fetched_at     TEXT NOT NULL
);
CREATE INDEX snapshots_url ON snapshots (url_id, id);
CREATE TABLE fetches (
    id          INTEGER PRIMARY KEY,
    url_id      INTEGER NOT NULL REFERENCES urls (id),
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    status      INTEGER,
    error       TEXT,
    detail      TEXT,
    quality     TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    fetched_at  TEXT NOT NULL,
    elapsed     REAL,
    snapshot_id INTEGER REFERENCES snapshots (id),
    UNIQUE (url_id, run_id)
);
CREATE INDEX fetches_run ON fetches (run_id);
CREATE INDEX fetches_snapshot ON fetches (snapshot_id);
CREATE TABLE frontier (
    run_id          INTEGER NOT NULL REFERENCES runs (id),
    url_id          INTEGER NOT NULL REFERENCES urls (id),
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'in_flight', 'deferred', 'done', 'failed')),
    reason          TEXT,
    next_attempt_at TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    depth           INTEGER NOT NULL DEFAULT 0,
    source_url      TEXT,
    PRIMARY KEY (run_id, url_id),
    CHECK (state != 'failed' OR reason IS NOT NULL),
    CHECK (state != 'deferred' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX frontier_todo ON frontier (run_id, state);
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


SCHEMA_V2 = """
CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    config      TEXT NOT NULL,
    channels    TEXT NOT NULL,
    units       TEXT NOT NULL,
    summary     TEXT
);
CREATE INDEX scans_at ON scans (at);
CREATE TABLE scan_guides (
    scan_id INTEGER NOT NULL REFERENCES scans (id),
    channel TEXT NOT NULL,
    unit    TEXT NOT NULL,
    item    TEXT NOT NULL,
    PRIMARY KEY (scan_id, channel, unit, item)
) WITHOUT ROWID;
CREATE TABLE scan_findings (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans (id),
    key      TEXT NOT NULL,
    unit     TEXT NOT NULL,
    channel  TEXT NOT NULL,
    rule     TEXT NOT NULL,
    severity TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX scan_findings_scan ON scan_findings (scan_id, channel);
CREATE INDEX scan_findings_key ON scan_findings (key);
"""


def _v2(conn: sqlite3.Connection) -> None:
    """Scan runs and their findings (issue 5, store/findings.py)."""
    for statement in SCHEMA_V2.split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2)
"""Migration i brings user_version i to i + 1. Append only; never edit a released one."""


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema up to date in ONE transaction with the user_version bump."""
    target = len(migrations)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > target:
        raise StoreError(
            f"快照数据库 {path} 由更新版本的 guidecheck 创建（架构版本 {version}，"
            f"本程序支持 {target}）：请升级 guidecheck。"
        )
    if version == target:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process won?
        for step in migrations[version:]:
            step(conn)
            fault_point("during_migration")
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target


# --- process liveness (one active run per database) ----------------------------------


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), when readable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against pid reuse), when known."""
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int, start: str | None) -> bool:
    """True when ``pid`` runs and is the process that started at ``start``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _stat(pid)
    if fields is None:
        return True  # no /proc: trust kill(0)
    if fields[0] in ("Z", "X"):
        return False  # killed, not yet reaped
    return start is None or len(fields) <= 19 or fields[19] == start


def open_database(
    path: Path,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    allow_network_fs: bool = False,
    mounts: str | None = None,
) -> sqlite3.Connection:
    """Open (create, migrate) the store database; refuse a damaged file or a network path.

    ``allow_network_fs`` turns the network-filesystem refusal into a warning and uses a
    rollback journal instead of WAL. ``mounts`` replaces /proc/mounts (tests).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    wal = check_filesystem(path, allow_network=allow_network_fs, mounts=mounts)
    conn = connect(path, busy_timeout_ms=busy_timeout_ms, wal=wal)
    try:
        quick_check(conn, path)
        with translated(path):
            migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


class Database:
    """One store database: a connection, a lock, and write transactions."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), errors translated."""
        with self._lock, translated(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise
