"""WeeklyReport → JSON (the same figures as the bulletin, annex and page).

Written atomically (:func:`atomic_write`): into a temp file beside the target, flushed
and fsynced, then ``os.replace``. A process killed midway (reliability E4,
``GUIDECHECK_FAULT=during_report``) leaves no file under the final name, only a temp
file ``.<name>.<pid>.tmp``; the rerun writes the file (and removes stale temp files
of dead writers).

Layout (version 1): ``version``, ``window`` {start, end, label}, ``generated_at``,
``title``, ``issuer``, ``recipients``, ``scans``, ``sample`` (null without sampling),
``totals``, ``units``, ``line_departments`` (UnitFigures as objects; ``trend`` as
``[{"window", "consistency_rate"}]``), ``findings`` (docs/findings.md objects plus
``status`` and ``scan_at``), ``resolved`` (findings objects). Times are ISO 8601 with
offset; rates have 4 decimals.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from guidecheck.report.model import UnitFigures, WeeklyReport
from guidecheck.store.faults import fault_point

VERSION = 1


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def unit_data(row: UnitFigures) -> dict[str, Any]:
    return {
        "unit": row.unit,
        "kind": row.kind,
        "rank": row.rank,
        "guides_checked": row.guides_checked,
        "guides_with_findings": row.guides_with_findings,
        "consistency_rate": _rate(row.consistency_rate),
        "findings": row.findings,
        "by_severity": dict(row.by_severity),
        "by_field": dict(row.by_field),
        "by_rule": dict(row.by_rule),
        "deduction": row.deduction,
        "score": row.score,
        "new": row.new,
        "persisting": row.persisting,
        "resolved": row.resolved,
        "trend": [{"window": w, "consistency_rate": _rate(r)} for w, r in row.trend],
    }


def report_data(report: WeeklyReport) -> dict[str, Any]:
    totals = dict(report.totals)
    totals["consistency_rate"] = _rate(totals.get("consistency_rate"))
    totals["trend"] = [
        {"window": w, "consistency_rate": _rate(r)} for w, r in totals.get("trend", ())
    ]
    sample = report.sample
    return {
        "version": VERSION,
        "window": {
            "start": _time(report.window.start),
            "end": _time(report.window.end),
            "label": report.window.label,
        },
        "generated_at": _time(report.generated_at),
        "title": report.title,
        "issuer": report.issuer,
        "recipients": report.recipients,
        "scans": _plain(list(report.scans)),
        "sample": None
        if sample is None
        else {
            "seed": sample.seed,
            "size": sample.size,
            "rate": sample.rate,
            "strata": dict(sample.strata),
            "guides": list(sample.guides),
        },
        "totals": _plain(totals),
        "units": [unit_data(u) for u in report.units],
        "line_departments": [unit_data(u) for u in report.line_departments],
        "findings": [
            {**_plain(dict(f.data)), "status": f.status, "scan_at": _time(f.scan_at)}
            for f in report.findings
        ],
        "resolved": [_plain(dict(f)) for f in report.resolved],
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(path: Path) -> None:
    """Remove temp files of ``path`` left by writers that died (their pid is gone)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path`` through a temp file + fsync + os.replace; fault point during_report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            write(out)
            out.flush()
            fault_point("during_report")
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def write_json(report: WeeklyReport, path: Path) -> Path:
    text = json.dumps(report_data(report), ensure_ascii=False, indent=1) + "\n"
    return atomic_write(path, lambda out: out.write(text.encode("utf-8")))
