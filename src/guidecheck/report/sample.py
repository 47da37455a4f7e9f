"""Spot-check sampling (抽查): a reproducible random sample, stratified by unit and
channel (pure).

The population is the set of guides of the window, one id per (item, unit, channel):
``item|unit|channel`` (item = handbook code, else the item name). Strata are
(unit, channel). How many guides each stratum gives:

* ``size=N``: N guides per **unit**, spread over the unit's channels in proportion
  to their sizes (largest remainder; ties by channel name); a unit with N guides or
  fewer is checked whole;
* ``rate=P`` (0 < P ≤ 1): ⌈P × n⌉ guides of every stratum of n guides.

Each stratum draws with its own generator ``random.Random(f"{seed}|{unit}|{channel}")``
(string seeds are hashed with SHA-512 by Python, the same on every machine and run)
from its ids **sorted**, so anyone can redo the sample from the seed printed in the
report, and a new unit or channel does not change the other strata's draws.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable

from guidecheck.report.model import Sample

GuideKey = tuple[str, str, str]  # (item, unit, channel)


def guide_id(item: str, unit: str, channel: str) -> str:
    return f"{item}|{unit}|{channel}"


def split_id(gid: str) -> GuideKey:
    item, unit, channel = gid.rsplit("|", 2)
    return item, unit, channel


def stratum(unit: str, channel: str) -> str:
    return f"{unit}/{channel}"


def _allocate(total: int, sizes: dict[str, int]) -> dict[str, int]:
    """Split ``total`` over strata in proportion to ``sizes`` (largest remainder)."""
    whole = sum(sizes.values())
    if total >= whole:
        return dict(sizes)
    shares = {k: total * n / whole for k, n in sizes.items()}
    out = {k: math.floor(s) for k, s in shares.items()}
    left = total - sum(out.values())
    for k in sorted(shares, key=lambda k: (-(shares[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def draw(
    population: Iterable[GuideKey],
    *,
    seed: int,
    size: int | None = None,
    rate: float | None = None,
) -> Sample:
    """The sample of ``population`` ((item, unit, channel) triples) — see module doc."""
    if (size is None) == (rate is None):
        raise ValueError("give exactly one of size and rate")
    if size is not None and size < 0:
        raise ValueError("size must be ≥ 0")
    if rate is not None and not 0 < rate <= 1:
        raise ValueError("rate must be in (0, 1]")
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item, unit, channel in set(population):
        strata[(unit, channel)].append(item)
    quota: dict[tuple[str, str], int] = {}
    if size is not None:
        by_unit: dict[str, dict[str, int]] = defaultdict(dict)
        for (unit, channel), items in strata.items():
            by_unit[unit][channel] = len(items)
        for unit, sizes in by_unit.items():
            for channel, k in _allocate(size, sizes).items():
                quota[(unit, channel)] = k
    else:
        assert rate is not None
        for key, items in strata.items():
            quota[key] = min(len(items), math.ceil(rate * len(items) - 1e-9))
    chosen: list[str] = []
    counts: dict[str, int] = {}
    for unit, channel in sorted(strata):
        items = sorted(strata[(unit, channel)])
        k = quota[(unit, channel)]
        rng = random.Random(f"{seed}|{unit}|{channel}")
        picked = rng.sample(items, k)
        counts[stratum(unit, channel)] = k
        chosen += [guide_id(i, unit, channel) for i in picked]
    return Sample(seed=seed, size=size, rate=rate, strata=counts, guides=tuple(sorted(chosen)))
