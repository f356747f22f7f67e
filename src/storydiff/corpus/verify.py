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

The thresholds come from the parallel Bible (re-worded verses against
unrelated ones); the measurements are in docs/corpus.md.

Sentences here are split on ``. ! ?`` followed by a space and on line breaks,
which is enough for a share; reports use :mod:`storydiff.segment`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from storydiff.embed import Encoder
from storydiff.words import CLAUSE_TOKEN

_TOKEN = CLAUSE_TOKEN
_SENTENCE_END = ".!?\n"
_CLAUSE_END = ";:,"
MIN_CLAUSE_WORDS = 4


def pieces(text: str) -> tuple[list[list[str]], list[int], list[bool]]:
    """The words of each clause piece of each sentence of ``text``.

    Sentences end at ``. ! ?`` (before optional closing quotes and a space)
    and at line breaks; pieces at ``; : ,`` before a space. A piece is a clause
    of its own when it has at least :data:`MIN_CLAUSE_WORDS` words and its
    sentence has several such. One regular-expression pass: this runs for
    every document of every checked pair.

    Returns:
        ``(word lists of the non-empty pieces, pieces per sentence, whether each piece is a clause of its own)``.
    """
    out: list[list[str]] = []
    per_sentence: list[int] = []
    own: list[bool] = []
    piece: list[str] = []
    start = 0  # first piece of the current sentence

    def end_sentence() -> None:
        if len(out) > start:
            long = [len(p) >= MIN_CLAUSE_WORDS for p in out[start:]]
            several = sum(long) > 1
            own.extend(several and x for x in long)
            per_sentence.append(len(out) - start)

    for tok in _TOKEN.findall(text):
        if tok in _SENTENCE_END:
            if piece:
                out.append(piece)
                piece = []
            end_sentence()
            start = len(out)
        elif tok in _CLAUSE_END:
            if piece:
                out.append(piece)
                piece = []
        else:
            piece.append(tok)
    if piece:
        out.append(piece)
    end_sentence()
    return out, per_sentence, own


def parts(text: str) -> tuple[list[list[str]], list[list[str]]]:
    """The words of each sentence of ``text``, and of each clause of the sentences that have several.

    Example:
        >>> parts("He came, saw the whole city, and then he left. Done!")
        ([['He', 'came', 'saw', 'the', 'whole', 'city', 'and', 'then', 'he', 'left'], ['Done']], [['saw', 'the', 'whole', 'city'], ['and', 'then', 'he', 'left']])
    """
    ps, per_sentence, own = pieces(text)
    sentences, i = [], 0
    for k in per_sentence:
        sentences.append(list(chain.from_iterable(ps[i : i + k])))
        i += k
    return sentences, [p for p, o in zip(ps, own) if o]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A text's pieces as word rows of :class:`storydiff.corpus.semantic.WordVectors` (small: ~2.5 kB a document)."""

    rows: np.ndarray  # int32, the words of every piece in order
    piece_len: np.ndarray  # words per piece
    per_sentence: np.ndarray  # pieces per sentence
    own: np.ndarray  # bool per piece: a clause of its own
    weights: np.ndarray  # float64 words per sentence
    generation: int


