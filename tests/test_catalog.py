"""The rule catalog (rules/catalog.yaml), its generated reference and the per-rule cases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rulecases import Case, assert_findings, case_files, load_cases, read_cases

from guidecheck.compare.catalog import PLACEHOLDERS, Catalog, parse_catalog
from guidecheck.compare.equivalence import Equivalents
from guidecheck.compare.fields import compare_field
from guidecheck.compare.findings import Severity
from guidecheck.docs_gen import REGENERATE, RULES_DOC, current_rules_doc, render_rules_markdown
from guidecheck.errors import ConfigError
from guidecheck.model import FIELD_KEYS
from guidecheck.vocab import load_catalog, load_equivalents

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# Rules without a tests/cases/GCxxx.yml yet. Remove a code when its file lands
# (test_todo_list_is_current fails until you do); never add one silently.
CASES_TODO = frozenset(
    {
        "GC010", "GC011", "GC101", "GC102", "GC710",
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def equivalents() -> Equivalents:
    return load_equivalents()


def _raw() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "rules" / "catalog.yaml").read_text("utf-8"))


# --- the catalog against the contract table --------------------------------------------

_ROW = re.compile(r"^\| (GC\d{3}) \| ([\w.-]+) \| (\w+) \| ([^|]+) \| ([^|]+) \|$")
_IDENTS = re.compile(r"^[a-z_]+(?:, [a-z_]+)*$")
_ANY = {"any", "any text", "any fixed field"}


def _table() -> dict[str, tuple[str, str, str, str]]:
    rows = {}
    for line in ARCHITECTURE.read_text("utf-8").splitlines():
        m = _ROW.match(line.strip())
        if m:
            code, name, sev, field, kinds = (g.strip() for g in m.groups())
            rows[code] = (name, sev, field, re.sub(r"\s*\(.*\)$", "", kinds))
    return rows


def test_architecture_table_is_read() -> None:
    assert len(_table()) >= 50


def test_catalog_holds_exactly_the_contract_codes(catalog: Catalog) -> None:
    assert sorted(catalog.rules) == sorted(_table())


@pytest.mark.parametrize("code", sorted(_table()))
def test_rule_agrees_with_the_contract_table(code: str, catalog: Catalog) -> None:
    name, sev, field, kinds = _table()[code]
    rule = catalog.rule(code)
    assert (rule.name, rule.severity.value) == (name, sev)
    want_fields = ("*",) if field in _ANY else tuple(field.split(", "))
    assert rule.fields == want_fields
    if code.startswith("GC8"):
        assert rule.kinds == (), "lint rules emit their code as the kind"
    elif _IDENTS.match(kinds):
        assert rule.kinds == tuple(kinds.split(", "))


def test_fields_are_canonical_keys(catalog: Catalog) -> None:
    allowed = set(FIELD_KEYS) | {"*", "item"}
    for rule in catalog.rules.values():
        assert set(rule.fields) <= allowed, rule.code


@pytest.mark.parametrize("code", sorted(_table()))
def test_rule_documents_itself(code: str, catalog: Catalog) -> None:
    rule = catalog.rule(code)
    assert rule.bad and rule.good and rule.bad != rule.good, f"{code}: bad and good examples"
    assert re.search(r"[\u4e00-\u9fff]", rule.message), f"{code}: the message is Chinese"
    assert "请" in rule.message, f"{code}: the message says what to do (请…)"
    assert len(rule.basis) >= 6, f"{code}: basis names a policy or handbook element"
    for _, template in rule.messages:
        assert "请" in template, code


# --- lookup and rendering ----------------------------------------------------------------


def test_for_difference_by_field_and_kind(catalog: Catalog) -> None:
    assert catalog.for_difference("materials", "missing").code == "GC201"  # type: ignore[union-attr]
    assert catalog.for_difference("conditions", "missing").code == "GC601"  # type: ignore[union-attr]
    assert catalog.for_difference("process", "changed").code == "GC612"  # type: ignore[union-attr]
    assert catalog.for_difference("item", "missing").code == "GC101"  # type: ignore[union-attr]
    assert catalog.for_difference("hours", "not_found").code == "GC010"  # type: ignore[union-attr]
    assert catalog.for_difference("materials", "GC801").code == "GC801"  # type: ignore[union-attr]
    assert catalog.for_difference("materials", "no-such-kind") is None


def test_every_comparator_kind_has_a_rule(catalog: Catalog) -> None:
    kinds = {
        "materials": ["missing", "extra", "name", "copies", "original_copy", "form", "necessity"],
        "time_limit_legal": ["value", "unit", "amount"],
        "time_limit_promised": ["value", "unit", "amount"],
        "fee": ["free", "amount", "basis"],
        "legal_basis": ["missing_law", "extra_law", "missing_article", "extra_article"],
        "conditions": ["missing", "extra", "changed"],
        "process": ["missing", "extra", "changed", "order"],
        "code": ["value", "missing", "extra"],
        "phone": ["value", "missing", "extra"],
        "complaint_phone": ["value", "missing", "extra"],
        "visits": ["count"],
        "online": ["available", "depth"],
    }
    kinds |= {
        f: ["value"]
        for f in (
            "name",
            "item_type",
            "case_type",
            "implementing_body",
            "line_department",
            "location",
            "hours",
            "result",
        )
    }
    for field, names in kinds.items():
        for kind in names:
            assert catalog.for_difference(field, kind) is not None, (field, kind)


def test_render_fills_values_and_per_kind_messages(catalog: Catalog) -> None:
    gc201 = catalog.rule("GC201")
    text = gc201.render("missing", subject="结婚证", channel_label="浙江政务服务网")
    assert (
        text
        == "缺少申请材料“结婚证”：标准化手册要求提交该材料，浙江政务服务网指南未列出。请按手册补上该材料。"
    )
    code = catalog.rule("GC104")
    assert "缺少" in code.render("missing", subject="许可-00077-006-01", channel_label="APP")
    assert code.render("value") == code.render()  # no override: the rule's message
    fee = catalog.rule("GC403").render("basis", expected="某文件", actual=None)
    assert "“未写明”" in fee
    assert "{" not in catalog.rule("GC710").render()


def _catalog_with(**spec: Any) -> dict[str, Any]:
    rule = {
        "name": "materials.missing", "severity": "error", "fields": ["materials"],
        "kinds": ["missing"], "message": "缺少“{subject}”，请补上。", "basis": "手册·申请材料",
        "bad": "缺", "good": "全",
    }  # fmt: skip
    rule.update(spec)
    return {"rules": {"GC201": {k: v for k, v in rule.items() if v is not None}}}


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"message": "缺少“{subjct}”"}, "{subjct}"),
        ({"message": "缺少“{subject”"}, "模板格式错误"),
        ({"severity": "fatal"}, "GC201.severity"),
        ({"good": None}, "缺少 good"),
        ({"bad": ""}, "缺少 bad"),
        ({"name": "MaterialsMissing"}, "GC201.name"),
        ({"colour": "red"}, "colour"),
        ({"messages": {"extra": "多出，请删"}}, "messages.extra"),
    ],
)
def test_malformed_rules_are_named(spec: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_catalog(_catalog_with(**spec), "rules/catalog.yaml")
    assert "rules/catalog.yaml" in str(err.value) and says in str(err.value)


def test_duplicate_names_and_kinds_are_refused() -> None:
    data = _catalog_with()
    data["rules"]["GC202"] = dict(data["rules"]["GC201"], name="materials.extra")
    with pytest.raises(ConfigError, match="GC202.*已由 GC201"):
        parse_catalog(data)
    data["rules"]["GC202"]["kinds"] = ["extra"]
    data["rules"]["GC202"]["aliases"] = ["materials.missing"]
    with pytest.raises(ConfigError, match="名称 'materials.missing' 已由 GC201"):
        parse_catalog(data)


def test_placeholders_are_the_documented_set() -> None:
    assert {
        "expected",
        "actual",
        "subject",
        "field_label",
        "channel_label",
        "reference_label",
        "unit",
        "item_name",
    } == PLACEHOLDERS


# --- selection ---------------------------------------------------------------------------


def test_select_by_code_prefix(catalog: Catalog) -> None:
    materials = catalog.configured(select=["GC2"])
    assert sorted(materials.rules) == [f"GC20{i}" for i in range(1, 8)]
    assert materials.for_difference("fee", "free") is None


def test_ignore_a_code_inside_a_selection(catalog: Catalog) -> None:
    picked = catalog.configured(select=["GC2", "GC3"], ignore=["GC205"])
    assert "GC205" not in picked.rules and "GC204" in picked.rules and "GC301" in picked.rules
    assert picked.for_difference("materials", "original_copy") is None


def test_select_and_ignore_by_name(catalog: Catalog) -> None:
    lints = catalog.configured(select=["lint"], ignore=["lint.vague-wording"])
    assert all(c.startswith("GC8") for c in lints.rules) and "GC803" not in lints.rules
    assert len(lints.rules) == 10
    assert catalog.configured(select=["time-limit"]).rules.keys() == {"GC301", "GC302"}


def test_regrade_by_code_or_name(catalog: Catalog) -> None:
    graded = catalog.configured(severity={"GC205": "error", "lint.vague-wording": "info"})
    assert graded.rule("GC205").severity is Severity.ERROR
    assert graded.rule("GC803").severity is Severity.INFO
    assert catalog.rule("GC205").severity is Severity.WARNING, "the original is unchanged"
    assert len(graded.rules) == len(catalog.rules)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"select": ["GC9"]}, "'GC9'"),
        ({"ignore": ["materials.mising"]}, "materials.missing"),  # did you mean
        ({"select": ["G2"]}, "'G2'"),
        ({"severity": {"GC999": "error"}}, "GC999"),
        ({"severity": {"GC201": "fatal"}}, "severity.GC201"),
    ],
)
def test_bad_selection_is_a_config_error(
    catalog: Catalog, kwargs: dict[str, Any], says: str
) -> None:
    with pytest.raises(ConfigError) as err:
        catalog.configured(**kwargs)
    assert says in str(err.value)


# --- the generated reference ---------------------------------------------------------------


def test_rules_doc_is_current() -> None:
    assert RULES_DOC.exists(), f"docs/rules.md is missing: run {REGENERATE}"
    assert RULES_DOC.read_text("utf-8") == current_rules_doc(), (
        f"docs/rules.md is stale (rules/catalog.yaml changed): run {REGENERATE}"
    )


def test_rules_doc_shows_every_rule_with_its_examples(catalog: Catalog) -> None:
    text = render_rules_markdown(catalog, {"materials": "申请材料"})
    for rule in catalog.rules.values():
        section = text.split(f"### {rule.code} ")[1].split("\n### ")[0]
        for part in (rule.name, rule.severity.value, rule.message, rule.basis, rule.bad, rule.good):
            assert part in section, (rule.code, part)
    headings = re.findall(r"^## (GC\d)xx", text, flags=re.MULTILINE)
    assert headings == [f"GC{i}" for i in range(9)]
    assert "`materials` 申请材料" in text


def test_rules_doc_is_deterministic(catalog: Catalog) -> None:
    assert render_rules_markdown(catalog) == render_rules_markdown(catalog)


# --- per-rule cases (tests/cases/GCxxx.yml) ----------------------------------------------------


def test_every_rule_has_cases_or_is_on_the_todo_list(catalog: Catalog) -> None:
    without = set(catalog.rules) - set(case_files())
    assert without <= CASES_TODO, (
        f"rules without tests/cases/<code>.yml: {sorted(without - CASES_TODO)}"
    )


def test_todo_list_is_current(catalog: Catalog) -> None:
    done = CASES_TODO & set(case_files())
    assert not done, f"remove {sorted(done)} from CASES_TODO in tests/test_catalog.py"
    assert set(catalog.rules) >= CASES_TODO


@pytest.mark.parametrize("code", sorted(case_files()))
def test_case_file_is_well_formed(code: str, catalog: Catalog) -> None:
    assert code in catalog.rules, f"tests/cases/{code}.yml names no rule of the catalog"
    cases = read_cases(code)
    assert any(any(e.rule == code for e in c.expect) for c in cases), f"{code}: no failing case"
    assert any(not c.expect for c in cases), f"{code}: no clean case (expect: [])"
    for case in cases:
        for want in case.expect:
            assert want.rule in catalog.rules, f"{code}:{case.name}: unknown rule {want.rule}"


def _comparator_rules(catalog: Catalog) -> set[str]:
    return {
        code
        for code, rule in catalog.rules.items()
        if rule.kinds and not set(rule.fields) & {"*", "item"}
    }


def _comparator_cases() -> list[Any]:
    catalog = load_catalog()
    return [
        p
        for code in sorted(case_files())
        if code in _comparator_rules(catalog)
        for p in load_cases(code)
    ]


@pytest.mark.parametrize("case", _comparator_cases())
def test_comparator_rule_case(case: Case, catalog: Catalog, equivalents: Equivalents) -> None:
    """Field by field: compare_field → Catalog.for_difference, checking the comparator rules a
    case expects (engine-level rules such as GC010 are the engine tests' job)."""
    assert case.reference is not None, "a comparator case needs a reference"
    produced = []
    for key, expected in case.reference.fields():
        actual = getattr(case.guide, key)
        if actual is None:
            continue
        for diff in compare_field(key, expected, actual, equivalents=equivalents):
            rule = catalog.for_difference(diff.field, diff.kind)
            assert rule is not None, f"no rule covers ({diff.field}, {diff.kind})"
            produced.append((rule.code, diff.field, diff.subject))
    comparators = _comparator_rules(catalog)
    wanted = tuple(e for e in case.expect if e.rule in comparators)
    assert_findings(Case(case.code, case.name, case.guides, case.reference, wanted), produced)
