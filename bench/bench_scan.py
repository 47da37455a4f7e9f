"""Speed of the compare stage (engine + regional variance) and of a whole scan.

    .venv/bin/python bench/bench_scan.py [--guides 20000] [--deviant 0.1] [--whole]

Extracts the demo corpus once (corpus/scan.yaml), then builds ``--guides`` Guide
objects in memory by cloning its channel guides into synthetic units (``西湖区#17``)
and perturbing a share of them (``--deviant``: time limit, a material dropped, a
phone changed), and runs the engine plus regional variance on one core. Prints
guides compared per second. ``--whole`` also times ``run_scan`` on the demo corpus
(parse + compare, all cores) and reports peak memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import random
import resource
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guidecheck.attribute.registry import Registry, load_registry
from guidecheck.attribute.variance import regional_variance
from guidecheck.compare.engine import FindingMaker, compare_guides
from guidecheck.compare.lints import run_lints
from guidecheck.extract.pool import extract_all
from guidecheck.model import HANDBOOK, Guide, MaterialList, Phones
from guidecheck.scan import (
    _settings,
    _tasks,
    assign_units,
    configured_catalog,
    load_config,
    run_scan,
)
from guidecheck.vocab import load_equivalents, load_lint_vocab

CONFIG = ROOT / "corpus" / "scan.yaml"


def _perturb(guide: Guide, rng: random.Random) -> Guide:
    kind = rng.randrange(3)
    if kind == 0 and guide.time_limit_promised and guide.time_limit_promised.amount:
        tl = dataclasses.replace(guide.time_limit_promised, amount=guide.time_limit_promised.amount + 2)
        return dataclasses.replace(guide, time_limit_promised=tl)
    if kind == 1 and guide.materials and len(guide.materials.items) > 1:
        items = guide.materials.items[:-1]
        return dataclasses.replace(guide, materials=MaterialList(items=items, location=guide.materials.location))
    if guide.phone:
        return dataclasses.replace(guide, phone=Phones(raw="x", numbers=("0571-11112222",), location=guide.phone.location))
    return guide


def synthetic(guides: list[Guide], registry: Registry, n: int, deviant: float, seed: int) -> tuple[list[Guide], Registry]:
    """Clone the demo guides into generations of units until ``n`` guides."""
    rng = random.Random(seed)
    out: list[Guide] = []
    units, items = list(registry.units), {i.code: set(i.units) for i in registry.items}
    gen = 0
    while len(out) < n:
        suffix = f"#{gen}" if gen else ""
        for g in guides:
            if len(out) >= n:
                break
            clone = dataclasses.replace(g, unit=(g.unit or "") + suffix)
            out.append(_perturb(clone, rng) if rng.random() < deviant else clone)
        if gen:
            units += [dataclasses.replace(u, key=u.key + suffix, name=u.name + suffix) for u in registry.units]
            for code in items:
                items[code] |= {u + suffix for u in list(items[code]) if "#" not in u}
        gen += 1
    reg = Registry(
        units=tuple(units),
        items=tuple(dataclasses.replace(i, units=tuple(sorted(items[i.code]))) for i in registry.items),
    )
    return out, reg


def bench_compare(n: int, deviant: float, seed: int) -> None:
    config = load_config(CONFIG)
    registry = load_registry(config.registry) if config.registry else Registry()
    tasks, departments = _tasks(config)
    extracted, _errors = extract_all(tasks)
    handbook = [g for g in extracted if g.channel == HANDBOOK]
    base = assign_units([g for g in extracted if g.channel != HANDBOOK], registry, config.unit_from_filename)
    guides, reg = synthetic(base, registry, n, deviant, seed)
    settings = _settings(config, reg, handbook, departments)
    catalog = configured_catalog(config)
    eq = load_equivalents()
    lints = partial(run_lints, vocab=load_lint_vocab())
    for with_lints in (False, True):
        gc.collect()
        t0 = time.process_time()
        result = compare_guides(guides, handbook, settings=settings, catalog=catalog, equivalents=eq,
                                lints=lints if with_lints else None)
        t1 = time.process_time()
        variance = regional_variance(result.compared, fields=settings.fixed_fields,
                                     maker=FindingMaker(catalog, settings), equivalents=eq,
                                     owners=dict(settings.owners))
        t2 = time.process_time()
        total = t2 - t0
        label = "engine + lints + variance" if with_lints else "engine + variance (no lints)"
        print(f"{label}: {len(guides)} guides in {total:.2f} s CPU "
              f"= {len(guides) / total:,.0f} guides/s per core "
              f"(engine {t1 - t0:.2f} s, variance {t2 - t1:.2f} s; "
              f"{len(result.findings) + len(variance)} findings)")


def bench_whole(jobs: int | None) -> None:
    config = load_config(CONFIG)
    t0 = time.perf_counter()
    result = run_scan(config, jobs=jobs)
    wall = time.perf_counter() - t0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    print(f"whole scan (parse + compare, {jobs or os.cpu_count()} processes): {result.files_read} files, "
          f"{len(result.guides)} guides in {wall:.2f} s wall = {result.files_read / wall:,.0f} files/s; "
          f"peak RSS main {me.ru_maxrss / 1024:.0f} MB, largest worker {children.ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guides", type=int, default=20000)
    parser.add_argument("--deviant", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--whole", action="store_true")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    bench_compare(args.guides, args.deviant, args.seed)
    if args.whole:
        bench_whole(args.jobs)


if __name__ == "__main__":
    main()
