"""Passages aligned across many versions: the skeleton of the variant table.

Every version is aligned once against one *base* version with the pairwise
aligner (:func:`storydiff.align.align`), all calls sharing one memoising
encoder, so a sentence that recurs in twenty versions is embedded once and
twenty versions cost nineteen alignments, not 190. Rows follow the base's
sentences (a base sentence that some version merged with its neighbour
shares one row with it); passages the base lacks are clustered across
versions by embedding similarity and placed after their nearest aligned
neighbour.

Texts without punctuation (transcriptions, OCR, old spellings) fall back to
word windows: the base is cut into windows of ``window_words`` words and
every other version is cut where a word-level alignment maps those cuts, so
a row holds the same stretch of text in every version.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from storydiff.align import align
from storydiff.embed import Encoder
from storydiff.model import Alignment, Document, Segmentation, Sentence, Span
from storydiff.options import Options

_TOKEN = re.compile(r"\S+")
_PUNCT = re.compile(r"[^\w]+")
# A passage the base lacks joins a cluster of other versions' passages above this cosine.
EXTRA_JOIN_COSINE = 0.8
# Share of words inside "sentences" longer than LONG_SENTENCE words above which the
# text is taken to be unpunctuated (auto mode falls back to word windows).
LONG_SENTENCE = 60
LONG_SHARE = 0.25
# Share of either version's sentences that must align with the other for the two to tell one text.
# Other chapters of one book align up to 0.22 of their verses; a retelling 0.8, a translation 0.9.
RELATED_SHARE = 0.3


@dataclass(slots=True)
class RawRow:
    """A row before readings are grouped: who has which passages, who moved them."""

    cells: dict[str, list[int]] = field(default_factory=dict)
    moved: set[str] = field(default_factory=set)
    family: int = 0  # index of the family (versions telling one text) the row belongs to


def unpunctuated(segs: list[Segmentation]) -> bool:
    """Whether the sentence splitter found implausibly long sentences in these texts."""
    total = long = 0
    for seg in segs:
        for s in seg.sentences:
            n = len(s.text.split())
            total += n
            long += n if n > LONG_SENTENCE else 0
    return total > 0 and long / total >= LONG_SHARE


def match_key(token: str) -> str:
    """A token as compared across versions: no accents, case or punctuation."""
    t = unicodedata.normalize("NFD", token.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return _PUNCT.sub("", t) or t


def choose_base(segs: list[Segmentation]) -> int:
    """The version that contains most of the others (word 3-gram containment).

    The most complete version makes the fewest passages that no base has;
    ties go to the first given.
    """
    grams = [_trigrams(s.document.text) for s in segs]
    best, best_score = 0, -1.0
    for i, gi in enumerate(grams):
        score = sum(len(gj & gi) / max(1, len(gj)) for j, gj in enumerate(grams) if j != i)
        if score > best_score + 1e-12:
            best, best_score = i, score
    return best


def _trigrams(text: str) -> set[tuple[str, str, str]]:
    toks = [match_key(t) for t in text.split()]
    return {(toks[k], toks[k + 1], toks[k + 2]) for k in range(len(toks) - 2)}


# ---------------------------------------------------------------- sentences
def sentence_rows(segs: list[Segmentation], base: int, *, options: Options,
                  encoder: Encoder) -> tuple[list[RawRow], list[tuple[int, list[int]]]]:
    """Rows from sentence alignments of every version against the base of its family.

    Versions that tell another story (almost none of their sentences align
    with the base) would only be "lacking" every row: they are collated among
    themselves, against a base of their own, and their rows follow.

    Returns:
        The rows, and the families: ``(base, members)`` as indices into ``segs``,
        the first family's base ``base``.
    """
    rows: list[RawRow] = []
    families: list[tuple[int, list[int]]] = []
    todo = list(range(len(segs)))
    while todo:
        b = base if not families else todo[choose_base([segs[i] for i in todo])]
        alignments = {i: align(segs[b], segs[i], options=options, encoder=encoder) for i in todo if i != b}
        members = [b] + [i for i, al in alignments.items() if related(al, segs[b], segs[i])]
        family = len(families)
        families.append((b, sorted(members)))
        rows += _family_rows(segs, b, {i: alignments[i] for i in members if i != b}, encoder, family)
        todo = [i for i in todo if i not in members]
    return rows, families


def related(al: Alignment, a: Segmentation, b: Segmentation) -> bool:
    """Whether two versions tell the same text: a share of either one's sentences aligns with the other."""
    got_a = sum(len(g.a) for g in al.groups) / max(1, len(a.sentences))
    got_b = sum(len(g.b) for g in al.groups) / max(1, len(b.sentences))
    return max(got_a, got_b) >= RELATED_SHARE


def _family_rows(segs: list[Segmentation], base: int, alignments: dict[int, Alignment], encoder: Encoder,
                 family: int) -> list[RawRow]:
    b = segs[base]
    bid = b.document.id
    unit = _units(len(b.sentences), [g.a for al in alignments.values() for g in al.groups])
    n_units = max(unit, default=-1) + 1
    rows = [RawRow(family=family) for _ in range(n_units)]
    for i, u in enumerate(unit):
        rows[u].cells.setdefault(bid, []).append(i)
    extras = _ExtraPool(encoder, family)
    for w, al in alignments.items():
        wid = segs[w].document.id
        for g in al.groups:
            row = rows[unit[g.a[0]]]
            row.cells.setdefault(wid, []).extend(g.b)
            if g.moved:
                row.moved.add(wid)
        b2a = al.b2a()
        for j in al.added:
            anchor = _anchor(j, b2a, unit)
            extras.add(wid, j, segs[w].sentences[j].text, anchor)
    return _interleave(rows, extras.rows())


