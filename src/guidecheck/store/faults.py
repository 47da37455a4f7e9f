"""Deterministic crash points for the kill/resume tests (reliability.md §Harness).

``GUIDECHECK_FAULT=<name>`` makes :func:`fault_point` kill the process with SIGKILL
the first time the point ``name`` is reached; ``<name>@<n>`` waits for the n-th
time, so a test can crash a run midway. Unset (the normal case), a fault point
costs one dictionary lookup.

Points: ``after_blob_write``, ``between_insert_and_update``, ``before_commit``
(store.snapshots.record), ``during_migration`` (store.db), ``during_report``.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "GUIDECHECK_FAULT"

_hits: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return None
    name, _, nth = spec.partition("@")
    return name, int(nth) if nth.isdigit() else 1


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when ``GUIDECHECK_FAULT`` names this point."""
    target = _target()
    if target is None or target[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
