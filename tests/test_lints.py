"""Lints GC801–GC811 (guidecheck.compare.lints): table-driven from tests/cases/GC8xx.yml.

Each case gives a guide as semantic data (the form of corpus/truth.json, see
docs/architecture.md) and the differences expected as ``field`` or ``field|subject``.
``pytest -k GC804`` runs one rule. The clean demo corpus must trip no lint at all.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rulecases import (
    Case,
    Expect,
    assert_findings,
    build_guide,
    case_files,
    load_cases,
    read_cases,
    unmet,
)

from guidecheck.compare.lints import LINTS, lint_for, run_lints
from guidecheck.compare.lints.promised_exceeds_legal import exceeds
from guidecheck.compare.lints.vocab import LintVocab, parse_lint_vocab
from guidecheck.errors import ConfigError
from guidecheck.model import Guide, Location, Material, MaterialList, TimeUnit
from guidecheck.vocab import load_lint_vocab

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "lints.yaml"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def lint_vocab() -> LintVocab:
    return load_lint_vocab()


# --- table-driven cases (format and loader: tests/rulecases.py) --------------------------


def _lint_cases() -> list[Any]:
    return [p for code in sorted(case_files()) if code.startswith("GC8") for p in load_cases(code)]


def _guide(fields: dict[str, Any]) -> Guide:
    return build_guide(fields, channel="province")


@pytest.mark.parametrize("case", _lint_cases())
def test_case(case: Case, lint_vocab: LintVocab) -> None:
    found = run_lints(case.guide, lint_vocab, codes={case.code})
    assert_findings(case, [(d.kind, d.field, d.subject) for d in found])
    for d in found:
        assert d.kind == case.code
        assert d.actual, "a lint always quotes the offending text"
        assert d.location is not None
        assert d.detail, "a lint always explains itself in Chinese"


def test_every_lint_has_failing_and_passing_cases() -> None:
    codes = [lint.CODE for lint in LINTS]
    assert [c for c in sorted(case_files()) if c.startswith("GC8")] == codes
    for code in codes:
        outcomes = {bool(case.expect) for case in read_cases(code)}
        assert outcomes == {True, False}, f"{code}: needs a failing and a passing case"


def test_lints_match_the_rule_code_table() -> None:
    """Codes, order and fields agree with the contract in docs/architecture.md."""
    table = re.findall(
        r"^\| (GC8\d\d) \| lint\.[\w-]+ \| \w+ \| ([^|]+) \|",
        ARCHITECTURE.read_text("utf-8"),
        re.MULTILINE,
    )
    assert [code for code, _ in table] == [lint.CODE for lint in LINTS]
    for code, fields in table:
        lint = lint_for(code)
        first = fields.split(",")[0].strip()
        if first != "any text":
            assert first in lint.FIELDS, (code, fields, lint.FIELDS)


def test_location_points_at_the_material_row(lint_vocab: LintVocab) -> None:
    rows = [Location(source="guide.html", table=2, row=n) for n in (2, 3)]
    materials = MaterialList(
        items=tuple(
            Material(raw=name, name=name, location=loc)
            for name, loc in zip(["居民身份证", "其他材料"], rows)
        ),
        location=Location(source="guide.html", table=2),
    )
    guide = Guide(channel="province", source=Location(source="guide.html"), materials=materials)
    (found,) = run_lints(guide, lint_vocab, codes={"GC801"})
    assert (found.location, found.subject, found.actual) == (rows[1], "其他材料", "其他材料")


def test_run_lints_selects_codes_and_keeps_code_order(lint_vocab: LintVocab) -> None:
    guide = _guide(
        {
            "materials": {"items": [{"name": "其他材料"}, {"name": "户籍证明"}]},
            "visits": {"count": 3},
        }
    )
    assert [d.kind for d in run_lints(guide, lint_vocab)] == ["GC801", "GC806", "GC810"]
    assert [d.kind for d in run_lints(guide, lint_vocab, codes={"GC806"})] == ["GC806"]
    assert run_lints(guide, lint_vocab, codes=set()) == []


def test_unknown_code_is_a_config_error_with_did_you_mean(lint_vocab: LintVocab) -> None:
    with pytest.raises(ConfigError, match=r"GC8O1.*是否想写 GC8\d\d"):
        run_lints(_guide({}), lint_vocab, codes={"GC8O1"})


# --- GC804 comparability table ------------------------------------------------------------

WD, DAY, CAL, MON, HR = (
    TimeUnit.WORKING_DAY,
    TimeUnit.DAY,
    TimeUnit.CALENDAR_DAY,
    TimeUnit.MONTH,
    TimeUnit.HOUR,
)


@pytest.mark.parametrize(
    ("promised", "legal", "expected"),
    [
        ((21, WD), (20, WD), True),
        ((20, WD), (20, WD), False),
        ((21, DAY), (20, DAY), True),
        ((21, WD), (20, DAY), True),  # exceeds as working days and as calendar days
        ((20, WD), (20, DAY), False),
        ((20, DAY), (15, WD), False),  # 20 calendar days may hold 14 working days
        ((40, DAY), (15, WD), True),  # 40 calendar days hold more than 15 working days
        ((21, CAL), (20, WD), False),
        ((1, MON), (20, CAL), True),
        ((1, MON), (20, WD), False),  # 20 working days may span 35 calendar days
        ((48, HR), (1, CAL), True),
        ((0, None), (0, None), False),  # 即办 vs 即办
        ((1, WD), (0, None), True),  # anything vs legal 即办
        ((0, None), (1, WD), False),
    ],
)
def test_promised_exceeds_legal_only_when_certain(
    promised: tuple[float, TimeUnit | None], legal: tuple[float, TimeUnit | None], expected: bool
) -> None:
    assert exceeds(promised, legal) is expected


# --- no noise on the clean demo corpus ---------------------------------------------------


def _truth() -> list[dict[str, Any]]:
    return json.loads((ROOT / "corpus" / "truth.json").read_text("utf-8"))["guides"]


def _truth_guides() -> list[Guide]:
    return [_guide(g["fields"]) for g in _truth()]


def _recorded_lints(entry: dict[str, Any]) -> list[Expect]:
    """The lint findings an injected deviation must produce (corpus/truth.json)."""
    return [
        Expect(d["rule"], d.get("field"), d.get("subject"))
        for d in entry["deviations"]
        if d["rule"].startswith("GC8")
    ]


def test_corpus_truth_trips_exactly_the_recorded_lints(lint_vocab: LintVocab) -> None:
    """Clean guides trip no lint; a deviated guide trips exactly the lints its deviation
    records (precision and recall 1 on the demo corpus)."""
    truth = _truth()
    assert len(truth) > 700
    wrong = []
    for entry in truth:
        found = [
            (d.kind, d.field, d.subject) for d in run_lints(_guide(entry["fields"]), lint_vocab)
        ]
        missing, extra = unmet(_recorded_lints(entry), found)
        if missing or extra:
            wrong.append((entry["file"], entry.get("index"), missing, extra))
    assert wrong == []


def test_corpus_extracted_trips_exactly_the_recorded_lints(
    lint_vocab: LintVocab, vocab: Any
) -> None:
    from guidecheck.extract.files import extract_paths

    truth = _truth()
    files = sorted({ROOT / "corpus" / entry["file"] for entry in truth})
    guides = extract_paths(files, vocab=vocab).guides
    assert len(guides) == len(truth)
    found = Counter((d.kind, d.field) for g in guides for d in run_lints(g, lint_vocab))
    recorded = Counter((e.rule, e.field) for entry in truth for e in _recorded_lints(entry))
    assert found == recorded


# --- the vocabulary file ------------------------------------------------------------------


def _rules() -> dict[str, Any]:
    return yaml.safe_load(RULES.read_text("utf-8"))


def test_real_vocabulary_loads(lint_vocab: LintVocab) -> None:
    assert "按规定" in lint_vocab.vague_terms.words
    assert lint_vocab.cancelled_proof("户口证明") is lint_vocab.cancelled_proof("户籍证明")
    assert lint_vocab.cancelled_proof("婚姻状况证明") is None
    assert all(p.basis for p in lint_vocab.cancel_proofs)


def test_phrases_are_kept_in_comparison_form() -> None:
    data = _rules()
    data["vague_terms"] = ["视 情 况"]
    vocab = parse_lint_vocab(data)
    assert vocab.vague_terms.find("视情况而定") == "视情况"


def test_empty_cancel_list_matches_nothing() -> None:
    data = _rules()
    data["cancel_proofs"] = []
    assert parse_lint_vocab(data).cancelled_proof("户籍证明") is None


def _broken(edit: Any) -> dict[str, Any]:
    data = _rules()
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(vague_term=["x"]), r"vague_term.*vague_terms"),
        (
            lambda d: d["catch_all"]["materials"].update(ending=["等"]),
            r"catch_all\.materials\.ending.*endings",
        ),
        (lambda d: d.update(version=2), r"version"),
        (lambda d: d.pop("courier_words"), r"courier_words.*缺少"),
        (lambda d: d.update(vague_terms=[]), r"vague_terms.*非空"),
        (lambda d: d.update(vague_terms=["按规定", 3]), r"vague_terms"),
        (
            lambda d: d["cancel_proofs"][0].update(reason="data_share"),
            r"cancel_proofs\[0\]\.reason.*data_sharing",
        ),
        (
            lambda d: d["cancel_proofs"][1].update(aliases=["户口证明"]),
            r"cancel_proofs\[1\].*户口证明",
        ),
        (lambda d: d["cancel_proofs"][0].pop("basis"), r"cancel_proofs\[0\]\.basis"),
        (lambda d: d["phones"].update(local_lengths=[12]), r"phones\.local_lengths"),
        (lambda d: d["phones"].update(shared=["12345"]), r"phones\.shared.*shared_ok"),
    ],
)
def test_schema_errors_name_file_and_key(edit: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_lint_vocab(_broken(edit), "rules/lints.yaml")
    assert str(err.value).startswith("rules/lints.yaml: ")


def test_load_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "lints.yaml").write_text("version: 1\nvague_termz: []\n", "utf-8")
    with pytest.raises(ConfigError, match=r"lints\.yaml.*vague_termz.*vague_terms"):
        load_lint_vocab(tmp_path)
