"""Clusters of versions: connected components of verified pairs, with evidence.

:func:`union_find` labels components (scipy's ``connected_components``, which
is union-find's result computed in C); :func:`guarded_union` merges verified
pairs strongest first, confirming each merge of two clusters; a cluster's
origin is chosen in :mod:`storydiff.corpus.origin`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


def union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` items joined by ``pairs``.

    Labels are int64 in ``0..components-1``, numbered by each component's
    smallest member, so they are deterministic.

    Example:
        >>> union_find(4, np.array([[0, 2]])).tolist()
        [0, 1, 0, 2]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # renumber by first appearance so labels do not depend on scipy's choice
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[labels]


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Why two documents are versions of each other.

    Attributes:
        a, b: document ids.
        method: the step that proposed the pair: ``exact``, ``minhash`` or ``semantic``.
        jaccard: estimated word n-gram Jaccard (MinHash).
        cosine: document-embedding cosine after principal-component removal, if computed.
        aligned_share: share of the shorter document's sentences aligned, if checked.
        relation: ``same`` (one text) or ``contained`` (the shorter inside the longer).
    """

    a: str
    b: str
    method: str
    jaccard: float | None
    cosine: float | None
    aligned_share: float | None
    relation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(float(v), 4)  # noqa: E731
        return {"a": self.a, "b": self.b, "method": self.method, "jaccard": r(self.jaccard),
                "cosine": r(self.cosine), "aligned_share": r(self.aligned_share), "relation": self.relation}


@dataclass(frozen=True, slots=True)
class Cluster:
    """A set of documents that are versions of one story.

    Attributes:
        id: stable id (``c`` + the smallest member's position, zero-padded).
        members: member ids, sorted.
        origin: the origin (the root of the stored stemma, else the earliest dated member), or ``None``.
        evidence: the verified pairs inside the cluster.
        origin_reason: how the origin was chosen, or why none could be.
        title: the start of the origin's (else the first member's) first line, for a listing.
        first_date, last_date: the earliest and latest member dates (ISO 8601), if any.
        stemma: the stored stemma of the members (``corpus stemma``): ``edges`` (``from``, ``to``,
            ``kind``, ``confidence``, ``decided_by``, ``evidence``, ``changes``, as in
            ``storydiff.collation/1``), ``roots``, ``hypothetical``, ``unrelated``, ``method``; ``None``
            when none is stored (or it was not read).
    """

    id: str
    members: tuple[str, ...]
    origin: str | None
    evidence: tuple[PairEvidence, ...] = ()
    origin_reason: str | None = None
    title: str = ""
    first_date: str | None = None
    last_date: str | None = None
    stemma: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "size": len(self.members), "title": self.title, "members": list(self.members),
                "origin": self.origin, "origin_reason": self.origin_reason,
                "first_date": self.first_date, "last_date": self.last_date,
                "evidence": [e.to_dict() for e in self.evidence], "stemma": self.stemma}


def components(labels: np.ndarray) -> list[np.ndarray]:
    """Member indices of every component with at least two members, by smallest member."""
    order = np.argsort(labels, kind="stable")
    sl = labels[order]
    edge = np.flatnonzero(sl[1:] != sl[:-1]) + 1
    groups = np.split(order, edge)
    return sorted((g for g in groups if g.size >= 2), key=lambda g: int(g.min()))


def guarded_union(n: int, pairs: np.ndarray, strength: np.ndarray,
                  are_versions: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Components of verified ``pairs`` where a merge of two clusters must be confirmed.

    Pairs are taken strongest first. Joining a lone document to a cluster is
    free; joining two clusters (two or more members each) also needs one of
    (root A, root B), (root A, b), (a, root B) to be versions, the root
    being the member a cluster started from, its strongest pair's end. One
    wrong pair then no longer strings two clusters together, which plain
    union-find does at scale (the medoid check of the feasibility study).

    Args:
        n: documents.
        pairs: ``(m, 2)`` verified pairs.
        strength: per pair, larger = merged earlier (ties by the pair's indices).
        are_versions: ``are_versions(pairs (k, 2)) -> bool (k,)``, the verification rule.

    Returns:
        Labels as :func:`union_find` numbers them.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], -np.asarray(strength, dtype=np.float64)))
    parent = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    root = np.arange(n, dtype=np.int64)  # the member each component started from

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for a, b in pairs[order].tolist():
        ca, cb = find(a), find(b)
        if ca == cb:
            continue
        if size[ca] > 1 and size[cb] > 1:
            ra, rb = int(root[ca]), int(root[cb])
            tries = list(dict.fromkeys((x, y) for x, y in ((ra, rb), (ra, b), (a, rb)) if (x, y) != (a, b) and x != y))
            if tries and not any(bool(are_versions(np.array([t], dtype=np.int64))[0]) for t in tries):
                continue
        keep = ca if size[ca] > size[cb] or (size[ca] == size[cb] and ca < cb) else cb
        other = cb if keep == ca else ca
        if size[keep] == 1:  # a pair of lone documents: the first end is the root
            root[keep] = a
        parent[other] = keep
        size[keep] += size[other]
    comp = np.array([find(i) for i in range(n)], dtype=np.int64)
    return union_find(n, np.stack([np.arange(n, dtype=np.int64), comp], axis=1))
