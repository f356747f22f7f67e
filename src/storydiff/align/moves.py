"""Moved blocks: groups that break the order of the documents.

Groups are taken in A order with their position in B. The groups that stay
put are the heaviest increasing subsequence of B positions, each group
weighing as many sentences as it holds, so when two blocks swap places the
shorter one is the one that moved. Every other group moved; moved groups
that sit together in A and together in B (small gaps of added or removed
sentences allowed) form one :class:`~storydiff.model.Move`.
"""

from __future__ import annotations

from collections.abc import Sequence

from storydiff.model import Group, Move

# Sentences of added/removed material allowed inside one moved block.
MAX_GAP = 3


def stable_groups(groups: Sequence[Group]) -> list[bool]:
    """True for the groups on the heaviest increasing chain of B positions (groups in A order).

    O(k log k) with a Fenwick tree of prefix maxima over B positions; ties go
    to the chain found first (earliest predecessor), so the result is stable.
    """
    k = len(groups)
    if k == 0:
        return []
    keys = sorted({g.b[0] for g in groups})
    rank = {b: r + 1 for r, b in enumerate(keys)}
    size = len(keys)
    tree_w = [0] * (size + 1)
    tree_i = [-1] * (size + 1)
    best_w = [0] * k
    prev = [-1] * k
    for gi, g in enumerate(groups):
        r = rank[g.b[0]] - 1  # strictly smaller B positions only
        w, p = 0, -1
        while r > 0:
            if tree_w[r] > w:
                w, p = tree_w[r], tree_i[r]
            r -= r & -r
        best_w[gi] = w + len(g.a) + len(g.b)
        prev[gi] = p
        r = rank[g.b[0]]
        while r <= size:
            if best_w[gi] > tree_w[r]:
                tree_w[r], tree_i[r] = best_w[gi], gi
            r += r & -r
    end = max(range(k), key=lambda x: (best_w[x], -x))
    keep = [False] * k
    while end >= 0:
        keep[end] = True
        end = prev[end]
    return keep


def find_moves(groups: Sequence[Group], n_b: int) -> tuple[list[bool], list[Move]]:
    """Which groups moved, and the moved blocks.

    Args:
        groups: aligned groups in A order.
        n_b: number of sentences in B.

    Returns:
        (moved flag per group, moves in A order).
    """
    keep = stable_groups(groups)
    moved = [not x for x in keep]
    # state of each B sentence: 0 added, 1 in a group that stayed, 2 in a moved group
    b_state = [0] * n_b
    for g, k in zip(groups, keep, strict=True):
        for j in g.b:
            b_state[j] = 1 if k else 2
    # prefix counts of stayed / added B sentences, so any gap is checked in O(1)
    stayed = [0] * (n_b + 1)
    added = [0] * (n_b + 1)
    for j, st in enumerate(b_state):
        stayed[j + 1] = stayed[j] + (st == 1)
        added[j + 1] = added[j] + (st == 0)
    runs: list[list[int]] = []
    for gi, g in enumerate(groups):
        if not moved[gi]:
            continue
        if runs and _joins(groups[runs[-1][-1]], g, gi - runs[-1][-1], stayed, added):
            runs[-1].append(gi)
        else:
            runs.append([gi])
    moves = [
        Move(
            a=tuple(sorted(i for gi in run for i in groups[gi].a)),
            b=tuple(sorted(j for gi in run for j in groups[gi].b)),
            groups=tuple(run),
        )
        for run in runs
    ]
    return moved, moves


def _joins(prev: Group, cur: Group, steps: int, stayed: list[int], added: list[int]) -> bool:
    """Whether ``cur`` continues the moved block ending with ``prev``."""
    if steps != 1:  # a group that stayed lies between them in A
        return False
    if cur.a[0] - prev.a[-1] - 1 > MAX_GAP:
        return False
    lo, hi = (prev.b[-1], cur.b[0]) if cur.b[0] > prev.b[-1] else (cur.b[-1], prev.b[0])
    if hi <= lo + 1:
        return True
    # in B, nothing that stayed may sit between them, and only a small gap of added ones
    return stayed[hi] - stayed[lo + 1] == 0 and added[hi] - added[lo + 1] <= MAX_GAP
