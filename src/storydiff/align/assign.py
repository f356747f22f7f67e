"""Who goes with whom: one global 1:1 matching, then 1:2 / 2:1 / 2:2 groups.

1. Every A × B pair has a calibrated score ``P`` (see :mod:`.similarity`).
   A pair inside a run of good pairs is more believable than an isolated one,
   so the matching weight closes part of the gap to 1 by the best diagonal
   neighbour's score, counting only neighbours above the threshold (offsets
   allow for a split sentence next door).
2. A maximum-weight bipartite matching (``scipy.optimize.linear_sum_assignment``)
   over ``max(W - threshold, 0)`` picks the pairs: a pair below the threshold
   is worth nothing, so no good pair is ever traded for a poor one and the
   result is globally consistent rather than greedy per sentence.
3. Unaligned sentences next to a group are tried as extra members (a split or
   a merge), and runs of two unaligned sentences against one; a candidate is
   taken when the merged text scores clearly better than the group did and
   clears the threshold. A sentence held only by a weak, context-made pair
   may leave it for such a group.
   A sentence boundary that shifted between versions (the content of two
   sentences redistributed over two) makes a 2:2 group: from a 1:2 or 2:1
   group and a free neighbour, from a pair and a free neighbour on each side,
   or from two adjacent 1:1 pairs of which one is shaky. Two merged sentences
   score a little higher than either pair on length alone, so a 2:2 group
   must beat two adjacent pairs by ``MERGE_MARGIN``; when its two diagonal
   pairs hold up on their own and do about as well, they are taken instead.
   Every merged text this step may score is encoded in one batch up front.
4. Gaps inside an unbroken run are filled: one unaligned sentence on each
   side between the same two groups is paired if at all similar (a free
   paraphrase); one on a single side joins a neighbour if that costs the
   neighbour little.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from storydiff.align import similarity as sim

# Share of the best diagonal neighbour's score added to a pair's weight.
CONTEXT_WEIGHT = 0.5
# Below this own score a pair is never aligned, whatever its neighbours say:
# context may tip a borderline pair, not invent one.
MIN_OWN_SCORE = 0.1
# Neighbour offsets that count as "the same run": the diagonal, and one step
# skewed for a split or merged sentence next door.
CONTEXT_OFFSETS = ((-1, -1), (1, 1), (-1, -2), (-2, -1), (1, 2), (2, 1))
# A merged group must beat the group it grows from by this much (logit units).
GROW_MARGIN = 0.25
MAX_GROUP_SIDE = 3
# Two adjacent 1:1 pairs merge into one 2:2 group (a sentence boundary that
# shifted: the content of two sentences redistributed over two) only when the
# merged texts beat the better pair by this much: two merged sentences score
# a little higher than either pair on length alone.
MERGE_MARGIN = 1.5
# A 2:2 group is at least this clearly aligned (logit above the threshold).
SHIFT_FLOOR = 1.0
# ... and only when one of the two pairs is shaky (a logit at most this much
# above the threshold): a shifted boundary leaves both pairs half-matched,
# and this keeps the number of merged texts to encode small.
MERGE_SHAKY = 1.0
# Free-sentence pairs tried as the seed of a new 1:2 group: the best few
# partners, and only those with some similarity (logit, i.e. score ≈ 0.05).
PARTNERS = 2
PARTNER_FLOOR = -3.0
# Gap filling (see _fill_gaps): how similar a sandwiched pair must be, and
# how much logit a sandwiched sentence may cost the group it joins.
GAP_MIN_LOGIT = -2.5
ATTACH_TOLERANCE = 0.5
# Question and answer turns are soft evidence: same role nudges up, a
# question against an answer nudges down (both only when both are known).
ROLE_BONUS = 0.05
ROLE_PENALTY = 0.8

Run = tuple[int, ...]


def context(score: np.ndarray) -> np.ndarray:
    """For each pair, the best score among its diagonal neighbours (0 at the edges)."""
    n, m = score.shape
    pad = 2
    padded = np.zeros((n + 2 * pad, m + 2 * pad), dtype=np.float32)
    padded[pad : pad + n, pad : pad + m] = score
    out = np.zeros_like(score)
    for di, dj in CONTEXT_OFFSETS:
        np.maximum(out, padded[pad + di : pad + di + n, pad + dj : pad + dj + m], out=out)
    return out


def role_codes(
    roles_a: Sequence[str | None], roles_b: Sequence[str | None]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Roles as small ints (0 = unknown), or None when either document has none."""
    codes: dict[str, int] = {}
    ca = np.array([codes.setdefault(r, len(codes) + 1) if r else 0 for r in roles_a], dtype=np.int8)
    cb = np.array([codes.setdefault(r, len(codes) + 1) if r else 0 for r in roles_b], dtype=np.int8)
    if not ca.any() or not cb.any():
        return None
    return ca, cb


