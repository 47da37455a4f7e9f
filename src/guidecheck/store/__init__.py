"""Snapshot store: crawl runs, fetched pages and the frontier in SQLite (docs/crawl.md)."""

from guidecheck.store.db import (
    DiskFull,
    NetworkFilesystem,
    RunActive,
    StoreBusy,
    StoreCorrupt,
    StoreError,
)
from guidecheck.store.snapshots import (
    FrontierEntry,
    Recorded,
    Run,
    RunUnfinished,
    Snapshot,
    SnapshotStore,
    Validators,
)

__all__ = [
    "DiskFull",
    "FrontierEntry",
    "NetworkFilesystem",
    "Recorded",
    "Run",
    "RunActive",
    "RunUnfinished",
    "Snapshot",
    "SnapshotStore",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "Validators",
]
