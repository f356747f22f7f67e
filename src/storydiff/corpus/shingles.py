"""Vectorised tokenising and word n-gram hashing for a batch of documents.

A batch is turned into one pyarrow string array, Unicode-lowercased with
``pc.utf8_lower``, and then handled as one UTF-8 byte buffer in numpy: there is
no per-document Python loop. Tokens are runs of word bytes (``\\w+``-like):
ASCII letters, digits and ``_`` are word bytes; ASCII punctuation and spaces,
Latin-1 punctuation (U+00A0-U+00BF except the letter-like ones), ``×``/``÷``,
General Punctuation (U+2000-U+207F: curly quotes, dashes, ellipsis), the
Supplemental Punctuation and CJK punctuation blocks and U+FEFF are separators;
every other non-ASCII character counts as a word character (so ``é`` and ``ß``
are, as in ``re``, but also symbols such as ``€``: the one known difference).

Hashes are our own definition, stable across runs, processes and library
versions (never Python's ``hash()``):

* token hash: 64-bit, the token's bytes read 8 at a time, each chunk mixed in
  with the MurmurHash3 ``fmix64`` finaliser, seeded by the token's length;
* shingle hash: a wrapping polynomial over the n token hashes, ``fmix64``'d,
  high 32 bits kept (``uint32``, the width of datasketch's ``affine32``).

Short documents: a document with fewer than ``n`` tokens (but at least one)
has exactly one shingle, the polynomial over its whole token sequence; a
document with no tokens has no shingles.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_LEN_SEED = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_MUL = np.uint64(0x87C37B91114253D5)
_POLY = np.uint64(0x100000001B3)  # FNV-64 prime: odd, so the polynomial keeps token order

_WORD_BYTE = np.zeros(256, dtype=bool)  # the definition; _word_bytes computes it (tested equal) without a lookup
for _lo, _hi in ((ord("0"), ord("9")), (ord("a"), ord("z")), (ord("A"), ord("Z"))):
    _WORD_BYTE[_lo : _hi + 1] = True
_WORD_BYTE[ord("_")] = True
_WORD_BYTE[0x80:] = True
# Second bytes after 0xC2 that are punctuation or symbols (U+00A0-U+00BF) rather
# than \w characters (ª ² ³ µ ¹ º ¼ ½ ¾ are \w in Python).
_C2_SEP = np.zeros(256, dtype=bool)
_C2_SEP[0xA0:0xC0] = True
_C2_SEP[[0xAA, 0xB2, 0xB3, 0xB5, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE]] = False


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise on a uint64 array (wrapping)."""
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


def _fmix64_inplace(h: np.ndarray) -> np.ndarray:
    """:func:`fmix64` overwriting ``h`` (fewer temporaries on the hot path)."""
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


# the low ``r`` bytes of a chunk, r = 0..8
_BYTE_MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)
# fmix64(length * _LEN_SEED), the seed of a token's hash, for the usual lengths
_LEN_SEEDS = fmix64(np.arange(256, dtype=np.uint64) * _LEN_SEED)


