"""The decision policy of corpus clustering: which candidate pairs are versions, and the clusters.

Pure numpy functions that every backend calls (:mod:`storydiff.corpus.orchestrator`
runs them over whatever computes signatures and sentence checks), so the
embedded engine and Spark cannot decide differently:

* :func:`exact_pairs`, :func:`merge_candidates`, :func:`candidate_counts` — candidate sets;
* :func:`evidence` — estimated n-gram / content-unigram Jaccard and document cosine per pair;
* :func:`triage` — accepted unchecked, checked at sentence level, or dropped;
* :func:`versions` — the verdict of a checked pair from its aligned share and lengths;
* :func:`decide` — the whole decision, with checks in rounds;
* :func:`cluster_labels` — guarded union of the verified pairs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from storydiff.corpus.grouping import guarded_union, union_find
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.minhash import estimate_jaccard

EXACT, MINHASH, SEMANTIC = "exact", "minhash", "semantic"
#: int8 code of each candidate method in the pair arrays (smaller = stronger)
METHOD_CODE = {EXACT: 0, MINHASH: 1, SEMANTIC: 2}
METHOD_NAME = {v: k for k, v in METHOD_CODE.items()}


def exact_pairs(keys: np.ndarray) -> np.ndarray:
    """Star edges from each group of equal non-zero keys to its first member."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    same = np.flatnonzero((sk[1:] == sk[:-1]) & (sk[1:] != 0)) + 1
    if not same.size:
        return np.zeros((0, 2), np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1]]))
    head = order[starts[np.searchsorted(starts, same, side="right") - 1]]
    pairs = np.stack([head, order[same]], axis=1)
    return np.sort(pairs, axis=1).astype(np.int64)


def candidate_counts(cfg: ClusterConfig, parts: list[tuple[str, np.ndarray]], *, semantic: bool) -> dict[str, int]:
    """Candidate pairs per step, from the (method, pairs) parts in step order: exact, n-gram, [unigram], [semantic]."""
    return {"exact": len(parts[0][1]), "ngram": len(parts[1][1]),
            "unigram": len(parts[2][1]) if cfg.unigrams else 0,
            "semantic": len(parts[-1][1]) if semantic else 0}


