"""Seeded instance generators for the four MIP families of Gasse et al. (2019), written as MPS.

They follow the generators of ``ds4dm/learn2branch`` (``01_generate_instances.py``) step by step, with
``numpy.random.RandomState`` so a seed gives the same instance on every numpy version (NEP 19 keeps the
legacy stream stable). Sizes default to the "hard" sizes in ``/work/shared/design/ANCHORS.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np
from benchmarks.alns.mps_writer import SparseRows, write_mps


def set_cover(
    path: Path, seed: int, n_rows: int = 2000, n_cols: int = 1000, density: float = 0.05
) -> Path:
    """Balas & Ho set cover: min c x, every row covered at least once, x binary."""
    rng = np.random.RandomState(seed)
    nnzrs = int(n_rows * n_cols * density)
    if nnzrs < n_rows or nnzrs < 2 * n_cols:
        raise ValueError("density too low: every row needs a column and every column two rows")
    indices = rng.choice(n_cols, size=nnzrs)
    indices[: 2 * n_cols] = np.repeat(np.arange(n_cols), 2)  # at least two rows per column
    _, col_nrows = np.unique(indices, return_counts=True)
    indices[:n_rows] = rng.permutation(n_rows)  # at least one column per row
    i = 0
    col_start = [0]
    for n in col_nrows:
        if i >= n_rows:
            indices[i : i + n] = rng.choice(n_rows, size=n, replace=False)
        elif i + n > n_rows:
            remaining = np.setdiff1d(np.arange(n_rows), indices[i:n_rows], assume_unique=True)
            indices[n_rows : i + n] = rng.choice(remaining, size=i + n - n_rows, replace=False)
        i += n
        col_start.append(i)
    cost = rng.randint(100, size=n_cols) + 1
    cols_of_row: list[list[int]] = [[] for _ in range(n_rows)]
    for col in range(n_cols):
        for row in indices[col_start[col] : col_start[col + 1]]:
            cols_of_row[row].append(col)
    rows = SparseRows.empty()
    for cols in cols_of_row:
        rows.add(sorted(cols), [1.0] * len(cols), 1.0, np.inf)
    return write_mps(
        path,
        cost=cost.astype(float),
        maximize=False,
        col_lower=np.zeros(n_cols),
        col_upper=np.ones(n_cols),
        integer=np.ones(n_cols, dtype=bool),
        rows=rows,
    )


def _choose_next_item(
    bundle_mask: np.ndarray, interests: np.ndarray, compats: np.ndarray, rng: np.random.RandomState
) -> int:
    prob = (1 - bundle_mask) * interests * compats[bundle_mask.astype(bool), :].mean(axis=0)
    prob /= prob.sum()
    return int(rng.choice(len(interests), p=prob))


def combinatorial_auction(
    path: Path,
    seed: int,
    n_items: int = 300,
    n_bids: int = 1500,
    min_value: float = 1,
    max_value: float = 100,
    value_deviation: float = 0.5,
    add_item_prob: float = 0.7,
    max_n_sub_bids: int = 5,
    additivity: float = 0.2,
    budget_factor: float = 1.5,
    resale_factor: float = 0.5,
) -> Path:
    """Leyton-Brown's "arbitrary relationships" auction: max total price, each item sold once.

    ``add_item_prob=0.7`` is the value Gasse et al. pass (the function default there is 0.9).
    """
    rng = np.random.RandomState(seed)
    values = min_value + (max_value - min_value) * rng.rand(n_items)
    compats = np.triu(rng.rand(n_items, n_items), k=1)
    compats = compats + compats.transpose()
    compats = compats / compats.sum(1)
    bids: list[tuple[list[int], float]] = []
    n_dummy = 0
    while len(bids) < n_bids:
        interests = rng.rand(n_items)
        private_values = values + max_value * value_deviation * (2 * interests - 1)
        bidder_bids: dict[frozenset[int], float] = {}
        item = rng.choice(n_items, p=interests / interests.sum())
        mask = np.full(n_items, 0)
        mask[item] = 1
        while rng.rand() < add_item_prob:
            if mask.sum() == n_items:
                break
            mask[_choose_next_item(mask, interests, compats, rng)] = 1
        bundle = np.nonzero(mask)[0]
        price = private_values[bundle].sum() + np.power(len(bundle), 1 + additivity)
        if price < 0:
            continue
        bidder_bids[frozenset(int(b) for b in bundle)] = float(price)
        candidates = []
        for first in bundle:
            mask = np.full(n_items, 0)
            mask[first] = 1
            while mask.sum() < len(bundle):
                mask[_choose_next_item(mask, interests, compats, rng)] = 1
            sub_bundle = np.nonzero(mask)[0]
            sub_price = private_values[sub_bundle].sum() + np.power(len(sub_bundle), 1 + additivity)
            candidates.append((sub_bundle, sub_price))
        budget = budget_factor * price
        min_resale = resale_factor * values[bundle].sum()
        for k in np.argsort([-p for _, p in candidates]):
            sub_bundle, sub_price = candidates[k]
            if len(bidder_bids) >= max_n_sub_bids + 1 or len(bids) + len(bidder_bids) >= n_bids:
                break
            key = frozenset(int(b) for b in sub_bundle)
            if sub_price < 0 or sub_price > budget or values[sub_bundle].sum() < min_resale:
                continue
            if key in bidder_bids:
                continue
            bidder_bids[key] = float(sub_price)
        dummy = [n_items + n_dummy] if len(bidder_bids) > 2 else []  # XOR via a dummy item
        n_dummy += bool(dummy)
        for bundle_items, bid_price in bidder_bids.items():
            bids.append((sorted(bundle_items) + dummy, bid_price))
    bids_per_item: list[list[int]] = [[] for _ in range(n_items + n_dummy)]
    for b, (items, _) in enumerate(bids):
        for it in items:
            bids_per_item[it].append(b)
    rows = SparseRows.empty()
    for item_bids in bids_per_item:
        if item_bids:
            rows.add(item_bids, [1.0] * len(item_bids), -np.inf, 1.0)
    n = len(bids)
    return write_mps(
        path,
        cost=np.array([p for _, p in bids]),
        maximize=True,
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integer=np.ones(n, dtype=bool),
        rows=rows,
    )


def _barabasi_albert(
    n_nodes: int, affinity: int, rng: np.random.RandomState
) -> tuple[set[tuple[int, int]], np.ndarray, dict[int, set[int]]]:
    edges: set[tuple[int, int]] = set()
    degrees = np.zeros(n_nodes, dtype=int)
    neighbors: dict[int, set[int]] = {v: set() for v in range(n_nodes)}
    for new in range(affinity, n_nodes):
        if new == affinity:
            hood = np.arange(new)
        else:
            hood = rng.choice(new, affinity, replace=False, p=degrees[:new] / (2 * len(edges)))
        for picked in hood:
            node = int(picked)
            edges.add((node, new))
            degrees[node] += 1
            degrees[new] += 1
            neighbors[node].add(new)
            neighbors[new].add(node)
    return edges, degrees, neighbors


def _greedy_clique_partition(degrees: np.ndarray, neighbors: dict[int, set[int]]) -> list[set[int]]:
    cliques = []
    leftover = (-degrees).argsort().tolist()
    while leftover:
        center, leftover = leftover[0], leftover[1:]
        clique = {center}
        for nb in sorted(neighbors[center].intersection(leftover), key=lambda v: -degrees[v]):
            if all(nb in neighbors[c] for c in clique):
                clique.add(nb)
        cliques.append(clique)
        leftover = [v for v in leftover if v not in clique]
    return cliques


def independent_set(path: Path, seed: int, n_nodes: int = 1500, affinity: int = 4) -> Path:
    """Maximum independent set on a Barabási–Albert graph, clique-partition formulation."""
    rng = np.random.RandomState(seed)
    edges, degrees, neighbors = _barabasi_albert(n_nodes, affinity, rng)
    groups: set[tuple[int, ...]] = set(edges)
    for clique in _greedy_clique_partition(degrees, neighbors):
        members = tuple(sorted(clique))
        for edge in combinations(members, 2):
            groups.discard(edge)
        if len(members) > 1:
            groups.add(members)
    used = set().union(*groups) if groups else set()
    groups.update((v,) for v in range(n_nodes) if v not in used)
    rows = SparseRows.empty()
    for group in sorted(groups):
        rows.add(list(group), [1.0] * len(group), -np.inf, 1.0)
    return write_mps(
        path,
        cost=np.ones(n_nodes),
        maximize=True,
        col_lower=np.zeros(n_nodes),
        col_upper=np.ones(n_nodes),
        integer=np.ones(n_nodes, dtype=bool),
        rows=rows,
    )


def facility_location(
    path: Path, seed: int, n_customers: int = 200, n_facilities: int = 100, ratio: float = 5.0
) -> Path:
    """Cornuéjols et al. capacitated facility location; assignments continuous, openings binary.

    Columns: ``y_j`` (open facility j) first, then ``x_ij`` (share of customer i served by j).
    """
    rng = np.random.RandomState(seed)
    c_x, c_y = rng.rand(n_customers), rng.rand(n_customers)
    f_x, f_y = rng.rand(n_facilities), rng.rand(n_facilities)
    demands = rng.randint(5, 35 + 1, size=n_customers)
    capacities = rng.randint(10, 160 + 1, size=n_facilities)
    fixed = rng.randint(100, 110 + 1, size=n_facilities) * np.sqrt(capacities) + rng.randint(
        90 + 1, size=n_facilities
    )
    fixed = fixed.astype(int)
    total_demand = demands.sum()
    capacities = (capacities * ratio * total_demand / capacities.sum()).astype(int)
    trans = (
        np.sqrt(
            (c_x.reshape(-1, 1) - f_x.reshape(1, -1)) ** 2
            + (c_y.reshape(-1, 1) - f_y.reshape(1, -1)) ** 2
        )
        * 10
        * demands.reshape(-1, 1)
    )
    n_f, n_c = n_facilities, n_customers

    def x(i: int, j: int) -> int:
        return n_f + i * n_f + j

    rows = SparseRows.empty()
    for i in range(n_c):
        rows.add([x(i, j) for j in range(n_f)], [-1.0] * n_f, -np.inf, -1.0)
    for j in range(n_f):
        rows.add(
            [x(i, j) for i in range(n_c)] + [j], [*demands.tolist(), -capacities[j]], -np.inf, 0.0
        )
    rows.add(list(range(n_f)), (-capacities).tolist(), -np.inf, -float(total_demand))
    for i in range(n_c):
        for j in range(n_f):
            rows.add([x(i, j), j], [1.0, -1.0], -np.inf, 0.0)
    n = n_f + n_c * n_f
    integer = np.zeros(n, dtype=bool)
    integer[:n_f] = True
    return write_mps(
        path,
        cost=np.concatenate([fixed.astype(float), trans.ravel()]),
        maximize=False,
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integer=integer,
        rows=rows,
    )


#: Family name -> generator at the ANCHORS.md sizes.
FAMILIES: dict[str, Callable[..., Path]] = {
    "setcover": set_cover,
    "cauction": combinatorial_auction,
    "indset": independent_set,
    "facility": facility_location,
}
