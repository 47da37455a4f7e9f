"""A/B timing of a worker's extraction, for changes too small for one whole-scan run.

    .venv/bin/python bench/ab_workers.py --b ../other-checkout [--a .] [--env-b K=V ...]
        [--corpus /tmp/guidecheck-bench-100k] [--rounds 150] [--chunk 64]

Starts two long-lived worker processes, A and B, each importing guidecheck from its own
source tree (``--a``/``--b``: a checkout's root, with ``src/``) and, for B, extra
environment variables (``--env-b``, e.g. ``GLIBC_TUNABLES=…``). Each round gives both the
same chunk of saved pages (``extract.pool._extract_chunk_packed``: read, decode, parse,
extract, build, pack), one after the other in alternating order, and times each with
its own CPU time. Prints the median of the rounds' B/A ratios and its quartiles.

Why: on this shared host the speed moves by 10–20 % within seconds, so two runs of a
five-minute bench cannot show a 5 % change. Paired rounds see the same host state on
both sides. Run it with nothing else on the machine, and run it once with the same tree
on both sides: its spread is the noise floor (about ±2 % on the median in 150 rounds).
The bench corpus comes from ``bench/bench_scan_scale.py --keep``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve(src: str, corpus: str) -> None:
    """Worker side: read "start stop" lines, extract those pages, print CPU seconds."""
    sys.path.insert(0, str(Path(src) / "src"))
    from guidecheck.extract import pool

    files = sorted(str(p) for p in Path(corpus, "web").glob("*/*.html"))[::7]
    tasks = [(f, Path(f).parent.name) for f in files]
    pool._extract_chunk_packed(tasks[-64:])  # imports, memos, the lazy cn2an
    print(len(tasks), flush=True)
    for line in sys.stdin:
        start, stop = map(int, line.split())
        before = time.process_time()
        pool._extract_chunk_packed(tasks[start:stop])
        print(time.process_time() - before, flush=True)


def _start(src: Path, corpus: Path, extra: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, **extra}
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(src), "--corpus", str(corpus)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def _time(proc: subprocess.Popen[str], start: int, stop: int) -> float:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{start} {stop}\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--a", type=Path, default=ROOT, help="source tree A (default: this one)")
    parser.add_argument("--b", type=Path, default=ROOT, help="source tree B (default: this one)")
    parser.add_argument("--env-b", action="append", default=[], metavar="K=V",
                        help="an environment variable for B only (repeatable)")
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/guidecheck-bench-100k"))
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--chunk", type=int, default=64, help="pages a round")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, str(args.corpus))
        return
    if not (args.corpus / "web").is_dir():
        sys.exit(f"{args.corpus}/web: no corpus; make one with bench/bench_scan_scale.py --keep")
    extra = dict(item.split("=", 1) for item in args.env_b)
    a, pages = _start(args.a, args.corpus, {})
    b, _ = _start(args.b, args.corpus, extra)
    ratios, total_a, total_b = [], 0.0, 0.0
    try:
        for r in range(args.rounds):
            start = (r * args.chunk) % max(1, pages - args.chunk)
            stop = start + args.chunk
            if r % 2:
                tb, ta = _time(b, start, stop), _time(a, start, stop)
            else:
                ta, tb = _time(a, start, stop), _time(b, start, stop)
            ratios.append(tb / ta)
            total_a += ta
            total_b += tb
    finally:
        for proc in (a, b):
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    median = statistics.median(ratios)
    print(f"B ÷ A, {args.rounds} paired rounds of {args.chunk} pages: median {median:.3f} "
          f"(quartiles {q1:.3f}–{q3:.3f}); totals A {total_a:.1f} s, B {total_b:.1f} s "
          f"({total_b / total_a:.3f}); {1000 * total_a / (args.rounds * args.chunk):.2f} ms a page on A")
    print(f"A: {args.a}; B: {args.b}" + (f" with {' '.join(args.env_b)}" if args.env_b else ""))


if __name__ == "__main__":
    main()
