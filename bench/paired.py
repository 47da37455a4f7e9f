"""Paired timing: our code and an issue's yardstick in short alternating rounds.

The host these benches run on is shared and its speed drifts by up to 2x within
minutes, so a "best of N" figure for ours and another for the yardstick can come
from different host states. Here each round times ours, then the yardstick, right
after each other; the figure that carries over to another machine is the ratio
ours/yardstick, and the median of the rounds' ratios is robust to a round caught
in a slow spell. The raw figures (best round of each) are printed too.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Paired:
    ours_s: float
    """Best round: CPU seconds per call of ours."""
    yardstick_s: float
    """Best round: CPU seconds per call of the yardstick."""
    ratio: float
    """Median over rounds of (ours per call) / (yardstick per call) in the same round."""
    ratios: tuple[float, ...]


def per_call(fn: Callable[[], object], seconds: float) -> float:
    """CPU seconds per call of ``fn``, calling it for at least ``seconds`` of CPU time."""
    count, start = 0, time.process_time()
    while True:
        fn()
        count += 1
        spent = time.process_time() - start
        if spent >= seconds:
            return spent / count


def paired(
    ours: Callable[[], object],
    yardstick: Callable[[], object],
    *,
    rounds: int = 15,
    seconds: float = 0.2,
) -> Paired:
    """Alternate ``ours`` and ``yardstick`` for ``rounds`` rounds of ~``seconds`` each."""
    ours()
    yardstick()  # warm both
    pairs = [(per_call(ours, seconds), per_call(yardstick, seconds)) for _ in range(rounds)]
    ratios = tuple(a / b for a, b in pairs)
    return Paired(
        ours_s=min(a for a, _ in pairs),
        yardstick_s=min(b for _, b in pairs),
        ratio=statistics.median(ratios),
        ratios=ratios,
    )
