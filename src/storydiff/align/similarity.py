"""Pairwise sentence similarity: semantic (embeddings) + lexical (shared rare words).

Two independent translations of one text share few words verbatim, so the
embedding cosine carries most of the signal; but names, numbers and rare
words are what tell two *similar-sounding* sentences of one document apart.
The lexical part is a TF-IDF cosine whose IDF is computed over the sentences
of the two documents being compared: a word that occurs in one sentence of
each document is strong evidence, a word that occurs everywhere is none.

Both are combined into one calibrated score in [0, 1] (roughly the
probability that the two texts are renderings of the same content), so that
``Options.align_threshold`` (0.5 by default) is a meaningful cut.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from storydiff.words import ALIGN_WORD

_WORD = ALIGN_WORD
_DIGIT_SEP = re.compile(r"(?<=\d)[.,'’ ](?=\d{3}\b)")
# Weights of the calibrated score: logistic regression (C=0.01, balanced
# classes) on 40 Bible dev chapters, web against kjv/ylt/asv with paragraphs
# shuffled (`benchmarks/align_bible.py --fit`; chapters disjoint from the
# reported test chapters), rounded. Strong regularisation on purpose: milder
# weights generalise better to news re-translations than the steep fit.
_W_SEM = 2.8
_W_LEX = 4.6
_W_CSLS = 6.0
_W_LEN = -2.3
_BIAS = -1.9
# Names and numbers are the strongest lexical anchors in news text: a
# capitalised word inside a sentence, or any digit string, counts this much
# more than a lower-case word of the same rarity.
_NAME_BOOST = 1.5
_STEM = 6
CSLS_K = 3


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per-pair matrices for A × B sentences (float32); ``score = sigmoid(logit)``."""

    semantic: np.ndarray
    lexical: np.ndarray
    logit: np.ndarray
    score: np.ndarray
    ra: np.ndarray
    rb: np.ndarray


def tokens(text: str) -> list[str]:
    """Comparison tokens of a text: lower-cased word stems, numbers without separators.

    Capitalised words not at the start of the text and numbers are marked
    with a leading ``^`` so they can be weighted up (the mark is not part of
    the matching: both ``^paris`` and ``paris`` count as ``paris``).

    Example:
        >>> tokens("In 2023, Moreau met 4,000 people.")
        ['in', '^2023', '^moreau', 'met', '^4000', 'people']
    """
    out: list[str] = []
    for k, w in enumerate(_WORD.findall(_DIGIT_SEP.sub("", text))):
        if w[0].isdigit():
            out.append("^" + w.replace(".", "").replace(",", ""))
            continue
        low = w.lower()
        if "'" in low or "’" in low:
            low = low.replace("’", "'").split("'", 1)[0] or low
        stem = low[:_STEM]
        out.append("^" + stem if (k > 0 and w[0].isupper()) else stem)
    return out


