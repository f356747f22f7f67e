"""Approximate k-nearest neighbours for large corpora: a deterministic IVF index.

Above a few tens of thousands of documents exact kNN (all-pairs matrix
products) grows quadratically and usearch's HNSW graph must be built on one
thread to be deterministic (about 60 s per 100k 256-d vectors here, so over ten
minutes at a million). An inverted-file (IVF) search is deterministic by
construction and uses every thread:

* a seeded sample trains spherical k-means (faiss ``Clustering``, seeded) into
  ``nlist`` centroids;
* every vector belongs to the list of its nearest centroid;
* each query scores the members of the ``nprobe`` lists whose centroids are
  nearest to it.

That is faiss's ``IndexIVFFlat`` (inner product). Its search scores one query
against one stored vector at a time; here the lists are joined instead: per
list, all queries probing it times all its members in one BLAS product
(:func:`_join`), which was 1.5x faster at a million rows on this machine, and
with ``min_sim`` (the cosine floor ``knn_pairs`` applies anyway) skips most of
the top-k selection. faiss does the k-means and the nearest-centroid search.

Nothing depends on thread scheduling: k-means sums each centroid in point
order, BLAS runs on one thread (multi-threaded OpenBLAS rounds products
differently per thread count: near-ties flipped on real vectors), the
parallelism is over fixed chunks of rows and lists, merged in list order; so
the neighbours are the same across runs and thread counts (tested).

Scores are exact inner products; only recall is approximate: a neighbour is
missed when it lies in a list the query does not probe (and the query in none
the neighbour probes, for symmetric pairs). ``benchmarks/ann_bench.py``
measures the recall behind the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from storydiff.errors import CorpusError

#: k-means needs some points per centroid to place it; fewer lists than this allows are used.
MIN_POINTS_PER_LIST = 39
#: training sample per list: recall of cos >= 0.5 pairs at 100k, 2048 lists, nprobe 16: 0.978 with 24, 0.988
#: with 50 (see benchmarks/ann_bench.py); k-means time grows linearly with it.
TRAIN_POINTS_PER_LIST = 50
#: below this many vectors an IVF index is pointless: exact search over all of them.
FLAT_MAX = 4_096
KMEANS_ITER = 10
#: queries per faiss search call: bounds the result buffers, not the speed.
SEARCH_BATCH = 1 << 16
#: queries per matrix product in the list join: bounds the (queries x members) block.
JOIN_BLOCK = 8192


class AnnError(CorpusError):
    """Approximate neighbour search was asked something it cannot do."""


#: most lists by default: assigning every row to the nearest of 4096 centroids
#: already costs n x 4096 x d multiply-adds (about 20 s per million 256-d rows here).
NLIST_MAX = 4096
#: rows per list aimed at: on the 100k benchmark corpus, at the same nprobe,
#: smaller lists found more of the close pairs (2048 lists: 0.988, 1024: 0.971, 256: 0.954).
ROWS_PER_LIST = 50
NPROBE = 16


def default_nlist(n: int) -> int:
    """Number of inverted lists for ``n`` vectors: a power of two near ``n / 50``, at most 4096."""
    if n < 2 * ROWS_PER_LIST:
        return 1
    return min(NLIST_MAX, 1 << round(math.log2(n / ROWS_PER_LIST)))


def default_nprobe(nlist: int) -> int:
    """Lists scanned per query: 16 (measured in ``benchmarks/ann_bench.py``), at most ``nlist``."""
    return min(nlist, NPROBE)


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


def _rows_parallel(fn, n: int, threads: int, chunk: int = SEARCH_BATCH) -> list:  # type: ignore[no-untyped-def,type-arg]
    """``fn(start, stop)`` over fixed row chunks, on ``threads`` Python threads, results in order.

    Chunks do not depend on ``threads``, and BLAS runs single-threaded inside
    each call (see :func:`ivf_knn`): multi-threaded BLAS splits products
    differently per thread count and rounds differently, which flips near-ties.
    """
    from concurrent.futures import ThreadPoolExecutor

    spans = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    if threads <= 1 or len(spans) == 1:
        return [fn(a, b) for a, b in spans]
    with ThreadPoolExecutor(max_workers=threads) as pool:  # numpy and faiss release the GIL
        return list(pool.map(lambda ab: fn(*ab), spans))


def _search(index, x: np.ndarray, kk: int, min_sim: float, threads: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each row's ``kk`` nearest other rows; ``index`` holds exactly the rows of ``x``."""

    def one(i: int, j: int) -> np.ndarray:
        sims, ids = index.search(x[i:j], kk + 1)
        ids = ids.astype(np.int64, copy=True)
        ids[sims < min_sim] = -1  # sorted by score: the dropped ones are at the end
        is_self = ids == np.arange(i, j)[:, None]
        # Drop the row itself wherever it came back; otherwise the last of the
        # kk + 1 (a tie with an identical copy can push self out of the list).
        order = np.argsort(is_self, axis=1, kind="stable")[:, :kk]
        return np.take_along_axis(ids, order, axis=1)

    parts = _rows_parallel(one, len(x), threads)
    return np.concatenate(parts) if parts else np.zeros((0, kk), np.int64)


