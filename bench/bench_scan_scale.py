"""Whole scan (parse + compare) of a large corpus of saved guide pages, on N processes.

    .venv/bin/python bench/bench_scan_scale.py [--pages 100000] [--jobs 2] [--keep] [--paired] [--profile]

Issue 3's target: 100,000 saved guide pages in under 2 minutes on 2 cores, both used,
with peak memory reported. Runs the real scan (guidecheck.scan.run_scan, the same
process pool as ``guidecheck scan``) and prints wall time, pages/s, guides compared,
findings, the split between the pool phase (read + parse in the workers; units and
per-guide comparison in the main process as chunks come back) and what needs every
guide after it, and peak RSS of the main
process and of the largest worker, plus a CPU reference figure so that runs on a
shared machine can be compared.

The corpus. ``scripts/make_corpus.py --scale N --only web`` makes realistic web
corpora, but its handbook DOCX (one entry per cloned item) and its deviation
selection grow too slowly for 100,000 pages (--scale 4: 2,246 pages in 20 s, most of
it python-docx; 100,000 pages would need --scale ~180). So this benchmark replicates
the committed demo corpus's web pages (corpus/web: province and app in UTF-8, city in
GBK) under synthetic district units: generation g turns 西湖区 into 西湖007区 — the
district's bare name 西湖 → 西湖007 everywhere in the decoded page, which renames the
unit, its short forms, its implementing bodies (杭州市公安局西湖007分局) and its service
centre consistently — re-encodes the page in its own charset, and names the file
``xihu007_…``. The registry lists every synthetic unit (bodies renamed the same way)
as implementing the same items as its original; the handbooks are the demo's. The
demo's injected deviations are replicated with the pages, so findings scale too.
Whole units are written (all their pages on all three channels) until at least
``--pages`` pages exist. The corpus is cached in /tmp/guidecheck-bench-<pages> and
reused when present; it is deleted after the run unless ``--keep``.

``--paired`` also times one worker's page alone against the yardstick (paired rounds),
the cost a page would have with nothing else on the machine. ``--profile`` also runs cProfile over one worker-sized chunk of pages in this
process and measures what pickling its result back to the main process costs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import itertools
import json
import os
import pickle
import pstats
import re
import resource
import shutil
import statistics
import sys
import threading
import time
import timeit
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(ROOT / "bench"))

from bench_html import YARDSTICK_MS, _yardstick, page, yardstick_ms
from paired import paired

from guidecheck import scan as scan_mod
from guidecheck.extract import pool
from guidecheck.scan import load_config, run_scan

DEMO = ROOT / "corpus"
CHANNELS = ("province", "city", "app")
SCAN_YAML = """\
# Written by bench/bench_scan_scale.py: the demo corpus's web pages replicated under
# synthetic district units (西湖007区 …); the demo's handbooks; no manuals.
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
CHARSET = re.compile(rb'<meta[^>]+charset="?([A-Za-z0-9_-]+)', re.I)


def cpu_reference() -> float:
    """µs per sum(range(1000)): lower is a faster (or less loaded) core."""
    return min(timeit.repeat("sum(range(1000))", number=10000, repeat=5)) / 10000 * 1e6


def _bare(name: str) -> str:
    return name[:-1] if name.endswith(("区", "县", "市")) else name


def _source_stamp() -> str:
    h = hashlib.sha1()
    h.update((DEMO / "registry.yaml").read_bytes())
    for ch in CHANNELS:
        for p in sorted((DEMO / "web" / ch).iterdir()):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    for p in sorted((DEMO / "handbook").iterdir()):
        h.update(p.read_bytes())
    return h.hexdigest()


def _codec(channel: str, body: bytes) -> str:
    m = CHARSET.search(body[:2048])
    declared = m.group(1).decode().lower() if m else "utf-8"
    return "gbk" if declared in {"gb2312", "gbk", "gb18030"} else "utf-8"