def _units(n: int, groups: list[tuple[int, ...]]) -> list[int]:
    """Row number of each base sentence: sentences some version merged share a row."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in groups:
        for i in a[1:]:
            parent[find(i)] = find(a[0])
    unit: list[int] = []
    names: dict[int, int] = {}
    for i in range(n):
        unit.append(names.setdefault(find(i), len(names)))
    return unit


def _anchor(j: int, b2a: dict[int, tuple[int, ...]], unit: list[int]) -> int:
    """The row after which an unaligned sentence belongs: that of its nearest aligned predecessor."""
    for k in range(j - 1, -1, -1):
        if k in b2a:
            return unit[b2a[k][-1]]
    return -1


class _ExtraPool:
    """Clusters passages the base lacks, across versions, by embedding cosine."""

    def __init__(self, encoder: Encoder, family: int) -> None:
        self._encoder = encoder
        self._family = family
        self._vecs: list[np.ndarray] = []
        self._rows: list[tuple[list[int], RawRow]] = []

    def add(self, wid: str, j: int, text: str, anchor: int) -> None:
        v = self._encoder.encode([text])[0]
        best, best_cos = -1, EXTRA_JOIN_COSINE
        for k, (vec, (_, row)) in enumerate(zip(self._vecs, self._rows, strict=True)):
            cos = float(vec @ v)
            if wid not in row.cells and cos >= best_cos:
                best, best_cos = k, cos
        if best < 0:
            self._vecs.append(v)
            self._rows.append(([anchor], RawRow(cells={wid: [j]}, family=self._family)))
            return
        anchors, row = self._rows[best]
        anchors.append(anchor)
        row.cells[wid] = [j]

    def rows(self) -> list[tuple[int, RawRow]]:
        """Each cluster with the anchor most of its members agree on."""
        out = []
        for anchors, row in self._rows:
            out.append((max(set(anchors), key=lambda a: (anchors.count(a), -a)), row))
        return out


def _interleave(rows: list[RawRow], extras: list[tuple[int, RawRow]]) -> list[RawRow]:
    by_anchor: dict[int, list[RawRow]] = {}
    for anchor, row in extras:
        by_anchor.setdefault(anchor, []).append(row)
    out = list(by_anchor.get(-1, []))
    for u, row in enumerate(rows):
        out.append(row)
        out.extend(by_anchor.get(u, []))
    return out


# ------------------------------------------------------------------ windows
def window_rows(docs: list[Document], base: int, window_words: int) -> tuple[list[Segmentation], list[RawRow]]:
    """Word-window passages for unpunctuated texts, cut consistently across versions.

    Returns each version's segmentation into windows and the rows (one per
    window of the base; a version lacks a row when every word of it is gone).
    """
    toks = [[(m.start(), m.end()) for m in _TOKEN.finditer(d.text)] for d in docs]
    keys = [[match_key(d.text[s:e]) for s, e in tk] for d, tk in zip(docs, toks, strict=True)]
    n_base = len(toks[base])
    base_win = [k // window_words for k in range(n_base)]
    n_rows = max(base_win, default=-1) + 1
    segs, rows = [], [RawRow() for _ in range(n_rows)]
    for i, doc in enumerate(docs):
        win = base_win if i == base else _map_windows(keys[base], keys[i], base_win)
        seg = _segmentation(doc, toks[i], win)
        segs.append(seg)
        for idx, s in enumerate(seg.sentences):
            rows[win[_first_token(toks[i], s.start)]].cells[doc.id] = [idx]
    return segs, rows


def _map_windows(base_keys: list[str], keys: list[str], base_win: list[int]) -> list[int]:
    """The base window each token of a version falls in (monotone, via a word diff)."""
    out = [0] * len(keys)
    last = 0
    ops = SequenceMatcher(None, base_keys, keys, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        for j in range(j1, j2):
            if tag in ("equal", "replace") and i2 > i1:
                i = i1 + (j - j1) * (i2 - i1) // max(1, j2 - j1)
                last = base_win[min(i, i2 - 1)]
            out[j] = last
    return out


def _segmentation(doc: Document, toks: list[tuple[int, int]], win: list[int]) -> Segmentation:
    runs: list[list[int]] = []
    for k, w in enumerate(win):
        if runs and win[runs[-1][0]] == w:
            runs[-1].append(k)
        else:
            runs.append([k])
    sents = []
    for idx, run in enumerate(runs):
        start, end = toks[run[0]][0], toks[run[-1]][1]
        sents.append(Sentence(index=idx, start=start, end=end, text=doc.text[start:end], paragraph=0))
    return Segmentation(doc, tuple(sents), (Span(0, len(doc.text)),))


def _first_token(toks: list[tuple[int, int]], start: int) -> int:
    lo, hi = 0, len(toks)
    while lo < hi:
        mid = (lo + hi) // 2
        if toks[mid][0] < start:
            lo = mid + 1
        else:
            hi = mid
    return lo
