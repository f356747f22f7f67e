"""Passage reuse: passages shared by otherwise different documents, and the reuse clusters they form.

Clustering asks whether two documents are versions of one text; this asks
which *passages* two documents share — a quote, a paragraph of wire copy, a
reused answer — whatever the rest of each document is (what Passim and
TextPAIR do). Three steps, each a pure function that every backend calls:

1. :func:`document_ngrams` — each document's distinct word n-gram hashes (5-grams:
   long enough to be rare, short enough to survive light rewording);
2. :func:`candidate_pairs_from_postings` — documents that share at least
   ``min_shared`` n-grams, ignoring n-grams in more than ``max_df`` documents
   (boilerplate: menus, bylines, formulae);
3. :func:`align_pair` — the shared n-grams of one pair chained along the
   diagonal (gaps up to ``max_gap`` words on either side), each chain a passage
   with character offsets on both sides, its words and a similarity
   (rapidfuzz's normalised Indel similarity of the two spans, 0..1).

:func:`reuse_clusters` then joins the passages that overlap inside one document:
the same passage found in many documents is one reuse cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storydiff.corpus.shingles import _POLY, _fmix64_inplace, token_spans


@dataclass(frozen=True, slots=True, kw_only=True)
class ReuseConfig:
    """Settings of a reuse search.

    Attributes:
        min_words: a passage has at least this many words on each side.
        ngram: words per n-gram.
        max_df: n-grams in more documents than this are boilerplate, not evidence.
        min_shared: a pair of documents is aligned only when it shares this many distinct n-grams.
        max_gap: words between two matched n-grams of one passage, on either side.
        min_similarity: passages less similar than this (0..1) are dropped.
        cluster_overlap: passages of one document that overlap by this share of the shorter are one passage.
    """

    min_words: int = 30
    ngram: int = 5
    max_df: int = 100
    min_shared: int = 5
    max_gap: int = 20
    min_similarity: float = 0.5
    cluster_overlap: float = 0.5


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage of document ``a`` reused in document ``b`` (character offsets, end exclusive).

    Attributes:
        a, b: document ids (``a`` sorts first).
        a_start, a_end, b_start, b_end: the passage in each document's text.
        words: words of the passage (the shorter side).
        similarity: rapidfuzz normalised Indel similarity of the two spans (1.0 = verbatim).
        a_text, b_text: the passage as each document has it (``text[start:end]``).
        cluster: id of its reuse cluster.
    """

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    words: int
    similarity: float
    a_text: str
    b_text: str
    cluster: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "a_start": self.a_start, "a_end": self.a_end, "b": self.b, "b_start": self.b_start,
                "b_end": self.b_end, "words": self.words, "similarity": round(self.similarity, 4),
                "cluster": self.cluster, "a_text": self.a_text, "b_text": self.b_text}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a reuse cluster's passage occurs: a document, a character span and its text."""

    doc: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class ReuseCluster:
    """One passage found in several documents.

    Attributes:
        id: ``r`` + a number, largest cluster first.
        occurrences: every document span in the cluster, by document id then start.
        documents: distinct documents.
        preview: the start of the first occurrence's text.
    """

    id: str
    occurrences: tuple[Occurrence, ...]
    documents: int
    preview: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "documents": self.documents, "preview": self.preview,
                "occurrences": [o.to_dict() for o in self.occurrences]}


@dataclass(frozen=True, slots=True)
class Reuse:
    """Everything a reuse search found.

    Attributes:
        passages: reused passages, by ``(a, a_start, b, b_start)``.
        clusters: reuse clusters, largest first.
        documents: documents searched.
        candidate_pairs: document pairs aligned.
    """

    passages: tuple[Passage, ...]
    clusters: tuple[ReuseCluster, ...]
    documents: int
    candidate_pairs: int

    def by_document(self) -> dict[str, list[dict[str, Any]]]:
        """Each document's reused passages: its span, the other document's, the cluster."""
        out: dict[str, list[dict[str, Any]]] = {}
        for p in self.passages:
            for doc, s, e, other, os_, oe in ((p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end),
                                              (p.b, p.b_start, p.b_end, p.a, p.a_start, p.a_end)):
                out.setdefault(doc, []).append({"start": s, "end": e, "other": other, "other_start": os_,
                                                "other_end": oe, "words": p.words,
                                                "similarity": round(p.similarity, 4), "cluster": p.cluster})
        return {d: sorted(v, key=lambda r: (r["start"], r["other"], r["other_start"])) for d, v in sorted(out.items())}

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "candidate_pairs": self.candidate_pairs,
                "passages": [p.to_dict() for p in self.passages], "clusters": [c.to_dict() for c in self.clusters],
                "by_document": self.by_document()}


