"""Semantic candidates: documents that tell the same story in other words.

Document vectors are WordLlama's (the same offline model as ``compare``):
the average of the token embeddings. We compute that average as a sparse
document x vocabulary count matrix times the embedding table, which gives
``WordLlama.embed``'s vectors about twice as fast (no padded batches).

Raw averaged vectors sit on a narrow cone and their top principal components
carry *style* (translation, house style) rather than content: a re-worded
copy's nearest neighbours are then other texts in its style, not its source.
So vectors are centred and the top ``drop_pcs`` principal components, fitted
on a seeded sample, are projected out ("all-but-the-top"); measured on the
feasibility corpus this lifted usearch kNN@10 recall of re-worded copies from
0.55 to 0.98.

Neighbours: exact (blocked matrix products) up to :data:`EXACT_MAX` documents,
usearch HNSW (cosine, f16) above. kNN pairs are candidates only: cosine does
not verify them (see :mod:`storydiff.corpus.verify`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

EXACT_MAX = 20_000


def _wordllama(encoder_name: str):  # type: ignore[no-untyped-def]
    from storydiff.embed import get_encoder

    enc = get_encoder(encoder_name)
    return enc, getattr(enc, "_wl", None)


@functools.cache
def _token_table(encoder_name: str) -> tuple[Any, np.ndarray] | None:
    """WordLlama's tokenizer without padding (a private copy: the shared one pads) and its table."""
    _, wl = _wordllama(encoder_name)
    if wl is None:
        return None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(wl.tokenizer.to_str())
    tok.no_padding()
    tok.no_truncation()
    return tok, np.asarray(wl.embedding, dtype=np.float32)


def _normalise_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def _pool(rows: np.ndarray, cols: np.ndarray, n_rows: int, table: np.ndarray) -> np.ndarray:
    """Mean of table rows ``cols`` grouped by ``rows`` (sparse counts x table), L2-normalised."""
    from scipy.sparse import csr_matrix

    counts = csr_matrix((np.ones(cols.size, np.float32), (rows, cols)), shape=(n_rows, table.shape[0]))
    sizes = np.bincount(rows, minlength=n_rows).astype(np.float32)
    return _normalise_rows(np.asarray(counts @ table) / np.maximum(sizes, 1)[:, None])


def embed_documents(texts: Sequence[str], *, encoder: str = "wordllama", batch_size: int = 256) -> np.ndarray:
    """L2-normalised float32 document vectors, one row per text.

    Uses sparse pooling over WordLlama's token table when the encoder is
    WordLlama (the same vectors as ``WordLlama.embed``, normalised); any other
    encoder's ``encode`` otherwise.
    """
    tt = _token_table(encoder)
    if tt is None:
        return _wordllama(encoder)[0].encode(list(texts))
    tok, table = tt
    out = np.empty((len(texts), table.shape[1]), dtype=np.float32)
    for i in range(0, len(texts), batch_size):
        encs = tok.encode_batch(list(texts[i : i + batch_size]), add_special_tokens=False)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encs]
        lens = np.array([x.size for x in ids], dtype=np.int64)
        cols = np.clip(np.concatenate(ids), 0, table.shape[0] - 1) if ids else np.zeros(0, np.int64)
        out[i : i + len(ids)] = _pool(np.repeat(np.arange(len(ids)), lens), cols, len(ids), table)
    return out


def embed_spans(texts: Sequence[str], spans: Sequence[np.ndarray], *, encoder: str = "wordllama") -> np.ndarray:
    """Vectors of character spans of texts, each text tokenised once.

    Args:
        texts: documents.
        spans: per document, an ``(k, 2)`` int array of ``[start, end)`` character spans.
        encoder: embedding model name.

    Returns:
        ``(sum k, d)`` float32, L2-normalised, spans in order. A token belongs
        to a span when its last character lies inside it.
    """
    tt = _token_table(encoder)
    if tt is None:
        pieces = [texts[i][a:b] for i, sp in enumerate(spans) for a, b in sp]
        return _wordllama(encoder)[0].encode(pieces) if pieces else np.zeros((0, 1), np.float32)
    tok, table = tt
    encs = tok.encode_batch(list(texts), add_special_tokens=False)
    rows, cols, base = [], [], 0
    for enc, sp in zip(encs, spans):
        ids = np.asarray(enc.ids, dtype=np.int64)
        ends = np.asarray([o[1] for o in enc.offsets], dtype=np.int64)
        sp = np.asarray(sp, dtype=np.int64).reshape(-1, 2)
        lo = np.searchsorted(ends, sp[:, 0], side="right")
        hi = np.searchsorted(ends, sp[:, 1], side="right")
        n = np.maximum(hi - lo, 0)
        pos = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        rows.append(np.repeat(np.arange(base, base + len(sp)), n))
        cols.append(ids[pos])
        base += len(sp)
    if base == 0:
        return np.zeros((0, table.shape[1]), np.float32)
    return _pool(np.concatenate(rows), np.clip(np.concatenate(cols), 0, table.shape[0] - 1), base, table)