def make_corpus(out: Path, pages: int) -> dict:
    """Write (or reuse) the replicated corpus in ``out``; return its stamp data."""
    stamp_path = out / "corpus.json"
    stamp = _source_stamp()
    if stamp_path.exists():
        data = json.loads(stamp_path.read_text(encoding="utf-8"))
        if data.get("source") == stamp and data.get("requested") == pages:
            data["reused"] = True
            return data
    t0 = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    registry = yaml.safe_load((DEMO / "registry.yaml").read_text(encoding="utf-8"))
    units = {u["key"]: u for u in registry["units"]}
    districts = [u for u in registry["units"] if u["name"] != "市本级"]
    # the demo pages, per unit key: (channel, rest of file name, codec, text)
    demo: dict[str, list[tuple[str, str, str, str]]] = {}
    written = 0
    for ch in CHANNELS:
        (out / "web" / ch).mkdir(parents=True)
        for p in sorted((DEMO / "web" / ch).iterdir()):
            key, _, rest = p.name.partition("_")
            body = p.read_bytes()
            (out / "web" / ch / p.name).write_bytes(body)  # generation 0: the demo itself
            written += 1
            if key in units and units[key]["name"] != "市本级":
                codec = _codec(ch, body)
                demo.setdefault(key, []).append((ch, rest, codec, body.decode(codec)))
    shutil.copytree(DEMO / "handbook", out / "handbook")
    clones: list[dict] = []
    implements: dict[str, list[str]] = {}  # original unit name → its clones' names
    gen = 0
    while written < pages:
        gen += 1
        for u in districts:
            if written >= pages:
                break
            bare = _bare(u["name"])
            new_bare = f"{bare}{gen:03d}"
            key = f"{u['key']}{gen:03d}"
            for ch, rest, codec, text in demo.get(u["key"], []):
                body = text.replace(bare, new_bare).encode(codec)
                (out / "web" / ch / f"{key}_{rest}").write_bytes(body)
                written += 1
            name = u["name"].replace(bare, new_bare)
            clones.append({
                "key": key,
                "name": name,
                "short": [s.replace(bare, new_bare) for s in u["short"]],
                "bodies": {d: b.replace(bare, new_bare) for d, b in u["bodies"].items()},
            })
            implements.setdefault(u["name"], []).append(name)
    registry["units"] = registry["units"] + clones
    for item in registry["items"]:
        item["units"] = list(item["units"]) + [c for u in item["units"] for c in implements.get(u, [])]
    registry["channels"] = [c for c in registry.get("channels", []) if c.get("name") != "manual"]
    (out / "registry.yaml").write_text(
        yaml.safe_dump(registry, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
    )
    (out / "scan.yaml").write_text(SCAN_YAML, encoding="utf-8")
    data = {
        "requested": pages, "pages": written, "units": len(registry["units"]),
        "generations": gen, "source": stamp, "seconds": round(time.perf_counter() - t0, 1),
    }
    stamp_path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    data["reused"] = False
    return data


def cpu_wait() -> tuple[float, float, float] | None:
    """(idle, iowait, steal) seconds so far, summed over all cores (Linux /proc/stat),
    or None elsewhere: a core with nothing to run, a core idle while a read it issued
    was pending, and the hypervisor running other guests while ours waited."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[4]) / tick, int(fields[5]) / tick, int(fields[8]) / tick
    except (OSError, IndexError, ValueError):
        return None


class YardstickSampler(threading.Thread):
    """Times the yardstick every ``every`` seconds while the scan runs: a shared host's
    speed can halve within a few minutes, and two figures before and after a long scan
    miss it. Each sample is the best of three short rounds of this thread's own CPU time
    (``time.thread_time``: not the main thread's, not time spent waiting for the GIL);
    about 1 % of one core.

    The samples calibrate by their harmonic mean: the scan advances at a speed
    proportional to 1 / yardstick, so the work done in the wall time is
    wall × mean(1 / sample) = wall / harmonic mean. The arithmetic mean of the
    samples lets one slow sample (a host that stalls for a few seconds) shrink the
    whole calibrated figure, which flattered it: up to session 4 the bench used it."""

    def __init__(self, every: float = 10.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[float] = []
        self._stop_event = threading.Event()
        self._page = page(64_000)

    def sample(self) -> float:
        best = float("inf")
        for _ in range(3):
            count, start = 0, time.thread_time()
            while (spent := time.thread_time() - start) < 0.03:
                _yardstick(self._page)
                count += 1
            best = min(best, spent / count)
        return best * 1000

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            self.samples.append(self.sample())

    def stop(self) -> list[float]:
        self._stop_event.set()
        self.join()
        return self.samples


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def paired_page(config_path: Path, rounds: int = 21) -> None:
    """One worker's page alone, in yardsticks: a worker's whole work on a page (read,
    decode, parse, extract, build, pack the result), 16 distinct pages a call, against
    the yardstick in alternating rounds (:mod:`paired`); the median of the rounds."""
    config = load_config(config_path)
    tasks, _ = scan_mod._tasks(config)
    web = [t for t in tasks if "/web/" in str(t[0])]
    stride = max(1, len(web) // 16)  # each call: 16 pages spread over the whole corpus
    chunks = itertools.cycle([web[i::stride][:16] for i in range(min(stride, 97))])
    pool._extract_chunk(web[1 :: max(1, len(web) // 50)][:50])  # warm the caches
    yard_page = page(64_000)
    result = paired(lambda: pool._extract_chunk_packed(next(chunks)), lambda: _yardstick(yard_page),
                    rounds=rounds, seconds=0.3)
    print(f"one worker's page alone (read, decode, parse, extract, build, pack; distinct pages): "
          f"{result.ratio / 16:.2f} yardsticks, median of {rounds} paired rounds "
          f"({min(result.ratios) / 16:.2f}–{max(result.ratios) / 16:.2f}); "
          f"{result.ours_s * 1000 / 16:.2f} ms a page here at best")


def profile_chunk(config_path: Path) -> None:
    """cProfile one worker-sized chunk in this process; the cost of pickling its result."""
    config = load_config(config_path)
    tasks, _ = scan_mod._tasks(config)
    web = [t for t in tasks if "/web/" in str(t[0])]
    step = max(1, len(web) // pool.CHUNK)
    chunk = web[::step][: pool.CHUNK]  # spread over channels and units
    pool._extract_chunk(chunk[:2])  # warm the vocabulary caches
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = pool._extract_chunk(chunk)
    prof.disable()
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    t2 = time.perf_counter()
    pickle.loads(blob)
    t3 = time.perf_counter()
    n = len(chunk)
    print(f"\nprofile of one chunk ({n} pages, {len(result[0])} guides) in this process: "
          f"{wall * 1000 / n:.1f} ms/page extraction; result pickled {len(blob) / n / 1024:.1f} KB/page, "
          f"dumps {(t2 - t1) * 1000 / n:.2f} ms/page, loads {(t3 - t2) * 1000 / n:.2f} ms/page")
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
    print("\n".join(s.getvalue().splitlines()[:60]))
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(15)
    print("\n".join(s.getvalue().splitlines()[:40]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus for reuse")
    parser.add_argument("--dir", type=Path, default=None,
                        help="corpus folder (default /tmp/guidecheck-bench-<pages>)")
    parser.add_argument("--profile", action="store_true", help="cProfile one chunk; pickling cost")
    parser.add_argument("--paired", action="store_true",
                        help="also time one worker's page alone against the yardstick")
    args = parser.parse_args()
    out = args.dir or Path(f"/tmp/guidecheck-bench-{args.pages // 1000}k"
                           if args.pages % 1000 == 0 else f"/tmp/guidecheck-bench-{args.pages}")
    print(f"CPU reference: {cpu_reference():.2f} µs per sum(range(1000)) (min of 5; lower = faster)")
    yard_before = yardstick_ms()
    info = make_corpus(out, args.pages)
    made = "reused" if info["reused"] else f"generated in {info['seconds']} s"
    print(f"corpus {out}: {info['pages']:,} pages, {info['units']:,} units ({made})")
    config = load_config(out / "scan.yaml")
    marks: dict[str, float] = {}

    def progress(message: str) -> None:  # 读取…: the pool starts; 汇总…: the last chunk is in
        if message.startswith(("读取", "汇总")):
            marks["extract" if message.startswith("读取") else "compare"] = time.perf_counter()

    sampler = YardstickSampler()
    wait0 = cpu_wait()
    cpu0 = os.times()
    t0 = time.perf_counter()
    sampler.start()
    result = run_scan(config, jobs=args.jobs, progress=progress)
    wall = time.perf_counter() - t0
    during = sampler.stop()
    cpu1 = os.times()
    wait1 = cpu_wait()
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    pages = result.files_read
    setup = marks.get("extract", t0) - t0
    extract = marks.get("compare", t0) - marks.get("extract", t0)
    compare = t0 + wall - marks.get("compare", t0)
    main_cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    child_cpu = (cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system)
    print(f"whole scan, {args.jobs} processes: {pages:,} files ({len(result.errors)} unreadable) in "
          f"{wall:.1f} s wall = {pages / wall:,.0f} pages/s; {len(result.guides):,} guides, "
          f"{len(result.checked):,} compared against {len(result.handbook)} handbook items, "
          f"{len(result.findings):,} findings")
    print(f"  split: setup (config, registry, file list) {setup:.1f} s; extraction in the pool, "
          f"with each chunk's units, matching, handbook compare and lints in the main process, "
          f"{extract:.1f} s ({pages / max(extract, 1e-9):,.0f} pages/s); then source of record, "
          f"regional variance, missing guides and suppressions {compare:.1f} s")
    print(f"  CPU: main process {main_cpu:.1f} s, workers {child_cpu:.1f} s "
          f"(= {(main_cpu + child_cpu) / wall:.2f} cores busy on average)")
    if wait0 is not None and wait1 is not None:
        idle, iowait, steal = (b - a for a, b in zip(wait0, wait1))
        print(f"  cores not running the scan, of {args.jobs * wall:.0f} core-seconds: idle "
              f"{idle:.1f} s, iowait (reading pages from disk) {iowait:.1f} s, steal (the "
              f"hypervisor ran other guests) {steal:.1f} s")
    print(f"  peak RSS: main process {_mb(me.ru_maxrss)}, largest worker {_mb(children.ru_maxrss)}")
    target = 120 * pages / 100_000
    verdict = "within" if wall <= target else f"{wall - target:.0f} s ({wall / target - 1:.0%}) over"
    print(f"  target 100,000 pages in 120 s on 2 cores = {target:.0f} s for {pages:,} pages: {verdict}")
    gc.disable()  # the result's 100,000 guides are still alive: collections would slow the
    yard_after = yardstick_ms()  # yardstick, not the host (the scan ran with the GC paused too)
    gc.enable()
    samples = during or [yard_before, yard_after]
    yard, yard_arithmetic = statistics.harmonic_mean(samples), statistics.mean(samples)
    scale = YARDSTICK_MS / yard  # this host's seconds → the reference machine's (see YardstickSampler)
    cpu = main_cpu + child_cpu
    spread = f"{min(during):.2f}–{max(during):.2f}, median {statistics.median(during):.2f}, " if during else ""
    print(f"  yardstick (bench_html: lxml.html + XPath, 64 KB page; the issue's reference machine "
          f"~{YARDSTICK_MS:g} ms): {yard_before:.2f} ms before the scan, {yard_after:.2f} ms after, "
          f"{len(during)} samples during it ({spread}harmonic mean {yard:.2f} ms, arithmetic "
          f"{yard_arithmetic:.2f} ms)")
    print(f"  → ≈ {wall * scale:.0f} s wall on the reference machine (by the arithmetic mean, as up "
          f"to session 4: {wall * YARDSTICK_MS / yard_arithmetic:.0f} s); its CPU, {cpu:.0f} s, is "
          f"≈ {cpu * scale:.0f} s there, ≈ {cpu * scale / args.jobs:.0f} s on {args.jobs} cores "
          f"kept busy")
    if during:
        print("  samples (ms, every 10 s): " + " ".join(f"{y:.2f}" for y in during))
    else:
        print("  no sample during the scan (under 10 s): the figures before and after calibrate")
    del result
    gc.collect()  # the scan's guides: gone before anything else is timed
    if args.paired:
        paired_page(out / "scan.yaml")
    if args.profile:
        profile_chunk(out / "scan.yaml")
    if not args.keep:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
