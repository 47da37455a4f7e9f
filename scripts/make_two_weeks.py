#!/usr/bin/env python3
"""The two-week demo (issue 5): week 2 of the demo corpus, beside week 1.

    python scripts/make_two_weeks.py --out out/week2            # week 2 corpus
    guidecheck scan corpus/scan.yaml --store out/demo.db --at 2026-11-20T10:00 -o out/w1.json
    guidecheck scan out/week2/scan.yaml --store out/demo.db --at 2026-11-27T10:00 -o out/w2.json
    guidecheck report --store out/demo.db --week 2026-11-27 -o out/report

Week 1 is the committed corpus (seed 1). Week 2 (scripts/corpusgen/week2.py) copies
it, fixes a seeded quarter of the deviating guides and one missing guide, adds new
deviations, and renders again only the files that changed. Its truth.json is week
1's format plus ``week2`` {``fixed``, ``added``}: the report's resolved and new
findings must match them. Deterministic: the same seed gives the same week 2.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpusgen import deviations, docx_files, web, week2
from corpusgen.guides import plan, renumber
from corpusgen.spec import load_content, scaled
from make_corpus import truth

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("handbook", "web", "manuals", "registry.yaml", "scan.yaml", "suppressions.yaml")


def generate_week2(out: Path, *, base: Path = ROOT / "corpus", seed: int = 1) -> dict:
    """Write week 2 into ``out`` (a copy of ``base`` with the changed files redone)."""
    content = scaled(load_content(), 1)
    planned = plan(content, seed)
    originals = {id(g): copy.deepcopy(g.fields) for g in planned}
    guides, dropped = deviations.inject(list(planned), content, seed, scale=1)
    changed = week2.evolve(planned, originals, guides, dropped, content, seed)
    deviations.benign(changed.guides, seed)
    renumber(changed.guides)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in COPIED:
        src = base / name
        if src.is_dir():
            shutil.copytree(src, out / name)
        elif src.exists():
            shutil.copy2(src, out / name)
    for file in sorted(changed.files):
        target = out / file
        mine = [g for g in changed.guides if g.file == file]
        if not mine:
            target.unlink(missing_ok=True)
        elif mine[0].channel in web.RENDERERS:
            target.write_bytes(web.RENDERERS[mine[0].channel](mine[0]))
        elif mine[0].channel == "manual":
            docx_files.manual(mine[0].unit, mine, target)
        else:
            raise SystemExit(f"week 2 does not change {file}")
    data = truth(changed.guides, changed.dropped, seed, 1)
    data["week2"] = {"fixed": changed.fixed, "added": changed.added}
    (out / "truth.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/week2"), help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="seed of week 1 (default 1)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    data = generate_week2(args.out, seed=args.seed)
    w2 = data["week2"]
    print(f"week 2: {len(w2['fixed'])} deviation records fixed, {len(w2['added'])} added, "
          f"in {time.perf_counter() - start:.1f}s → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