def role_agreement(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """+1 where both roles are known and equal, -1 where known and different, 0 otherwise (outer)."""
    ca, cb = np.asarray(ca)[..., None], np.asarray(cb)[None, ...]
    known = (ca > 0) & (cb > 0)
    return np.where(known, np.where(ca == cb, 1, -1), 0).astype(np.int8)


def pair_agreement(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Like :func:`role_agreement`, but element by element (``ca[k]`` against ``cb[k]``)."""
    known = (ca > 0) & (cb > 0)
    return np.where(known, np.where(ca == cb, 1, -1), 0).astype(np.int8)


def nudge(weight: np.ndarray, agreement: np.ndarray | int) -> np.ndarray:
    """Apply question/answer role agreement to matching weights."""
    return np.where(agreement > 0, weight + ROLE_BONUS, np.where(agreement < 0, weight * ROLE_PENALTY, weight))


def match_dense(
    score: np.ndarray,
    threshold: float,
    roles: tuple[np.ndarray, np.ndarray] | None = None,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Globally optimal 1:1 pairs from a dense score matrix (sorted by A index).

    ``rows`` and ``cols`` restrict the matching to those sentences (the ones
    not already paired as identical text); context still comes from the whole
    matrix, so an identical neighbour supports a pair as any good pair does.
    """
    if score.size == 0:
        return []
    # context closes part of the gap to 1, so it can tip a borderline pair
    # but never lift a pair to a threshold of 1.0
    # (only neighbours that clear the threshold themselves count as a run)
    ctx = context(np.where(score >= threshold, score, 0.0).astype(np.float32))
    weight = score + CONTEXT_WEIGHT * ctx * (1.0 - score)
    if roles is not None:
        weight = nudge(weight, role_agreement(*roles))
    gain = np.where(score >= min(MIN_OWN_SCORE, threshold), weight - threshold, 0.0).clip(min=0.0)
    ri = np.arange(score.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    ci = np.arange(score.shape[1]) if cols is None else np.asarray(cols, dtype=np.int64)
    if ri.size == 0 or ci.size == 0:
        return []
    sub = gain[np.ix_(ri, ci)]
    r, c = linear_sum_assignment(sub, maximize=True)
    return sorted((int(ri[i]), int(ci[j])) for i, j in zip(r, c, strict=True) if sub[i, j] > 0.0)


@dataclass
class RunScorer:
    """Scores a run of A sentences against a run of B sentences (1:1 pairs come from the matrix).

    Holds per-call caches of merged-run vectors; it lives only for one ``align`` call.
    """

    texts_a: Sequence[str]
    texts_b: Sequence[str]
    ea: np.ndarray
    eb: np.ndarray
    la: sp.csr_matrix
    lb: sp.csr_matrix
    ra: np.ndarray
    rb: np.ndarray
    pair_logit: Callable[[int, int], float]
    row_logit: Callable[[str, int], np.ndarray]
    encode: Callable[[list[str]], np.ndarray]

    def __post_init__(self) -> None:
        self._vec: dict[tuple[str, Run], np.ndarray] = {}

    def prepare(self, runs: Sequence[tuple[Run, Run]]) -> None:
        """Encode every multi-sentence run of these groups not yet encoded, in one batch."""
        self.prefetch(key for ra, rb in runs for key in (("a", ra), ("b", rb)))

    def prefetch(self, keys: Iterable[tuple[str, Run]]) -> None:
        """Encode the merged texts of these (side, run) keys not yet encoded, in one batch."""
        todo: dict[tuple[str, Run], None] = {}  # ordered set
        for key in keys:
            if len(key[1]) > 1 and key not in self._vec:
                todo[key] = None
        if not todo:
            return
        texts = [" ".join((self.texts_a if s == "a" else self.texts_b)[k] for k in r) for s, r in todo]
        for key, v in zip(todo, self.encode(texts), strict=True):
            self._vec[key] = v

    def logit(self, ra: Run, rb: Run) -> float:
        """Calibrated-score logit of run ``ra`` of A against run ``rb`` of B."""
        if len(ra) == 1 and len(rb) == 1:
            return self.pair_logit(ra[0], rb[0])
        va = self._vec[("a", ra)] if len(ra) > 1 else self.ea[ra[0]]
        vb = self._vec[("b", rb)] if len(rb) > 1 else self.eb[rb[0]]
        cos = float(va @ vb)
        # neighbourhood of a merged run: the mean of its members' (a run's
        # vector is close to the mean of theirs; this spares a pass over the
        # whole other document per candidate)
        na = float(self.ra[list(ra)].mean())
        nb = float(self.rb[list(rb)].mean())
        lex = _run_cosine(self.la, ra, self.lb, rb)
        len_a = sum(len(self.texts_a[k]) for k in ra) + len(ra) - 1
        len_b = sum(len(self.texts_b[k]) for k in rb) + len(rb) - 1
        lr = float(sim.length_ratio(np.array([len_a]), np.array([len_b]))[0, 0])
        return float(sim.logit(np.float32(cos), np.float32(lex), np.float32(cos - 0.5 * (na + nb)), np.float32(lr)))


def _run_vector(m: sp.csr_matrix, run: Run) -> dict[int, float]:
    """Sum of a run's TF-IDF rows, as a dict (scipy row indexing is slow for a handful of rows)."""
    out: dict[int, float] = {}
    for r in run:
        lo, hi = m.indptr[r], m.indptr[r + 1]
        for c, v in zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True):
            out[c] = out.get(c, 0.0) + v
    return out


def _run_cosine(la: sp.csr_matrix, ra: Run, lb: sp.csr_matrix, rb: Run) -> float:
    va, vb = _run_vector(la, ra), _run_vector(lb, rb)
    dot = sum(v * vb.get(c, 0.0) for c, v in va.items())
    den = (sum(v * v for v in va.values()) * sum(v * v for v in vb.values())) ** 0.5
    return dot / den if den else 0.0


Pair = tuple[Run, Run]


@dataclass(frozen=True, slots=True)
class _Candidate:
    gain: float
    old: Pair | None  # the group it grows from
    new: Pair
    logit: float
    evict: Pair | None  # a weak 1:1 pair the joining sentence leaves (or the second pair merged)
    # a 2:2 group whose diagonal pairs both hold up on their own, and do about
    # as well as the merged texts, is taken as those two 1:1 pairs instead
    split: tuple[tuple[Pair, float], ...] = ()


def grow(
    pairs: Sequence[tuple[int, int]], n: int, m: int, scorer: RunScorer, threshold_logit: float
) -> list[tuple[Run, Run, float]]:
    """Grow 1:1 pairs into 1:2 / 2:1 (up to 1:3) and 2:2 groups; returns (a-run, b-run, logit) sorted by A."""
    groups: dict[tuple[Run, Run], float] = {((i,), (j,)): scorer.pair_logit(i, j) for i, j in pairs}
    # every merged text growth and gap filling can ask for, encoded in one call
    scorer.prefetch(_reachable_runs(groups, n, m, threshold_logit))
    for _ in range(MAX_GROUP_SIDE):
        owner_a = {i: g for g in groups for i in g[0]}
        owner_b = {j: g for g in groups for j in g[1]}
        cands = _candidates(groups, owner_a, owner_b, n, m, scorer, threshold_logit)
        scorer.prepare([c[1] for c in cands])
        scored: list[_Candidate] = []
        for old, new, evict in cands:
            z = scorer.logit(*new)
            base = _base(groups, old, new, evict, scorer, threshold_logit)
            if z > base:
                scored.append(_Candidate(z - base, old, new, z, evict, _split(new, z, scorer, threshold_logit)))
        if not scored:
            break
        # best first; ties broken by position so the result is deterministic
        scored.sort(key=lambda c: (-c.gain, c.new, c.evict or ((), ())))
        touched: set[tuple[str, int]] = set()
        for c in scored:
            members = {("a", i) for i in c.new[0]} | {("b", j) for j in c.new[1]}
            if c.evict is not None:
                members |= {("a", i) for i in c.evict[0]} | {("b", j) for j in c.evict[1]}
            if members & touched:
                continue
            touched |= members
            for gone in (c.old, c.evict):
                if gone is not None:
                    del groups[gone]
            groups.update(c.split or {c.new: c.logit})
    _fill_gaps(groups, n, m, scorer, threshold_logit)
    return sorted(((a, b, z) for (a, b), z in groups.items()), key=lambda g: g[0])


def _split(new: Pair, z: float, scorer: RunScorer, threshold_logit: float) -> tuple[tuple[Pair, float], ...]:
    """The two diagonal 1:1 pairs of a 2:2 group, when they explain it about as well (else ``()``)."""
    if len(new[0]) != 2 or len(new[1]) != 2:
        return ()
    pairs = tuple(((i,), (j,)) for i, j in zip(*new, strict=True))
    zs = [scorer.pair_logit(i[0], j[0]) for i, j in pairs]
    if min(zs) < threshold_logit or z >= max(zs) + MERGE_MARGIN:
        return ()
    return tuple(zip(pairs, zs, strict=True))


def _shape_ok(k: int, other: int) -> bool:
    """Group shapes growth may make: 1:k and k:1 up to ``MAX_GROUP_SIDE``, and 2:2."""
    return (k == 1 or other == 1) and max(k, other) <= MAX_GROUP_SIDE or k == other == 2


def _base(
    groups: dict[Pair, float],
    old: Pair | None,
    new: Pair,
    evict: Pair | None,
    scorer: RunScorer,
    threshold_logit: float,
) -> float:
    """The logit a candidate group must beat: what it replaces, plus a margin, and the threshold."""
    if old is None:
        return threshold_logit
    base = groups[old] + GROW_MARGIN
    if len(old[0]) == len(old[1]) == 1 and len(new[0]) == len(new[1]) == 2:
        if evict is not None:  # two adjacent 1:1 pairs merged
            base = max(groups[old], groups[evict]) + MERGE_MARGIN
        else:  # a pair and a free sentence on each side: must also beat the 2:1 and 1:2 in between
            (i,), (j,) = old
            base = max(base, *(scorer.logit(*g) + GROW_MARGIN for g in ((new[0], (j,)), ((i,), new[1]))))
    if len(new[0]) == len(new[1]) == 2:
        base = max(base, threshold_logit + SHIFT_FLOOR)
    # a grown group must also stand on its own: above the threshold
    return max(base, threshold_logit)


def _movable(groups: dict[Pair, float], n: int, m: int, threshold_logit: float) -> tuple[list[int], list[int]]:
    """Sentences that may join a group: free ones, and those held only by a weak 1:1 pair.

    A weak pair (below the threshold, taken on context) may be left for a
    neighbour the sentence is a split-off piece of.
    """
    weak = [g for g, z in groups.items() if z < threshold_logit and len(g[0]) == len(g[1]) == 1]
    in_a = {i for g in groups for i in g[0]}
    in_b = {j for g in groups for j in g[1]}
    return (
        sorted([*(i for i in range(n) if i not in in_a), *(g[0][0] for g in weak)]),
        sorted([*(j for j in range(m) if j not in in_b), *(g[1][0] for g in weak)]),
    )


def _reachable_runs(groups: dict[Pair, float], n: int, m: int, threshold_logit: float) -> list[tuple[str, Run]]:
    """Every multi-sentence run that growth and gap filling may score, given the 1:1 pairs.

    Only movable sentences ever join a group, so a run holds at most one
    sentence that is not movable; merging two adjacent 1:1 pairs adds their runs.
    """
    out: list[tuple[str, Run]] = []
    for side, size, movable in zip(("a", "b"), (n, m), _movable(groups, n, m, threshold_logit), strict=True):
        mov = set(movable)
        for k in range(size - 1):
            for run in ((k, k + 1), (k, k + 1, k + 2)):
                if run[-1] < size and sum(x not in mov for x in run) <= 1:
                    out.append((side, run))
    for i, j in _shaky_neighbours(groups, threshold_logit):
        out += [("a", (i, i + 1)), ("b", (j, j + 1))]
    return out


def _shaky_neighbours(groups: dict[Pair, float], threshold_logit: float) -> list[tuple[int, int]]:
    """(i, j) for adjacent 1:1 pairs (i, j), (i+1, j+1) of which at least one is shaky."""
    single = {g[0][0]: (g[1][0], z) for g, z in groups.items() if len(g[0]) == len(g[1]) == 1}
    out = []
    for i, (j, z) in sorted(single.items()):
        nxt = single.get(i + 1)
        if nxt is not None and nxt[0] == j + 1 and min(z, nxt[1]) <= threshold_logit + MERGE_SHAKY:
            out.append((i, j))
    return out


def _fill_gaps(
    groups: dict[tuple[Run, Run], float], n: int, m: int, scorer: RunScorer, threshold_logit: float
) -> None:
    """Unaligned sentences inside an otherwise unbroken run (in place).

    * One unaligned sentence on each side, between the same two groups (or a
      group and the document edge): a free paraphrase the embedding misses.
      They are paired if they are at all similar (``GAP_MIN_LOGIT``).
    * One unaligned sentence on one side only, between two groups that are
      adjacent on the other side: either an insertion or a piece of a
      neighbour that was split off. It joins the neighbour whose merged text
      scores best, if that costs at most ``ATTACH_TOLERANCE`` of its logit
      and the group stays clearly aligned.
    """
    owner_a = {i: g for g in groups for i in g[0]}
    owner_b = {j: g for g in groups for j in g[1]}
    for i in range(n):
        if i in owner_a:
            continue
        prev, nxt = owner_a.get(i - 1), owner_a.get(i + 1)
        j = prev[1][-1] + 1 if prev else (nxt[1][0] - 1 if nxt else -1)
        if prev is None and i != 0 or nxt is None and i != n - 1 or not 0 <= j < m or j in owner_b:
            continue
        if (j + 1 == nxt[1][0] if nxt else j == m - 1) and (j - 1 == prev[1][-1] if prev else j == 0):
            z = scorer.pair_logit(i, j)
            if z >= max(GAP_MIN_LOGIT, threshold_logit - 3.0):
                groups[((i,), (j,))] = z
                owner_a[i] = owner_b[j] = ((i,), (j,))
    for side, size, owner, other_owner in (("a", n, owner_a, owner_b), ("b", m, owner_b, owner_a)):
        for u in range(size):
            if u in owner:
                continue
            prev, nxt = owner.get(u - 1), owner.get(u + 1)
            if prev is None or nxt is None or prev == nxt:
                continue
            k = 1 if side == "a" else 0
            if prev[k][-1] + 1 != nxt[k][0]:
                continue
            best: tuple[float, tuple[Run, Run], tuple[Run, Run]] | None = None
            for g in (prev, nxt):
                mine, other = (g[0], g[1]) if side == "a" else (g[1], g[0])
                if len(other) != 1 or len(mine) >= MAX_GROUP_SIDE:
                    continue
                grown = tuple(sorted((*mine, u)))
                new = (grown, other) if side == "a" else (other, grown)
                scorer.prepare([new])
                z = scorer.logit(*new)
                if z >= groups[g] - ATTACH_TOLERANCE and z >= threshold_logit + 1.0:
                    if best is None or z > best[0]:
                        best = (z, g, new)
            if best is not None:
                z, g, new = best
                del groups[g]
                groups[new] = z
                for x in new[0]:
                    owner_a[x] = new
                for y in new[1]:
                    owner_b[y] = new


def _candidates(
    groups: dict[Pair, float],
    owner_a: dict[int, Pair],
    owner_b: dict[int, Pair],
    n: int,
    m: int,
    scorer: RunScorer,
    threshold_logit: float,
) -> list[tuple[Pair | None, Pair, Pair | None]]:
    """(group grown from, new group, weak pair left) for every growth worth scoring."""
    out: list[tuple[Pair | None, Pair, Pair | None]] = []
    free_a = [i for i in range(n) if i not in owner_a]
    free_b = [j for j in range(m) if j not in owner_b]
    movable_a, movable_b = _movable(groups, n, m, threshold_logit)
    for side, movable, owner in (("a", movable_a, owner_a), ("b", movable_b, owner_b)):
        for u in movable:
            evict = owner.get(u)
            for nb in (u - 1, u + 1):
                g = owner.get(nb)
                if g is None or g == evict:
                    continue
                mine, other = (g[0], g[1]) if side == "a" else (g[1], g[0])
                if not _shape_ok(len(mine) + 1, len(other)):
                    continue
                grown = tuple(sorted((*mine, u)))
                out.append((g, (grown, other) if side == "a" else (other, grown), evict))
    # a shifted sentence boundary: two adjacent 1:1 pairs, or one pair and a
    # free neighbour on each side, become one 2:2 group
    for i, j in _shaky_neighbours(groups, threshold_logit):
        out.append((((i,), (j,)), ((i, i + 1), (j, j + 1)), ((i + 1,), (j + 1,))))
    set_a, set_b = set(free_a), set(free_b)
    for g in groups:
        if len(g[0]) != 1 or len(g[1]) != 1:
            continue
        (i,), (j,) = g
        for u in (i - 1, i + 1):
            for v in (j - 1, j + 1):
                if u in set_a and v in set_b:
                    out.append((g, ((min(i, u), max(i, u)), (min(j, v), max(j, v))), None))
    # one free sentence against two adjacent free sentences on the other side,
    # tried only next to its best free partners (keeps this linear)
    for side, free, other_free in (("a", free_a, set(free_b)), ("b", free_b, set(free_a))):
        if not other_free:
            continue
        idx = np.array(sorted(other_free))
        for u in free:
            row = scorer.row_logit(side, u)[idx]
            for k in np.argsort(-row, kind="stable")[:PARTNERS]:
                if row[k] < PARTNER_FLOOR:
                    break
                v = int(idx[k])
                for run in ((v - 1, v), (v, v + 1)):
                    if run[0] in other_free and run[1] in other_free:
                        out.append((None, ((u,), run) if side == "a" else (run, (u,)), None))
    return sorted(set(out), key=lambda c: (c[1], c[0] or ((), ()), c[2] or ((), ())))
