"""The corpus plan: every guide to generate, with what it says (semantic fields).

A :class:`Guide` is one item's guide on one channel for one unit. Its
``fields`` hold the semantic values the renderer writes and the truth file
records; its :class:`~corpusgen.wording.Wording` holds the seeded wording
choices and the benign variations applied. Injected deviations (issue 3) are
meant to edit ``fields`` between planning and rendering and to append to
``deviations``: the renderers then write the deviating value and the truth
file records it.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import yaml

from .spec import Content, Fields, Item, Unit, handbook_fields, unit_fields
from .wording import Wording

CHANNELS = ("handbook", "province", "city", "app", "manual")

CODE_ASCII = {"许可": "xk", "确认": "qr", "给付": "gf", "公共服务": "ggfw", "其他": "qt"}

# Which canonical fields each channel shows (the others are absent from its guides).
SHOWN: dict[str, tuple[str, ...]] = {
    "province": (
        "name", "code", "item_type", "implementing_body", "legal_basis", "conditions",
        "materials", "process", "time_limit_legal", "time_limit_promised", "case_type", "fee",
        "visits", "online", "location", "hours", "phone", "complaint_phone", "result",
    ),
    "city": (
        "name", "item_type", "implementing_body", "legal_basis", "conditions", "materials",
        "process", "time_limit_legal", "time_limit_promised", "fee", "visits", "location",
        "hours", "phone", "complaint_phone", "result",
    ),
    "app": (
        "name", "code", "implementing_body", "legal_basis", "conditions", "materials", "process",
        "time_limit_promised", "case_type", "fee", "visits", "online", "location", "hours",
        "phone", "complaint_phone", "result",
    ),
    "manual": (
        "name", "code", "implementing_body", "legal_basis", "conditions", "materials", "process",
        "time_limit_legal", "time_limit_promised", "fee", "visits", "online", "location", "hours",
        "phone", "complaint_phone",
    ),
}

# Which material attributes each channel shows.
MATERIAL_ATTRS: dict[str, tuple[str, ...]] = {
    "handbook": ("name", "originals", "copies", "form", "necessity", "source", "note"),
    "province": ("name", "originals", "copies", "form", "necessity", "source"),
    "city": ("name", "originals", "copies"),
    "app": ("name", "originals", "copies", "form", "necessity", "source"),
    "manual": ("name", "originals", "copies"),
}


@dataclasses.dataclass
class Guide:
    channel: str
    file: str  # relative to corpus/
    index: int  # position inside a multi-item file, 0-based
    item: Item
    unit: Unit | None
    fields: Fields
    wording: Wording
    deviations: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def truth(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "channel": self.channel,
            "unit": self.unit.name if self.unit else None,
            "item_code": self.item.code,
            "index": self.index,
            "fields": self.fields,
            "variations": sorted(self.wording.variations),
            "deviations": self.deviations,
        }


def code_ascii(code: str) -> str:
    head, _, rest = code.partition("-")
    return f"{CODE_ASCII[head]}-{rest}"


def web_file(channel: str, unit: Unit, item: Item) -> str:
    return f"web/{channel}/{unit.key}_{code_ascii(item.code)}.html"


def rng_for(seed: int, *parts: str) -> random.Random:
    return random.Random("|".join([str(seed), *parts]))


def restrict(fields: Fields, channel: str, *, show_code: bool = True) -> Fields:
    keys = SHOWN[channel]
    out = {k: v for k, v in fields.items() if k in keys and (show_code or k != "code")}
    attrs = MATERIAL_ATTRS[channel]
    if "materials" in out:
        out["materials"] = {
            "items": [{k: v for k, v in m.items() if k in attrs} for m in out["materials"]["items"]]
        }
    if channel == "app":
        # The app's materials table has 原件份数/复印件份数 columns and writes 0 for none.
        out["materials"]["items"] = [
            {"name": m["name"], "originals": m.get("originals", 0), "copies": m.get("copies", 0),
             **{k: v for k, v in m.items() if k not in {"name", "originals", "copies"}}}
            for m in out["materials"]["items"]
        ]
    return out


def plan(content: Content, seed: int) -> list[Guide]:
    """Every guide of the corpus, in a stable order."""
    guides: list[Guide] = []
    for dept in content.departments:
        for index, item in enumerate(content.items_of(dept)):
            guides.append(Guide(
                channel="handbook", file=f"handbook/{dept.key}.docx", index=index, item=item,
                unit=None, fields=handbook_fields(item),
                wording=Wording(rng_for(seed, "handbook", item.code)),
            ))
    for channel in ("province", "city", "app"):
        for unit in content.units:
            for item in content.items:
                if unit.key not in item.units:
                    continue
                w = Wording(rng_for(seed, channel, unit.key, item.code))
                fields = restrict(unit_fields(item, unit), channel)
                if channel == "app" and w.rng.random() < 0.5:
                    fields["materials"]["items"] = w.shuffle(fields["materials"]["items"])
                guides.append(Guide(
                    channel=channel, file=web_file(channel, unit, item), index=0, item=item,
                    unit=unit, fields=fields, wording=w,
                ))
    for unit in content.units:
        rng = rng_for(seed, "manual", unit.key)
        show_code = rng.random() < 0.5
        mine = [i for i in content.items if unit.key in i.units]
        for index, item in enumerate(mine):
            guides.append(Guide(
                channel="manual", file=f"manuals/{unit.key}.docx", index=index, item=item,
                unit=unit, fields=restrict(unit_fields(item, unit), "manual", show_code=show_code),
                wording=Wording(rng_for(seed, "manual", unit.key, item.code)),
            ))
    return guides


def registry(content: Content) -> dict[str, Any]:
    """corpus/registry.yaml: units, their implementing bodies, items, channels."""
    from .spec import implementing_body

    units = []
    for u in content.units:
        bodies = {
            d.full: implementing_body(d, u)
            for d in content.departments
            if any(u.key in i.units for i in content.items_of(d))
        }
        units.append({"key": u.key, "name": u.name, "short": list(u.short), "bodies": bodies})
    items = [
        {
            "code": i.code, "name": i.name, "type": i.item_type,
            "line_department": i.dept.full, "line_department_short": i.dept.name,
            "handbook": f"handbook/{i.dept.key}.docx", "units": [content.unit(k).name for k in i.units],
        }
        for i in content.items
    ]
    channels = [
        {"name": "handbook", "path": "handbook/", "format": "docx", "shows_code": True,
         "note": "标准化手册，每个市直部门一册"},
        {"name": "province", "path": "web/province/", "format": "html", "encoding": "utf-8",
         "shows_code": True, "note": "浙江政务服务网（source of record for local fields）"},
        {"name": "city", "path": "web/city/", "format": "html", "encoding": "gbk (declared gb2312)",
         "shows_code": False, "note": "杭州市政府门户网站办事指南"},
        {"name": "app", "path": "web/app/", "format": "html", "encoding": "utf-8",
         "shows_code": True, "note": "杭州办事服务 app 页面"},
        {"name": "manual", "path": "manuals/", "format": "docx", "shows_code": "per unit",
         "note": "各单位窗口办事指南（线下）"},
    ]
    return {"version": 1, "units": units, "items": items, "channels": channels}


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def load_vocab_labels(rules: Path) -> dict[str, set[str]]:
    """Labels per canonical key from rules/fields.yaml (read only, to check our labels)."""
    data = yaml.safe_load(rules.read_text(encoding="utf-8"))
    return {k: set(v["labels"]) for k, v in data["fields"].items()}


def renumber(guides: list[Guide]) -> None:
    """Recompute ``index`` per file after guides were dropped (a missing-guide deviation)."""
    seen: dict[str, int] = {}
    for g in guides:
        g.index = seen.get(g.file, 0)
        seen[g.file] = g.index + 1
