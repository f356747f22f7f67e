"""The shape of a family: the spanning tree that explains its variants with the fewest changes.

A minimum spanning tree over pairwise distances is the most parsimonious tree
when every version reads every passage: its length (changes along its edges)
is the sum of its edges' distances. It stops being so where a version lacks a
passage. A version without the passage has no wording for it, yet a pairwise
distance does not count the wording against it, so a shorter version between
two longer ones that share an added passage (b → a → c, a without the passage
b and c both have, even re-worded) looks as cheap as the chain a → b → c,
though the first tree needs the passage dropped and put back, the second adds
it once.

So the tree is scored as a whole: Sankoff's parsimony over the variant
locations, a version that lacks a passage free to take any wording at that
passage's word-level locations, its presence counted as a state of its own.
Starting from the minimum spanning tree, edges are exchanged (remove one,
reconnect the two parts elsewhere) while that lowers the tree's length; among
trees of equal length the one whose edges' direction evidence (words dropped,
dates) fits a rooting best is kept, so known dates settle a tie of topology.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from storydiff.collate.evidence import MISSING, Evidence

# Trees scored per family at most (each exchange tried costs one scoring); a bound on time for
# big families with many versions lacking passages, far above what small traditions need.
MAX_EVALUATIONS = 400
_FAR = 1 << 20  # a state a version cannot take (it reads another)

Edge = tuple[int, int]


def spanning_tree(ev: Evidence, comp: Sequence[int], direction: Callable[[int, int], float]) -> list[Edge]:
    """The family's most parsimonious spanning tree (see the module docstring).

    Args:
        ev: the evidence of all versions.
        comp: the family's members (indices into ``ev.ids``).
        direction: log-odds that the first version is the source of the second.
    """
    edges = minimum_spanning_tree(ev, comp)
    if len(comp) < 3:
        return edges
    score = _Scorer(ev, comp)
    fit = _RootFit(direction)
    length, best_fit = score.length(edges), fit(comp, edges)
    while score.evaluations < MAX_EVALUATIONS:
        move = _better_exchange(ev, comp, edges, score, fit, (length, best_fit))
        if move is None:
            break
        edges, length, best_fit = move
    return edges


def tree_length(ev: Evidence, comp: Sequence[int], edges: Sequence[Edge]) -> float:
    """The number of changes a spanning tree of ``comp`` needs to explain the variant locations (its parsimony)."""
    return _Scorer(ev, comp).length(edges)


def minimum_spanning_tree(ev: Evidence, comp: Sequence[int]) -> list[Edge]:
    """Kruskal: fewest differing variant locations first, then most agreement, then the order given."""
    pairs = sorted((ev.distance[i, j], -ev.agreement[i, j], i, j) for x, i in enumerate(comp) for j in comp[x + 1 :])
    root = {i: i for i in comp}

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    out = []
    for _, _, i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            root[a] = b
            out.append((i, j))
    return out


class _Scorer:
    """A tree's parsimony length: additive over complete locations, Sankoff where versions lack the passage."""

    def __init__(self, ev: Evidence, comp: Sequence[int]) -> None:
        locs = ev.locations[list(comp)]
        gap = (locs == MISSING) & ~ev.presence
        observed = np.where(gap, MISSING, locs)
        n_states = np.array([len(set(col[col != MISSING].tolist())) for col in observed.T], dtype=int)
        # Where a version lacks the passage and the others disagree, a pairwise distance misses changes.
        hard = gap.any(axis=0) & (n_states >= 2)
        self.pos = {v: k for k, v in enumerate(comp)}
        easy = locs[:, ~hard]
        easy_presence = ev.presence[~hard]
        self.rest = np.zeros((len(comp), len(comp)))
        for k in range(len(comp)):
            diff = (easy != easy[k]) & (easy_presence | ((easy != MISSING) & (easy[k] != MISSING)))
            self.rest[k] = diff.sum(axis=1)
        self.own = _state_costs(locs[:, hard], gap[:, hard])
        self.evaluations = 0

    def length(self, edges: Sequence[Edge]) -> float:
        self.evaluations += 1
        total = float(sum(self.rest[self.pos[i], self.pos[j]] for i, j in edges))
        if self.own.shape[1] == 0:
            return total
        adj: dict[int, list[int]] = {}
        for i, j in edges:
            adj.setdefault(self.pos[i], []).append(self.pos[j])
            adj.setdefault(self.pos[j], []).append(self.pos[i])
        cost = self._subtree(0, -1, adj)
        return total + float(cost.min(axis=1).sum())

    def _subtree(self, node: int, up: int, adj: dict[int, list[int]]) -> np.ndarray:
        # Iterative post-order: families of 50 versions may form a chain deeper than is wise to recurse.
        order, parent, todo = [], {node: up}, [node]
        while todo:
            x = todo.pop()
            order.append(x)
            for y in adj.get(x, ()):
                if y != parent[x]:
                    parent[y] = x
                    todo.append(y)
        cost: dict[int, np.ndarray] = {}
        for x in reversed(order):
            c = self.own[x].copy()
            for y in adj.get(x, ()):
                if y != parent[x]:
                    cy = cost.pop(y)
                    c += np.minimum(cy, cy.min(axis=1, keepdims=True) + 1)
            cost[x] = c
        return cost[node]


