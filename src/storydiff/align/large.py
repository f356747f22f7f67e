"""Matching for long documents, in memory linear in their length.

Above :data:`DENSE_MAX_CELLS` sentence pairs the full score matrix is not
built. Embedding similarities are computed a block of A rows at a time; each
sentence keeps its :data:`TOP_K` nearest sentences of the other document as
candidates (both directions), and only candidate pairs are scored. The
matching is the same maximum-weight matching as the dense path, solved over
the sparse candidate graph (``scipy.sparse.csgraph``), with one "stay
unaligned" edge per A sentence so a full matching always exists.

A true pair that is not among either sentence's nearest neighbours cannot be
aligned here; with independent translations the true partner is nearly
always in the top few, so this is a small approximation, not a silent cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from storydiff.align import similarity as sim
from storydiff.align.assign import CONTEXT_OFFSETS, CONTEXT_WEIGHT, MIN_OWN_SCORE, nudge, pair_agreement

# 2000 × 2000 sentences: a few float32 matrices of 16 MB each.
DENSE_MAX_CELLS = 4_000_000
TOP_K = 8
_FLOOR = -30.0


@dataclass
class SparseMatch:
    """Pairs chosen over the candidate graph, and lookups of candidate logits."""

    pairs: list[tuple[int, int]]
    ra: np.ndarray
    rb: np.ndarray
    n: int
    m: int
    logits: dict[tuple[int, int], float] = field(default_factory=dict)
    score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def pair_logit(self, i: int, j: int) -> float:
        """A candidate's logit; other pairs are scored on demand (gap filling asks for a few)."""
        z = self.logits.get((i, j))
        if z is None:
            if self.score_pairs is None:
                return _FLOOR
            z = float(self.score_pairs(np.array([i]), np.array([j]))[0])
            self.logits[(i, j)] = z
        return z

    def __post_init__(self) -> None:
        self._by: dict[tuple[str, int], list[tuple[int, float]]] = {}
        for (i, j), z in sorted(self.logits.items()):
            self._by.setdefault(("a", i), []).append((j, z))
            self._by.setdefault(("b", j), []).append((i, z))

    def row_logit(self, side: str, u: int) -> np.ndarray:
        out = np.full(self.m if side == "a" else self.n, _FLOOR, dtype=np.float32)
        for v, z in self._by.get((side, u), []):
            out[v] = z
        return out


