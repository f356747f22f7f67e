"""Let a quotation's words decide its counterpart: re-pair two nearby quoted sentences matched crosswise.

Two quotes in a row of a rewritten story ("…," said A. / "…," said B.) share their
frame words, so the sentence scores may pair each quote with its neighbour's
counterpart. The words inside the quotation marks say who said what: when two
nearby 1:1 groups pair better crosswise by their quoted words, they are swapped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["repair_quotes"]

_QUOTED = re.compile(r"[“«\"]([^”»\"]{8,})[”»\"]")
_WORD = re.compile(r"[^\W_]+")
# How far apart (in sentences, on each side) two groups may be, and how much better the crosswise pairing of
# their quoted words must be, for a swap.
_REACH = 3
_MARGIN = 0.25


def _quote_words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for q in _QUOTED.findall(text) for w in _WORD.findall(q))


def _jaccard(x: frozenset[str], y: frozenset[str]) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0


def repair_quotes(groups: list[tuple[tuple[int, ...], tuple[int, ...], float]], ta: list[str], tb: list[str],
                  pair_logit: Callable[[int, int], float]) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """``groups`` (A run, B run, logit) with nearby quoted 1:1 pairs swapped where their quoted words say so."""
    qa = {i: _quote_words(t) for i, t in enumerate(ta)}
    qb = {j: _quote_words(t) for j, t in enumerate(tb)}
    out = list(groups)
    ones = [k for k, (ga, gb, _) in enumerate(out) if len(ga) == len(gb) == 1 and qa[ga[0]] and qb[gb[0]]]
    # groups come in A order, so only the next few can lie within reach: linear, not quadratic, in the
    # number of quoted sentences (an interview of 50,000 quoted lines)
    for n, x in enumerate(ones):
        for y in ones[n + 1 :]:
            (i1,), (j1,), _ = out[x]
            (i2,), (j2,), _ = out[y]
            if i2 - i1 > _REACH:
                break
            if abs(i1 - i2) > _REACH or abs(j1 - j2) > _REACH:
                continue
            now = _jaccard(qa[i1], qb[j1]) + _jaccard(qa[i2], qb[j2])
            cross = _jaccard(qa[i1], qb[j2]) + _jaccard(qa[i2], qb[j1])
            if cross > now + _MARGIN and min(_jaccard(qa[i1], qb[j2]), _jaccard(qa[i2], qb[j1])) >= 0.5:
                out[x] = ((i1,), (j2,), pair_logit(i1, j2))
                out[y] = ((i2,), (j1,), pair_logit(i2, j1))
    return out