def _tfidf(docs: Iterable[Sequence[str]], n: int) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows for ``n`` token lists; IDF over them (both documents).

    Token positions are gathered in typed arrays, not lists of Python ints: a
    20 MB document has millions of tokens, and lists would cost ~36 bytes each.
    """
    vocab: dict[str, int] = {}
    rows = array("q")
    cols = array("q")
    names = bytearray()
    for r, toks in enumerate(docs):
        for t in toks:
            name = t[0] == "^"
            cols.append(vocab.setdefault(t[1:] if name else t, len(vocab)))
            rows.append(r)
            names.append(name)
    if not vocab:
        return sp.csr_matrix((n, 1), dtype=np.float32)
    v = len(vocab)
    cell = np.frombuffer(rows, dtype=np.int64) * v + np.frombuffer(cols, dtype=np.int64)
    uniq, inv, tf = np.unique(cell, return_inverse=True, return_counts=True)
    is_name = np.zeros(len(uniq), dtype=bool)
    is_name[inv[np.frombuffer(bytes(names), dtype=np.uint8).astype(bool)]] = True
    r_idx, c_idx = uniq // v, uniq % v
    df = np.bincount(c_idx, minlength=v).astype(np.float64)
    # +0.5 smoothing keeps a word seen in every sentence at about zero
    # weight, and a word seen once per document near log(n).
    idf = np.log((n + 1.0) / (df + 0.5)).clip(min=0.0)
    # sublinear tf: a word repeated in a sentence is not twice the evidence
    data = (1.0 + np.log(tf)) * idf[c_idx] * np.where(is_name, _NAME_BOOST, 1.0)
    norms = np.sqrt(np.bincount(r_idx, weights=data * data, minlength=n))
    norms[norms == 0] = 1.0
    data = data / norms[r_idx]
    return sp.csr_matrix((data.astype(np.float32), (r_idx, c_idx)), shape=(n, v))


def lexical_vectors(texts_a: Sequence[str], texts_b: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """TF-IDF rows for the sentences of A and of B, sharing one vocabulary and IDF."""
    m = _tfidf((tokens(t) for t in [*texts_a, *texts_b]), len(texts_a) + len(texts_b))
    return m[: len(texts_a)], m[len(texts_a) :]


def _topk_mean(sim: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean of the k largest values along ``axis`` (all of them if fewer)."""
    size = sim.shape[axis]
    if size == 0:
        return np.zeros(sim.shape[1 - axis], dtype=np.float32)
    k = min(k, size)
    part = -np.partition(-sim, k - 1, axis=axis)
    part = part[:k] if axis == 0 else part[:, :k]
    return part.mean(axis=axis).astype(np.float32)


def logit(semantic: np.ndarray, lexical: np.ndarray, csls: np.ndarray, lenratio: np.ndarray) -> np.ndarray:
    """The linear predictor of the calibrated score (unbounded; > 0 means "same content")."""
    z = _W_SEM * semantic + _W_LEX * lexical + _W_CSLS * csls + _W_LEN * lenratio + _BIAS
    return np.asarray(z, dtype=np.float32)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)


def length_ratio(len_a: np.ndarray, len_b: np.ndarray) -> np.ndarray:
    """|log| of the (smoothed) character-length ratio, for every A × B pair.

    Translations keep length roughly proportional (Gale & Church 1993); a
    one-line title against a paragraph-long lede is unlikely to be a pair.
    """
    la = np.log(np.asarray(len_a, dtype=np.float32) + 20.0)
    lb = np.log(np.asarray(len_b, dtype=np.float32) + 20.0)
    return np.abs(la[:, None] - lb[None, :])


def csls_margin(sem: np.ndarray) -> np.ndarray:
    """How much a pair stands out from each sentence's usual neighbours.

    ``cos(a, b) - (r_a + r_b) / 2`` where ``r`` is the mean cosine to the
    k nearest sentences of the other document (CSLS, Conneau et al. 2018).
    A generic sentence is close to everything; this removes that baseline.
    """
    if sem.size == 0:
        return sem
    ra, rb = neighbourhood(sem)
    return sem - 0.5 * (ra[:, None] + rb[None, :])


def neighbourhood(sem: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine of each A row / B column to its k nearest on the other side."""
    return _topk_mean(sem, CSLS_K, axis=1), _topk_mean(sem, CSLS_K, axis=0)


def evidence(
    ea: np.ndarray, eb: np.ndarray, la: sp.csr_matrix, lb: sp.csr_matrix, len_a: np.ndarray, len_b: np.ndarray
) -> Evidence:
    """Semantic, lexical and calibrated score matrices for all A × B pairs.

    Args:
        ea: L2-normalised embeddings of A's sentences (n × d).
        eb: likewise for B (m × d).
        la: TF-IDF rows of A (n × V), from :func:`lexical_vectors`.
        lb: TF-IDF rows of B (m × V).
        len_a: character lengths of A's sentences.
        len_b: character lengths of B's sentences.
    """
    sem = np.asarray(ea @ eb.T, dtype=np.float32)
    lex = np.asarray((la @ lb.T).todense(), dtype=np.float32)
    ra, rb = neighbourhood(sem)
    csls = sem - 0.5 * (ra[:, None] + rb[None, :])
    z = logit(sem, lex, csls, length_ratio(len_a, len_b))
    return Evidence(sem, lex, z, sigmoid(z), ra, rb)
