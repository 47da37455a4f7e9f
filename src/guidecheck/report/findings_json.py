"""The findings JSON (schema: ``docs/findings.md``; keep the two in step).

Top level ``{"version", "generated_at", "config", "summary", "findings"}``; one object
per finding with a fixed set of keys (absent values are ``null``, never left out).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from guidecheck.compare.findings import Finding
from guidecheck.report.summary import UnitSummary

SCHEMA_VERSION = 1
FINDING_KEYS = (
    "key", "rule", "rule_name", "severity", "unit", "item_code", "item_name",
    "implementing_body", "channel", "channel_label", "field", "field_label", "expected",
    "actual", "message", "location", "reference", "subject", "detail", "evidence",
)


def finding_key(f: Finding) -> str:
    """Stable identity across runs: item|unit|channel|field|rule|subject."""
    return "|".join(f.key)


def location_data(f: Finding) -> dict[str, str] | None:
    if f.location is None:
        return None
    kind = "url" if f.location.is_url else "file"
    return {kind: f.location.source, "where": f.location.describe()}


def finding_data(
    f: Finding,
    *,
    channel_labels: Mapping[str, str] | None = None,
    field_labels: Mapping[str, str] | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``evidence``: page URL → the snapshot its guides were read from (an object with
    ``to_data()``, crawl.reach.Evidence); findings from files get ``null``."""
    page = evidence.get(f.location.source) if evidence and f.location is not None else None
    out = {
        "key": finding_key(f),
        "rule": f.rule,
        "rule_name": f.rule_name,
        "severity": f.severity.value,
        "unit": f.unit,
        "item_code": f.item_code,
        "item_name": f.item_name,
        "implementing_body": f.implementing_body,
        "channel": f.channel,
        "channel_label": (channel_labels or {}).get(f.channel, f.channel),
        "field": f.field,
        "field_label": (field_labels or {}).get(f.field, f.field),
        "expected": f.expected,
        "actual": f.actual,
        "message": f.message,
        "location": location_data(f),
        "reference": f.reference,
        "subject": f.subject,
        "detail": f.detail,
        "evidence": page.to_data() if page is not None else None,
    }
    assert tuple(out) == FINDING_KEYS
    return out


def summary_data(
    findings: Sequence[Finding],
    units: Sequence[UnitSummary],
    *,
    guides: int,
    files_read: int,
    read_errors: Sequence[tuple[str, str]] = (),
    suppressed: int = 0,
    expired: Sequence[str] = (),
    unreached: Sequence[Mapping[str, Any]] = (),
    missing_skipped: int = 0,
) -> dict[str, Any]:
    return {
        "files_read": files_read,
        "guides": guides,
        "read_errors": [{"source": s, "reason": r} for s, r in read_errors],
        "findings": len(findings),
        "by_severity": dict(Counter(f.severity.value for f in findings)),
        "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "by_field": dict(sorted(Counter(f.field for f in findings).items())),
        "suppressed": suppressed,
        "expired_suppressions": list(expired),
        "units": [u.to_data() for u in units],
        "unreached": [dict(u) for u in unreached],
        "missing_skipped": missing_skipped,
    }


def write_findings(
    out: TextIO,
    findings: Sequence[Finding],
    *,
    config: str,
    summary: Mapping[str, Any],
    channel_labels: Mapping[str, str] | None = None,
    field_labels: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> None:
    doc = {
        "version": SCHEMA_VERSION,
        "generated_at": (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "config": config,
        "summary": dict(summary),
        "findings": [
            finding_data(f, channel_labels=channel_labels, field_labels=field_labels,
                         evidence=evidence)
            for f in findings
        ],
    }
    json.dump(doc, out, ensure_ascii=False, indent=1)
    out.write("\n")
