"""Semantic candidates: documents that tell the same story in other words.

Document vectors are WordLlama's (the same offline model as ``compare``):
the average of the token embeddings. We compute it per word (:class:`WordVectors`:
each distinct word tokenised once, its token vectors summed) and pool words
with a sparse document x word count matrix: 0.16 ms per 560-word document
against 0.57 ms for ``WordLlama.embed``-style tokenising of every text, and
cosine 0.97 on average to those vectors (punctuation is left out).

Raw averaged vectors sit on a narrow cone and their top principal components
carry *style* (translation, house style) rather than content: a re-worded
copy's nearest neighbours are then other texts in its style, not its source.
So vectors are centred and the top ``drop_pcs`` principal components, fitted
on a seeded sample, are projected out ("all-but-the-top"); measured on the
feasibility corpus this lifted usearch kNN@10 recall of re-worded copies from
0.55 to 0.98.

Neighbours: exact (blocked matrix products) up to :data:`EXACT_MAX` documents,
a deterministic IVF index above (:mod:`storydiff.corpus.ann`: 10 s instead of
usearch HNSW's 76 s at 100k documents, 0.978 of the exact cos >= 0.5 pairs).
kNN pairs are candidates only: cosine does
not verify them (see :mod:`storydiff.corpus.verify`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

from storydiff.words import PLAIN_WORD

EXACT_MAX = 20_000
WORD = PLAIN_WORD


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


def has_token_table(encoder_name: str) -> bool:
    """Whether ``encoder_name`` pools a token table (WordLlama), so word sums apply."""
    return _token_table(encoder_name) is not None


def normalise_rows(m: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero); float32 in place when ``m`` is float32."""
    m = np.asarray(m, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", m, m))  # several times faster than linalg.norm here
    norms[norms == 0] = 1.0
    m /= norms[:, None]
    return m


class WordVectors:
    """The sum of WordLlama's token vectors of each distinct word, cached.

    WordLlama's vocabulary has no token that spans a word boundary, so the mean
    of a text's token vectors is (nearly) the count-weighted mean over its words.
    Tokenising each distinct word once and pooling per-word sums is several
    times cheaper than tokenising every text: a corpus repeats the same few
    hundred thousand words millions of times. Punctuation is left out, which the
    mean does not miss. The cache is cleared when it holds ``limit`` words
    (256 float32 each), so memory stays bounded on corpora with endless names and numbers.
    """

    def __init__(self, tokenizer: Any, table: np.ndarray, limit: int = 400_000) -> None:
        self._tok = tokenizer
        self._table = table
        self._limit = limit
        self._clear()

    def _clear(self) -> None:
        self._row: dict[str, int] = {}
        self.sums = np.zeros((1024, self._table.shape[1]), np.float32)
        #: changes whenever rows are renumbered (the cache was cleared)
        self.generation = getattr(self, "generation", -1) + 1

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Row of each word in :attr:`sums`, learning the new ones (one tokeniser call)."""
        try:  # the common case once the corpus vocabulary is learnt
            return np.fromiter(map(self._row.__getitem__, words), dtype=np.int64, count=len(words))
        except KeyError:
            pass
        new = sorted({w for w in words if w not in self._row})
        if len(self._row) + len(new) > self._limit:
            self._clear()
            new = sorted(set(words))
        if new:
            start = len(self._row)
            need = start + len(new)
            if need > len(self.sums):
                cap = max(need, 2 * len(self.sums))
                self.sums = np.concatenate([self.sums, np.zeros((cap - len(self.sums), self.sums.shape[1]), np.float32)])
            ids = [e.ids for e in self._tok.encode_batch(new, add_special_tokens=False)]
            lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
            flat = np.clip(np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lens.sum())),
                           0, len(self._table) - 1)
            has = lens > 0
            sums = np.zeros((len(new), self._table.shape[1]), np.float32)
            if flat.size:
                sums[has] = np.add.reduceat(self._table[flat], (np.cumsum(lens) - lens)[has], axis=0)
            self.sums[start:need] = sums
            self._row.update(zip(new, range(start, need)))
        return np.fromiter(map(self._row.__getitem__, words), dtype=np.int64, count=len(words))


@functools.cache
def _word_vectors(encoder_name: str) -> WordVectors | None:
    tt = _token_table(encoder_name)
    return None if tt is None else WordVectors(*tt)


def word_vectors(encoder: str = "wordllama") -> WordVectors:
    """The process-wide :class:`WordVectors` of ``encoder`` (which must have a token table)."""
    wv = _word_vectors(encoder)
    if wv is None:
        raise ValueError(f"encoder {encoder!r} has no token table; use embed_word_lists")
    return wv


def pool_rows(rows: np.ndarray, lengths: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Sum of ``table``'s rows over consecutive runs of ``rows`` of the given lengths (float32).

    One sparse runs x table product: words into texts (``table`` =
    :attr:`WordVectors.sums`), or pieces into sentences.
    """
    from scipy.sparse import csr_matrix

    indptr = np.concatenate([[0], np.cumsum(lengths)])
    counts = csr_matrix((np.ones(rows.size, np.float32), rows, indptr), shape=(len(lengths), len(table)))
    return np.asarray(counts @ table)


def word_sums(units: Sequence[Sequence[str]], *, encoder: str = "wordllama") -> np.ndarray:
    """Sum of the token vectors of each list of words (unnormalised float32; its direction is the mean's).

    Sums, unlike means, add up: a sentence's sum is the sum of its clauses'.
    Only for WordLlama-like encoders (a token table); see :func:`embed_word_lists`.
    """
    wv = word_vectors(encoder)
    lens = np.fromiter(map(len, units), dtype=np.int64, count=len(units))
    return pool_rows(wv.rows(list(chain.from_iterable(units))), lens, wv.sums)


def embed_word_lists(units: Sequence[Sequence[str]], *, encoder: str = "wordllama") -> np.ndarray:
    """L2-normalised float32 vector of each list of words (the mean of their token vectors).

    A list without words gets a zero vector.
    """
    if _token_table(encoder) is None:
        return _wordllama(encoder)[0].encode([" ".join(u) for u in units]) if units else np.zeros((0, 1), np.float32)
    return normalise_rows(word_sums(units, encoder=encoder))


def embed_documents(texts: Sequence[str], *, encoder: str = "wordllama", batch_size: int = 1024) -> np.ndarray:
    """L2-normalised float32 document vectors, one row per text.

    The mean of the WordLlama token vectors of the text's words
    (:func:`embed_word_lists`), or any other encoder's ``encode``.
    """
    if _token_table(encoder) is None:
        return _wordllama(encoder)[0].encode(list(texts))
    out = [embed_word_lists([WORD.findall(t) for t in texts[i : i + batch_size]], encoder=encoder)
           for i in range(0, len(texts), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, _token_table(encoder)[1].shape[1]), np.float32)


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
    # eigenvectors of the d x d covariance: the right singular vectors of the
    # centred sample, in a tenth of the time of an SVD of the sample itself
    centred = sub - mean
    values, vectors_ = np.linalg.eigh(centred.T @ centred)
    vt = vectors_[:, np.argsort(values)[::-1][:drop]].T
    # fix each component's sign so results do not depend on the LAPACK build
    signs = np.sign(vt[np.arange(drop), np.argmax(np.abs(vt), axis=1)])
    return mean.astype(np.float32), (vt * signs[:, None]).astype(np.float32)


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
        threads: threads of the IVF search above :data:`EXACT_MAX` documents
            (the neighbours do not depend on it).

    Returns:
        ``(pairs (m, 2) int64 with i < j, sorted; cos (m,) float32)``.
    """
    n = len(vectors)
    if n < 2 or k < 1:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float32)
    kk = min(k, n - 1)
    if n <= EXACT_MAX:
        nbrs = _exact_knn(vectors, kk)
    else:
        from storydiff.corpus.ann import ivf_knn

        nbrs = ivf_knn(vectors, kk, threads=threads, min_sim=min_cos)
    left = np.repeat(np.arange(n), nbrs.shape[1])
    right = nbrs.ravel()
    ok = (right >= 0) & (right != left)
    lo, hi = np.minimum(left[ok], right[ok]), np.maximum(left[ok], right[ok])
    codes = np.unique(lo * n + hi)
    pairs = np.stack([codes // n, codes % n], axis=1).astype(np.int64)
    cos = pair_cosines(vectors, pairs)
    keep = cos >= min_cos
    return pairs[keep], cos[keep]


def pair_cosines(vectors: np.ndarray, pairs: np.ndarray, *, chunk: int = 8192) -> np.ndarray:
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
