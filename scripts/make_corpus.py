#!/usr/bin/env python3
"""Generate the demo corpus: handbooks, three web channels, manuals, registry, truth.

    python scripts/make_corpus.py --seed 1 --out corpus
    python scripts/make_corpus.py --seed 7 --scale 40 --out /tmp/big   # benchmarks
    python scripts/make_corpus.py --seed 7 --scale 10 --only web --out /tmp/web  # web pages only

Deterministic: the same seed and scale give the same files and the same truth.json.
``--only web`` leaves out the DOCX manuals (the slow part: python-docx) and writes a
``scan.yaml`` for the three web channels beside the handbooks and the registry; the
truth file then lists the web and handbook guides only. For a 100,000-page corpus see
bench/bench_scan_scale.py (it replicates the demo corpus's web pages instead: the
handbook DOCX and the deviation selection grow too slowly here past --scale 20).

The content lives in scripts/corpusgen/items.yaml and units.yaml; see corpus/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpusgen import deviations, docx_files, web
from corpusgen.guides import (
    Guide,
    dump_yaml,
    load_vocab_labels,
    plan,
    registry,
    renumber,
)
from corpusgen.spec import Content, load_content, scaled
from corpusgen.wording import VARIATIONS

GENERATED = ("handbook", "web", "manuals", "registry.yaml", "truth.json")
RULES = Path(__file__).resolve().parent.parent / "rules" / "fields.yaml"


def check_labels() -> None:
    """Every label the web channels and manuals use is in rules/fields.yaml."""
    if not RULES.exists():
        return
    vocab = load_vocab_labels(RULES)
    used = web.labels_in_use()
    for key, labels in docx_files.MANUAL_LABELS.items():
        used.setdefault(key, set()).update(labels)
    missing = {k: sorted(v - vocab.get(k, set())) for k, v in used.items() if v - vocab.get(k, set())}
    if missing:
        raise SystemExit(f"labels not in rules/fields.yaml: {missing}")


def render(content: Content, guides: list[Guide], out: Path) -> None:
    for dept in content.departments:
        mine = [g for g in guides if g.channel == "handbook" and g.item.dept.key == dept.key]
        if mine:
            docx_files.handbook(dept, mine, out / f"handbook/{dept.key}.docx")
    for g in guides:
        if g.channel in web.RENDERERS:
            path = out / g.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(web.RENDERERS[g.channel](g))
    for unit in content.units:
        mine = [g for g in guides if g.channel == "manual" and g.unit and g.unit.key == unit.key]
        if mine:
            docx_files.manual(unit, mine, out / f"manuals/{unit.key}.docx")


WEB_SCAN_CONFIG = """\
# Written by scripts/make_corpus.py --only web: the three web channels, no manuals.
version: 1
handbook:
  - handbook/
registry: registry.yaml
source_of_record: province
channels:
  province:
    label: 浙江政务服务网
    inputs: [web/province/]
  city:
    label: 杭州市政府门户网站
    inputs: [web/city/]
    not_shown: [code, case_type, online]
  app:
    label: 杭州办事服务APP
    inputs: [web/app/]
    not_shown: [item_type, time_limit_legal]
unit_from_filename: '^(?P<unit>[a-z]+[0-9]*)(?:_|\\.)'
"""


def truth(guides: list[Guide], dropped: list[Guide], seed: int, scale: int,
          only: str | None = None) -> dict:
    return {
        "version": 2,
        "seed": seed,
        "scale": scale,
        **({"only": only} if only else {}),
        "variation_ids": VARIATIONS,
        "deviation_kinds": deviations.DEVIATION_KINDS,
        "guides": [g.truth() for g in guides],
        "dropped": [deviations.dropped_truth(g) for g in dropped],
    }


def generate(
    out: Path, *, seed: int = 1, scale: int = 1, clean: bool = False, only: str | None = None
) -> dict:
    """Write the corpus into ``out`` and return the truth data.

    Injected deviations (scripts/corpusgen/deviations.py) edit guides' fields, record
    the findings they must produce, and drop some guides; ``clean`` leaves them out.
    ``only="web"``: no manuals (planned and injected as usual, so the web pages are the
    same as in the full corpus, then left out) and a ``scan.yaml`` for the web channels.
    """
    if only not in (None, "web"):
        raise ValueError(f"only: {only!r} (supported: 'web')")
    check_labels()
    content = scaled(load_content(), scale)
    guides = plan(content, seed)
    dropped: list[Guide] = []
    if not clean:
        guides, dropped = deviations.inject(guides, content, seed, scale=scale)
    deviations.benign(guides, seed)
    renumber(guides)
    if only == "web":
        guides = [g for g in guides if g.channel != "manual"]
        dropped = [g for g in dropped if g.channel != "manual"]
    for name in GENERATED + (("scan.yaml",) if only else ()):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    render(content, guides, out)
    data = truth(guides, dropped, seed, scale, only)
    (out / "truth.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "registry.yaml").write_text(dump_yaml(registry(content)), encoding="utf-8")
    if only == "web":
        (out / "scan.yaml").write_text(WEB_SCAN_CONFIG, encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="wording choices (default 1)")
    parser.add_argument("--scale", type=int, default=1, help="generations of units and items")
    parser.add_argument("--out", type=Path, default=Path("corpus"), help="output folder")
    parser.add_argument("--clean", action="store_true", help="no injected deviations")
    parser.add_argument("--only", choices=["web"], default=None,
                        help="web: web pages, handbooks, registry and a scan.yaml; no manuals")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    data = generate(args.out, seed=args.seed, scale=args.scale, clean=args.clean, only=args.only)
    counts: dict[str, int] = {}
    for g in data["guides"]:
        counts[g["channel"]] = counts.get(g["channel"], 0) + 1
    devs = sum(len(g["deviations"]) for g in data["guides"] + data["dropped"])
    print(f"{len(data['guides'])} guides {counts}, {devs} deviation records, "
          f"{len(data['dropped'])} dropped, in {time.perf_counter() - start:.1f}s → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
