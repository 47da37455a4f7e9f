"""Week 2 of the demo corpus (issue 5): some deviations fixed, new ones added.

Starts from week 1's guides right after ``deviations.inject`` (same seed, so the
same deviations), then:

* **fixes** a seeded quarter of the deviating guides (regional variance excepted: it
  touches the handbook) — their fields go back to the clean plan — and puts back one
  dropped guide (its GC101 is resolved);
* **adds** one new deviation of each kind in :data:`NEW_KINDS` on (item, unit) pairs
  that never deviated (the rules of deviations.py hold: one deviation per pair).

Returns what changed so the caller re-renders only those files and records the
truth (``truth.json`` ``week2``: ``fixed`` and ``added`` deviation records).
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import deviations
from .guides import Guide
from .spec import Content

NEW_KINDS = ("materials.missing", "time.promised", "local.phone", "fee.charged", "item.missing_guide")


@dataclass
class Week2:
    guides: list[Guide]
    dropped: list[Guide]
    fixed: list[dict[str, Any]] = field(default_factory=list)  # deviation records gone
    added: list[dict[str, Any]] = field(default_factory=list)  # deviation records new
    files: set[str] = field(default_factory=set)  # files to render again (or remove)


def evolve(
    planned: list[Guide],
    originals: dict[int, Any],
    guides: list[Guide],
    dropped: list[Guide],
    content: Content,
    seed: int,
) -> Week2:
    """``planned``: plan() order; ``originals``: id(guide) → fields before inject."""
    rng = random.Random(f"{seed}|week2|fix")
    order = {id(g): i for i, g in enumerate(planned)}
    out = Week2(guides=list(guides), dropped=list(dropped))
    fixable = [
        g for g in guides
        if g.unit is not None and g.deviations and all(d["rule"] != "GC710" for d in g.deviations)
    ]
    fixable.sort(key=lambda g: (g.file, g.index, g.item.code))
    for g in rng.sample(fixable, max(1, len(fixable) // 4)):
        out.fixed += g.deviations
        g.fields = copy.deepcopy(originals[id(g)])
        g.deviations = []
        out.files.add(g.file)
    if dropped:
        back = sorted(dropped, key=lambda g: (g.file, g.item.code))[rng.randrange(len(dropped))]
        out.fixed += back.deviations
        back.deviations = []
        out.dropped.remove(back)
        out.guides.append(back)
        out.guides.sort(key=lambda g: order[id(g)])
        out.files.add(back.file)

    ctx = deviations.Ctx(
        content=content,
        guides=out.guides,
        by_key={(g.channel, g.item.code, g.unit.key): g for g in out.guides if g.unit},
        handbook={g.item.code: g for g in out.guides if g.channel == "handbook"},
        used_pairs={  # every pair that deviated in week 1 (fixed ones stay fixed)
            (g.item.code, g.unit.key) for g in planned if g.unit is not None
            if g.deviations or any(r["item_code"] == g.item.code and r["unit"] == g.unit.name
                                   for r in out.fixed)
        },
        reserved_items={
            d["item_code"] for g in out.guides for d in g.deviations if d["rule"] == "GC710"
        },
        dropped=[],
        channel_use=Counter(),
        unit_use=Counter(),
        dept_use=Counter(),
    )
    ctx.used_pairs |= {(g.item.code, g.unit.key) for g in out.dropped if g.unit is not None}
    kinds = {k.id: k for k in deviations.KINDS}
    for kind_id in NEW_KINDS:
        kind = kinds[kind_id]
        krng = random.Random(f"{seed}|week2|{kind_id}")
        cands = sorted(
            (
                g for g in ctx.guides
                if g.unit is not None and g.channel in kind.channels
                and g.item.code not in ctx.reserved_items
                and (g.item.code, g.unit.key) not in ctx.used_pairs
                and g not in ctx.dropped and kind.ok(g)
            ),
            key=lambda g: (g.file, g.index, g.item.code),
        )
        if not cands:
            continue
        g = krng.choice(cands)
        records = kind.apply(g, ctx, krng)
        g.deviations.extend(records)
        out.added += records
        ctx.used_pairs.add((g.item.code, g.unit.key))
        out.files.add(g.file)
    for g in ctx.dropped:
        out.guides.remove(g)
        out.dropped.append(g)
    return out
