"""Sentences that are the same on both sides, paired before any scoring.

Scoring every A × B pair cannot tell repeated sentences apart: three copies of
"Hello there." on each side score alike, so a globally optimal matching may
cross them (and report a move), and thousands of identical lines make the
score matrix both huge and useless. Identical text needs no evidence; what it
needs is the order of the documents. So the sentences whose text (with
whitespace collapsed) is the same on both sides are paired first, as a line
diff pairs lines: the longest common subsequence of the two key sequences.
Only the rest (the residual) goes through similarity and matching; a
sentence that moved is off the common subsequence, so it stays in the
residual, is matched there by similarity and is then reported as moved.

The common subsequence is exact where it is affordable and near-linear
everywhere:

1. equal runs at the start and the end are paired at once (``compare(x, x)``
   is linear and never reaches step 2);
2. a region of at most :data:`LCS_MAX_CELLS` cells is solved exactly with
   rapidfuzz's bit-parallel LCS (``n·m/64`` word operations, ``n·m/8``
   bytes);
3. a larger region is cut at keys that occur once on each side, in the
   order of both documents (the anchors of *patience diff*), and each piece is
   solved again; a piece with no such anchor is cut into diagonal blocks of
   at most :data:`LCS_MAX_CELLS` cells (a pair that crosses a block border is
   then left to the scorer, which still finds it).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

from rapidfuzz.distance import LCSseq

# 20k × 20k sentences: 50 MB of bit matrix and a fraction of a second.
LCS_MAX_CELLS = 400_000_000

Region = tuple[int, int, int, int]


def key(text: str) -> str:
    """What must be equal for two sentences to be the same: the text with whitespace runs collapsed."""
    return " ".join(text.split())


def exact_pairs(texts_a: Sequence[str], texts_b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of identical sentences in the order of both documents, sorted by i.

    Example:
        >>> exact_pairs(["Hello there.", "Hello there.", "Goodbye."], ["Hello there.", "Goodbye."])
        [(0, 0), (2, 1)]
    """
    codes: dict[str, int] = {}  # ints in order of first appearance: nothing depends on hash()
    ka = [codes.setdefault(key(t), len(codes)) for t in texts_a]
    kb = [codes.setdefault(key(t), len(codes)) for t in texts_b]
    pairs: list[tuple[int, int]] = []
    todo: list[Region] = [(0, len(ka), 0, len(kb))]
    while todo:
        a0, a1, b0, b1 = todo.pop()
        while a0 < a1 and b0 < b1 and ka[a0] == kb[b0]:
            pairs.append((a0, b0))
            a0, b0 = a0 + 1, b0 + 1
        while a0 < a1 and b0 < b1 and ka[a1 - 1] == kb[b1 - 1]:
            a1, b1 = a1 - 1, b1 - 1
            pairs.append((a1, b1))
        if a0 == a1 or b0 == b1:
            continue
        if (a1 - a0) * (b1 - b0) <= LCS_MAX_CELLS:
            pairs += _lcs(ka[a0:a1], kb[b0:b1], a0, b0)
            continue
        anchors = _unique_anchors(ka, kb, (a0, a1, b0, b1))
        if anchors:
            pairs += anchors
            bounds = [(a0 - 1, b0 - 1), *anchors, (a1, b1)]
            todo += [(i + 1, k, j + 1, m) for (i, j), (k, m) in zip(bounds, bounds[1:]) if i + 1 < k and j + 1 < m]
        else:
            todo += _blocks((a0, a1, b0, b1))
    return sorted(pairs)


def _lcs(ka: list[int], kb: list[int], a0: int, b0: int) -> list[tuple[int, int]]:
    ops = LCSseq.editops(ka, kb)
    return [(a0 + blk.a + k, b0 + blk.b + k) for blk in ops.as_matching_blocks() for k in range(blk.size)]


def _unique_anchors(ka: list[int], kb: list[int], region: Region) -> list[tuple[int, int]]:
    """Keys found once on each side of the region, kept on their longest common order (patience diff)."""
    a0, a1, b0, b1 = region
    count: dict[int, list[int]] = {}
    for i in range(a0, a1):
        c = count.setdefault(ka[i], [0, -1, 0, -1])
        c[0] += 1
        c[1] = i
    for j in range(b0, b1):
        c = count.get(kb[j])
        if c is not None:
            c[2] += 1
            c[3] = j
    cands = sorted((c[1], c[3]) for c in count.values() if c[0] == 1 and c[2] == 1)
    return _increasing(cands)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of ``pairs`` (sorted by first item) whose second items increase (O(k log k))."""
    tails: list[int] = []  # smallest B end of a chain of each length
    tail_at: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        prev[k] = tail_at[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos], tail_at[pos] = j, k
    out: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def _blocks(region: Region) -> list[Region]:
    """Cut a region along its diagonal into blocks of at most LCS_MAX_CELLS cells."""
    a0, a1, b0, b1 = region
    n, m = a1 - a0, b1 - b0
    parts = math.isqrt(-(-n * m // LCS_MAX_CELLS) - 1) + 1  # ceil(sqrt(cells / limit))
    return [
        (a0 + n * k // parts, a0 + n * (k + 1) // parts, b0 + m * k // parts, b0 + m * (k + 1) // parts)
        for k in range(parts)
    ]
