"""MinHash signatures of many documents at once, bit-compatible with datasketch.

The permutations are datasketch's ``affine32`` scheme (its default since 2.0):
each shingle hash ``x`` is pre-mixed with the 32-bit MurmurHash3 finaliser and
permuted as ``a_k * fmix32(x) + b_k mod 2^32`` with ``a_k`` odd, ``a`` and
``b`` drawn from ``np.random.RandomState(seed)`` exactly as datasketch draws
them. Fed the same shingle hashes (:func:`storydiff.corpus.shingles.shingle_hashes`)
as ``hashfunc``, ``datasketch.MinHash(num_perm, seed)`` gives identical values.

Speed comes from the layout: documents are processed in batches of 64-128
(cache-resident), one pass per permutation over the 1-D array of all shingles
of the batch, reduced per document with ``np.minimum.reduceat``.

A document without shingles (no word characters at all) gets the all-max
signature ``0xFFFFFFFF``; :func:`storydiff.corpus.lsh.band_keys` gives such
rows the reserved empty key, so they never become candidates.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from storydiff.corpus.shingles import shingle_hashes

MAX_HASH = np.uint32(0xFFFFFFFF)
_F1 = np.uint32(0x85EBCA6B)
_F2 = np.uint32(0xC2B2AE35)
_S16 = np.uint32(16)
_S13 = np.uint32(13)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, element-wise on a uint32 array (wrapping)."""
    h = h ^ (h >> _S16)
    h = h * _F1
    h = h ^ (h >> _S13)
    h = h * _F2
    return h ^ (h >> _S16)


def permutations(num_perm: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 vectors of datasketch's affine32 scheme for ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


@functools.cache
def l2_bytes() -> int:
    """This core's L2 cache size (Linux sysfs), or 1 MB where it cannot be read."""
    try:
        text = Path("/sys/devices/system/cpu/cpu0/cache/index2/size").read_text().strip().upper()
        return int(text[:-1]) * {"K": 1 << 10, "M": 1 << 20}[text[-1]] if text[-1] in "KM" else int(text)
    except (OSError, ValueError, IndexError, KeyError):
        return 1 << 20


def minhash_shingles(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray,
                     *, max_shingles: int | None = None) -> np.ndarray:
    """Signatures of documents given as concatenated uint32 shingle hashes + offsets.

    Each permutation is three passes over the shingles (multiply, add, minimum
    per document), so they go in runs of whole documents of at most
    ``max_shingles`` (default: what fits in half of the L2 cache, 8 bytes a
    shingle): past L2 every pass runs at memory speed (2.6x slower per element;
    docs/corpus.md). The result does not depend on the runs.
    """
    limit = max_shingles or max(l2_bytes() // 16, 4096)
    if hashes.size > limit and offsets.size > 2:
        cuts = np.searchsorted(offsets, np.arange(limit, int(offsets[-1]), limit), side="right") - 1
        cuts = np.unique(np.concatenate([[0], cuts[cuts > 0], [offsets.size - 1]]))
        if cuts.size > 2:
            return np.concatenate([minhash_shingles(hashes[offsets[i] : offsets[j]], offsets[i : j + 1] - offsets[i],
                                                    a, b, max_shingles=hashes.size) for i, j in zip(cuts[:-1], cuts[1:])])
    n = offsets.size - 1
    sig = np.full((n, a.size), MAX_HASH, dtype=np.uint32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if nonempty.size == 0:
        return sig
    hv = fmix32(hashes.astype(np.uint32, copy=False))
    starts = offsets[nonempty]
    buf = np.empty_like(hv)
    out = np.empty((a.size, nonempty.size), dtype=np.uint32)
    for k in range(a.size):
        np.multiply(hv, a[k], out=buf)
        np.add(buf, b[k], out=buf)
        out[k] = np.minimum.reduceat(buf, starts)
    sig[nonempty] = out.T
    return sig


def signatures(
    texts: Sequence[str],
    *,
    ngram: int = 3,
    num_perm: int = 128,
    seed: int = 1,
    stopwords: frozenset[str] | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """MinHash signatures of word n-gram shingles, one row per text.

    Args:
        texts: documents (any text; tokenised as in :mod:`storydiff.corpus.shingles`).
        ngram: words per shingle (1 = word set).
        num_perm: permutations (signature length).
        seed: seed of the permutations (datasketch-compatible).
        stopwords: tokens dropped before shingling (for content-word unigrams).
        batch_size: documents per vectorised pass (64-128 is fastest).

    Returns:
        ``(len(texts), num_perm)`` uint32 array. Equal texts give equal rows;
        a text with no tokens gives the all-``0xFFFFFFFF`` row.

    Example:
        >>> s = signatures(["the cat sat on the mat", "the cat sat on the mat"])
        >>> bool((s[0] == s[1]).all())
        True
    """
    return signatures_with_sizes(texts, ngram=ngram, num_perm=num_perm, seed=seed, stopwords=stopwords,
                                 batch_size=batch_size, sizes=False)[0]


def signatures_with_sizes(
    texts: Sequence[str],
    *,
    ngram: int = 3,
    num_perm: int = 128,
    seed: int = 1,
    stopwords: frozenset[str] | None = None,
    batch_size: int = 128,
    sizes: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`signatures` plus each document's number of distinct shingles (int32).

    The sizes turn an estimated Jaccard into an estimated containment
    (a trimmed copy has a modest Jaccard but is almost wholly contained).
    """
    a, b = permutations(num_perm, seed)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    counts = np.zeros(len(texts), dtype=np.int32)
    for i in range(0, len(texts), batch_size):
        h, off = shingle_hashes(texts[i : i + batch_size], ngram=ngram, stopwords=stopwords)
        out[i : i + batch_size] = minhash_shingles(h, off, a, b)
        if sizes and h.size:
            n = off.size - 1
            doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(off))
            # sort-based distinct count (numpy's hash-based unique is slower here)
            codes = np.sort((doc << np.uint64(32)) | h.astype(np.uint64))
            first = np.concatenate([[True], codes[1:] != codes[:-1]])
            counts[i : i + n] = np.bincount((codes[first] >> np.uint64(32)).astype(np.int64), minlength=n)
    return out, counts


def estimate_jaccard(sigs: np.ndarray, pairs: np.ndarray, *, chunk: int = 8192) -> np.ndarray:
    """Estimated Jaccard (share of equal signature values) of each pair, float32.

    Two empty documents (all-max signatures) estimate 0, not 1. Pairs go in
    cache-sized chunks: at tens of millions of pairs this is memory-bound.
    """
    out = np.empty(len(pairs), dtype=np.float32)
    for i in range(0, len(pairs), chunk):
        p = pairs[i : i + chunk]
        out[i : i + chunk] = np.count_nonzero(sigs[p[:, 0]] == sigs[p[:, 1]], axis=1)
    out /= sigs.shape[1] if sigs.ndim == 2 and sigs.shape[1] else 1
    if len(pairs):
        empty = empty_rows(sigs)
        out[empty[pairs[:, 0]] | empty[pairs[:, 1]]] = 0.0
    return out


def empty_rows(sigs: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
    """Which signatures are all-``0xFFFFFFFF`` (documents without shingles)."""
    out = np.empty(len(sigs), dtype=bool)
    for i in range(0, len(sigs), chunk):
        out[i : i + chunk] = (sigs[i : i + chunk] == MAX_HASH).all(axis=1)
    return out