def _utf8(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lowercased UTF-8 bytes of a batch and its int64 offsets (len(texts) + 1)."""
    arr = pc.utf8_lower(pa.array(list(texts), type=pa.large_string()))
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    start = int(offsets[0]) if n else 0
    return data[start : int(offsets[-1]) if n else 0], offsets - start


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """``_WORD_BYTE[data]`` by comparisons: a 256-entry lookup gathers at 1 byte a step, 7x slower."""
    letter = data | np.uint8(0x20)  # ASCII upper to lower case (and some punctuation onto non-letters)
    letter -= np.uint8(ord("a"))
    is_word = letter < 26
    digit = data - np.uint8(ord("0"))
    is_word |= digit < 10
    is_word |= data == ord("_")
    is_word |= data >= 0x80
    return is_word


def _word_mask(data: np.ndarray) -> np.ndarray:
    is_word = _word_bytes(data)
    if data.size < 2:
        return is_word
    # the separators outside ASCII all start with a lead byte of C2, C3, E2, E3 or EF:
    # one pass finds the (in English, few) bytes from C2 up, the rest looks only at them
    high = np.flatnonzero(data >= 0xC2)
    if high.size == 0:
        return is_word
    lead_byte = data[high]
    has_three = high < data.size - 2
    three, tb = high[has_three], lead_byte[has_three]
    lead = three[tb == 0xE2]
    if lead.size:
        # U+2000-U+207F (E2 80/81 xx) and U+2E00-U+2E7F (E2 B8/B9 xx)
        second = data[lead + 1]
        hit = lead[(second == 0x80) | (second == 0x81) | (second == 0xB8) | (second == 0xB9)]
        is_word[hit] = is_word[hit + 1] = is_word[hit + 2] = False
    lead = three[tb == 0xE3]
    if lead.size:  # U+3000-U+303F, CJK symbols and punctuation (E3 80 xx)
        hit = lead[data[lead + 1] == 0x80]
        is_word[hit] = is_word[hit + 1] = is_word[hit + 2] = False
    lead = three[tb == 0xEF]
    if lead.size:  # U+FEFF (EF BB BF)
        hit = lead[(data[lead + 1] == 0xBB) & (data[lead + 2] == 0xBF)]
        is_word[hit] = is_word[hit + 1] = is_word[hit + 2] = False
    two = high < data.size - 1
    lead = high[two & (lead_byte == 0xC2)]
    if lead.size:
        hit = lead[_C2_SEP[data[lead + 1]]]
        is_word[hit] = is_word[hit + 1] = False
    lead = high[two & (lead_byte == 0xC3)]
    if lead.size:  # × (C3 97) and ÷ (C3 B7)
        second = data[lead + 1]
        hit = lead[(second == 0x97) | (second == 0xB7)]
        is_word[hit] = is_word[hit + 1] = False
    return is_word


def _hash_spans(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """64-bit hash of each byte span ``data[starts[i]:ends[i]]``."""
    lengths = (ends - starts).astype(np.int64)
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    # Every 8-byte window of the buffer as an unaligned little-endian uint64, so
    # each chunk of every token is one 1-D gather (a 2-D byte gather was 25 %
    # of the signature time).
    windows = np.ndarray(shape=(data.size + 1,), dtype="<u8", buffer=padded, strides=(1,))
    if lengths.size and int(lengths.max()) < _LEN_SEEDS.size:
        h = _LEN_SEEDS[lengths]
    else:
        h = fmix64(lengths.astype(np.uint64) * _LEN_SEED)
    steps = int(lengths.max()) if lengths.size else 0
    for k in range(0, steps, 8):
        if k:
            sel = np.flatnonzero(lengths > k)
            chunk = np.take(windows, starts[sel] + k)
            chunk &= _BYTE_MASKS[np.minimum(lengths[sel] - k, 8)]
            chunk *= _CHUNK_MUL
            chunk ^= h[sel]
            h[sel] = _fmix64_inplace(chunk)
        else:
            chunk = np.take(windows, starts)  # faster than windows[starts] on this strided view
            chunk &= _BYTE_MASKS[np.minimum(lengths, 8)]
            chunk *= _CHUNK_MUL
            h ^= chunk
            _fmix64_inplace(h)
    return h


def token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of a batch, in order, and each document's token offsets.

    Returns:
        ``(hashes, offsets)``: uint64 hashes of all tokens of all documents, and
        int64 offsets of length ``len(texts) + 1`` (document ``i``'s tokens are
        ``hashes[offsets[i]:offsets[i + 1]]``).
    """
    data, byte_off = _utf8(texts)
    n = len(texts)
    if data.size == 0:
        return np.zeros(0, np.uint64), np.zeros(n + 1, np.int64)
    is_word = _word_mask(data)
    # word runs start and end where is_word changes, alternately: one scan finds both
    edges = np.flatnonzero(np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0)) != 0)
    starts, ends = edges[0::2], edges[1::2]
    # tokens never cross a document boundary: where one document ends in a word
    # byte and the next starts with one, split the run there
    inner = byte_off[1:-1]
    inner = inner[(inner > 0) & (inner < data.size)]
    glued = np.unique(inner[is_word[inner - 1] & is_word[inner]])  # empty documents repeat an offset
    if glued.size:
        starts = np.sort(np.concatenate([starts, glued]))
        ends = np.sort(np.concatenate([ends, glued]))
    offsets = np.searchsorted(starts, byte_off, side="left").astype(np.int64)
    return _hash_spans(data, starts, ends), offsets


def stopword_hashes(words: frozenset[str] | set[str] | Sequence[str]) -> np.ndarray:
    """Sorted token hashes of ``words`` (each lowercased; only its first token counts)."""
    words = sorted(w.lower() for w in words)
    if not words:
        return np.zeros(0, np.uint64)
    h, off = token_hashes(words)
    keep = off[1:] > off[:-1]
    return np.unique(h[off[:-1][keep]])