def merge_candidates(n: int, parts: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Union of pair sets; each pair keeps the first (strongest) method that found it."""
    codes = [p[:, 0] * n + p[:, 1] for _, p in parts if len(p)]
    meth = [np.full(len(p), METHOD_CODE[m], np.int8) for m, p in parts if len(p)]
    if not codes:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int8)
    c, m = np.concatenate(codes), np.concatenate(meth)
    order = np.lexsort((m, c))
    c, m = c[order], m[order]
    first = np.concatenate([[True], c[1:] != c[:-1]])
    c, m = c[first], m[first]
    return np.stack([c // n, c % n], axis=1), m


def triage(cfg: ClusterConfig, method: np.ndarray, ngram_jaccard: np.ndarray, unigram_jaccard: np.ndarray, size_a: np.ndarray,
           size_b: np.ndarray, cos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The decision rule before sentence checks: which pairs are accepted, which need a check.

    Shared by every backend so that they cluster identically. A lexical pair
    is checked only when its content-unigram Jaccard reaches
    ``check_unigram`` (with unigrams on): such pairs are almost never versions
    and were most of the checks (figures in docs/corpus.md).

    Args:
        cfg: thresholds (``accept_jaccard``, ``accept_containment``, ``prefilter_*``, ``check_unigram``).
        method: int8 method codes (exact 0, minhash 1, semantic 2) from the merge of candidate sets.
        ngram_jaccard, unigram_jaccard: estimated n-gram and content-unigram Jaccard (zeros when unigrams are off).
        size_a, size_b: distinct n-gram counts of each pair's documents.
        cos: document-vector cosine of each pair (NaN or ``None`` without the semantic step); a lexical
            pair under ``check_cosine`` is dropped unchecked.

    Returns:
        ``(accept, check)`` boolean masks; pairs in neither are dropped unchecked.
    """
    sa, sb = size_a.astype(np.float64), size_b.astype(np.float64)
    inter = ngram_jaccard / (1.0 + ngram_jaccard) * (sa + sb)
    containment = np.where(np.minimum(sa, sb) > 0, inter / np.maximum(np.minimum(sa, sb), 1), 0.0)
    accept = (method == METHOD_CODE[EXACT]) | (ngram_jaccard >= cfg.accept_jaccard) | (
        (containment >= cfg.accept_containment) & (ngram_jaccard >= cfg.prefilter_jaccard))
    semantic = method == METHOD_CODE[SEMANTIC]
    worth = (ngram_jaccard >= cfg.prefilter_jaccard) | (unigram_jaccard >= cfg.prefilter_unigram) | semantic
    if cfg.unigrams:
        # an excerpt has a low Jaccard with its source, but it is contained in it
        worth &= semantic | (unigram_jaccard >= cfg.check_unigram) | (containment >= cfg.contain_ngram)
    if cos is not None and cfg.check_cosine > 0:
        # documents that only share a passage are about different things: their vectors disagree
        worth &= semantic | ~(cos < cfg.check_cosine)  # NaN (no vectors) never drops a pair
    return accept, ~accept & worth


def versions(cfg: ClusterConfig, share: np.ndarray, length_a: np.ndarray, length_b: np.ndarray) -> np.ndarray:
    """Which checked pairs are versions, from their aligned share and lengths.

    The share counts the shorter document's words in aligned sentences; a
    version must also account for most of the longer one (share x length
    ratio >= ``cover_threshold``). Without that, two documents that merely
    share a passage pass, and union-find chains unrelated clusters through
    them.

    Args:
        cfg: ``verify_threshold`` and ``cover_threshold``.
        share: aligned share of each pair (NaN = not checked → False).
        length_a, length_b: character lengths of each pair's documents.

    Returns:
        Boolean mask.
    """
    return relation(cfg, share, length_a, length_b) > 0


#: :func:`relation` codes: not versions, the same text, the shorter contained in the longer
NOT_VERSIONS, SAME_TEXT, CONTAINED = 0, 1, 2
RELATION_NAME = {SAME_TEXT: "same", CONTAINED: "contained"}


def relation(cfg: ClusterConfig, share: np.ndarray, length_a: np.ndarray, length_b: np.ndarray) -> np.ndarray:
    """How two checked documents relate, from the sentence alignment in both directions.

    ``share`` is the aligned share of the shorter document (its containment in
    the longer); times the length ratio it is about the longer's share covered
    (the other direction). Both high: the same text (:data:`SAME_TEXT`). The
    shorter almost all aligned but covering little of the longer: an excerpt, or
    a source quoted inside a longer article (:data:`CONTAINED`), when
    ``contain_threshold`` allows it.

    Returns:
        int8 codes per pair.
    """
    la, lb = length_a.astype(np.float64), length_b.astype(np.float64)
    ratio = np.minimum(la, lb) / np.maximum(np.maximum(la, lb), 1.0)
    s = np.nan_to_num(share.astype(np.float64), nan=0.0)
    same = (s >= cfg.verify_threshold) & (s * ratio >= cfg.cover_threshold)
    contained = ~same & (s >= cfg.contain_threshold) & (np.minimum(la, lb) >= cfg.contain_min_length)
    return np.where(same, SAME_TEXT, np.where(contained, CONTAINED, NOT_VERSIONS)).astype(np.int8)


class MemoCheck:
    """A ``check(pairs) -> shares`` that remembers its answers.

    The merge guard asks about the same few root pairs in :func:`decide` and
    again in :func:`cluster_labels`; each is checked once.
    """

    def __init__(self, check: Callable[[np.ndarray], np.ndarray]) -> None:
        self._check = check
        self._seen: dict[tuple[int, int], float] = {}

    def __call__(self, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        keys = [(int(a), int(b)) for a, b in pairs.tolist()]
        new = [k for k in dict.fromkeys(keys) if k not in self._seen]
        if new:
            self._seen.update(zip(new, self._check(np.asarray(new, dtype=np.int64)).tolist()))
        return np.asarray([self._seen[k] for k in keys], dtype=np.float32)


def decide(cfg: ClusterConfig, pairs: np.ndarray, method: np.ndarray, ngram_jaccard: np.ndarray, unigram_jaccard: np.ndarray,
           ngram_sizes: np.ndarray, lengths: np.ndarray, cos: np.ndarray,
           check: Callable[[np.ndarray], np.ndarray],
           guard_check: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Evidence and decision for every candidate pair, whatever runs the sentence checks.

    Every backend calls this one function, so they cannot drift apart.

    With ``merge_guard`` and ``skip_joined``, checks run in rounds: the pairs
    are grouped by the two clusters (so far) of their documents, and each round
    checks only the strongest pair of each group (by vector cosine, then
    unigram Jaccard); pairs whose documents the pairs verified so far already
    join are not checked. After ``check_rounds`` rounds the rest are checked at
    once. Most checks were otherwise of such pairs: a re-worded copy against
    every member of the cluster its lexical copies already form.

    Args:
        cfg: the run's settings.
        pairs: ``(m, 2)`` document indices.
        method: method code per pair; ngram_jaccard, unigram_jaccard: estimated n-gram / unigram Jaccard; cos: vector cosine.
        ngram_sizes: distinct n-gram count per document; lengths: character length per document.
        check: ``check(pairs) -> shares`` (float32 aligned share per row of the given pairs).
        guard_check: the check the merge guard uses for single root pairs (default ``check``);
            pass the same :class:`MemoCheck` to :func:`cluster_labels`.

    Returns:
        Dict of per-pair arrays: ``keep``, ``verified``, ``jaccard``, ``cosine``, ``share``, ``checked``,
        ``joined`` (kept but not checked because the pairs verified before already join the two documents).
    """
    accept, chk = triage(cfg, method, ngram_jaccard, unigram_jaccard, ngram_sizes[pairs[:, 0]], ngram_sizes[pairs[:, 1]], cos)
    share = np.full(len(pairs), np.nan, np.float32)
    joined = np.zeros(len(pairs), dtype=bool)
    todo = np.flatnonzero(chk)
    if cfg.merge_guard and cfg.skip_joined and todo.size:
        n = int(pairs.max()) + 1
        ok = accept.copy()
        strength = np.nan_to_num(cos.astype(np.float64), nan=-1.0) + 1e-3 * unigram_jaccard
        for round_ in range(cfg.check_rounds + 1):
            labels = cluster_labels(cfg, n, pairs, {"verified": ok, "share": share}, lengths,
                                    guard_check or check)
            la, lb = labels[pairs[todo, 0]], labels[pairs[todo, 1]]
            joined[todo[la == lb]] = True
            keep = la != lb
            todo, la, lb = todo[keep], la[keep], lb[keep]
            if not todo.size or round_ == cfg.check_rounds:
                break
            # one pair per pair of clusters, the strongest first
            group = np.minimum(la, lb) * n + np.maximum(la, lb)
            order = np.lexsort((todo, -strength[todo], group))
            first = np.concatenate([[True], group[order][1:] != group[order][:-1]])
            pick = np.sort(todo[order][first])
            share[pick] = check(pairs[pick])
            ok[pick] = versions(cfg, share[pick], lengths[pairs[pick, 0]], lengths[pairs[pick, 1]])
            todo = np.setdiff1d(todo, pick, assume_unique=True)
        chk = chk & ~joined
    if todo.size:
        share[todo] = check(pairs[todo])
    rel = relation(cfg, share, lengths[pairs[:, 0]], lengths[pairs[:, 1]])
    verified = accept | (chk & (rel > 0))
    # accepted unchecked: the same text when the n-grams say so, else (high containment only) contained
    rel = np.where(accept, np.where((method == METHOD_CODE[EXACT]) | (ngram_jaccard >= cfg.accept_jaccard),
                                    SAME_TEXT, CONTAINED), np.where(chk, rel, NOT_VERSIONS)).astype(np.int8)
    return {"keep": accept | chk | joined, "verified": verified, "jaccard": ngram_jaccard, "cosine": cos, "share": share,
            "checked": chk, "joined": joined, "relation": rel}


def cluster_labels(cfg: ClusterConfig, n: int, pairs: np.ndarray, verdict: dict[str, np.ndarray],
                   lengths: np.ndarray, check: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Cluster label per document from the verified pairs (guarded merges unless ``merge_guard`` is off).

    Shared by every backend; ``check`` is the same ``check(pairs) -> shares`` as :func:`decide`'s.
    The guard exists because one wrong pair otherwise strings whole clusters together.
    """
    ok = verdict["verified"]
    if not cfg.merge_guard:
        return union_find(n, pairs[ok])
    # unchecked (accepted) pairs are the strongest, then by aligned share
    strength = np.nan_to_num(verdict["share"][ok].astype(np.float64), nan=2.0)

    def are_versions(p: np.ndarray) -> np.ndarray:
        return versions(cfg, check(p), lengths[p[:, 0]], lengths[p[:, 1]])

    return guarded_union(n, pairs[ok], strength, are_versions)


def evidence(cfg: ClusterConfig, pairs: np.ndarray, method: np.ndarray, sig_ngram: np.ndarray, ngram_sizes: np.ndarray,
             sig_unigram: np.ndarray | None, vecs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated n-gram Jaccard, unigram Jaccard (zeros without unigrams) and vector cosine (NaN without).

    The cosine is computed only for pairs that :func:`triage` accepts or
    would check on the Jaccards alone (NaN for the rest, which the cosine
    cannot bring back): most candidate pairs are dropped on their Jaccards,
    and each cosine gathers 2 KB of vectors.
    """
    from storydiff.corpus.semantic import pair_cosines

    ngram_jaccard = estimate_jaccard(sig_ngram, pairs)
    unigram_jaccard = estimate_jaccard(sig_unigram, pairs) if sig_unigram is not None else np.zeros(len(pairs), np.float32)
    cos = np.full(len(pairs), np.nan, np.float32)
    if vecs is not None and len(pairs):
        accept, chk = triage(cfg, method, ngram_jaccard, unigram_jaccard, ngram_sizes[pairs[:, 0]], ngram_sizes[pairs[:, 1]])
        need = np.flatnonzero(accept | chk)
        cos[need] = pair_cosines(vecs, pairs[need])
    return ngram_jaccard, unigram_jaccard, cos
