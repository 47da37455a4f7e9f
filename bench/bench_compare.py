"""Speed of the compare stage, and materials alignment quality.

    .venv/bin/python bench/bench_compare.py [--guides 20000] [--items 200] [--seed 1]

Builds handbook entries and guides from raw texts with the project's own
normalizers (19 fields, 6 materials each), with benign variations (shuffled
materials, 十五个工作日, aliases, full-width text, numbering) on 30 % of the
guides and real deviations on 10 % (``--deviant``), then compares every field of every guide
with its handbook entry through ``compare_field`` on one core and prints guides
compared per second. Then prints materials-alignment precision/recall on the
``alignment`` sets of tests/cases/compare_materials.yaml against plain
``fuzz.ratio`` on raw names.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections import Counter
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from guidecheck.compare.align import align
from guidecheck.compare.equivalence import Equivalents, parse_equivalents
from guidecheck.compare.fields import compare_field
from guidecheck.compare.materials import material_key, material_score
from guidecheck.model import Guide, ListValue, Location, MaterialList, TextValue
from guidecheck.normalize.citation import parse_legal_basis
from guidecheck.normalize.enums import parse_online, parse_visits
from guidecheck.normalize.fee import parse_fee
from guidecheck.normalize.material import parse_material_line
from guidecheck.normalize.phone import parse_phones
from guidecheck.normalize.text import clean, split_entries
from guidecheck.normalize.timelimit import parse_time_limit

ROOT = Path(__file__).resolve().parents[1]
UNITS = [
    "上城区",
    "拱墅区",
    "西湖区",
    "滨江区",
    "萧山区",
    "余杭区",
    "临平区",
    "钱塘区",
    "富阳区",
    "临安区",
    "桐庐县",
    "淳安县",
    "建德市",
]
MATERIALS = [
    ("居民身份证（原件1份、复印件1份）", "身份证原件及复印件各一份"),
    ("营业执照（副本）复印件1份", "营业执照副本复印件（加盖公章）"),
    ("申请书（原件1份，纸质）", "1.《申请书》原件一份"),
    ("授权委托书（原件1份）", "委托授权书原件"),
    ("居民户口簿（复印件1份）", "户口本复印件1份"),
    ("法定代表人身份证明（原件1份）", "法定代表人身份证明原件"),
    ("房屋租赁合同（复印件1份）", "房屋租赁合同复印件"),
    ("结婚证（原件1份）", "结婚证书（原件）"),
    ("经营场所平面图（原件1份）", "经营场所平面图（原件一份）"),
    ("食品安全管理制度文本（原件1份）", "食品安全管理制度文本原件1份"),
]
CONDITIONS = [
    "申请人具有完全民事行为能力",
    "有与经营项目相适应的经营场所",
    "有食品安全管理人员",
    "申请人年满十八周岁",
    "有健全的安全管理制度",
    "无不良信用记录",
]
LOC = Location(source="bench")


def _text(s: str) -> TextValue:
    return TextValue(raw=s, text=clean(s), location=LOC)


def _list(lines: list[str], *, arrows: bool = False) -> ListValue:
    return ListValue(
        raw="\n".join(lines), items=tuple(split_entries(lines, arrows=arrows)), location=LOC
    )


def _guide(rng: random.Random, item: int, unit: str, mode: str) -> Guide:
    """mode: handbook | same | benign | deviant."""
    benign, deviant = mode == "benign", mode == "deviant"
    picks = [MATERIALS[(item + k) % len(MATERIALS)] for k in range(6)]
    lines = [
        f"{n + 1}. {(alt if benign and rng.random() < 0.5 else std)}"
        for n, (std, alt) in enumerate(picks)
    ]
    if benign:
        rng.shuffle(lines)
    if deviant:
        lines = lines[:-1] + ["其他相关材料（原件1份）"]
    conditions = [CONDITIONS[(item + k) % len(CONDITIONS)] for k in range(3)]
    if benign:
        conditions = conditions[::-1]
    promised = "十五个工作日" if benign else "20个工作日" if deviant else "15个工作日"
    phone = "（0571）87654321" if benign else "0571-87654321"
    steps = "申请→受理→审查→决定→送达" if not deviant else "申请→审查→受理→决定→送达"
    return Guide(
        channel=mode,
        source=LOC,
        unit=unit,
        name=_text(f"食品经营许可证核发（第{item}项）"),
        code=_list([f"许可-{item:05d}-006-01"]),
        item_type=_text("许可" if benign else "行政许可"),
        implementing_body=_text(f"杭州市{unit}市场监督管理局"),
        legal_basis=parse_legal_basis(
            "《中华人民共和国行政许可法》第二十九条、第三十条；《食品经营许可管理办法》第十条"
            if not benign
            else "《行政许可法》第29条、第30条；《食品经营许可管理办法》第10条",
            LOC,
        ),
        conditions=_list(conditions),
        materials=MaterialList(
            items=tuple(parse_material_line(s, LOC) for s in lines), location=LOC
        ),
        process=_list([steps], arrows=True),
        time_limit_legal=parse_time_limit("20个工作日", LOC),
        time_limit_promised=parse_time_limit(promised, LOC),
        case_type=_text("承诺件"),
        fee=parse_fee("免费" if benign else "不收费", LOC),
        visits=parse_visits("0次" if not deviant else "1次", LOC),
        online=parse_online("全程网办（Ⅳ级）", LOC),
        location=_text(f"{unit}行政服务中心{item % 30 + 1}号窗口"),
        hours=_text(
            "周一至周五 上午9:00-12:00，下午13:30-17:00"
            if not benign
            else "周一至周五上午9:00—12:00，下午13:30—17:00"
        ),
        phone=parse_phones(phone, LOC),
        complaint_phone=parse_phones("0571-12345", LOC),
        result=_text("《食品经营许可证》" if benign else "食品经营许可证"),
    )


Key = tuple[
    int, str
]  # (item, unit): the reference for a unit's guide (handbook + its local fields)


def build(
    n_guides: int, n_items: int, seed: int, deviant: float = 0.1
) -> tuple[dict[Key, Guide], list[tuple[Key, Guide]]]:
    rng = random.Random(seed)
    handbook = {(i, u): _guide(rng, i, u, "handbook") for i in range(n_items) for u in UNITS}
    guides = []
    for _ in range(n_guides):
        key, roll = (rng.randrange(n_items), rng.choice(UNITS)), rng.random()
        mode = "deviant" if roll < deviant else "benign" if roll < deviant + 0.3 else "same"
        guides.append((key, _guide(rng, key[0], key[1], mode)))
    return handbook, guides


def compare_all(
    handbook: dict[Key, Guide], guides: list[tuple[Key, Guide]], eq: Equivalents
) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for item, guide in guides:
        ref = handbook[item]
        for key, expected in ref.fields():
            actual = getattr(guide, key)
            if actual is not None:
                for d in compare_field(key, expected, actual, equivalents=eq):
                    kinds[f"{d.field}.{d.kind}"] += 1
    return kinds


def alignment_quality(eq: Equivalents) -> None:
    doc = yaml.safe_load((ROOT / "tests/cases/compare_materials.yaml").read_text("utf-8"))
    for label, key, scorer in (
        ("guidecheck (keys + aliases)", lambda n: material_key(n, eq), material_score),
        ("plain fuzz.ratio on raw names", lambda n: n, fuzz.ratio),
    ):
        found = right = gold = 0
        for case in doc["alignment"]:
            ref, guide = case["reference"], case["guide"]
            al = align(
                [key(n) for n in ref],
                [key(g["name"]) for g in guide],
                eq.similarity.material_pair,
                scorer=scorer,
            )
            truth = {(ref.index(g["is"]), j) for j, g in enumerate(guide) if g["is"]}
            got = {(p.left, p.right) for p in al.pairs}
            found, right, gold = found + len(got), right + len(got & truth), gold + len(truth)
        print(
            f"  {label:32s} precision {right / found:.3f}  recall {right / gold:.3f}"
            f"  ({gold} true pairs, threshold {eq.similarity.material_pair:g})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guides", type=int, default=20000)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--deviant", type=float, default=0.1, help="share of guides with real deviations"
    )
    args = ap.parse_args()
    eq = parse_equivalents(yaml.safe_load((ROOT / "rules/equivalents.yaml").read_text("utf-8")))
    t0 = time.perf_counter()
    handbook, guides = build(args.guides, args.items, args.seed, args.deviant)
    print(
        f"built {len(guides)} guides / {len(handbook)} handbook entries "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    gc.collect()
    for run in ("first run (cold caches)", "second run (warm caches)"):
        t0, c0 = time.perf_counter(), time.process_time()
        kinds = compare_all(handbook, guides, eq)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"{run}: {len(guides) / cpu:,.0f} guides/s per core (CPU time {cpu:.2f}s; "
            f"wall {dt:.2f}s, {len(guides) / dt:,.0f}/s)"
        )
    print("differences found:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("materials alignment on tests/cases/compare_materials.yaml:")
    alignment_quality(eq)


if __name__ == "__main__":
    main()
