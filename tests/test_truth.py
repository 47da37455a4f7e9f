"""Extraction of the whole demo corpus matches corpus/truth.json, field by field.

The truth file records what the generator wrote into every guide (handbook
entries, web pages on every channel, manual entries) in the semantic form of
docs/architecture.md. Strings are compared after ``clean()`` on both sides.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from guidecheck.extract.files import extract_file
from guidecheck.model import FIELD_KEYS, to_data
from guidecheck.normalize.text import clean


def canon(value: Any) -> Any:
    """Comparison form of semantic data: strings cleaned, numbers as floats."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    return value


def load_truth(corpus: Path) -> dict[str, list[dict]]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    by_file: dict[str, list[dict]] = defaultdict(list)
    for entry in truth["guides"]:
        by_file[entry["file"]].append(entry)
    for entries in by_file.values():
        entries.sort(key=lambda e: e.get("index", 0))
    return by_file


def compare_corpus(corpus: Path, vocab) -> tuple[Counter, Counter, list[str]]:
    """Per-field (right, total) counts and readable mismatches."""
    right: Counter = Counter()
    total: Counter = Counter()
    problems: list[str] = []
    for rel, entries in sorted(load_truth(corpus).items()):
        guides = extract_file(corpus / rel, channel=entries[0]["channel"], vocab=vocab)
        if len(guides) != len(entries):
            problems.append(f"{rel}: 抽取到 {len(guides)} 份指南，应为 {len(entries)} 份")
            continue
        for entry, guide in zip(entries, guides):
            expected = entry["fields"]
            for key in FIELD_KEYS:
                value = getattr(guide, key)
                actual = None if value is None else to_data(value, semantic=True)
                if key not in expected and actual is None:
                    continue
                channel = entry["channel"]
                total[channel, key] += 1
                if canon(actual) == canon(expected.get(key)):
                    right[channel, key] += 1
                else:
                    problems.append(
                        f"{rel}#{entry.get('index', 0)} {key}: 应为 {expected.get(key)!r}，"
                        f"抽取为 {actual!r}"
                    )
    return right, total, problems


def accuracy_table(right: Counter, total: Counter) -> str:
    channels = sorted({c for c, _ in total})
    lines = ["field".ljust(20) + "".join(c.rjust(10) for c in channels)]
    for key in FIELD_KEYS:
        cells = []
        for channel in channels:
            n = total[channel, key]
            cells.append((f"{right[channel, key] / n:.3f}" if n else "-").rjust(10))
        lines.append(key.ljust(20) + "".join(cells))
    return "\n".join(lines)


def test_extraction_matches_truth(corpus_dir, vocab, capsys):
    if not (corpus_dir / "truth.json").exists():
        pytest.fail("corpus/truth.json is missing: run scripts/make_corpus.py")
    right, total, problems = compare_corpus(corpus_dir, vocab)
    with capsys.disabled():
        print("\nper-field extraction accuracy on the demo corpus\n" + accuracy_table(right, total))
    assert sum(total.values()) > 1000
    assert not problems, f"{len(problems)} mismatches, first 30:\n" + "\n".join(problems[:30])
