"""Approximate k-nearest neighbours for large corpora: a deterministic IVF index.

Above a few tens of thousands of documents exact kNN (all-pairs matrix
products) grows quadratically and usearch's HNSW graph must be built on one
thread to be deterministic (about 60 s per 100k 256-d vectors here, so over ten
minutes at a million). An inverted-file index (faiss ``IndexIVFFlat``, inner
product) is deterministic by construction and builds on every thread:

* a seeded sample trains spherical k-means (faiss ``Clustering``, seeded) into
  ``nlist`` centroids;
* every vector is stored, uncompressed, in the list of its nearest centroid;
* each query scans the ``nprobe`` lists whose centroids are nearest to it.

Nothing depends on thread scheduling: k-means sums each centroid in point
order, lists keep insertion order and each query is searched by one thread, so
the neighbours are the same across runs and across thread counts (tested).

Scores are exact inner products; only recall is approximate: a neighbour is
missed when it lies in a list the query does not probe. Pairs close enough to
matter (cosine >= 0.5 after the style projection of
:mod:`storydiff.corpus.semantic`) nearly always share a probed list; see
``benchmarks/ann_bench.py`` for the measured recall behind the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from storydiff.errors import CorpusError

#: k-means needs some points per centroid to place it; fewer lists than this allows are used.
MIN_POINTS_PER_LIST = 39
#: training sample per list: more barely moves recall and costs k-means time linearly.
TRAIN_POINTS_PER_LIST = 50
#: below this many vectors an IVF index is pointless: exact search over all of them.
FLAT_MAX = 4_096
KMEANS_ITER = 10
#: queries per faiss search call: bounds the result buffers, not the speed.
SEARCH_BATCH = 1 << 16


class AnnError(CorpusError):
    """Approximate neighbour search was asked something it cannot do."""


def default_nlist(n: int) -> int:
    """Number of inverted lists for ``n`` vectors: about ``4 sqrt(n)``, a power of two.

    The usual IVF rule (``sqrt(n)`` to ``16 sqrt(n)``); a power of two keeps the
    choice stable under small changes of ``n``.
    """
    if n <= 0:
        return 1
    return max(1, 1 << round(math.log2(4.0 * math.sqrt(n))))


def default_nprobe(nlist: int) -> int:
    """Lists scanned per query: 1/64 of them, at least 8 (see the module docstring)."""
    return min(nlist, max(8, nlist // 64))


@contextmanager
def _omp_threads(threads: int) -> Iterator[None]:
    """faiss's OpenMP (and its OpenBLAS, which uses OpenMP) on ``threads`` threads, restored after."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _train_centroids(x: np.ndarray, nlist: int, seed: int) -> np.ndarray:
    """Spherical k-means centroids (``(nlist, d)`` float32) of a seeded sample of ``x``."""
    import faiss

    n, d = x.shape
    rng = np.random.default_rng(seed)
    size = min(n, nlist * TRAIN_POINTS_PER_LIST)
    # a sorted sample: the same rows in the same order for the same seed
    sample = x if size == n else np.ascontiguousarray(x[np.sort(rng.choice(n, size=size, replace=False))])
    cp = faiss.ClusteringParameters()
    cp.niter = KMEANS_ITER
    cp.seed = int(seed) & 0x7FFFFFFF
    cp.spherical = True  # centroids on the unit sphere: inner product is cosine
    cp.max_points_per_centroid = TRAIN_POINTS_PER_LIST + 1  # we sampled already; no second sample
    cp.min_points_per_centroid = 1
    cp.verbose = False
    clus = faiss.Clustering(d, nlist, cp)
    clus.train(sample, faiss.IndexFlatIP(d))
    return faiss.vector_to_array(clus.centroids).reshape(nlist, d).astype(np.float32)


def _search(index, x: np.ndarray, kk: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each row's ``kk`` nearest other rows; ``index`` holds exactly the rows of ``x``."""
    n = len(x)
    out = np.full((n, kk), -1, dtype=np.int64)
    for i in range(0, n, SEARCH_BATCH):
        q = x[i : i + SEARCH_BATCH]
        _, ids = index.search(q, kk + 1)
        ids = ids.astype(np.int64, copy=False)
        is_self = ids == np.arange(i, i + len(q))[:, None]
        # Drop the row itself wherever it came back; otherwise the last of the
        # kk + 1 (a tie with an identical copy can push self out of the list).
        order = np.argsort(is_self, axis=1, kind="stable")[:, :kk]
        out[i : i + len(q)] = np.take_along_axis(ids, order, axis=1)
    return out


def ivf_knn(vectors: np.ndarray, k: int, *, threads: int = 1, seed: int = 1,
            nlist: int | None = None, nprobe: int | None = None) -> np.ndarray:
    """Each row's ``k`` nearest other rows by inner product, approximately.

    Rows are expected L2-normalised (then inner product is cosine). Up to
    :data:`FLAT_MAX` rows (unless ``nlist`` is given), or when there are too
    few rows for two lists, the search is exact (faiss ``IndexFlatIP``).

    Args:
        vectors: ``(n, d)`` float array.
        k: neighbours per row.
        threads: OpenMP threads for faiss (restored afterwards); results do not
            depend on it.
        seed: seeds the k-means sample and initialisation.
        nlist: inverted lists (default :func:`default_nlist`), capped at
            ``n // MIN_POINTS_PER_LIST``.
        nprobe: lists scanned per query (default :func:`default_nprobe`).

    Returns:
        ``(n, k)`` int64 row indices, nearest first, never the row itself;
        ``-1`` where fewer than ``k`` were found (always when ``k > n - 1``).

    Raises:
        AnnError: ``vectors`` is not a 2-d array, ``k`` is negative, or
            ``nlist``/``nprobe`` is below 1.
    """
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise AnnError(f"ivf_knn expects an (n, d) matrix of vectors, got shape {x.shape}; pass one row per document")
    if k < 0:
        raise AnnError(f"ivf_knn expects k >= 0 neighbours, got {k}")
    if (nlist is not None and nlist < 1) or (nprobe is not None and nprobe < 1):
        raise AnnError(f"ivf_knn expects nlist and nprobe >= 1, got nlist={nlist}, nprobe={nprobe}")
    n, d = x.shape
    out = np.full((n, k), -1, dtype=np.int64)
    kk = min(k, n - 1)
    if kk < 1:
        return out
    lists = min(default_nlist(n) if nlist is None else nlist, n // MIN_POINTS_PER_LIST)
    with _omp_threads(threads):
        if (nlist is None and n <= FLAT_MAX) or lists < 2:
            index = faiss.IndexFlatIP(d)
        else:
            quantizer = faiss.IndexFlatIP(d)
            quantizer.add(_train_centroids(x, lists, seed))
            index = faiss.IndexIVFFlat(quantizer, d, lists, faiss.METRIC_INNER_PRODUCT)
            index.nprobe = min(lists, default_nprobe(lists) if nprobe is None else nprobe)
            index.parallel_mode = 0  # parallel over queries: one thread per query, order-independent
        index.add(x)
        out[:, :kk] = _search(index, x, kk)
    return out