def fit_projection(vectors: np.ndarray, *, drop_pcs: int = 10, sample: int = 20_000,
                   seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and top principal directions of a seeded sample of ``vectors``.

    At most one component per 100 sampled documents is dropped (none below 100).

    Returns:
        ``(mean (d,), components (drop_pcs, d))``, float32.
    """
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False) if len(vectors) else []
    sub = np.asarray(vectors[np.sort(idx)], dtype=np.float64)
    mean = sub.mean(axis=0) if len(sub) else np.zeros(vectors.shape[1])
    # A component needs many documents behind it to be a corpus-wide style
    # direction rather than a few documents' content: at most one per 100.
    drop = min(drop_pcs, len(sub) // 100)
    if drop == 0:
        return mean.astype(np.float32), np.zeros((0, vectors.shape[1]), np.float32)
    _, _, vt = np.linalg.svd(sub - mean, full_matrices=False)
    # fix each component's sign so results do not depend on the LAPACK build
    signs = np.sign(vt[:drop, np.argmax(np.abs(vt[:drop]), axis=1)].diagonal())
    return mean.astype(np.float32), (vt[:drop] * signs[:, None]).astype(np.float32)


def project(vectors: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Centre, remove ``components``, re-normalise (float32)."""
    x = np.asarray(vectors, dtype=np.float32) - mean
    if len(components):
        x -= (x @ components.T) @ components
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def knn_pairs(vectors: np.ndarray, *, k: int = 10, min_cos: float = 0.5,
              threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Each document's ``k`` nearest neighbours as unique pairs with their cosine.

    Args:
        vectors: ``(n, d)`` L2-normalised float32.
        k: neighbours per document.
        min_cos: pairs below this cosine are dropped.
        threads: usearch search threads (HNSW only; the index is built on one
            thread so that the graph, and so the neighbours, are deterministic).

    Returns:
        ``(pairs (m, 2) int64 with i < j, sorted; cos (m,) float32)``.
    """
    n = len(vectors)
    if n < 2 or k < 1:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float32)
    kk = min(k, n - 1)
    nbrs = _exact_knn(vectors, kk) if n <= EXACT_MAX else _hnsw_knn(vectors, kk, threads)
    left = np.repeat(np.arange(n), nbrs.shape[1])
    right = nbrs.ravel()
    ok = (right >= 0) & (right != left)
    lo, hi = np.minimum(left[ok], right[ok]), np.maximum(left[ok], right[ok])
    codes = np.unique(lo * n + hi)
    pairs = np.stack([codes // n, codes % n], axis=1).astype(np.int64)
    cos = pair_cosines(vectors, pairs)
    keep = cos >= min_cos
    return pairs[keep], cos[keep]


def pair_cosines(vectors: np.ndarray, pairs: np.ndarray, *, chunk: int = 100_000) -> np.ndarray:
    """Cosine of each pair of (normalised) rows, float32."""
    out = np.empty(len(pairs), dtype=np.float32)
    for i in range(0, len(pairs), chunk):
        p = pairs[i : i + chunk]
        out[i : i + chunk] = np.einsum("ij,ij->i", vectors[p[:, 0]], vectors[p[:, 1]])
    return out


def _exact_knn(vectors: np.ndarray, k: int, block: int = 2048) -> np.ndarray:
    n = len(vectors)
    out = np.empty((n, k), dtype=np.int64)
    for i in range(0, n, block):
        sims = vectors[i : i + block] @ vectors.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + i] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < n else np.argsort(-sims, axis=1)[:, :k]
        out[i : i + block] = part
    return out


def _hnsw_knn(vectors: np.ndarray, k: int, threads: int) -> np.ndarray:
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="cos", dtype="f16")
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=1)
    matches = index.search(vectors, k + 1, threads=threads)
    keys = np.asarray(matches.keys).astype(np.int64)
    counts = np.asarray(matches.counts).reshape(-1)
    keys[np.arange(keys.shape[1])[None, :] >= counts[:, None]] = -1
    return keys


def semantic_candidates(texts: Sequence[str], *, k: int = 10, min_cos: float = 0.5, drop_pcs: int = 10,
                        seed: int = 1, encoder: str = "wordllama",
                        pca_sample: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of documents close in meaning.

    Embeds ``texts`` (WordLlama, sparse pooling), centres them, drops the top
    ``drop_pcs`` principal components fitted on a seeded sample, and pairs each
    document with its ``k`` nearest neighbours at cosine ``>= min_cos``.

    Returns:
        ``(pairs (m, 2) int64 with i < j; cos (m,) float32)``.
    """
    vecs = embed_documents(texts, encoder=encoder)
    mean, comps = fit_projection(vecs, drop_pcs=drop_pcs, sample=pca_sample, seed=seed)
    return knn_pairs(project(vecs, mean, comps), k=k, min_cos=min_cos)
