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

import contextlib
import re
from collections.abc import Mapping, Sequence

import numpy as np

from storydiff.embed import Encoder

_SENTENCE = re.compile(r"[^\n]+?(?:[.!?][\"'”’)\]]*(?=\s)|$)", re.MULTILINE)
_CLAUSE_BREAK = re.compile(r"(?<=[;:,])\s+")
_WORDY = re.compile(r"\w")


def sentence_spans(text: str) -> np.ndarray:
    """``(k, 2)`` character spans of the sentences of ``text`` (split at ``. ! ?`` + space and line breaks)."""
    spans = []
    for m in _SENTENCE.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        if _WORDY.search(text, a, b):
            spans.append((a, b))
    return np.asarray(spans, dtype=np.int64).reshape(-1, 2)


def clause_spans(text: str, sentences: np.ndarray) -> np.ndarray:
    """Spans of the clauses (split at ``; : ,``, at least four words) of sentences that have several."""
    out = []
    for a, b in sentences.tolist():
        parts, pos = [], a
        for m in _CLAUSE_BREAK.finditer(text, a, b):
            parts.append((pos, m.start()))
            pos = m.end()
        parts.append((pos, b))
        parts = [(x, y) for x, y in parts if len(text[x:y].split()) >= 4]
        if len(parts) > 1:
            out.extend(parts)
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as used for verification."""
    return [text[a:b] for a, b in sentence_spans(text).tolist()]


def _units(texts: Sequence[str], encoder: str | Encoder) -> tuple[np.ndarray, list[tuple[int, int, int]], list[np.ndarray]]:
    """Per text: its sentences then its clauses, embedded; bounds (start, n_sentences, end) and word weights."""
    spans, bounds, weights, base = [], [], [], 0
    for t in texts:
        sent = sentence_spans(t)
        both = np.concatenate([sent, clause_spans(t, sent)])
        spans.append(both)
        bounds.append((base, base + len(sent), base + len(both)))
        weights.append(np.array([len(t[a:b].split()) for a, b in sent.tolist()], dtype=np.float64))
        base += len(both)
    if isinstance(encoder, str):
        from storydiff.corpus.semantic import embed_spans

        emb = embed_spans(texts, spans, encoder=encoder)
    else:
        pieces = [t[a:b] for t, sp in zip(texts, spans) for a, b in sp.tolist()]
        emb = np.asarray(encoder.encode(pieces), dtype=np.float32) if pieces else np.zeros((0, 1), np.float32)
    return emb, bounds, weights


def aligned_share(ea: np.ndarray, eb: np.ndarray, *, sentence_cos: float = 0.6,
                  weights: np.ndarray | None = None) -> float:
    """Share of ``ea``'s rows (weighted by ``weights``) whose best match in ``eb`` reaches ``sentence_cos``."""
    if len(ea) == 0 or len(eb) == 0:
        return 0.0
    ok = (ea @ eb.T).max(axis=1) >= sentence_cos
    w = np.ones(len(ea)) if weights is None else np.asarray(weights, dtype=np.float64)
    return float((w * ok).sum() / max(w.sum(), 1e-9))


def _one_blas_thread():  # type: ignore[no-untyped-def]
    # Thousands of tiny matrix products: BLAS threads only add hand-off costs,
    # which on a busy machine are larger than the products themselves.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _locality_order(pairs: np.ndarray) -> np.ndarray:
    """Pairs grouped by connected component, so that a chunk's documents are
    mostly its own and each document is embedded about once (ordering by the
    first index alone re-embeds the second documents in every chunk)."""
    if not len(pairs):
        return np.zeros(0, dtype=np.int64)
    from storydiff.corpus.cluster import union_find

    docs, inverse = np.unique(pairs, return_inverse=True)
    local = inverse.reshape(-1, 2)
    labels = union_find(len(docs), local)
    return np.lexsort((local[:, 1], local[:, 0], labels[local[:, 0]]))


def verify_pair(text_a: str, text_b: str, *, encoder: str | Encoder = "wordllama",
                sentence_cos: float = 0.6) -> float:
    """Share of the shorter text's sentences (weighted by words) aligned to the other text (0..1).

    Example:
        >>> verify_pair("It rained. We stayed in.", "We stayed in. It rained all day.") >= 0.5
        True
    """
    return float(verify_pairs([text_a, text_b], np.array([[0, 1]]), encoder=encoder, sentence_cos=sentence_cos)[0])


def verify_pairs(texts: Sequence[str] | Mapping[int, str], pairs: np.ndarray, *,
                 encoder: str | Encoder = "wordllama", sentence_cos: float = 0.6,
                 chunk_docs: int = 4096) -> np.ndarray:
    """:func:`verify_pair` for every row of ``pairs`` (indices into ``texts``), float32.

    Each document is tokenised and its sentences and clauses embedded once per
    chunk of pairs; then each pair costs one small matrix product.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=np.float32)
    order = _locality_order(pairs)
    start = 0
    while start < len(order):
        # grow the chunk until it touches chunk_docs distinct documents
        seen: dict[int, int] = {}
        stop = start
        while stop < len(order) and len(seen) < chunk_docs:
            for d in pairs[order[stop]]:
                seen.setdefault(int(d), len(seen))
            stop += 1
        emb, bounds, weights = _units([texts[d] for d in seen], encoder)
        with _one_blas_thread():
            for row in order[start:stop]:
                a, b = (int(x) for x in pairs[row])
                if len(texts[a]) > len(texts[b]):
                    a, b = b, a
                (sa, na, _), (sb, _, eb) = bounds[seen[a]], bounds[seen[b]]
                out[row] = aligned_share(emb[sa:na], emb[sb:eb], sentence_cos=sentence_cos,
                                         weights=weights[seen[a]])
        start = stop
    return out
