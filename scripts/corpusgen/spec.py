"""Load the corpus content (items.yaml, units.yaml) and state it semantically.

The semantic dicts built here are exactly what ``corpus/truth.json`` records
(docs/architecture.md, "Semantic values"). Renderers write text *from* these
dicts, so what a guide says and what the truth file records cannot drift.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

FORMS = {"纸质": "paper", "电子": "electronic", "纸质和电子": "both"}
NECESSITIES = {"必要": "required", "非必要": "optional", "容缺后补": "deferred"}
TYPE_PREFIX = {"行政许可": "许可", "行政确认": "确认", "行政给付": "给付", "公共服务": "公共服务", "其他行政权力": "其他"}

Fields = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Unit:
    key: str
    name: str
    short: tuple[str, ...]
    prefix: str
    center: str
    window_base: int
    phone_base: str
    hours: str
    complaint: tuple[str, ...]

    @property
    def is_city(self) -> bool:
        return self.name == "市本级"

    @property
    def bare(self) -> str:
        """西湖区 → 西湖 (for names like 杭州市公安局西湖分局)."""
        return self.name[:-1] if self.name.endswith(("区", "县", "市")) else self.name


@dataclasses.dataclass(frozen=True)
class Department:
    key: str
    index: int
    name: str
    full: str
    city_body: str
    body: str
    handbook_body: str


@dataclasses.dataclass(frozen=True)
class Item:
    dept: Department
    code: str
    name: str
    item_type: str
    basis: tuple[tuple[str, tuple[int, ...]], ...]
    conditions: tuple[str, ...]
    materials: tuple[dict[str, Any], ...]
    process: tuple[str, ...]
    legal: dict[str, Any]
    promised: dict[str, Any]
    fee: dict[str, Any]
    fee_what: str
    visits: int
    online: int
    result: str
    units: tuple[str, ...]
    number: int  # position inside the department's handbook, 0-based


@dataclasses.dataclass(frozen=True)
class Content:
    units: tuple[Unit, ...]
    departments: tuple[Department, ...]
    items: tuple[Item, ...]

    def unit(self, key: str) -> Unit:
        return next(u for u in self.units if u.key == key)

    def items_of(self, dept: Department) -> list[Item]:
        return [i for i in self.items if i.dept.key == dept.key]


# ---------------------------------------------------------------- parsing


def parse_time(spec: str) -> dict[str, Any]:
    if spec == "immediate":
        return {"immediate": True}
    if spec == "none":
        return {"no_statutory": True}
    amount, unit = spec.split()
    return {"amount": int(amount), "unit": unit}


def parse_material(line: str, shared: dict[str, str]) -> dict[str, Any]:
    if line.startswith("@"):
        line = shared[line[1:]]
    name, originals, copies, form, necessity, source, note = line.split("|")
    out: dict[str, Any] = {"name": name}
    if originals:
        out["originals"] = int(originals)
    if copies:
        out["copies"] = int(copies)
    out["form"] = FORMS[form]
    out["necessity"] = NECESSITIES[necessity]
    out["source"] = source
    if note:
        out["note"] = note
    return out


def parse_basis(entries: list[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    out = []
    for entry in entries:
        law, arts = entry.split("|")
        out.append((law, tuple(int(a) for a in str(arts).split(","))))
    return tuple(out)


def resolve_units(spec: Any, all_keys: list[str]) -> tuple[str, ...]:
    if spec == "all":
        return tuple(all_keys)
    if spec == "districts":
        return tuple(k for k in all_keys if k != "shi")
    return tuple(spec)


def load_content(data_dir: Path = HERE) -> Content:
    udata = yaml.safe_load((data_dir / "units.yaml").read_text(encoding="utf-8"))
    idata = yaml.safe_load((data_dir / "items.yaml").read_text(encoding="utf-8"))
    units = tuple(
        Unit(
            key=u["key"], name=u["name"], short=tuple(u["short"]), prefix=u["prefix"],
            center=u["center"], window_base=u["window_base"], phone_base=str(u["phone_base"]),
            hours=u["hours"], complaint=tuple(u["complaint"]),
        )
        for u in udata["units"]
    )
    unit_keys = [u.key for u in units]
    shared = idata["shared_materials"]
    templates = idata["process_templates"]
    departments, items = [], []
    for d_index, d in enumerate(idata["departments"]):
        dept = Department(
            key=d["key"], index=d_index, name=d["name"], full=d["full"],
            city_body=d["city_body"], body=d["body"], handbook_body=d["handbook_body"],
        )
        departments.append(dept)
        for number, it in enumerate(d["items"]):
            items.append(_item(dept, number, it, shared, templates, unit_keys))
    return Content(units=units, departments=tuple(departments), items=tuple(items))


def _item(
    dept: Department, number: int, it: dict[str, Any], shared: dict[str, str],
    templates: dict[str, list[str]], unit_keys: list[str],
) -> Item:
    process = it["process"]
    if isinstance(process, str):
        process = templates[process.lstrip("@")]
    process = tuple(step.format(result=it["result"]) for step in process)
    fee = it["fee"]
    fee_what = ""
    if fee == "free":
        fee_sem: dict[str, Any] = {"free": True}
    else:
        fee_sem = {"free": False, "amounts": [fee["amount"]], "basis": fee["basis"]}
        fee_what = fee["what"]
    item = Item(
        dept=dept, code=it["code"], name=it["name"], item_type=it["type"],
        basis=parse_basis(it["basis"]), conditions=tuple(it["conditions"]),
        materials=tuple(parse_material(m, shared) for m in it["materials"]),
        process=process, legal=parse_time(it["legal"]), promised=parse_time(it["promised"]),
        fee=fee_sem, fee_what=fee_what, visits=int(it["visits"]), online=int(it["online"]),
        result=it["result"], units=resolve_units(it["units"], unit_keys), number=number,
    )
    _check(item)
    return item


def _check(item: Item) -> None:
    """The clean corpus must not trip the reference-free lints of domain.md."""
    where = f"{item.code} {item.name}"
    if TYPE_PREFIX[item.item_type] != item.code.split("-")[0]:
        raise ValueError(f"{where}: code prefix does not match type")
    if item.online == 4 and item.visits != 0:
        raise ValueError(f"{where}: 全程网办 implies 0 visits")
    if not 3 <= len(item.materials) <= 8 or not 2 <= len(item.conditions) <= 4:
        raise ValueError(f"{where}: 3–8 materials and 2–4 conditions expected")
    for text in item.conditions + item.process:
        if any(ch in text for ch in "；;。→"):
            raise ValueError(f"{where}: entry must not hold ；。→: {text}")


# ---------------------------------------------------------------- scaling


def scaled(content: Content, scale: int) -> Content:
    """``scale`` generations of units and items (generation 0 is the real content).

    Generation g clones every district as 西湖g区-like synthetic units and every
    item with a distinct code (许可-00077-… → 许可-0g077-…); the clones of an item
    are implemented by the clones of its units (and 市本级 where it was).
    """
    if scale <= 1:
        return content
    units = list(content.units)
    items = list(content.items)
    for g in range(1, scale):
        suffix = f"{g + 1}"
        clones = {}
        for u in content.units:
            if u.is_city:
                continue
            name = f"{u.bare}{suffix}{u.name[-1]}"
            clone = dataclasses.replace(
                u, key=f"{u.key}{suffix}", name=name, short=(name, f"杭州市{name}"),
                prefix=f"杭州市{name}",
            )
            clones[u.key] = clone
            units.append(clone)
        for it in content.items:
            head, num, *rest = it.code.split("-")
            code = "-".join([head, f"{g:02d}{num[2:]}", *rest])
            keys = tuple(clones[k].key if k in clones else k for k in it.units)
            items.append(dataclasses.replace(it, code=code, name=f"{it.name}（试点{suffix}）", units=keys))
    return Content(units=tuple(units), departments=content.departments, items=tuple(items))


# ---------------------------------------------------------------- semantic fields


def text(value: str) -> dict[str, str]:
    return {"text": value}


def implementing_body(dept: Department, unit: Unit) -> str:
    if unit.is_city:
        return dept.city_body
    return dept.body.format(prefix=unit.prefix, short=unit.bare)


def window(dept: Department, unit: Unit) -> str:
    return f"{unit.center}{unit.window_base + dept.index}号窗口"


def dept_phone(dept: Department, unit: Unit) -> str:
    return f"0571-{unit.phone_base}{dept.index + 10:02d}"


def handbook_fields(item: Item) -> Fields:
    """What the standard handbook says about an item (no local fields)."""
    online: dict[str, Any] = (
        {"available": True, "depth": item.online} if item.online else {"available": False}
    )
    immediate = bool(item.promised.get("immediate"))
    return {
        "name": text(item.name),
        "code": {"items": [item.code]},
        "item_type": text(item.item_type),
        "implementing_body": text(item.dept.handbook_body),
        "line_department": text(item.dept.full),
        "legal_basis": {
            "citations": [{"law": law, "articles": list(arts)} for law, arts in item.basis]
        },
        "conditions": {"items": list(item.conditions)},
        "materials": {"items": [dict(m) for m in item.materials]},
        "process": {"items": list(item.process)},
        "time_limit_legal": dict(item.legal),
        "time_limit_promised": dict(item.promised),
        "case_type": text("即办件" if immediate else "承诺件"),
        "fee": copy.deepcopy(item.fee),
        "visits": {"count": item.visits},
        "online": online,
        "result": text(item.result),
    }


def unit_fields(item: Item, unit: Unit) -> Fields:
    """Everything a unit's guide for the item can say, handbook fields plus local ones."""
    fields = handbook_fields(item)
    del fields["line_department"]
    fields["implementing_body"] = text(implementing_body(item.dept, unit))
    fields["location"] = text(window(item.dept, unit))
    fields["hours"] = text(unit.hours)
    fields["phone"] = {"numbers": [dept_phone(item.dept, unit)]}
    fields["complaint_phone"] = {"numbers": list(unit.complaint)}
    return fields
