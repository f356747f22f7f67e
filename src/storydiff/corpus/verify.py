"""Checking a candidate pair at sentence level: are these versions of one text?

The score is the share of the shorter document's sentences (shorter by
characters), weighted by their words, whose best match in the other document
has a sentence-embedding cosine of at least ``sentence_cos``. Weighting by
words keeps short generic sentences ("The Lord said to Moses:") from carrying
a pair of unrelated texts on the same topic. The other document offers its sentences
and also their clauses (split at ``; : ,``, at least four words each), so a
sentence that another version split or merged still finds its counterpart. It is the cheap cousin
of ``storydiff.align`` (which also finds splits, merges and moves and is far
too slow for millions of pairs): one embedding per sentence, one small matrix
product per pair.

Thresholds were measured on the parallel Bible (1,500 random verses,
WordLlama): the same verse in WEB and KJV has cosine p10/p50 0.58/0.82, WEB
and YLT 0.51/0.72, while a verse's best match among 24 unrelated verses has
p50 0.30 and p99 0.54. On 150 passages of 4-7 paragraphs each, with
``sentence_cos=0.6`` and a pair accepted at a share of 0.6
(``ClusterConfig.verify_threshold``), 0.99 of KJV re-wordings and 0.83 of YLT
ones are accepted, and none of 150 unrelated passages sharing one paragraph
nor of 150 passages from nearby chapters. Counting sentences instead of words
at 0.5 accepted 0.99 / 0.88 but also 0.05 of the passages sharing a paragraph;
without the clauses YLT fell to 0.57.

Sentences here are split on ``. ! ?`` followed by a space and on line breaks,
which is enough for a share; reports use :mod:`storydiff.segment`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from storydiff.embed import Encoder

_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
_CLAUSE = re.compile(r"(?<=[;:,])\s+")
_WORDY = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` for verification (pieces with at least one word character)."""
    return [s.strip() for s in _SPLIT.split(text) if _WORDY.search(s)]


def units(sentences: list[str]) -> list[str]:
    """Clauses (of at least four words) of sentences that have more than one."""
    out = []
    for sentence in sentences:
        parts = [c for c in _CLAUSE.split(sentence) if len(c.split()) >= 4]
        if len(parts) > 1:
            out.extend(parts)
    return out


def _embed(sentences: list[str], encoder: str | Encoder) -> np.ndarray:
    if not sentences:
        return np.zeros((0, 1), dtype=np.float32)
    if isinstance(encoder, str):
        from storydiff.corpus.semantic import embed_documents

        return embed_documents(sentences, encoder=encoder)
    return np.asarray(encoder.encode(sentences), dtype=np.float32)


def aligned_share(ea: np.ndarray, eb: np.ndarray, *, sentence_cos: float = 0.6,
                  weights: np.ndarray | None = None) -> float:
    """Share of ``ea``'s sentences (rows, weighted by ``weights``) whose best match in ``eb`` reaches ``sentence_cos``."""
    if len(ea) == 0 or len(eb) == 0:
        return 0.0
    ok = (ea @ eb.T).max(axis=1) >= sentence_cos
    w = np.ones(len(ea)) if weights is None else np.asarray(weights, dtype=np.float64)
    return float((w * ok).sum() / max(w.sum(), 1e-9))


def _words(sentences: list[str]) -> np.ndarray:
    return np.array([len(s.split()) for s in sentences], dtype=np.float64)


def verify_pair(text_a: str, text_b: str, *, encoder: str | Encoder = "wordllama",
                sentence_cos: float = 0.6) -> float:
    """Share of the shorter text's sentences (weighted by words) aligned to the other text (0..1).

    Example:
        >>> verify_pair("It rained. We stayed in.", "We stayed in. It rained all day.") >= 0.5
        True
    """
    if len(text_a) > len(text_b):
        text_a, text_b = text_b, text_a
    sa, sb = split_sentences(text_a), split_sentences(text_b)
    return aligned_share(_embed(sa, encoder), _embed(sb + units(sb), encoder), sentence_cos=sentence_cos,
                         weights=_words(sa))


def verify_pairs(texts: Sequence[str], pairs: np.ndarray, *, encoder: str | Encoder = "wordllama",
                 sentence_cos: float = 0.6, chunk_docs: int = 4096) -> np.ndarray:
    """:func:`verify_pair` for every row of ``pairs`` (indices into ``texts``), float32.

    Each document's sentences are embedded once per chunk of pairs, so the
    cost is one embedding per sentence plus one small matrix product per pair.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=np.float32)
    if not len(pairs):
        return out
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    start = 0
    while start < len(order):
        # grow the chunk until it touches chunk_docs distinct documents
        seen: dict[int, int] = {}
        stop = start
        while stop < len(order) and len(seen) < chunk_docs:
            for d in pairs[order[stop]]:
                seen.setdefault(int(d), len(seen))
            stop += 1
        docs = list(seen)
        sents = [split_sentences(texts[d]) for d in docs]
        # per document: its sentences, then its clauses
        pieces = [ss + units(ss) for ss in sents]
        emb = _embed([s for ps in pieces for s in ps], encoder)
        bounds = np.concatenate([[0], np.cumsum([len(ps) for ps in pieces])])
        n_sent = [len(ss) for ss in sents]
        weights = [_words(ss) for ss in sents]
        for row in order[start:stop]:
            a, b = (int(x) for x in pairs[row])
            if len(texts[a]) > len(texts[b]):
                a, b = b, a
            ia, ib = seen[a], seen[b]
            out[row] = aligned_share(emb[bounds[ia] : bounds[ia] + n_sent[ia]], emb[bounds[ib] : bounds[ib + 1]],
                                     sentence_cos=sentence_cos, weights=weights[ia])
        start = stop
    return out
