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

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from storydiff.align import similarity as sim
from storydiff.align.assign import CONTEXT_OFFSETS, CONTEXT_WEIGHT, MIN_OWN_SCORE, nudge, pair_agreement

# 2000 × 2000 sentences: a few float32 matrices of 16 MB each.
DENSE_MAX_CELLS = 4_000_000
TOP_K = 8
_FLOOR = -30.0
_CHUNK = 16_384


class SparseMatch:
    """Pairs chosen over the candidate graph, and lookups of candidate logits.

    The candidates live in numpy arrays sorted by ``i * m + j`` (a few dozen
    bytes each: a long document has millions), looked up by binary search.
    """

    def __init__(self, pairs: list[tuple[int, int]], ra: np.ndarray, rb: np.ndarray, n: int, m: int,
                 ci: np.ndarray, cj: np.ndarray, z: np.ndarray,
                 score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> None:
        self.pairs, self.ra, self.rb, self.n, self.m = pairs, ra, rb, n, m
        order = np.argsort(ci * m + cj, kind="stable")
        self._code = (ci * m + cj)[order]
        self._j, self._z = cj[order], z[order]
        by_b = np.lexsort((ci, cj))
        self._b_j, self._b_i, self._b_z = cj[by_b], ci[by_b], z[by_b]
        self._score_pairs = score_pairs
        self._asked: dict[tuple[int, int], float] = {}

    def pair_logit(self, i: int, j: int) -> float:
        """A candidate's logit; other pairs are scored on demand (gap filling asks for a few)."""
        code = i * self.m + j
        k = int(np.searchsorted(self._code, code))
        if k < len(self._code) and self._code[k] == code:
            return float(self._z[k])
        z = self._asked.get((i, j))
        if z is None:
            if self._score_pairs is None:
                return _FLOOR
            z = float(self._score_pairs(np.array([i]), np.array([j]))[0])
            self._asked[(i, j)] = z
        return z

    def row_logit(self, side: str, u: int) -> np.ndarray:
        """Logits of sentence ``u`` of one side against every sentence of the other (candidates only)."""
        out = np.full(self.m if side == "a" else self.n, _FLOOR, dtype=np.float32)
        if side == "a":
            lo, hi = np.searchsorted(self._code, [u * self.m, (u + 1) * self.m])
            out[self._j[lo:hi]] = self._z[lo:hi]
        else:
            lo, hi = np.searchsorted(self._b_j, [u, u + 1])
            out[self._b_i[lo:hi]] = self._b_z[lo:hi]
        return out


def _lookup(code: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` at the sorted ``code`` equal to each query, 0 where there is none."""
    pos = np.minimum(np.searchsorted(code, query), len(code) - 1)
    return np.where(code[pos] == query, values[pos], 0.0)


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
        # a chunk of pairs at a time: gathering both embeddings of every candidate
        # at once would hold 2 × 8 × (n + m) vectors (gigabytes for a long document)
        out = np.empty(len(i), dtype=np.float32)
        for s in range(0, len(i), _CHUNK):
            ii, jj = i[s : s + _CHUNK], j[s : s + _CHUNK]
            semv = np.einsum("ij,ij->i", ea[ii], eb[jj])
            lexv = np.asarray(la[ii].multiply(lb[jj]).sum(axis=1)).ravel()
            lr = np.abs(np.log(len_a[ii] + 20.0) - np.log(len_b[jj] + 20.0))
            out[s : s + _CHUNK] = sim.logit(semv, lexv, semv - 0.5 * (ra[ii] + rb[jj]), lr)
        return out

    z = logits_of(ci, cj) if len(ci) else np.zeros(0, dtype=np.float32)
    # The diagonal neighbours of every confident pair join the candidates: a
    # run continues there even when a sentence's nearest neighbours lie elsewhere.
    strong = sim.sigmoid(z) >= threshold
    si, sj = ci[strong], cj[strong]
    ni = np.concatenate([si + di for di, _ in CONTEXT_OFFSETS]).astype(np.int64)
    nj = np.concatenate([sj + dj for _, dj in CONTEXT_OFFSETS]).astype(np.int64)
    inside = (ni >= 0) & (ni < n) & (nj >= 0) & (nj < m)
    ni, nj = ni[inside], nj[inside]
    free = ~taken_a[ni] & ~taken_b[nj]
    extra = np.setdiff1d(ni[free] * m + nj[free], ci.astype(np.int64) * m + cj)  # sorted, unique: (i, j) order
    if len(extra):
        ei, ej = extra // m, extra % m
        ci, cj = np.concatenate([ci, ei]), np.concatenate([cj, ej])
        z = np.concatenate([z, logits_of(ei, ej)])
    # every scored pair, identical ones included, sorted by code for the context lookups
    fi = np.array([i for i, _ in fixed], dtype=np.int64)
    fj = np.array([j for _, j in fixed], dtype=np.int64)
    all_i, all_j = np.concatenate([ci, fi]).astype(np.int64), np.concatenate([cj, fj]).astype(np.int64)
    all_z = np.concatenate([z, np.full(len(fi), fixed_logit, dtype=np.float32)]).astype(np.float32)
    p = sim.sigmoid(all_z).astype(np.float64)
    order = np.argsort(all_i * m + all_j, kind="stable")
    code, p_sorted = (all_i * m + all_j)[order], p[order]
    own = p[: len(ci)]
    ctx = np.zeros(len(ci))
    if len(code):
        for di, dj in CONTEXT_OFFSETS:
            qi, qj = ci + di, cj + dj
            inside = (qi >= 0) & (qi < n) & (qj >= 0) & (qj < m)
            near = np.where(inside, _lookup(code, p_sorted, qi * m + qj), 0.0)
            # identical pairs support their neighbours as any confident pair does
            ctx = np.maximum(ctx, np.where(near >= threshold, near, 0.0))
    w = own + CONTEXT_WEIGHT * ctx * (1.0 - own)
    if roles is not None:
        agree = pair_agreement(roles[0][ci], roles[1][cj])
        w = np.where(agree != 0, nudge(w.astype(np.float32), agree).astype(np.float64), w)
    keep = (own >= min(MIN_OWN_SCORE, threshold)) & (w > threshold)
    gains = list(zip(ci[keep].tolist(), cj[keep].tolist(), (w[keep] - threshold).tolist(), strict=True))
    pairs = sorted([*_match(gains, n, m), *fixed])
    return SparseMatch(pairs, ra, rb, n, m, all_i, all_j, all_z, logits_of)


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
