"""Scan runs and their findings, kept in the SQLite store so reports can span weeks.

Every ``guidecheck scan`` is one row of ``scans`` (the time it is *as of*, ``at``; the
time it was stored, ``recorded_at``; the config; the channels scanned with their
labels; the registry units), with the guides it checked per channel
(``scan_guides``: channel, unit, item code or name) and its findings
(``scan_findings``: the finding object of docs/findings.md, with its stable ``key``
``item|unit|channel|field|rule|subject`` in a column of its own).

A scan is stored in ONE transaction: a process killed midway leaves no half scan.
Times are UTC ISO-8601 text (store.db.iso), as everywhere in the store.

The pseudo-channels ``handbook`` (lints on the handbook) and ``*`` (regional
variance charged to a line department) are listed among a scan's channels when the
scan covered them, so "the latest scan of each channel" works for them too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from guidecheck.store import db
from guidecheck.store.db import iso, parse_iso, translated, utcnow

Checked = tuple[str, str, str]  # (channel, unit, item code or name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRun:
    id: int
    at: datetime  # the time the scan is as of (aware, UTC)
    recorded_at: datetime
    config: str
    channels: Mapping[str, str]  # channel → label, in scan order
    units: tuple[str, ...] = ()  # registry units, in registry order
    summary: Mapping[str, Any] = field(default_factory=dict)


class ScanStore(db.Database):
    """Scan runs in the store database. Open with :meth:`open`; close (or ``with``)."""

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = db.BUSY_TIMEOUT_MS,
        allow_network_fs: bool = False,
    ) -> ScanStore:
        """Open (create, migrate) the database; refuse a damaged file or a network path."""
        path = Path(path)
        conn = db.open_database(
            path, busy_timeout_ms=busy_timeout_ms, allow_network_fs=allow_network_fs
        )
        return cls(path, conn)

    def __enter__(self) -> ScanStore:
        return self

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, translated(self.path):
            return self._conn.execute(sql, params).fetchall()

    # --- writing --------------------------------------------------------------------

    def record_scan(
        self,
        *,
        at: datetime | None,
        config: str,
        channels: Mapping[str, str],
        checked: Iterable[Checked],
        findings: Iterable[Mapping[str, Any]],
        units: Sequence[str] = (),
        summary: Mapping[str, Any] | None = None,
    ) -> ScanRun:
        """Store one scan (as of ``at``, default now) in one transaction."""
        recorded = utcnow()
        moment = at or recorded
        rows = sorted(set(checked))
        items = list(findings)
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO scans (at, recorded_at, config, channels, units, summary)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    iso(moment),
                    iso(recorded),
                    config,
                    json.dumps(dict(channels), ensure_ascii=False),
                    json.dumps(list(units), ensure_ascii=False),
                    json.dumps(dict(summary or {}), ensure_ascii=False),
                ),
            )
            scan_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO scan_guides (scan_id, channel, unit, item) VALUES (?, ?, ?, ?)",
                [(scan_id, c, u, i) for c, u, i in rows],
            )
            conn.executemany(
                "INSERT INTO scan_findings (scan_id, key, unit, channel, rule, severity, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        scan_id,
                        f["key"],
                        f["unit"],
                        f["channel"],
                        f["rule"],
                        f["severity"],
                        json.dumps(dict(f), ensure_ascii=False),
                    )
                    for f in items
                ],
            )
        return ScanRun(
            id=scan_id,
            at=parse_iso(iso(moment)),
            recorded_at=parse_iso(iso(recorded)),
            config=config,
            channels=dict(channels),
            units=tuple(units),
            summary=dict(summary or {}),
        )

    # --- reading --------------------------------------------------------------------

    def scans(self, since: datetime | None = None, until: datetime | None = None) -> list[ScanRun]:
        """Scans with ``since <= at < until`` (either bound optional), oldest first."""
        sql = "SELECT id, at, recorded_at, config, channels, units, summary FROM scans"
        where, params = [], []
        if since is not None:
            where.append("at >= ?")
            params.append(iso(since))
        if until is not None:
            where.append("at < ?")
            params.append(iso(until))
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._read(sql + " ORDER BY at, id", params)
        return [
            ScanRun(
                id=r[0],
                at=parse_iso(r[1]),
                recorded_at=parse_iso(r[2]),
                config=r[3],
                channels=json.loads(r[4]),
                units=tuple(json.loads(r[5])),
                summary=json.loads(r[6] or "{}"),
            )
            for r in rows
        ]

    def _where_channels(self, channels: Iterable[str] | None) -> tuple[str, list[str]]:
        if channels is None:
            return "", []
        wanted = sorted(set(channels))
        return f" AND channel IN ({', '.join('?' * len(wanted))})", wanted

    def checked(self, scan_id: int, channels: Iterable[str] | None = None) -> list[Checked]:
        """The guides a scan checked, (channel, unit, item), sorted."""
        extra, params = self._where_channels(channels)
        rows = self._read(
            "SELECT channel, unit, item FROM scan_guides WHERE scan_id = ?"
            + extra
            + " ORDER BY channel, unit, item",
            (scan_id, *params),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def findings(self, scan_id: int, channels: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """A scan's findings (docs/findings.md objects), in stored order."""
        extra, params = self._where_channels(channels)
        rows = self._read(
            "SELECT data FROM scan_findings WHERE scan_id = ?" + extra + " ORDER BY id",
            (scan_id, *params),
        )
        return [json.loads(r[0]) for r in rows]
