"""Generate ``docs/rules.md``, the rule reference, from the rule catalog.

``render_rules_markdown`` is pure (catalog → text); ``write_rules_doc`` writes the
file and says whether it changed. Regenerate after editing ``rules/catalog.yaml``::

    .venv/bin/python -m guidecheck.docs_gen            # writes docs/rules.md
    .venv/bin/python -m guidecheck.docs_gen --check    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from guidecheck.compare.catalog import ANY_FIELD, Catalog, Rule
from guidecheck.vocab import load_catalog, load_field_vocab

RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
REGENERATE = ".venv/bin/python -m guidecheck.docs_gen"

GROUPS: Mapping[str, str] = {
    "GC0": "GC0xx 读取与提取 (reading)",
    "GC1": "GC1xx 事项 (items)",
    "GC2": "GC2xx 申请材料 (materials)",
    "GC3": "GC3xx 办理时限 (time limits)",
    "GC4": "GC4xx 收费 (fees)",
    "GC5": "GC5xx 设定依据 (legal basis)",
    "GC6": "GC6xx 受理条件、办理流程及其他要素 (conditions, process, other fields)",
    "GC7": "GC7xx 跨渠道与区域差异 (cross-channel)",
    "GC8": "GC8xx 单项检查 (lints, no reference needed)",
}
SPECIAL_FIELDS: Mapping[str, str] = {ANY_FIELD: "任意要素", "item": "办事指南本身"}
SEVERITY_TEXT: Mapping[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}

_HEADER = f"""\
# 规则参考 (rule reference)

<!-- Generated from rules/catalog.yaml by `{REGENERATE}`. Do not edit by hand. -->

Every finding cites one rule. Codes are stable (a retired code is never reused);
select, ignore or re-grade rules in config by code prefix (`GC2`, `GC205`) or by name.
Messages are templates: `{{subject}}`, `{{expected}}`, `{{actual}}` … are filled in
per finding.
"""


def _field_text(fields: Sequence[str], labels: Mapping[str, str]) -> str:
    parts = []
    for key in fields:
        label = SPECIAL_FIELDS.get(key) or labels.get(key)
        parts.append(f"`{key}` {label}" if label else f"`{key}`")
    return "、".join(parts)


def _block(text: str) -> list[str]:
    return ["```text", *text.splitlines(), "```"]


def _rule_section(rule: Rule, labels: Mapping[str, str]) -> list[str]:
    sev = rule.severity.value
    lines = [
        f"### {rule.code} `{rule.name}`",
        "",
        f"- 严重程度 (severity): {sev} {SEVERITY_TEXT.get(sev, '')}".rstrip(),
        f"- 要素 (field): {_field_text(rule.fields, labels)}",
    ]
    if rule.kinds:
        lines.append("- 比对差异类型 (kinds): " + ", ".join(f"`{k}`" for k in rule.kinds))
    if rule.aliases:
        lines.append("- 曾用名 (aliases): " + ", ".join(f"`{a}`" for a in rule.aliases))
    lines.append(f"- 依据 (basis): {rule.basis}")
    lines += ["", "消息 (message):", "", f"> {rule.message}"]
    for kind, template in rule.messages:
        lines += ["", f"> `{kind}`: {template}"]
    lines += ["", "错误示例 (bad):", "", *_block(rule.bad), "", "正确示例 (good):", ""]
    return lines + [*_block(rule.good), ""]


def _index(catalog: Catalog) -> list[str]:
    lines = ["| code | name | severity | field |", "|---|---|---|---|"]
    for rule in catalog.rules.values():
        anchor = f"{rule.code}-{rule.name}".lower().replace(".", "")
        fields = ", ".join(f"`{f}`" for f in rule.fields)
        lines.append(
            f"| [{rule.code}](#{anchor}) | `{rule.name}` | {rule.severity.value} | {fields} |"
        )
    return lines + [""]


def render_rules_markdown(catalog: Catalog, field_labels: Mapping[str, str] | None = None) -> str:
    """The rule reference as Markdown, grouped by hundreds; deterministic for a catalog.

    ``field_labels`` maps canonical keys to their Chinese element names (事项名称 …).
    """
    labels = field_labels or {}
    lines = [_HEADER, *_index(catalog)]
    current = None
    for rule in catalog.rules.values():
        if rule.group != current:
            current = rule.group
            lines += [f"## {GROUPS.get(current, current + 'xx')}", ""]
        lines += _rule_section(rule, labels)
    return "\n".join(lines).rstrip("\n") + "\n"


def field_labels() -> dict[str, str]:
    """Canonical key → Chinese element name, from ``rules/fields.yaml``."""
    return {key: spec.element for key, spec in load_field_vocab().fields.items()}


def current_rules_doc() -> str:
    """What ``docs/rules.md`` should hold for the catalog in ``rules/``."""
    return render_rules_markdown(load_catalog(), field_labels())


def write_rules_doc(path: Path = RULES_DOC) -> bool:
    """Write the rule reference; True when the file changed."""
    text = current_rules_doc()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成规则参考文档 docs/rules.md")
    parser.add_argument("-o", "--output", type=Path, default=RULES_DOC)
    parser.add_argument("--check", action="store_true", help="只检查是否过期（过期时退出码 1）")
    args = parser.parse_args(argv)
    if args.check:
        stale = not args.output.exists() or (
            args.output.read_text(encoding="utf-8") != current_rules_doc()
        )
        if stale:
            print(f"{args.output} 已过期，请运行 {REGENERATE}", file=sys.stderr)
        return 1 if stale else 0
    changed = write_rules_doc(args.output)
    print(f"{args.output}: {'已更新' if changed else '无变化'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