def _state_costs(locs: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Per version, location and state: 0 where it may read that state, _FAR where it reads another."""
    n, k = locs.shape
    states = np.zeros_like(locs)
    width = 1
    for col in range(k):
        values = sorted(set(locs[~gap[:, col], col].tolist()))
        index = {v: s for s, v in enumerate(values)}
        states[:, col] = [index.get(v, 0) for v in locs[:, col].tolist()]
        width = max(width, len(values))
    own = np.full((n, k, width), _FAR, dtype=np.int64)
    rows, cols = np.nonzero(~gap)
    own[rows, cols, states[rows, cols]] = 0
    own[gap] = 0  # lacking the passage, a version may take any wording there
    return own


class _RootFit:
    """How well a tree's edges' direction evidence fits its best rooting (sum of log-sigmoids)."""

    def __init__(self, direction: Callable[[int, int], float]) -> None:
        self._direction = direction
        self._memo: dict[Edge, float] = {}

    def z(self, u: int, v: int) -> float:
        if (u, v) not in self._memo:
            self._memo[(u, v)] = self._direction(u, v)
            self._memo[(v, u)] = -self._memo[(u, v)]
        return self._memo[(u, v)]

    def __call__(self, comp: Sequence[int], edges: Sequence[Edge]) -> float:
        adj: dict[int, list[int]] = {i: [] for i in comp}
        for i, j in edges:
            adj[i].append(j)
            adj[j].append(i)
        first = comp[0]
        order, parent = [first], {first: -1}
        for x in order:
            for y in adj[x]:
                if y != parent[x]:
                    parent[y] = x
                    order.append(y)
        fit = {first: sum(_log_sigmoid(self.z(parent[y], y)) for y in order[1:])}
        for y in order[1:]:  # re-rooting across one edge flips that edge alone
            p = parent[y]
            fit[y] = fit[p] - _log_sigmoid(self.z(p, y)) + _log_sigmoid(self.z(y, p))
        return max(fit.values())


def _better_exchange(ev: Evidence, comp: Sequence[int], edges: list[Edge], score: _Scorer, fit: _RootFit,
                     now: tuple[float, float]) -> tuple[list[Edge], float, float] | None:
    """The first exchange of one edge for another that shortens the tree (or, as short, fits a rooting better)."""
    length, best_fit = now
    slack = length - sum(ev.distance[i, j] for i, j in edges)  # changes the pairwise distances miss
    candidates = []
    for k, (x, y) in enumerate(edges):
        rest = edges[:k] + edges[k + 1 :]
        side = _side(x, rest)
        for u in side:
            for v in comp:
                if v in side or {u, v} == {x, y}:
                    continue
                gain = ev.distance[u, v] - ev.distance[x, y]
                if gain <= slack:  # a tree's length is never below the sum of its edges' distances
                    candidates.append((gain, -k, u, v))
    # Cheapest exchanges first; among equals, the edge the spanning tree took last (its weakest link) goes first.
    candidates.sort()
    for _, minus_k, u, v in candidates:
        if score.evaluations >= MAX_EVALUATIONS:
            return None
        k = -minus_k
        trial = edges[:k] + edges[k + 1 :] + [(u, v)]
        new_length = score.length(trial)
        if new_length > length + 1e-9:
            continue
        new_fit = fit(comp, trial)
        if new_length < length - 1e-9 or new_fit > best_fit + 1e-9:
            return trial, new_length, new_fit
    return None


def _side(x: int, edges: Sequence[Edge]) -> set[int]:
    adj: dict[int, list[int]] = {}
    for i, j in edges:
        adj.setdefault(i, []).append(j)
        adj.setdefault(j, []).append(i)
    seen, todo = {x}, [x]
    while todo:
        for y in adj.get(todo.pop(), ()):
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return seen


def _log_sigmoid(z: float) -> float:
    return -float(np.log1p(np.exp(-z))) if z > -30 else z