def _ngram_positions(th: np.ndarray, n: int) -> np.ndarray:
    """Hash of every window of ``n`` token hashes (one document), in order."""
    m = th.size - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64)
    h = th[:m].copy()
    for j in range(1, n):
        h *= _POLY
        h += th[j : j + m]
    return _fmix64_inplace(h)


def document_ngrams(texts: Sequence[str], cfg: ReuseConfig) -> list[np.ndarray]:
    """Distinct n-gram hashes (sorted uint64) of each text."""
    th, off, _, _ = token_spans(texts)
    return [np.unique(_ngram_positions(th[off[i] : off[i + 1]], cfg.ngram)) for i in range(len(texts))]


def candidate_pairs_from_postings(hashes: np.ndarray, docs: np.ndarray, cfg: ReuseConfig) -> np.ndarray:
    """Document pairs ``(i, j)``, ``i < j``, sharing at least ``min_shared`` n-grams of df ≤ ``max_df``.

    Args:
        hashes, docs: one row per distinct (n-gram, document).

    Returns:
        ``(m, 2)`` int64, sorted.
    """
    order = np.lexsort((docs, hashes))
    h, d = hashes[order], docs[order].astype(np.int64)
    if not h.size:
        return np.zeros((0, 2), np.int64)
    starts = np.flatnonzero(np.concatenate([[True], h[1:] != h[:-1]]))
    sizes = np.diff(np.append(starts, h.size))
    keep = (sizes >= 2) & (sizes <= cfg.max_df)
    group = np.repeat(np.arange(starts.size), sizes)
    mask = keep[group]
    d, group = d[mask], group[mask]
    codes = []
    for k in range(1, min(cfg.max_df, int(sizes[keep].max()) if keep.any() else 1)):
        same = group[k:] == group[:-k]
        if not same.any():
            break
        codes.append(d[:-k][same] * (1 << 32) + d[k:][same])
    if not codes:
        return np.zeros((0, 2), np.int64)
    pair_codes, counts = np.unique(np.concatenate(codes), return_counts=True)
    pair_codes = pair_codes[counts >= cfg.min_shared]
    return np.stack([pair_codes >> 32, pair_codes & 0xFFFFFFFF], axis=1).astype(np.int64)


def _chains(pa_: np.ndarray, pb: np.ndarray, max_gap: int) -> list[tuple[int, int, int, int, int]]:
    """Matches ``(pa_, pb)`` (sorted by a) chained along the diagonal: (a_first, a_last, b_first, b_last, count)."""
    open_: list[list[int]] = []  # [a_first, a_last, b_first, b_last, count]
    done: list[tuple[int, int, int, int, int]] = []
    for a, b in zip(pa_.tolist(), pb.tolist()):
        best = None
        for c in open_:
            if a - c[1] > max_gap:
                continue
            if c[3] < b <= c[3] + max_gap and abs((b - c[3]) - (a - c[1])) <= max_gap and a > c[1]:
                if best is None or abs((b - c[3]) - (a - c[1])) < abs((b - best[3]) - (a - best[1])):
                    best = c
        if best is not None:
            best[1], best[3], best[4] = a, b, best[4] + 1
        else:
            open_.append([a, a, b, b, 1])
        still = []
        for c in open_:
            (still if a - c[1] <= max_gap else done).append(c)  # type: ignore[arg-type]
        open_ = still
    done.extend(tuple(c) for c in open_)  # type: ignore[misc]
    return sorted(tuple(c) for c in done)  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class _Tokens:
    """One text's n-grams in order, the same sorted (with their positions), and its token character spans."""

    grams: np.ndarray
    order: np.ndarray
    sorted: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def _prepare(texts: Sequence[str], n: int) -> list[_Tokens]:
    """Tokens and n-grams of each text, tokenised as one batch (the same as one at a time)."""
    th, off, cs, ce = token_spans(texts)
    out = []
    for i in range(len(texts)):
        g = _ngram_positions(th[off[i] : off[i + 1]], n)
        order = np.argsort(g, kind="stable")
        out.append(_Tokens(g, order, g[order], cs[off[i] : off[i + 1]], ce[off[i] : off[i + 1]]))
    return out


def align_pair(text_a: str, text_b: str, cfg: ReuseConfig) -> list[tuple[int, int, int, int, int, float]]:
    """The passages two texts share: ``(a_start, a_end, b_start, b_end, words, similarity)``, by ``a_start``."""
    ta, tb = _prepare([text_a, text_b], cfg.ngram)
    return _align(ta, tb, text_a, text_b, cfg)


