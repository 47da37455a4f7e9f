"""Optimal one-to-one alignment of two lists of comparison keys.

Equal keys pair first (a dict lookup: the common case, a guide that follows
its handbook, costs no fuzzy scoring at all); the leftovers are scored with
rapidfuzz ``fuzz.ratio`` and paired by the Hungarian algorithm (maximum total
score), pairs below the threshold dropped. Lists are short (≤ 30 entries), so
a hand-written O(n³) assignment beats importing scipy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

_INF = float("inf")

Scorer = Callable[..., float]  # (a, b, *, score_cutoff) -> 0..100, 0 below the cutoff


@dataclass(frozen=True, slots=True)
class Pair:
    left: int
    right: int
    score: float  # 100.0 for equal keys


@dataclass(frozen=True, slots=True)
class Alignment:
    pairs: tuple[Pair, ...]  # sorted by ``left``
    left_only: tuple[int, ...]
    right_only: tuple[int, ...]


def assign(cost: Sequence[Sequence[float]]) -> list[int]:
    """Minimum-cost assignment (Hungarian algorithm with potentials).

    ``cost`` is n×m with n ≤ m; returns the column of each row.
    """
    n, m = len(cost), len(cost[0]) if cost else 0
    if n > m:
        raise ValueError("assign() needs rows ≤ columns")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [_INF] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], _INF, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    result = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def _exact_pairs(
    left: Sequence[str], right: Sequence[str]
) -> tuple[list[Pair], list[int], list[int]]:
    waiting: dict[str, list[int]] = {}
    for j in range(len(right) - 1, -1, -1):  # reversed, so pop() hands out the first
        waiting.setdefault(right[j], []).append(j)
    pairs, rest_left, taken = [], [], [False] * len(right)
    for i, key in enumerate(left):
        slots = waiting.get(key)
        if slots:
            j = slots.pop()
            taken[j] = True
            pairs.append(Pair(i, j, 100.0))
        else:
            rest_left.append(i)
    return pairs, rest_left, [j for j, t in enumerate(taken) if not t]


def _fuzzy_pairs(
    left: Sequence[str],
    right: Sequence[str],
    rows: list[int],
    cols: list[int],
    threshold: float,
    scorer: Scorer,
) -> list[Pair]:
    scores = [[scorer(left[i], right[j], score_cutoff=threshold) for j in cols] for i in rows]
    if not any(any(r) for r in scores):
        return []
    transpose = len(rows) > len(cols)
    matrix = [list(c) for c in zip(*scores, strict=True)] if transpose else scores
    chosen = assign([[100.0 - s for s in r] for r in matrix])
    pairs = []
    for a, b in enumerate(chosen):
        i, j = (b, a) if transpose else (a, b)
        if scores[i][j] > 0 and scores[i][j] >= threshold:
            pairs.append(Pair(rows[i], cols[j], scores[i][j]))
    return pairs


def align(
    left: Sequence[str], right: Sequence[str], threshold: float, *, scorer: Scorer = fuzz.ratio
) -> Alignment:
    """Pair entries of ``left`` and ``right``: equal keys first, then fuzzy ≥ ``threshold``."""
    pairs, rest_left, rest_right = _exact_pairs(left, right)
    if rest_left and rest_right:
        pairs += _fuzzy_pairs(left, right, rest_left, rest_right, threshold, scorer)
    paired_left = {p.left for p in pairs}
    paired_right = {p.right for p in pairs}
    return Alignment(
        pairs=tuple(sorted(pairs, key=lambda p: p.left)),
        left_only=tuple(i for i in range(len(left)) if i not in paired_left),
        right_only=tuple(j for j in range(len(right)) if j not in paired_right),
    )
