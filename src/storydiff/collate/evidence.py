"""The numbers a stemma is inferred from, read off the variant table.

- a *reading matrix*: for every version and row, which reading it has
  (``-1`` when it lacks the passage);
- *variant units*: word-level differences of each reading from the row's
  reading 0 (one unit per differing word run), whole-passage omissions and
  transpositions; two versions that share a unit share an innovation or
  both keep an old reading, and the number of units on which two versions
  differ is their distance;
- *agreement*: the share of rows two versions read identically, and
  *containment*: the share of word 5-grams of the shorter version the other
  has (versions told independently of each other agree on almost nothing);
- *loss and gain*: words one version has and the other lacks (whole
  passages and words inside passages), the asymmetric containment that
  says which way copying went: copies drop more than they add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from storydiff.collate.model import Row
from storydiff.collate.passages import match_key

MISSING = -1


@dataclass(frozen=True, slots=True)
class Evidence:
    """Pairwise evidence between versions (indices follow ``ids``)."""

    ids: tuple[str, ...]
    matrix: np.ndarray  # versions × rows: reading index, or MISSING
    locations: np.ndarray  # versions × variant locations: variant code, or MISSING
    presence: np.ndarray  # per location: True for a row's presence column
    texts: tuple[tuple[str, ...], ...]  # per row, the reading texts
    distance: np.ndarray  # variant locations on which two versions differ
    agreement: np.ndarray  # share of rows read identically
    containment: np.ndarray  # share of the shorter version's word 5-grams the other has


def gather(rows: Sequence[Row], ids: Sequence[str]) -> Evidence:
    """Reading matrix, variant locations, distances and agreement for ``ids`` over ``rows``."""
    pos = {w: i for i, w in enumerate(ids)}
    m = np.full((len(ids), len(rows)), MISSING, dtype=np.int32)
    for r, row in enumerate(rows):
        for k, reading in enumerate(row.readings):
            for w in reading.witnesses:
                m[pos[w], r] = k
    texts = tuple(tuple(rd.text for rd in row.readings) for row in rows)
    cols: list[np.ndarray] = []
    flags: list[bool] = []
    for r, row in enumerate(rows):
        made = _row_locations(row, m[:, r], texts[r], ids)
        cols += made
        flags += [True] + [False] * (len(made) - 1)
    locs = np.stack(cols, axis=1) if cols else np.zeros((len(ids), 0), dtype=np.int32)
    presence = np.array(flags, dtype=bool)
    n = len(ids)
    dist = np.zeros((n, n))
    for i in range(n):
        dist[i] = differing(locs, locs[i], presence).sum(axis=1)
    return Evidence(tuple(ids), m, locs, presence, texts, dist, _agreement(m), _containment(m, texts))


def _containment(m: np.ndarray, texts: tuple[tuple[str, ...], ...]) -> np.ndarray:
    """Shared word 5-grams over the smaller set: a copy keeps most of its source's phrases even where
    every passage was touched; versions told independently share few."""
    grams = []
    for i in range(m.shape[0]):
        words = [t for r, k in enumerate(m[i]) if k != MISSING for t in tokens(texts[r][k])]
        grams.append({tuple(words[k : k + 5]) for k in range(len(words) - 4)})
    n = len(grams)
    out = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = len(grams[i] & grams[j]) / max(1, min(len(grams[i]), len(grams[j])))
    return out


def differing(a: np.ndarray, b: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """Where two location rows differ; a passage one version lacks counts once (at its presence column)."""
    return (a != b) & (presence | ((a != MISSING) & (b != MISSING)))


def _agreement(m: np.ndarray) -> np.ndarray:
    present = m != MISSING
    n = m.shape[0]
    out = np.eye(n)
    for i in range(n):
        same = (m == m[i]) & present & present[i]
        either = present | present[i]
        out[i] = same.sum(axis=1) / np.maximum(1, either.sum(axis=1))
    return out


def _row_locations(row: Row, col: np.ndarray, texts: tuple[str, ...], ids: Sequence[str]) -> list[np.ndarray]:
    """The row's variant locations as columns: presence, transposition, then each word-level variant.

    At a location, a reading keeps code 0 when it keeps reading 0's words
    there, takes the code of the variant it shares, or a code of its own.
    """
    present = np.where(col == MISSING, MISSING, 0).astype(np.int32)
    out = [present]
    if row.moved:
        moved = set(row.moved)
        out.append(np.array([MISSING if c == MISSING else int(w in moved) for c, w in zip(col, ids, strict=True)],
                            dtype=np.int32))
    n0 = len(tokens(texts[0]))
    diffs = [_diff(texts[0], texts[k]) for k in range(1, len(texts))]
    spans = sorted({(i1, i2) for ops, _ in diffs for i1, i2, _ in ops})
    for i1, i2 in spans:
        codes: dict[object, int] = {}
        per_reading = [0] + [_code(ops, kept, (i1, i2, n0), k, codes) for k, (ops, kept) in enumerate(diffs, start=1)]
        out.append(np.array([MISSING if c == MISSING else per_reading[c] for c in col], dtype=np.int32))
    return out


def _diff(a: str, b: str) -> tuple[list[tuple[int, int, tuple[str, ...]]], set[int]]:
    ta, tb = tokens(a), tokens(b)
    ops: list[tuple[int, int, tuple[str, ...]]] = []
    kept: set[int] = set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            kept.update(range(i1, i2))
        else:
            ops.append((i1, i2, tuple(tb[j1:j2])))
    return ops, kept


def _code(ops: list[tuple[int, int, tuple[str, ...]]], kept: set[int], where: tuple[int, int, int], k: int,
          codes: dict[object, int]) -> int:
    i1, i2, n0 = where
    for a, b, repl in ops:
        if (a, b) == (i1, i2):
            return codes.setdefault(repl, len(codes) + 1)
    span = range(i1, i2) if i2 > i1 else (i1 - 1, i1)
    if all(i in kept or not 0 <= i < n0 for i in span):
        return 0
    return codes.setdefault(("own", k), len(codes) + 1)


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    return tuple(k for k in (match_key(t) for t in text.split()) if k)


def loss_gain(ev: Evidence, u: int, v: int) -> tuple[int, int]:
    """Words ``u`` has that ``v`` lacks, and words ``v`` has that ``u`` lacks."""
    lost = gained = 0
    for r in range(ev.matrix.shape[1]):
        a, b = ev.matrix[u, r], ev.matrix[v, r]
        if a == b:
            continue
        if b == MISSING:
            lost += len(tokens(ev.texts[r][a]))
        elif a == MISSING:
            gained += len(tokens(ev.texts[r][b]))
        else:
            x, y = _word_loss_gain(ev.texts[r][a], ev.texts[r][b])
            lost, gained = lost + x, gained + y
    return lost, gained


@lru_cache(maxsize=65536)
def _word_loss_gain(a: str, b: str) -> tuple[int, int]:
    ta, tb = tokens(a), tokens(b)
    lost = gained = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag != "equal":
            lost += max(0, (i2 - i1) - (j2 - j1))
            gained += max(0, (j2 - j1) - (i2 - i1))
    return lost, gained