def _align(ta: _Tokens, tb: _Tokens, text_a: str, text_b: str,
           cfg: ReuseConfig) -> list[tuple[int, int, int, int, int, float]]:
    from rapidfuzz.distance import Indel

    n = cfg.ngram
    if not ta.grams.size or not tb.grams.size:
        return []
    # sorted needles: numpy's binary search starts from the previous answer, several times faster
    lo, hi = np.searchsorted(tb.sorted, ta.sorted, "left"), np.searchsorted(tb.sorted, ta.sorted, "right")
    hi = np.minimum(hi, lo + 8)  # a phrase repeated many times in b: its first few places are enough
    reps = hi - lo
    if not reps.any():
        return []
    pa_ = np.repeat(ta.order, reps)
    idx = np.repeat(lo - np.cumsum(np.concatenate([[0], reps[:-1]])), reps) + np.arange(int(reps.sum()))
    pb = tb.order[idx]
    sort = np.lexsort((pb, pa_))
    out = []
    for a0, a1, b0, b1, _ in _chains(pa_[sort], pb[sort], cfg.max_gap):
        words = min(a1 - a0, b1 - b0) + n
        if words < cfg.min_words:
            continue
        s = (int(ta.starts[a0]), int(ta.ends[a1 + n - 1]), int(tb.starts[b0]), int(tb.ends[b1 + n - 1]))
        sim = Indel.normalized_similarity(text_a[s[0] : s[1]].lower(), text_b[s[2] : s[3]].lower())
        if sim >= cfg.min_similarity:
            out.append((*s, int(words), float(sim)))
    return out


def align_pairs(texts: dict[int, str], pairs: np.ndarray, cfg: ReuseConfig) -> list[tuple[Any, ...]]:
    """:func:`align_pair` for each row of ``pairs``, each text tokenised once.

    Returns:
        Rows ``(i, j, a_start, a_end, b_start, b_end, words, similarity, a_text, b_text)``.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    docs = sorted({int(d) for d in pairs.ravel()})
    prepared = dict(zip(docs, _prepare([texts[d] for d in docs], cfg.ngram)))
    rows: list[tuple[Any, ...]] = []
    for i, j in pairs.tolist():
        ta, tb = texts[i], texts[j]
        rows.extend((i, j, *p, ta[p[0] : p[1]], tb[p[2] : p[3]])
                    for p in _align(prepared[i], prepared[j], ta, tb, cfg))
    return rows


def reuse_clusters(rows: list[tuple[Any, ...]], ids: dict[int, str], cfg: ReuseConfig, documents: int,
                   candidates: int) -> Reuse:
    """Passages joined into reuse clusters: two sides of a passage, and overlapping spans of one document.

    Args:
        rows: from :func:`align_pairs`.
        ids: document id of each position in the rows.
        documents, candidates: counts for the summary.
    """
    from storydiff.corpus.grouping import union_find

    # side a is the document whose id sorts first, whatever order the backend found the pair in
    rows = [r if ids[r[0]] <= ids[r[1]] else (r[1], r[0], r[4], r[5], r[2], r[3], r[6], r[7], r[9], r[8])
            for r in rows]
    rows = sorted(rows, key=lambda r: (ids[r[0]], r[2], ids[r[1]], r[4], r[3], r[5]))
    sides = ([(r[0], r[2], r[3], k, 0, r[8]) for k, r in enumerate(rows)]
             + [(r[1], r[4], r[5], k, 1, r[9]) for k, r in enumerate(rows)])
    sides.sort(key=lambda s: (s[0], s[1], s[2]))
    edges = [(k, k + len(rows)) for k in range(len(rows))]  # node = passage side: k (a side) or k + len (b side)
    node = [s[3] + s[4] * len(rows) for s in sides]
    for x in range(len(sides)):  # overlapping spans of one document are one passage
        d, s0, e0 = sides[x][:3]
        for y in range(x + 1, len(sides)):
            d1, s1, e1 = sides[y][:3]
            if d1 != d or s1 >= e0:
                break
            if min(e0, e1) - s1 >= cfg.cluster_overlap * min(e0 - s0, e1 - s1):
                edges.append((node[x], node[y]))
    labels = union_find(2 * len(rows), np.asarray(edges, dtype=np.int64).reshape(-1, 2))
    groups: dict[int, list[Occurrence]] = {}
    for d, s0, e0, k, side, text in sides:
        groups.setdefault(int(labels[k + side * len(rows)]), []).append(Occurrence(ids[d], s0, e0, text))
    ordered = sorted(groups.items(), key=lambda g: (-len({o.doc for o in g[1]}), min((o.doc, o.start) for o in g[1])))
    names = {label: f"r{i + 1}" for i, (label, _) in enumerate(ordered)}
    clusters = []
    for label, occ in ordered:
        occ = sorted(set(occ), key=lambda o: (o.doc, o.start, o.end))
        preview = " ".join(occ[0].text.split())[:120]
        clusters.append(ReuseCluster(names[label], tuple(occ), len({o.doc for o in occ}), preview))
    passages = tuple(Passage(ids[r[0]], r[2], r[3], ids[r[1]], r[4], r[5], r[6], r[7], r[8], r[9],
                             names[int(labels[k])]) for k, r in enumerate(rows))
    return Reuse(passages, tuple(clusters), documents, candidates)