def shingle_hashes(
    texts: Sequence[str], *, ngram: int = 3, stopwords: frozenset[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """uint32 word n-gram hashes of a batch and each document's shingle offsets.

    Stop words (if given) are removed before n-grams are formed. Shingles are
    not de-duplicated (MinHash takes a minimum, so repeats do not matter).

    Returns:
        ``(hashes, offsets)`` as in :func:`token_hashes`, for shingles.
    """
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1 (got {ngram})")
    th, off = token_hashes(texts)
    if stopwords:
        keep = ~np.isin(th, stopword_hashes(stopwords))
        cum = np.concatenate([[0], np.cumsum(keep)])
        th, off = th[keep], cum[off]
    return _ngrams(th, off, ngram)


def _ngrams(th: np.ndarray, off: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.diff(off)
    n_sh = np.where(counts >= n, counts - n + 1, (counts > 0).astype(np.int64))
    sh_off = np.concatenate([[0], np.cumsum(n_sh)]).astype(np.int64)
    out = np.empty(int(sh_off[-1]), dtype=np.uint64)
    short = np.flatnonzero((counts > 0) & (counts < n))
    if th.size >= n:
        # all windows of n tokens; a window is dropped when it starts in the last
        # n - 1 positions of a document (it would run into the next). What is left is
        # in document order, so it fills the long documents' slots as it is.
        h = th[: th.size - n + 1].copy()
        for j in range(1, n):
            h *= _POLY
            h += th[j : th.size - n + 1 + j]
        if n > 1:
            ends = off[1:][counts > 0]
            cut = (ends[:, None] - np.arange(1, n)).ravel()
            valid = np.ones(h.size, dtype=bool)
            valid[cut[(cut >= 0) & (cut < h.size)]] = False
            h = h[valid]
        if short.size:
            slots = np.ones(out.size, dtype=bool)
            slots[sh_off[short]] = False
            out[slots] = h
        else:
            out = h
    if short.size:  # whole token sequence of a short document as one shingle
        h = np.zeros(short.size, dtype=np.uint64)
        for j in range(n - 1):
            inside = j < counts[short]
            h = np.where(inside, h * _POLY + th[np.minimum(off[short] + j, th.size - 1)], h)
        out[sh_off[short]] = h
    out = _fmix64_inplace(out)
    out >>= np.uint64(32)
    return out.astype(np.uint32), sh_off


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """Exact-copy key of each text: a 64-bit hash of its token sequence, as int64.

    Case, punctuation and spacing do not change the key; any word does. A
    text without tokens gets key 0 (never an exact copy of anything).
    """
    th, off = token_hashes(texts)
    counts = np.diff(off)
    keys = np.zeros(len(texts), dtype=np.uint64)
    nonempty = np.flatnonzero(counts > 0)
    if nonempty.size:
        pos = np.arange(th.size) - np.repeat(off[:-1], counts)
        powers = np.multiply.accumulate(np.full(int(counts.max()), _POLY, dtype=np.uint64))
        terms = th * powers[pos]
        sums = np.add.reduceat(terms, off[nonempty])
        keys[nonempty] = fmix64(sums ^ (counts[nonempty].astype(np.uint64) * _LEN_SEED))
        keys[nonempty[keys[nonempty] == 0]] = np.uint64(1)
    return keys.view(np.int64)


def token_spans(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`token_hashes` with each token's character span in its own (original) text.

    Returns:
        ``(hashes, offsets, starts, ends)``: ``texts[i][starts[k]:ends[k]]`` is token ``k``
        (for ``offsets[i] <= k < offsets[i + 1]``), matched case-insensitively.
    """
    data, byte_off = _utf8(texts)
    th, off = token_hashes(texts)
    if th.size == 0:
        return th, off, np.zeros(0, np.int64), np.zeros(0, np.int64)
    is_word = _word_mask(data)
    edges = np.flatnonzero(np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0)) != 0)
    starts, ends = edges[0::2], edges[1::2]
    inner = byte_off[1:-1]
    inner = inner[(inner > 0) & (inner < data.size)]
    glued = np.unique(inner[is_word[inner - 1] & is_word[inner]])
    if glued.size:
        starts = np.sort(np.concatenate([starts, glued]))
        ends = np.sort(np.concatenate([ends, glued]))
    # byte → character: count the bytes that start a UTF-8 character
    chars_before = np.concatenate([[0], np.cumsum((data & 0xC0) != 0x80)])
    doc = np.repeat(np.arange(len(texts)), np.diff(off))
    first = chars_before[byte_off[:-1]][doc]
    cs, ce = chars_before[starts] - first, chars_before[ends] - first
    lowered = np.diff(chars_before[byte_off])
    for i in np.flatnonzero(lowered != np.fromiter(map(len, texts), np.int64, len(texts))):
        # a few characters lowercase to more than one: map the positions back to the original
        text = texts[i]
        widths = pc.utf8_length(pc.utf8_lower(pa.array(list(text), pa.string()))).to_numpy()
        back = np.repeat(np.arange(len(text)), widths)
        sl = slice(off[i], off[i + 1])
        cs[sl], ce[sl] = back[cs[sl]], back[np.maximum(ce[sl] - 1, 0)] + 1
    return th, off, cs.astype(np.int64), ce.astype(np.int64)