class _ParseCache:
    """Parsed texts by content digest, least recently used dropped past ``limit``.

    Checks run in rounds and the merge guard asks about single pairs, so the
    same documents come back again and again; parsing (a Python loop over
    every token) is most of a check's cost, while pooling cached rows is numpy.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._items: OrderedDict[bytes, _Parsed] = OrderedDict()

    def get(self, text: str, wv: Any) -> _Parsed:
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        hit = self._items.get(key)
        if hit is not None and hit.generation == wv.generation:
            self._items.move_to_end(key)
            return hit
        ps, per_sentence, own = pieces(text)
        lens = np.fromiter(map(len, ps), dtype=np.int64, count=len(ps))
        ns = np.asarray(per_sentence, dtype=np.int64)
        weights = (np.add.reduceat(lens, np.cumsum(ns) - ns).astype(np.float64) if len(ns)
                   else np.zeros(0, np.float64))
        rows = wv.rows(list(chain.from_iterable(ps))).astype(np.int32)
        parsed = _Parsed(rows, lens, ns, np.asarray(own, dtype=bool), weights, wv.generation)
        self._items[key] = parsed
        if len(self._items) > self.limit:
            self._items.popitem(last=False)
        return parsed


_PARSED = _ParseCache()


class Units:
    """Embedded sentences and clauses of a batch of texts.

    Attributes:
        sentences, clauses: L2-normalised float32 rows.
        s_bounds, c_bounds: ``(n, 2)`` row range of each text in them.
        weights: per text, the words of each sentence (float64).
    """

    def __init__(self, texts: Sequence[str], encoder: str | Encoder) -> None:
        from storydiff.corpus.semantic import has_token_table

        if isinstance(encoder, str) and has_token_table(encoder):
            self._pooled(texts, encoder)
            return
        split = [parts(t) for t in texts]
        ns = np.fromiter((len(s) for s, _ in split), dtype=np.int64, count=len(split))
        nc = np.fromiter((len(c) for _, c in split), dtype=np.int64, count=len(split))
        self.s_bounds = np.stack([np.cumsum(ns) - ns, np.cumsum(ns)], axis=1)
        self.c_bounds = np.stack([np.cumsum(nc) - nc, np.cumsum(nc)], axis=1)
        self.weights = [np.fromiter(map(len, s), dtype=np.float64, count=len(s)) for s, _ in split]
        self.sentences = _embed(list(chain.from_iterable(s for s, _ in split)), encoder)
        self.clauses = _embed(list(chain.from_iterable(c for _, c in split)), encoder)

    def _pooled(self, texts: Sequence[str], encoder: str) -> None:
        """Piece sums pooled once; a sentence's vector is the sum of its pieces' (sums add up)."""
        from storydiff.corpus.semantic import normalise_rows, pool_rows, word_vectors

        wv = word_vectors(encoder)
        parsed = [_PARSED.get(t, wv) for t in texts]
        while any(p.generation != wv.generation for p in parsed):  # the vocabulary was renumbered meanwhile
            parsed = [_PARSED.get(t, wv) for t in texts]
        ns = np.fromiter((len(p.per_sentence) for p in parsed), dtype=np.int64, count=len(parsed))
        nc = np.fromiter((int(p.own.sum()) for p in parsed), dtype=np.int64, count=len(parsed))
        self.s_bounds = np.stack([np.cumsum(ns) - ns, np.cumsum(ns)], axis=1)
        self.c_bounds = np.stack([np.cumsum(nc) - nc, np.cumsum(nc)], axis=1)
        self.weights = [p.weights for p in parsed]
        dim = wv.sums.shape[1]
        if not parsed or not ns.sum():
            self.sentences = self.clauses = np.zeros((0, dim), np.float32)
            return
        piece_sums = pool_rows(np.concatenate([p.rows for p in parsed]).astype(np.int64),
                               np.concatenate([p.piece_len for p in parsed]), wv.sums)
        per_sentence = np.concatenate([p.per_sentence for p in parsed])
        # np.add.reduceat along axis 0 of a wide matrix is many times slower than this sparse sum
        self.sentences = normalise_rows(pool_rows(np.arange(len(piece_sums)), per_sentence, piece_sums))
        self.clauses = normalise_rows(piece_sums[np.concatenate([p.own for p in parsed])])

    def share(self, a: int, b: int, sentence_cos: float) -> float:
        """Share of text ``a``'s sentences (weighted by words) whose best match among ``b``'s units reaches the cosine."""
        (sa, ea), (sb, eb), (cb, ecb) = self.s_bounds[a], self.s_bounds[b], self.c_bounds[b]
        if ea == sa or eb == sb:
            return 0.0
        q = self.sentences[sa:ea]
        best = (q @ self.sentences[sb:eb].T).max(axis=1)
        if ecb > cb:
            best = np.maximum(best, (q @ self.clauses[cb:ecb].T).max(axis=1))
        w = self.weights[a]
        return float(w[best >= sentence_cos].sum() / max(w.sum(), 1e-9))


def _embed(lists: list[list[str]], encoder: str | Encoder) -> np.ndarray:
    if isinstance(encoder, str):
        from storydiff.corpus.semantic import embed_word_lists

        return embed_word_lists(lists, encoder=encoder)
    if not lists:
        return np.zeros((0, 1), np.float32)
    return np.asarray(encoder.encode([" ".join(u) for u in lists]), dtype=np.float32)


@functools.cache
def _threadpools():  # type: ignore[no-untyped-def]
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        return None
    return ThreadpoolController()  # scanning the loaded libraries costs ms: once per process


def _one_blas_thread():  # type: ignore[no-untyped-def]
    # Thousands of tiny matrix products: BLAS threads only add hand-off costs,
    # which on a busy machine are larger than the products themselves (1.6 ms
    # instead of 45 us for one pair's product at load 4).
    controller = _threadpools()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def _locality_order(pairs: np.ndarray) -> np.ndarray:
    """Pairs grouped by connected component, so that a chunk's documents are
    mostly its own and each document is embedded about once (ordering by the
    first index alone re-embeds the second documents in every chunk)."""
    if not len(pairs):
        return np.zeros(0, dtype=np.int64)
    from storydiff.corpus.grouping import union_find

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
        units = Units([texts[d] for d in seen], encoder)
        with _one_blas_thread():
            for row in order[start:stop]:
                a, b = (int(x) for x in pairs[row])
                if len(texts[a]) > len(texts[b]):
                    a, b = b, a
                out[row] = units.share(seen[a], seen[b], sentence_cos)
        start = stop
    return out
