"""Neighbourhoods shaped by constraints: local branching, proximity and constraint blocks."""

from __future__ import annotations

import heapq

import numpy as np

from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.operators.context import OperatorContext, fix_all_but, free_count

#: Local-branching radius as a share of the binaries, relative to the destroy rate: flipping k binaries
#: is a far larger move than freeing k of them, so the radius is a quarter of the freed count.
LOCAL_BRANCHING_SCALE = 0.25


def _need_binaries(ctx: OperatorContext, name: str) -> int:
    n_bin = len(ctx.data.binary_indices)
    if n_bin == 0:
        raise ValueError(f"{name} needs binary columns; this model has none")
    return n_bin


def local_branching(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Fix nothing; allow at most ``k = max(1, rate * scale * n_binaries)`` binaries to flip."""
    n_bin = _need_binaries(ctx, "local branching")
    radius = max(1, round(rate * LOCAL_BRANCHING_SCALE * n_bin))
    return Neighbourhood("local_branching", rate, local_branching=radius)


def proximity(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Proximity search: the nearest (Hamming, over binaries) strictly better solution; fixes nothing."""
    _need_binaries(ctx, "proximity search")
    return Neighbourhood("proximity", rate, proximity=True)


def constraint_block(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Free a connected block of integer columns, grown from a random column through shared rows.

    Rows are expanded shortest first (ties broken at random), so the block follows tight couplings such
    as set-cover rows or clique rows. Continuous columns are crossed only where they are nonzero in
    ``x`` — in facility location that links facilities that currently share customers.
    """
    data = ctx.data
    target = free_count(data, rate)
    col_start, col_rows = data.columns
    row_len = np.diff(data.row_start)
    seen_row = np.zeros(data.n_rows, dtype=bool)
    seen_col = np.zeros(data.n_cols, dtype=bool)
    free: list[int] = []
    heap: list[tuple[int, float, int]] = []
    seeds = rng.permutation(data.integer_indices)
    next_seed = 0

    def visit(col: int) -> None:
        seen_col[col] = True
        if data.integer[col]:
            free.append(col)
        elif x[col] == 0:
            return  # an inactive continuous column couples nothing right now
        for row in col_rows[col_start[col] : col_start[col + 1]]:
            if not seen_row[row]:
                seen_row[row] = True
                heapq.heappush(heap, (int(row_len[row]), float(rng.random()), int(row)))

    while len(free) < target:
        if not heap:
            while seen_col[seeds[next_seed]]:
                next_seed += 1
            visit(int(seeds[next_seed]))
            continue
        _, _, row = heapq.heappop(heap)
        cols = data.row_index[data.row_start[row] : data.row_start[row + 1]]
        for col in rng.permutation(cols):
            if len(free) >= target:
                break
            if not seen_col[col]:
                visit(int(col))
    return fix_all_but("constraint_block", rate, data, x, np.asarray(free, dtype=np.int64))
