"""Aligning: two segmentations → :class:`~storydiff.model.Alignment`.

The method (``storydiff.align.v1``), in five passes:

0. **Identical text** (:mod:`.exact`): sentences that are the same on both
   sides are paired in the order of the documents (a line diff's longest
   common subsequence), so repeated sentences align in order and
   ``align(x, x)`` pairs every sentence with itself; the passes below match
   what is left.
1. **Evidence** (:mod:`.similarity`): for every A × B sentence pair, the
   embedding cosine, a TF-IDF cosine over the two documents' words (IDF from
   both documents, names and numbers weighted up), a CSLS margin (how much
   the pair stands out from each sentence's usual neighbours) and the length
   ratio, combined into one calibrated score in [0, 1].
2. **Matching** (:mod:`.assign`): one maximum-weight bipartite matching over
   the scores, boosted along diagonals so runs stay together; pairs below
   ``Options.align_threshold`` are left unaligned.
3. **Growing** (:mod:`.assign`): unaligned neighbours join a group when the
   merged text scores clearly better (sentence splits and merges: 1:2, 2:1,
   up to 1:3; a sentence boundary that shifted between versions: 2:2).
4. **Quotes** (:mod:`.quotes`): two nearby quoted sentences paired crosswise
   by their quoted words are re-paired, so a quote's words decide its counterpart.
5. **Moves** (:mod:`.moves`): groups off the heaviest increasing chain of B
   positions moved; adjacent moved groups form one move.

The result does not depend on argument order except by mirroring:
``align(b, a)`` swaps ``added``/``removed`` and the sides of every group.
Documents above :data:`DENSE_MAX_CELLS` sentence pairs are matched over a
sparse candidate graph (each sentence's nearest neighbours among those not
paired as identical text) instead.
"""

from __future__ import annotations

import numpy as np

from storydiff.align import similarity as sim
from storydiff.align.assign import RunScorer, grow, match_dense, role_codes
from storydiff.align.exact import exact_pairs
from storydiff.align.large import DENSE_MAX_CELLS, sparse_evidence_and_match
from storydiff.align.moves import find_moves
from storydiff.align.quotes import repair_quotes
from storydiff.embed import Encoder
from storydiff.model import Alignment, Group, Move, Segmentation
from storydiff.options import Options

__all__ = ["DENSE_MAX_CELLS", "align"]

# The least logit of a pair of identical sentences (their calibrated score is at
# least sigmoid of this, ≈ 0.996): the score of two equal sentences with no
# words in common to count, or whose embedding is empty (punctuation alone),
# must still say they are the same, and no merge may pull such a pair apart.
EXACT_LOGIT = float(sim.logit(np.float32(1.0), np.float32(1.0), np.float32(0.0), np.float32(0.0)))


def align(a: Segmentation, b: Segmentation, *, options: Options, encoder: Encoder) -> Alignment:
    """Align the sentences of two documents: groups, moves, added and removed.

    Args:
        a: the first document, segmented.
        b: the second document, segmented.
        options: ``align_threshold`` is the lowest calibrated score at which
            two sentences are aligned on their own evidence. Inside a run of
            aligned pairs, context and gap filling may align a pair scored
            lower (never below ~0.07); its ``score`` says so.
        encoder: sentence encoder (``storydiff.embed.get_encoder``).

    Returns:
        An :class:`Alignment` whose groups are in A order; every sentence of A
        is in exactly one group or ``removed``, every sentence of B in exactly
        one group or ``added``.

    Example:
        >>> from storydiff.embed import get_encoder
        >>> from storydiff.options import Options
        >>> from storydiff.pipeline import as_segmentation
        >>> o = Options()
        >>> x = as_segmentation("The vote was on Monday. It passed easily.", options=o)
        >>> y = as_segmentation("It passed easily. The vote was on Monday.", options=o)
        >>> al = align(x, y, options=o, encoder=get_encoder("wordllama"))
        >>> [(g.a, g.b) for g in al.groups], len(al.moves)
        ([((0,), (1,)), ((1,), (0,))], 1)
    """
    ta = [s.text for s in a.sentences]
    tb = [s.text for s in b.sentences]
    # Work in one canonical orientation and mirror back, so that align(b, a)
    # is exactly the mirror image of align(a, b).
    if (len(tb), tb) < (len(ta), ta):
        return _mirror(_align(b, a, options=options, encoder=encoder))
    return _align(a, b, options=options, encoder=encoder)