def _candidates(ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate (i, j) arrays and the CSLS neighbourhoods ra, rb, one block of rows at a time."""
    n, m = len(ea), len(eb)
    k = min(TOP_K, m)
    kc = min(TOP_K, n)
    block = max(1, DENSE_MAX_CELLS // (4 * m))
    rows_i, rows_j = [], []
    ra = np.zeros(n, dtype=np.float32)
    col_vals = np.full((kc, m), -np.inf, dtype=np.float32)
    col_idx = np.full((kc, m), -1, dtype=np.int64)
    for start in range(0, n, block):
        s = ea[start : start + block] @ eb.T
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        vals = -np.sort(-np.take_along_axis(s, top, axis=1), axis=1)
        ra[start : start + len(s)] = vals[:, : sim.CSLS_K].mean(axis=1)
        rows_i.append(np.repeat(np.arange(start, start + len(s)), k))
        rows_j.append(top.ravel())
        kb = min(kc, len(s))
        ctop = np.argpartition(-s, kb - 1, axis=0)[:kb]
        vals_c = np.concatenate([col_vals, np.take_along_axis(s, ctop, axis=0)])
        idx_c = np.concatenate([col_idx, ctop + start])
        order = np.argsort(-vals_c, axis=0, kind="stable")[:kc]
        col_vals = np.take_along_axis(vals_c, order, axis=0)
        col_idx = np.take_along_axis(idx_c, order, axis=0)
    rb = col_vals[: sim.CSLS_K].mean(axis=0)
    ci = np.concatenate([*rows_i, col_idx.ravel()])
    cj = np.concatenate([*rows_j, np.tile(np.arange(m), kc)])
    pairs = np.unique(np.stack([ci, cj], 1), axis=0)
    return pairs[:, 0], pairs[:, 1], ra, rb


def sparse_evidence_and_match(
    ea: np.ndarray,
    eb: np.ndarray,
    la: sp.csr_matrix,
    lb: sp.csr_matrix,
    len_a: np.ndarray,
    len_b: np.ndarray,
    threshold: float,
    roles: tuple[np.ndarray, np.ndarray] | None,
    fixed: Sequence[tuple[int, int]] = (),
    fixed_logit: float = 0.0,
) -> SparseMatch:
    """Score candidate pairs and match them (same objective as ``assign.match_dense``).

    ``fixed`` pairs (identical text, see :mod:`.exact`) are taken as they are,
    with logit ``fixed_logit``; candidates are sought among the other sentences
    only, so the cost follows what is left to match, not the documents' length.
    """
    n, m = len(ea), len(eb)
    taken_a = np.zeros(n, dtype=bool)
    taken_b = np.zeros(m, dtype=bool)
    for i, j in fixed:
        taken_a[i] = taken_b[j] = True
    ia, ib = np.flatnonzero(~taken_a), np.flatnonzero(~taken_b)
    ra = np.zeros(n, dtype=np.float32)
    rb = np.zeros(m, dtype=np.float32)
    if len(ia) and len(ib):
        ci, cj, ra_r, rb_r = _candidates(ea[ia], eb[ib])
        ci, cj = ia[ci], ib[cj]
        ra[ia], rb[ib] = ra_r, rb_r
        # A sentence paired as identical text has no neighbourhood computed; merged
        # runs that include it use the typical one instead.
        ra[taken_a], rb[taken_b] = float(ra_r.mean()), float(rb_r.mean())
    else:
        ci = cj = np.zeros(0, dtype=np.int64)

    def logits_of(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        semv = np.einsum("ij,ij->i", ea[i], eb[j])
        lexv = np.asarray(la[i].multiply(lb[j]).sum(axis=1)).ravel()
        lr = np.abs(np.log(len_a[i] + 20.0) - np.log(len_b[j] + 20.0))
        return sim.logit(semv, lexv, semv - 0.5 * (ra[i] + rb[j]), lr)

    z = logits_of(ci, cj) if len(ci) else np.zeros(0, dtype=np.float32)
    # The diagonal neighbours of every confident pair join the candidates: a
    # run continues there even when a sentence's nearest neighbours lie elsewhere.
    strong = sim.sigmoid(z) >= threshold
    have = set(zip(ci.tolist(), cj.tolist(), strict=True))
    extra = sorted(
        {
            (i + di, j + dj)
            for i, j in zip(ci[strong].tolist(), cj[strong].tolist(), strict=True)
            for di, dj in CONTEXT_OFFSETS
            if 0 <= i + di < n and 0 <= j + dj < m and not taken_a[i + di] and not taken_b[j + dj]
        }
        - have
    )
    if extra:
        ei, ej = np.array(extra).T
        ci, cj = np.concatenate([ci, ei]), np.concatenate([cj, ej])
        z = np.concatenate([z, logits_of(ei, ej)])
    p = sim.sigmoid(z)
    score = {(int(i), int(j)): float(x) for i, j, x in zip(ci, cj, p, strict=True)}
    logits = {(int(i), int(j)): float(x) for i, j, x in zip(ci, cj, z, strict=True)}
    # identical pairs support their neighbours as any confident pair does
    exact_p = float(sim.sigmoid(np.float32(fixed_logit)))
    context_score = {**score, **{pair: exact_p for pair in fixed}}
    agree = pair_agreement(roles[0][ci], roles[1][cj]).tolist() if roles is not None else [0] * len(ci)
    gains: list[tuple[int, int, float]] = []
    for ((i, j), own), ag in zip(score.items(), agree, strict=True):
        if own < min(MIN_OWN_SCORE, threshold):
            continue
        near = (context_score.get((i + di, j + dj), 0.0) for di, dj in CONTEXT_OFFSETS)
        ctx = max((x for x in near if x >= threshold), default=0.0)
        w = own + CONTEXT_WEIGHT * ctx * (1.0 - own)
        if ag:
            w = float(nudge(np.float32(w), ag))
        if w > threshold:
            gains.append((i, j, w - threshold))
    logits.update({pair: fixed_logit for pair in fixed})
    pairs = sorted([*_match(gains, n, m), *fixed])
    return SparseMatch(pairs, ra, rb, n, m, logits, logits_of)


def _match(gains: list[tuple[int, int, float]], n: int, m: int) -> list[tuple[int, int]]:
    """Maximum-gain matching over the candidate edges, rows free to stay unmatched."""
    if not gains:
        return []
    rows = sorted({i for i, _, _ in gains})
    local = {i: k for k, i in enumerate(rows)}
    r = len(rows)
    # cost 2 - gain keeps every stored weight positive (an explicit zero would
    # read as a missing edge); the dummy edge (cost 2) means "stay unaligned".
    ri = [local[i] for i, _, _ in gains] + list(range(r))
    cj = [j for _, j, _ in gains] + [m + k for k in range(r)]
    w = [2.0 - g for _, _, g in gains] + [2.0] * r
    graph = sp.csr_matrix((w, (ri, cj)), shape=(r, m + r))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    return sorted((rows[int(a)], int(b)) for a, b in zip(row_ind, col_ind, strict=True) if b < m)