def _list_candidates(x: np.ndarray, mem: np.ndarray, queries: np.ndarray, primary: np.ndarray, lst: int,
                     kk: int, min_sim: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Best ``kk`` members of list ``lst`` for each query probing it: ``(queries, scores, ids)`` blocks."""
    out = []
    if len(mem) == 0:
        return out
    xm = x[mem]
    for a in range(0, len(queries), JOIN_BLOCK):
        q = queries[a : a + JOIN_BLOCK]  # distinct rows: a query probes a list once
        s = x[q] @ xm.T
        own = np.flatnonzero(primary[q] == lst)  # queries stored in this very list: hide themselves
        if len(own):
            s[own, np.searchsorted(mem, q[own])] = -np.inf
        if min_sim > -np.inf:
            hit = s >= min_sim
            rows = np.flatnonzero(hit.any(axis=1))
            if len(rows) == 0:
                continue
            q, s = q[rows], np.where(hit[rows], s[rows], np.float32(-np.inf))
        m = s.shape[1]
        if m > kk:
            part = np.argpartition(s, m - kk, axis=1)[:, m - kk :]
            out.append((q, np.take_along_axis(s, part, axis=1), mem[part]))
        else:
            out.append((q, s, np.broadcast_to(mem, s.shape)))
    return out


def _join(x: np.ndarray, probe: np.ndarray, nlist: int, kk: int, min_sim: float, threads: int) -> np.ndarray:
    """What an ``IndexIVFFlat`` search of ``x`` against itself returns, list by list.

    Each row is stored in list ``probe[:, 0]`` (its nearest centroid) and
    scans the lists ``probe[i]``. Instead of one query at a time (faiss
    scores each stored vector with its own inner product), every list is
    processed once: all its queries times all its members in one BLAS matrix
    product, then the best ``kk`` of each query merged into its running best.
    Lists are scored on ``threads`` Python threads, merged in list order.

    Scores below ``min_sim`` are dropped before any selection: with a
    threshold like the 0.5 that ``knn_pairs`` applies afterwards anyway, most
    (query, list) rows have no candidate at all and skip the selection, which
    otherwise costs about as much as the matrix product.
    """
    from concurrent.futures import ThreadPoolExecutor

    n, nprobe = probe.shape
    primary = probe[:, 0]
    members = np.argsort(primary, kind="stable")  # ascending row index inside each list
    m_bounds = np.searchsorted(primary[members], np.arange(nlist + 1))
    flat = probe.ravel()
    q_sorted = np.argsort(flat, kind="stable")
    q_bounds = np.searchsorted(flat[q_sorted], np.arange(nlist + 1))
    q_sorted //= nprobe  # position in probe -> query row
    best_s = np.full((n, kk), -np.inf, dtype=np.float32)
    best_i = np.full((n, kk), -1, dtype=np.int64)

    def cands(lst: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return _list_candidates(x, members[m_bounds[lst] : m_bounds[lst + 1]],
                                q_sorted[q_bounds[lst] : q_bounds[lst + 1]], primary, lst, kk, min_sim)

    window = 64  # lists scored ahead of the merge: bounds the candidates held at once
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for w in range(0, nlist, window):
            for blocks in pool.map(cands, range(w, min(w + window, nlist))):
                for q, cs, ci in blocks:  # merged in list order: ties resolve the same way every run
                    ms = np.concatenate([best_s[q], cs], axis=1)
                    mi = np.concatenate([best_i[q], ci], axis=1)
                    top = np.argpartition(ms, ms.shape[1] - kk, axis=1)[:, ms.shape[1] - kk :]
                    best_s[q] = np.take_along_axis(ms, top, axis=1)
                    best_i[q] = np.take_along_axis(mi, top, axis=1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    best_i = np.take_along_axis(best_i, order, axis=1)
    best_i[np.take_along_axis(best_s, order, axis=1) == -np.inf] = -1  # not found (or only itself)
    return best_i


def ivf_knn(vectors: np.ndarray, k: int, *, threads: int = 1, seed: int = 1,
            nlist: int | None = None, nprobe: int | None = None, min_sim: float | None = None) -> np.ndarray:
    """Each row's ``k`` nearest other rows by inner product, approximately.

    Rows are expected L2-normalised (then inner product is cosine). Up to
    :data:`FLAT_MAX` rows (unless ``nlist`` is given), or when there are too
    few rows for two lists, the search is exact (faiss ``IndexFlatIP``).

    Args:
        vectors: ``(n, d)`` float array.
        k: neighbours per row.
        threads: worker threads (and faiss's OpenMP threads, restored
            afterwards); results do not depend on it.
        seed: seeds the k-means sample and initialisation.
        nlist: inverted lists (default :func:`default_nlist`), capped at
            ``n // MIN_POINTS_PER_LIST``.
        nprobe: lists scanned per query (default :func:`default_nprobe`).
        min_sim: neighbours scoring below this are not reported (``-1``);
            the same as filtering afterwards, and several times faster when
            most neighbours fall below it.

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
    floor = -np.inf if min_sim is None else float(min_sim)
    lists = min(default_nlist(n) if nlist is None else nlist, n // MIN_POINTS_PER_LIST)
    from threadpoolctl import threadpool_limits

    threads = max(1, int(threads))
    # BLAS on one thread everywhere (its products round differently per thread
    # count); the parallelism is ours, over fixed chunks of rows or lists.
    with _omp_threads(threads), threadpool_limits(limits=1, user_api="blas"):
        if (nlist is None and n <= FLAT_MAX) or lists < 2:
            index = faiss.IndexFlatIP(d)
            index.add(x)
            out[:, :kk] = _search(index, x, kk, floor, threads)
        else:
            quantizer = faiss.IndexFlatIP(d)
            quantizer.add(_train_centroids(x, lists, seed))
            probes = min(lists, default_nprobe(lists) if nprobe is None else nprobe)
            # nearest lists first; column 0 is where a row is stored
            probe = np.concatenate(_rows_parallel(lambda i, j: quantizer.search(x[i:j], probes)[1], n, threads))
            out[:, :kk] = _join(x, probe.astype(np.int64, copy=False), lists, kk, floor, threads)
    return out