def _align(a: Segmentation, b: Segmentation, *, options: Options, encoder: Encoder) -> Alignment:
    ta = [s.text for s in a.sentences]
    tb = [s.text for s in b.sentences]
    n, m = len(ta), len(tb)
    if n == 0 or m == 0:
        return Alignment((), tuple(range(n)), tuple(range(m)))
    emb = encoder.encode([*ta, *tb])
    ea, eb = emb[:n], emb[n:]
    la, lb = sim.lexical_vectors(ta, tb)
    len_a = np.array([len(t) for t in ta])
    len_b = np.array([len(t) for t in tb])
    roles = role_codes([s.role for s in a.sentences], [s.role for s in b.sentences])
    thr = options.align_threshold
    fixed = exact_pairs(ta, tb)
    if n * m <= DENSE_MAX_CELLS:
        ev = sim.evidence(ea, eb, la, lb, len_a, len_b)
        z, ra, rb = ev.logit, ev.ra, ev.rb
        in_a, in_b = {i for i, _ in fixed}, {j for _, j in fixed}
        rows = np.array([i for i in range(n) if i not in in_a], dtype=np.int64)
        cols = np.array([j for j in range(m) if j not in in_b], dtype=np.int64)
        exact = {pair: max(float(z[pair]), EXACT_LOGIT) for pair in fixed}
        pairs = sorted([*match_dense(ev.score, thr, roles, rows, cols), *fixed])

        def pair_logit(i: int, j: int) -> float:
            x = exact.get((i, j))
            return float(z[i, j]) if x is None else x

        def row_logit(side: str, u: int) -> np.ndarray:
            return z[u] if side == "a" else z[:, u]

    else:
        sparse = sparse_evidence_and_match(ea, eb, la, lb, len_a, len_b, thr, roles, fixed, EXACT_LOGIT)
        pairs, ra, rb = sparse.pairs, sparse.ra, sparse.rb
        pair_logit, row_logit = sparse.pair_logit, sparse.row_logit
    scorer = RunScorer(ta, tb, ea, eb, la, lb, ra, rb, pair_logit, row_logit, encoder.encode)
    thr_logit = float(np.log(thr / (1.0 - thr))) if 0.0 < thr < 1.0 else (-30.0 if thr <= 0 else 30.0)
    grown = repair_quotes(list(grow(pairs, n, m, scorer, thr_logit)), ta, tb, pair_logit)
    groups = [Group(ra_, rb_, round(float(sim.sigmoid(np.float32(zz))), 4)) for ra_, rb_, zz in grown]
    moved, moves = find_moves(groups, m)
    groups = [Group(g.a, g.b, g.score, moved=mv) for g, mv in zip(groups, moved, strict=True)]
    in_a = {i for g in groups for i in g.a}
    in_b = {j for g in groups for j in g.b}
    return Alignment(
        groups=tuple(groups),
        removed=tuple(i for i in range(n) if i not in in_a),
        added=tuple(j for j in range(m) if j not in in_b),
        moves=tuple(moves),
    )


def _mirror(al: Alignment) -> Alignment:
    """The same alignment seen from the other side (groups re-sorted in the new A order)."""
    order = sorted(range(len(al.groups)), key=lambda k: al.groups[k].b)
    new_index = {old: new for new, old in enumerate(order)}
    groups = tuple(
        Group(g.b, g.a, g.score, moved=g.moved)
        for g in (al.groups[k] for k in order)
    )
    moves = tuple(
        sorted(
            (Move(a=mv.b, b=mv.a, groups=tuple(sorted(new_index[k] for k in mv.groups))) for mv in al.moves),
            key=lambda mv: mv.a,
        )
    )
    return Alignment(groups, removed=al.added, added=al.removed, moves=moves)
