"""LSH banding over MinHash signatures, as numpy arrays instead of dictionaries.

Semantics are those of datasketch's ``MinHashLSH``: two documents are
candidates when all ``rows`` values of at least one of ``bands`` bands agree.
Each band becomes one 64-bit key per document (:func:`band_keys`); equal keys
in a band column form a bucket (:func:`candidate_pairs`).

Key 0 is reserved for "no shingles": documents with the all-max signature get
key 0 in every band and never become candidates.
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor

import numpy as np

from storydiff.corpus.minhash import MAX_HASH
from storydiff.corpus.shingles import fmix64

EMPTY_KEY = np.uint64(0)
# pairs collected from bands before they are merged into the union (and at least its size)
MERGE_MIN = 4_000_000
_BAND_SEED = np.uint64(0x2545F4914F6CDD1D)


def band_keys(sigs: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per document and band.

    Args:
        sigs: ``(n, num_perm)`` uint32 signatures, ``bands * rows <= num_perm``.
        bands: number of bands.
        rows: signature values per band.

    Returns:
        ``(n, bands)`` uint64; 0 only for documents without shingles.
    """
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"bands * rows = {bands * rows} exceeds the signature length {sigs.shape[1]}")
    n = sigs.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(n, fmix64(np.array([band], dtype=np.uint64) ^ _BAND_SEED)[0], dtype=np.uint64)
        for r in range(rows):
            h = fmix64(h ^ sigs[:, band * rows + r].astype(np.uint64))
        keys[:, band] = h
    keys[keys == EMPTY_KEY] = np.uint64(1)  # keep 0 for empty documents only
    empty = (sigs == MAX_HASH).all(axis=1)
    keys[empty] = EMPTY_KEY
    return keys


def _bucket_pairs(order: np.ndarray, run_starts: np.ndarray, run_sizes: np.ndarray) -> np.ndarray:
    """All pairs inside each run of ``order`` (runs given by start and size), as (k, 2)."""
    if run_sizes.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    # positions of every member, and how many later members each has in its run
    member_pos = np.repeat(run_starts, run_sizes) + (
        np.arange(run_sizes.sum()) - np.repeat(np.cumsum(run_sizes) - run_sizes, run_sizes)
    )
    later = np.repeat(run_starts + run_sizes, run_sizes) - member_pos - 1
    left = np.repeat(member_pos, later)
    step = np.arange(later.sum()) - np.repeat(np.cumsum(later) - later, later)
    right = left + 1 + step
    return np.stack([order[left], order[right]], axis=1)


def candidate_pairs(keys: np.ndarray, *, max_bucket: int = 1000, executor: Executor | None = None,
                    parts: int = 2) -> np.ndarray:
    """Pairs of documents sharing a key in at least one band.

    A bucket larger than ``max_bucket`` (shared boilerplate, a template) does
    not emit all of its ``s*(s-1)/2`` pairs: it emits a star, every member
    paired with the bucket's first member (smallest index), which keeps the
    members connected for clustering at linear cost.

    Args:
        keys: ``(n, bands)`` uint64 from :func:`band_keys`.
        max_bucket: the largest bucket that emits all pairs.
        executor: a process pool (:func:`storydiff.corpus.parallel.pool`) to
            split the bands over, ``parts`` groups; the result is the same.

    Returns:
        ``(k, 2)`` int64, ``i < j`` in each row, rows unique and sorted.
    """
    n = keys.shape[0]
    bands = keys.shape[1]
    if executor is not None and bands >= 2 and n >= 1024:
        groups = [g for g in np.array_split(np.arange(bands), parts) if g.size]
        futures = [executor.submit(_pair_codes, np.ascontiguousarray(keys[:, g]), max_bucket) for g in groups]
        union = _merge_runs([f.result() for f in futures])
    else:
        union = _pair_codes(keys, max_bucket)
    return np.stack([union // n, union % n], axis=1).astype(np.int64)


def _pair_codes(keys: np.ndarray, max_bucket: int) -> np.ndarray:
    """:func:`candidate_pairs` as sorted distinct codes ``i * n + j``."""
    n = keys.shape[0]
    union = np.zeros(0, dtype=np.int64)
    pending: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        edge = np.flatnonzero(sk[1:] != sk[:-1]) + 1
        starts = np.concatenate([[0], edge])
        sizes = np.diff(np.concatenate([starts, [n]]))
        real = (sizes >= 2) & (sk[starts] != EMPTY_KEY)
        small = real & (sizes <= max_bucket)
        pairs = _bucket_pairs(order, starts[small], sizes[small])
        big = np.flatnonzero(real & (sizes > max_bucket))
        if big.size:
            hub = np.repeat(order[starts[big]], sizes[big] - 1)
            spokes = order[np.concatenate([np.arange(s + 1, s + z) for s, z in zip(starts[big], sizes[big])])]
            pairs = np.concatenate([pairs, np.stack([hub, spokes], axis=1)])
        if pairs.size:
            lo, hi = pairs.min(axis=1), pairs.max(axis=1)
            pending.append(_sorted_unique(np.sort(lo * n + hi)))
            # Merge the bands' sorted runs into the union once they add up to its
            # size: memory follows the union, not the sum over bands, and each value
            # is merged a few times rather than once per band.
            if sum(map(len, pending)) >= max(len(union), MERGE_MIN):
                union = _merge_runs([union, *pending])
                pending = []
    return _merge_runs([union, *pending])


def _sorted_unique(c: np.ndarray) -> np.ndarray:
    """Distinct values of sorted ``c`` (``np.unique`` hashes and sorts again: 5x slower here)."""
    if c.size < 2:
        return c
    keep = np.empty(c.size, dtype=bool)
    keep[0] = True
    np.not_equal(c[1:], c[:-1], out=keep[1:])
    return c[keep]


def _merge_runs(runs: list[np.ndarray]) -> np.ndarray:
    """Union of sorted arrays of distinct values, sorted.

    numpy's stable sort of int64 is a timsort, which merges ready sorted runs instead
    of sorting again (at a million documents, re-sorting the growing union after
    bands took 85 of the LSH step's 111 s).
    """
    runs = [r for r in runs if r.size]
    if not runs:
        return np.zeros(0, dtype=np.int64)
    if len(runs) == 1:
        return runs[0]
    return _sorted_unique(np.sort(np.concatenate(runs), kind="stable"))


@functools.cache
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives + false negatives at ``threshold``.

    The same search and weights (0.5, 0.5) as datasketch's ``_optimal_param``:
    t=0.3 → (37, 3), t=0.4 → (32, 4), t=0.5 → (25, 5) for 128 permutations.
    """
    from scipy.integrate import quad

    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)[0]
            fn = quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)[0]
            err = 0.5 * fp + 0.5 * fn
            if err < best:
                best, opt = err, (b, r)
    return opt
