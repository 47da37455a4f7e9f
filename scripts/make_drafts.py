"""Example drafts for ``guidecheck check``: one handbook item rewritten as a department's
draft in manual (paragraph) layout.

    .venv/bin/python scripts/make_drafts.py [OUT_DIR]      # default corpus/drafts/

writes ``clean.docx`` (the handbook item with benign variations only: other label
synonyms, materials in another order, 一份 for 1份, 零次 for 0次 …; checks clean, exit 0)
and ``with_errors.docx`` (the same with four planted errors: a required material left
out, the promised time limit changed, a catch-all material 其他相关材料 added, the fee
changed; exit 1). The tests build their drafts with :func:`write_draft` too.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import docx

from guidecheck.extract.files import extract_file
from guidecheck.model import Guide, Material
from guidecheck.vocab import load_field_vocab

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = ROOT / "corpus" / "handbook" / "ga.docx"
ITEM = "确认-00204-002"  # 居民身份证补领: a fee, three materials, a legal and a promised limit

_COUNT_WORDS = {1: "一", 2: "两", 3: "三"}


@dataclass(frozen=True, slots=True)
class Errors:
    """Planted errors; all off = a clean draft."""

    drop_material: str | None = None  # a handbook material left out
    promised: str | None = None  # another promised time limit
    extra_material: str | None = None  # a material the handbook does not ask for
    fee: str | None = None  # another fee text


PLANTED = Errors(
    drop_material="居民身份证挂失申报表",
    promised="30个工作日",
    extra_material="其他相关材料",
    fee="工本费40元；收费依据：《国家发展改革委、财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
)


@dataclass(slots=True)
class Written:
    """Where the draft writer put things: 1-based body paragraph numbers."""

    title: int = 0
    labels: dict[str, int] = field(default_factory=dict)  # label as written → paragraph
    lines: dict[str, int] = field(default_factory=dict)  # entry text → paragraph


def handbook_item(code: str = ITEM, path: Path = HANDBOOK) -> Guide:
    for guide in extract_file(path, channel="handbook", vocab=load_field_vocab()):
        if code in guide.codes:
            return guide
    raise SystemExit(f"{path}: no item {code}")


def _material_line(m: Material) -> str:
    def n(count: int) -> str:
        return f"{_COUNT_WORDS.get(count, count)}份"  # benign: 一份 for 1份

    if m.originals and m.copies and m.originals == m.copies:
        counts = f"原件及复印件各{n(m.originals)}"
    else:
        parts = [
            f"原件{n(m.originals)}" if m.originals else "",
            f"复印件{n(m.copies)}" if m.copies else "",
        ]
        counts = "、".join(p for p in parts if p)
    return f"{m.name}（{counts}）" if counts else m.name


def _fee_line(raw: str) -> str:
    """``工本费20元\n《…通知》`` (a handbook cell) → ``工本费20元；收费依据：《…通知》``."""
    amount, *basis = raw.splitlines()
    return f"{amount}；收费依据：{''.join(basis)}" if basis else amount


def _lines(guide: Guide, errors: Errors) -> list[tuple[str, str | list[str]]]:
    """(label, value on the label's line, or entries on their own lines)."""
    assert guide.name and guide.materials and guide.fee and guide.time_limit_promised
    materials = [m for m in reversed(guide.materials.items) if m.name != errors.drop_material]
    entries = [f"{i}. {_material_line(m)}" for i, m in enumerate(materials, start=1)]
    if errors.extra_material:
        entries.append(f"{len(entries) + 1}. {errors.extra_material}（原件一份）")

    def raw(key: str) -> str:
        value = getattr(guide, key)
        return value.raw if value is not None else ""

    return [
        ("事项名称", guide.name.raw),
        ("事项编码", raw("code")),
        ("权力类型", raw("item_type")),
        ("实施机关", "杭州市公安局西湖分局"),
        ("办理依据", raw("legal_basis")),
        ("申请条件", raw("conditions").splitlines()),
        ("应提交材料", entries),
        ("办理步骤", raw("process").splitlines()),
        ("法定期限", raw("time_limit_legal")),
        ("承诺期限", errors.promised or raw("time_limit_promised")),
        ("办件类型", raw("case_type")),
        ("收费标准", errors.fee or _fee_line(raw("fee"))),
        ("到现场次数", "一次" if raw("visits") == "1次" else raw("visits")),
        ("网上办理深度", raw("online")),
        ("办理结果", raw("result")),
        ("办理地点", "杭州市西湖区文三路102号西湖区行政服务中心一楼"),
        ("办理时间", "周一至周五 9:00-12:00，13:30-17:00（法定节假日除外）"),
        ("咨询电话", "0571-87021610"),
        ("监督投诉电话", "0571-87021699"),
    ]


def write_draft(path: Path, guide: Guide | None = None, errors: Errors = Errors()) -> Written:
    """Write the item ``guide`` (default: the handbook's 居民身份证补领) as a manual-layout
    draft with ``errors`` planted; returns where everything went."""
    guide = guide or handbook_item()
    document = docx.Document()
    written = Written()

    def para(text: str, style: str | None = None) -> int:
        document.add_paragraph(text, style=style)
        return len(document.paragraphs)

    para("西湖区政务服务事项办事指南（送审稿）", "Title")
    written.title = para(f"一、{guide.name.raw if guide.name else ''}", "Heading 1")
    for label, value in _lines(guide, errors):
        if isinstance(value, list):
            written.labels[label] = para(f"{label}：")
            for line in value:
                written.lines[line] = para(line)
        else:
            written.labels[label] = para(f"{label}：{value}")
            written.lines[value] = written.labels[label]
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return written


def main(argv: Mapping[int, str] | list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "corpus" / "drafts"
    guide = handbook_item()
    write_draft(out / "clean.docx", guide)
    write_draft(out / "with_errors.docx", guide, PLANTED)
    print(f"wrote {out / 'clean.docx'} and {out / 'with_errors.docx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
