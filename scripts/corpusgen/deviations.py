"""Injected deviations (issue 3, item 9) and field-level benign variations.

A deviation edits what one guide says (its ``fields``: the renderers write whatever
the fields say), or drops the guide, and records in the guide's ``deviations`` the
finding(s) it must produce, keyed like a finding (``Finding.key``)::

    {"kind": "materials.missing", "rule": "GC201", "field": "materials",
     "unit": "西湖区", "channel": "city", "item_code": "许可-00077-006-01",
     "subject": "营业执照（副本）"}

``unit`` is the unit CHARGED: the implementing unit whose guide deviates, or the
line department (its full name) for regional variance, where ``channel`` is ``"*"``.
``subject`` is given where the rule is about one entry of a field: the reference's
material / law / sentence / step (the guide's own material for an extra one).

Rules of the game, so that every deviation produces exactly the findings recorded:

* one deviation per (item, unit): the unit's other channels stay clean, so the
  source-of-record channel (province) is always there and clean for local fields;
* an item chosen for regional variance is used for nothing else;
* no deviation trips a lint it does not record (e.g. promised limits only on
  承诺件 items, so 即办/即办件 stays consistent; a charged fee always states amount and
  basis; local fields never move away from the province channel on the province
  channel itself; phones keep their area code);
* values come from seeded pools, so another seed gives other wording.

The selection is seeded and spread: each kind takes ``per_kind × scale`` guides,
preferring channels, units and departments used least so far.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from .guides import MATERIAL_ATTRS, Guide
from .spec import Content, Item

UNIT_CHANNELS = ("province", "city", "app", "manual")
LOCAL_OFF_RECORD = ("city", "app", "manual")  # never the source-of-record channel

DEVIATION_KINDS: dict[str, str] = {
    "materials.missing": "删去一项申请材料（GC201）",
    "materials.extra": "多出一项手册没有的申请材料（GC202）",
    "materials.copies": "材料份数改变（GC204）",
    "materials.original_copy": "原件改为复印件（GC205）",
    "materials.form": "纸质/电子形式改变（GC206）",
    "materials.necessity": "必要性改变（GC207）",
    "materials.catch_all": "加入兜底材料“其他相关材料”（GC202 + GC801）",
    "time.legal": "法定办结时限改变（GC301）",
    "time.promised": "承诺办结时限改变（GC302）",
    "time.promised_exceeds_legal": "承诺时限超过法定时限（GC302 + GC804）",
    "fee.charged": "不收费事项写成收费（GC401）",
    "fee.amount": "收费金额改变（GC402）",
    "basis.law_missing": "设定依据少一部法规（GC501）",
    "basis.article": "设定依据条款号改变（GC503）",
    "name": "事项名称改变（GC103）",
    "conditions.changed": "一条受理条件被改写（GC603）",
    "conditions.missing": "少一条受理条件（GC601）",
    "process.missing_step": "办理流程少一个环节（GC611）",
    "visits": "跑动次数改变（GC621）",
    "online.depth": "网办深度改变（GC623）",
    "online.unavailable": "写成不能网办（GC622；到现场0次且未写快递时另有 GC807）",
    "local.location": "办理地点与省级渠道（记录渠道）不同（GC701）",
    "local.hours": "办理时间与省级渠道不同（GC702）",
    "local.phone": "咨询电话与省级渠道不同（GC703）",
    "item.missing_guide": "某渠道缺少该单位该事项的指南（GC101）",
    "variance.regional": "手册未规定，各单位写法不同（GC710，记市直部门，渠道 *）",
}
"""Every injected deviation kind, with a description (truth.json ``deviation_kinds``)."""

# ------------------------------------------------------------------ value pools

EXTRA_MATERIALS = [
    "近期免冠一寸证件照片",
    "申请事项情况说明",
    "经办人联系方式登记表",
    "场所平面示意图",
    "申请人承诺书",
    "办理事项告知单回执",
]
CATCH_ALL = ["其他相关材料", "有关部门规定的其他材料", "其他材料"]
CONDITION_CLAUSES = [
    "，并经所在地主管部门审核同意",
    "，且申请人须在本市办理",
    "，并已通过相关业务培训考核",
    "，且场所须经消防部门验收合格",
    "，并须在本市连续缴纳社会保险满一年",
    "，且申请前须完成网上预约登记",
]
FEE_BASES = [
    "《浙江省物价局 浙江省财政厅关于规范证照工本费收费标准的通知》（浙价费〔2015〕123号）",
    "《杭州市行政事业性收费项目目录》（杭财综〔2020〕18号）",
]
COURIER_WORDS = ("快递", "邮寄", "寄递", "EMS", "邮政送达")  # rules/lints.yaml courier_words
HOURS = [
    "周一至周五上午8:45-12:00，下午14:00-17:30（法定节假日除外）",
    "周一至周日上午9:00-12:00，下午13:00-17:00",
    "周一至周五9:00-17:00（中午不休息）",
]


# ------------------------------------------------------------------ records


@dataclasses.dataclass
class Ctx:
    content: Content
    guides: list[Guide]
    by_key: dict[tuple[str, str, str], Guide]  # (channel, item code, unit key)
    handbook: dict[str, Guide]  # item code → handbook guide
    used_pairs: set[tuple[str, str]]  # (item code, unit key) already deviating
    reserved_items: set[str]  # items taken by regional variance
    dropped: list[Guide]
    channel_use: Counter
    unit_use: Counter
    dept_use: Counter


def record(
    g: Guide,
    kind: str,
    rule: str,
    field: str,
    subject: str | None = None,
    *,
    unit: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": kind,
        "rule": rule,
        "field": field,
        "unit": unit if unit is not None else (g.unit.name if g.unit else None),
        "channel": channel or g.channel,
        "item_code": g.item.code,
    }
    if subject is not None:
        rec["subject"] = subject
    return rec


def hb(ctx: Ctx, g: Guide) -> dict[str, Any]:
    """The handbook's fields for the guide's item (the reference)."""
    return ctx.handbook[g.item.code].fields


def mats(g: Guide) -> list[dict[str, Any]]:
    return g.fields["materials"]["items"]


def restrict_material(m: dict[str, Any], channel: str) -> dict[str, Any]:
    out = {k: v for k, v in m.items() if k in MATERIAL_ATTRS[channel]}
    if channel == "app":
        out = {
            "name": out["name"],
            "originals": out.get("originals", 0),
            "copies": out.get("copies", 0),
            **{k: v for k, v in out.items() if k not in {"name", "originals", "copies"}},
        }
    return out


def count(m: dict[str, Any], key: str) -> int:
    return int(m.get(key) or 0)


# ------------------------------------------------------------------ the kinds
# Each kind: channels, a predicate on the guide, and apply(guide, ctx, rng) → records.


def _missing_material(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    items = mats(g)
    m = items.pop(rng.randrange(len(items)))
    return [record(g, "materials.missing", "GC201", "materials", m["name"])]


def _extra_material(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    names = {m["name"] for m in mats(g)}
    name = rng.choice([n for n in EXTRA_MATERIALS if n not in names])
    m = {
        "name": name,
        "originals": 1,
        "form": "paper",
        "necessity": "required",
        "source": "申请人自备",
    }
    items = mats(g)
    items.insert(rng.randrange(len(items) + 1), restrict_material(m, g.channel))
    return [record(g, "materials.extra", "GC202", "materials", name)]


def _catch_all(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    name = rng.choice(CATCH_ALL)
    m = {
        "name": name,
        "originals": 1,
        "form": "paper",
        "necessity": "optional",
        "source": "申请人自备",
    }
    mats(g).append(restrict_material(m, g.channel))
    return [
        record(g, "materials.catch_all", "GC202", "materials", name),
        record(g, "materials.catch_all", "GC801", "materials", name),
    ]


def _copies(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    m = rng.choice([m for m in mats(g) if count(m, "originals") or count(m, "copies")])
    delta = rng.choice([1, 2])
    # Both counts move together (原件及复印件各2份): a 份数 cell reading
    # "原件1份、复印件3份" is not yet understood by the table extractor (reported).
    for key in ("originals", "copies"):
        if count(m, key):
            m[key] = count(m, key) + delta
    return [record(g, "materials.copies", "GC204", "materials", m["name"])]


def _original_copy(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    m = rng.choice([m for m in mats(g) if count(m, "originals") and not count(m, "copies")])
    if g.channel == "app":
        m["originals"], m["copies"] = 0, 1
    else:
        del m["originals"]
        m["copies"] = 1
    return [record(g, "materials.original_copy", "GC205", "materials", m["name"])]


def _form(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    m = rng.choice([m for m in mats(g) if "form" in m])
    m["form"] = {"paper": "electronic", "electronic": "paper", "both": "paper"}[m["form"]]
    return [record(g, "materials.form", "GC206", "materials", m["name"])]


def _necessity(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    m = rng.choice([m for m in mats(g) if "necessity" in m])
    m["necessity"] = {"required": "optional", "optional": "required", "deferred": "required"}[
        m["necessity"]
    ]
    return [record(g, "materials.necessity", "GC207", "materials", m["name"])]


def _legal(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    t = g.fields["time_limit_legal"]
    t["amount"] = int(t["amount"]) + rng.choice([5, 10, 15])
    return [record(g, "time.legal", "GC301", "time_limit_legal")]


def _promised(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    t = g.fields["time_limit_promised"]
    t["amount"] = int(t["amount"]) - rng.randrange(1, int(t["amount"]))
    return [record(g, "time.promised", "GC302", "time_limit_promised")]


def _promised_over_legal(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    legal = int(g.fields["time_limit_legal"]["amount"])
    g.fields["time_limit_promised"] = {
        "amount": legal + rng.choice([2, 5, 10]),
        "unit": "working_day",
    }
    return [
        record(g, "time.promised_exceeds_legal", "GC302", "time_limit_promised"),
        record(g, "time.promised_exceeds_legal", "GC804", "time_limit_promised"),
    ]


def _fee_charged(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    g.fields["fee"] = {
        "free": False,
        "amounts": [f"{rng.choice([5, 10, 15, 50])}元"],
        "basis": rng.choice(FEE_BASES),
    }
    return [record(g, "fee.charged", "GC401", "fee")]


def _fee_amount(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    fee = g.fields["fee"]
    old = int(fee["amounts"][0].rstrip("元"))
    fee["amounts"] = [f"{old + rng.choice([5, 10, 20])}元"]
    return [record(g, "fee.amount", "GC402", "fee")]


def _law_missing(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    cits = g.fields["legal_basis"]["citations"]
    c = cits.pop(rng.randrange(len(cits)))
    return [record(g, "basis.law_missing", "GC501", "legal_basis", c["law"])]


def _article(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    c = rng.choice(g.fields["legal_basis"]["citations"])
    i = rng.randrange(len(c["articles"]))
    new = c["articles"][i] + rng.choice([1, 2, 3])
    while new in c["articles"]:
        new += 1
    c["articles"][i] = new
    return [record(g, "basis.article", "GC503", "legal_basis", c["law"])]


def _name(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    name = g.fields["name"]["text"]
    g.fields["name"] = {"text": name + rng.choice(["申请", "办理", "服务"])}
    return [record(g, "name", "GC103", "name")]


def _condition_changed(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    items = g.fields["conditions"]["items"]
    i = rng.randrange(len(items))
    old = items[i]
    # A clause of 30–90 % of the sentence: reworded, not a different sentence (the
    # comparator's "changed" band, fuzz ratio 60–90).
    fits = [c for c in CONDITION_CLAUSES if 0.3 * len(old) <= len(c) - 1 <= 0.9 * len(old)]
    items[i] = old + rng.choice(fits or CONDITION_CLAUSES)
    return [record(g, "conditions.changed", "GC603", "conditions", old)]


def _condition_missing(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    items = g.fields["conditions"]["items"]
    old = items.pop(rng.randrange(len(items)))
    return [record(g, "conditions.missing", "GC601", "conditions", old)]


def _step_missing(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    items = g.fields["process"]["items"]
    old = items.pop(rng.randrange(1, len(items) - 1))
    return [record(g, "process.missing_step", "GC611", "process", old)]


def _visits(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    g.fields["visits"] = {"count": 0}
    return [record(g, "visits", "GC621", "visits")]


def _online_depth(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    depth = g.fields["online"]["depth"]
    g.fields["online"] = {"available": True, "depth": depth - rng.randrange(1, depth)}
    return [record(g, "online.depth", "GC623", "online")]


def _online_unavailable(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    g.fields["online"] = {"available": False}
    out = [record(g, "online.unavailable", "GC622", "online")]
    # GC807 (rules/lints.yaml): 0 visits, no online handling and no courier delivery
    # mentioned anywhere (process steps, result) — how would the papers get there?
    texts = g.fields.get("process", {}).get("items", []) + [
        g.fields.get("result", {}).get("text", "")
    ]
    courier = any(w in t for t in texts for w in COURIER_WORDS)
    if g.fields.get("visits", {}).get("count") == 0 and not courier:
        out.append(record(g, "online.unavailable", "GC807", "online"))
    return out


def _location(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    text = g.fields["location"]["text"]
    match = re.search(r"(\d+)号窗口", text)
    assert match, text
    number = int(match.group(1)) + rng.choice([3, 5, 8])
    new = text[: match.start(1)] + str(number) + text[match.end(1) :]
    if rng.random() < 0.4:
        new = new.replace("一楼", "三楼").replace("二楼", "四楼")
    g.fields["location"] = {"text": new}
    return [record(g, "local.location", "GC701", "location")]


def _hours(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    g.fields["hours"] = {"text": rng.choice([h for h in HOURS if h != g.fields["hours"]["text"]])}
    return [record(g, "local.hours", "GC702", "hours")]


def _phone(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    numbers = g.fields["phone"]["numbers"]
    area, local = numbers[0].split("-")
    new_local = local[:-2] + f"{(int(local[-2:]) + rng.randrange(40, 80)) % 100:02d}"
    numbers[0] = f"{area}-{new_local}"
    return [record(g, "local.phone", "GC703", "phone")]


def _missing_guide(g: Guide, ctx: Ctx, rng: random.Random) -> list[dict]:
    ctx.dropped.append(g)
    return [record(g, "item.missing_guide", "GC101", "item")]


def _is_amount(t: dict[str, Any] | None) -> bool:
    return bool(t) and "amount" in t and int(t["amount"]) > 0


@dataclasses.dataclass(frozen=True)
class Kind:
    id: str
    channels: tuple[str, ...]
    ok: Callable[[Guide], bool]
    apply: Callable[[Guide, Ctx, random.Random], list[dict]]


def _f(g: Guide, key: str) -> Any:
    return g.fields.get(key)


KINDS: tuple[Kind, ...] = (
    Kind("materials.missing", UNIT_CHANNELS, lambda g: len(mats(g)) >= 4, _missing_material),
    Kind("materials.extra", UNIT_CHANNELS, lambda g: len(mats(g)) <= 7, _extra_material),
    Kind(
        "materials.copies",
        UNIT_CHANNELS,
        lambda g: any(count(m, "originals") or count(m, "copies") for m in mats(g)),
        _copies,
    ),
    Kind(
        "materials.original_copy",
        UNIT_CHANNELS,
        lambda g: any(count(m, "originals") and not count(m, "copies") for m in mats(g)),
        _original_copy,
    ),
    Kind("materials.form", ("province", "app"), lambda g: True, _form),
    Kind("materials.necessity", ("province", "app"), lambda g: True, _necessity),
    Kind("materials.catch_all", UNIT_CHANNELS, lambda g: len(mats(g)) <= 7, _catch_all),
    Kind(
        "time.legal",
        ("province", "city", "manual"),
        lambda g: _is_amount(_f(g, "time_limit_legal")),
        _legal,
    ),
    Kind(
        "time.promised",
        UNIT_CHANNELS,
        lambda g: (
            _is_amount(_f(g, "time_limit_promised"))
            and int(g.fields["time_limit_promised"]["amount"]) >= 2
        ),
        _promised,
    ),
    Kind(
        "time.promised_exceeds_legal",
        ("province", "city", "manual"),
        lambda g: (
            _is_amount(_f(g, "time_limit_legal"))
            and _is_amount(_f(g, "time_limit_promised"))
            and g.fields["time_limit_legal"]["unit"] == "working_day"
            and g.fields["time_limit_promised"]["unit"] == "working_day"
        ),
        _promised_over_legal,
    ),
    Kind("fee.charged", UNIT_CHANNELS, lambda g: bool(_f(g, "fee").get("free")), _fee_charged),
    Kind("fee.amount", UNIT_CHANNELS, lambda g: not g.fields["fee"].get("free"), _fee_amount),
    Kind(
        "basis.law_missing",
        UNIT_CHANNELS,
        lambda g: len(g.fields["legal_basis"]["citations"]) >= 2,
        _law_missing,
    ),
    Kind("basis.article", UNIT_CHANNELS, lambda g: True, _article),
    Kind("name", ("province", "app"), lambda g: True, _name),
    Kind("conditions.changed", UNIT_CHANNELS, lambda g: True, _condition_changed),
    Kind(
        "conditions.missing",
        UNIT_CHANNELS,
        lambda g: len(g.fields["conditions"]["items"]) >= 3,
        _condition_missing,
    ),
    Kind(
        "process.missing_step",
        UNIT_CHANNELS,
        lambda g: len(g.fields["process"]["items"]) >= 4,
        _step_missing,
    ),
    Kind(
        "visits",
        ("province", "app", "manual"),
        lambda g: g.fields["visits"]["count"] == 1 and bool(g.fields["online"].get("available")),
        _visits,
    ),
    Kind(
        "online.depth",
        ("province", "app", "manual"),
        lambda g: g.fields["online"].get("depth", 0) >= 2,
        _online_depth,
    ),
    Kind(
        "online.unavailable",
        ("province", "app", "manual"),
        lambda g: bool(g.fields["online"].get("available")),
        _online_unavailable,
    ),
    Kind(
        "local.location",
        LOCAL_OFF_RECORD,
        lambda g: "号窗口" in g.fields["location"]["text"],
        _location,
    ),
    Kind("local.hours", LOCAL_OFF_RECORD, lambda g: True, _hours),
    Kind("local.phone", LOCAL_OFF_RECORD, lambda g: "-" in g.fields["phone"]["numbers"][0], _phone),
    Kind("item.missing_guide", LOCAL_OFF_RECORD, lambda g: True, _missing_guide),
)


# ------------------------------------------------------------------ regional variance


def _regional_variance(ctx: Ctx, rng: random.Random, field: str) -> None:
    """The handbook is silent on ``field`` for one item; one unit publishes another value
    on all its channels than the others: one GC710 for the line department, channel *."""

    def ok(item: Item) -> bool:
        if item.code in ctx.reserved_items or len(item.units) < 3:
            return False
        if any((item.code, u) in ctx.used_pairs for u in item.units):
            return False
        if field == "fee":
            return bool(item.fee.get("free"))
        if field == "visits":
            return item.visits == 1 and 0 < item.online < 4
        return True

    items = [i for i in ctx.content.items if ok(i)]
    if not items:
        raise SystemExit(f"no item left for regional variance on {field}")
    items.sort(key=lambda i: (ctx.dept_use[i.dept.key], rng.random()))
    item = items[0]
    ctx.reserved_items.add(item.code)
    book = ctx.handbook[item.code]
    del book.fields[field]
    unit_key = rng.choice(sorted(item.units))
    if field == "fee":
        value: dict[str, Any] = {
            "free": False,
            "amounts": [f"{rng.choice([5, 10, 20])}元"],
            "basis": rng.choice(FEE_BASES),
        }
    else:
        value = {"count": 0}
    rec = record(book, "variance.regional", "GC710", field, unit=item.dept.full, channel="*")
    book.deviations.append(rec)
    for channel in UNIT_CHANNELS:
        g = ctx.by_key.get((channel, item.code, unit_key))
        if g is not None and field in g.fields:
            g.fields[field] = copy.deepcopy(value)
            g.deviations.append(dict(rec))
    ctx.dept_use[item.dept.key] += 1


# ------------------------------------------------------------------ selection


def inject(
    guides: list[Guide], content: Content, seed: int, *, scale: int = 1, per_kind: int = 4
) -> tuple[list[Guide], list[Guide]]:
    """Apply every kind of deviation; return (guides kept, guides dropped)."""
    ctx = Ctx(
        content=content,
        guides=guides,
        by_key={(g.channel, g.item.code, g.unit.key): g for g in guides if g.unit},
        handbook={g.item.code: g for g in guides if g.channel == "handbook"},
        used_pairs=set(),
        reserved_items=set(),
        dropped=[],
        channel_use=Counter(),
        unit_use=Counter(),
        dept_use=Counter(),
    )
    for g in guides:  # deviations edit the fields: never share nested values
        g.fields = copy.deepcopy(g.fields)
    rng = random.Random(f"{seed}|deviations|variance")
    for field in ("fee", "visits"):
        for _ in range(max(1, scale // 2)):
            _regional_variance(ctx, rng, field)
    n = per_kind * scale
    for kind in KINDS:
        rng = random.Random(f"{seed}|deviations|{kind.id}")
        cands = [
            g
            for g in guides
            if g.unit is not None
            and g.channel in kind.channels
            and g.item.code not in ctx.reserved_items
            and (g.item.code, g.unit.key) not in ctx.used_pairs
            and kind.ok(g)
        ]
        rng.shuffle(cands)
        chan: Counter = Counter()
        for _ in range(n):
            cands = [g for g in cands if (g.item.code, g.unit.key) not in ctx.used_pairs]
            if not cands:
                break
            g = min(
                cands,
                key=lambda c: (
                    chan[c.channel] * 4 + ctx.unit_use[c.unit.key] + ctx.dept_use[c.item.dept.key]
                ),
            )
            g.deviations.extend(kind.apply(g, ctx, rng))
            ctx.used_pairs.add((g.item.code, g.unit.key))
            chan[g.channel] += 1
            ctx.unit_use[g.unit.key] += 1
            ctx.dept_use[g.item.dept.key] += 1
    dropped = {id(g) for g in ctx.dropped}
    return [g for g in guides if id(g) not in dropped], ctx.dropped


# ------------------------------------------------------------------ benign variations


def benign(guides: list[Guide], seed: int) -> None:
    """Field-level benign variations (a separate rng: the wording stream stays as it was)."""
    for g in guides:
        if g.unit is None:
            continue
        rng = random.Random(f"{seed}|benign|{g.channel}|{g.unit.key}|{g.item.code}")
        items = g.fields.get("materials", {}).get("items")
        if items and g.channel != "app" and rng.random() < 0.3:
            shuffled = list(items)
            rng.shuffle(shuffled)
            if shuffled != items:
                g.fields["materials"]["items"] = shuffled
                g.wording.record("materials.shuffled_all")
        for m in items or []:
            if m["name"] == "居民身份证" and rng.random() < 0.4:
                m["name"] = "身份证"
                g.wording.record("materials.alias")
        for c in g.fields.get("legal_basis", {}).get("citations", []):
            # (a bare 3-character title such as 民法典 is not yet recognised without
            # 《》 by the citation parser: reported; such titles keep the prefix here)
            if c["law"].startswith("中华人民共和国") and len(c["law"]) >= 11 and rng.random() < 0.2:
                c["law"] = c["law"][len("中华人民共和国") :]
                g.wording.record("citation.short_title")


def dropped_truth(g: Guide) -> dict[str, Any]:
    return {
        "file": g.file,
        "channel": g.channel,
        "unit": g.unit.name if g.unit else None,
        "item_code": g.item.code,
        "deviations": g.deviations,
    }
