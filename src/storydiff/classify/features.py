"""Pair features for the verdict model: numpy, rapidfuzz and word vectors only.

Every feature is symmetric in its two texts (directional measures enter as
their min and max), so ``judge(b, a)`` gives the same verdict as
``judge(a, b)``. Features fall into groups (the name prefix):

- ``ov_``: lexical overlap of tokens and crude stems, containment, lengths;
- ``str_``: string similarity (rapidfuzz ratios, n-gram Jaccard, chrF, LCS);
- ``ord_``: word ORDER of shared content words (discordant pairs, kept
  neighbours, changed preceding preposition, swaps of capitalised words
  around the first verb-like token): what catches "who did what to whom";
- ``num_``/``ent_``/``neg_``/``mod_``: numbers, names, negation, modality;
- ``emb_``: sentence cosine and a BERTScore-like soft alignment of content
  words with WordLlama word vectors;
- ``mv_``: MOVED spans (runs of words that left their place in the word
  diff and reappear elsewhere), and whether each moved span is an item of a
  list (bounded by commas, "and", "or"), led by a preposition, or neither:
  "X, Y and Z" re-ordered keeps the meaning, "from X to Y" → "from Y to X"
  does not, and a bag-of-words or neighbour count cannot tell the two apart.

No spaCy: loading it alone costs more than the whole CLI budget, so stems,
stop words and the "verb-like" token are approximated with small rules.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from storydiff import resources
from storydiff.words import WORD_OR_MARK

_TOKEN = WORD_OR_MARK
_DIGIT = re.compile(r"\d")

# The word lists are part of the shipped models' definition: they live in package data beside the models.
FEATURE_WORDS = "verdict_features.json"
_LISTS = resources.read_json(FEATURE_WORDS)
STOP = frozenset(_LISTS["stop"])
NEGATIONS = frozenset(_LISTS["negations"])
MODALS = frozenset(_LISTS["modals"])
PREPOSITIONS = frozenset(_LISTS["prepositions"])
NUMBER_WORDS = frozenset(_LISTS["number_words"])
_VERB_HINTS = frozenset(_LISTS["verb_hints"])

FEATURE_NAMES: tuple[str, ...] = (
    "ov_tok_jacc", "ov_stem_jacc", "ov_cont_min", "ov_cont_max", "ov_len_ratio", "ov_len_diff",
    "ov_len_log", "ov_stem_symdiff", "ov_unique_frac_max",
    "str_ratio", "str_sort", "str_set", "str_partial", "str_sort_minus_ratio", "str_bigram_jacc",
    "str_trigram_jacc", "str_chrf", "str_lcs_max", "str_lcs_min",
    "ord_disc_frac", "ord_disc_count", "ord_keep_nb", "ord_lost_nb", "ord_cont_lcs", "ord_prep_changed",
    "ord_prep_changed_frac", "ord_prev_changed_frac", "ord_cap_disc", "ord_pivot_swaps", "ord_n_shared",
    "ord_next_changed_frac", "ord_mean_disp", "str_diff_regions", "str_longest_diff",
    "num_symdiff", "num_mismatch", "num_jacc",
    "ent_symdiff", "ent_jacc", "ent_one_side_max",
    "neg_mismatch", "neg_diff", "mod_symdiff",
    "emb_cos", "emb_soft_min", "emb_soft_max", "emb_soft_f", "emb_worst", "emb_unmatched", "emb_unmatched_max",
    "emb_unmatched_frac",
    "mv_words", "mv_frac", "mv_list_share", "mv_nonlist", "mv_pp", "mv_free", "mv_cap_free", "mv_spans",
    "mv_unmatched", "mv_list_share_strict",
)
MINILM_FEATURE = "emb_minilm_cos"
# The minilm engine's cross-encoder logit (> 0 = paraphrase), appended after MINILM_FEATURE
# by storydiff.classify when the engine's verdict model lists it; see classify/cross.py.
CROSS_FEATURE = "cross_logit"


def _stem(w: str) -> str:
    """A crude suffix stripper: enough to match "rose"/"rise"-free cases like "votes"/"voted"/"voting"."""
    for suf in ("ing", "ed", "es", "ly", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


@dataclass(frozen=True, slots=True)
class TextInfo:
    """What the pair features need from one text, computed once per text."""

    text: str
    lower: str
    words: tuple[str, ...]  # lower-cased word tokens (no punctuation)
    stems: tuple[str, ...]  # stems of all words
    content: tuple[str, ...]  # stems of content words, in order
    content_words: tuple[str, ...]  # the lower-cased content words, in order
    prev_prep: tuple[str, ...]  # for each content word: the preposition right before it ("" if none)
    prev_tok: tuple[str, ...]  # for each content word: the word right before it
    next_tok: tuple[str, ...]  # for each content word: the word right after it
    caps: frozenset[str]  # capitalised words not at the sentence start
    first: str  # the first word, lower-cased, if capitalised and not a stop word (a name or not: unknown)
    numbers: frozenset[str]
    negations: int
    modals: frozenset[str]
    pivot: int  # index in ``content`` of the first content word after the first verb-like token
    tokens: tuple[str, ...]  # lower-cased tokens, punctuation included (list separators matter)
    cap_tokens: frozenset[str]  # lower-cased tokens written with a capital, the first token excepted


def text_info(text: str) -> TextInfo:
    """Tokenise ``text`` and precompute everything the pair features use."""
    toks = _TOKEN.findall(text)
    ltoks = tuple(t.lower().replace("’", "'") for t in toks)
    is_word = [t[0].isalnum() or t[0] == "_" for t in toks]
    words = [t for t, w in zip(toks, is_word) if w]
    lw = [lt for lt, w in zip(ltoks, is_word) if w]
    stems = [_stem(w) for w in lw]
    content, cwords, prev_prep, prev_tok, next_tok = [], [], [], [], []
    pivot_tok = next((i for i, w in enumerate(lw) if w in _VERB_HINTS or (i > 0 and w.endswith("ed"))), -1)
    pivot = -1
    for i, w in enumerate(lw):
        if w in STOP or len(w) < 2 and not w.isdigit():
            continue
        if pivot < 0 and pivot_tok >= 0 and i > pivot_tok:
            pivot = len(content)
        content.append(stems[i])
        cwords.append(w)
        prev_tok.append(lw[i - 1] if i else "")
        next_tok.append(lw[i + 1] if i + 1 < len(lw) else "")
        prev_prep.append(next((lw[k] for k in (i - 1, i - 2) if k >= 0 and lw[k] in PREPOSITIONS), ""))
    caps = frozenset(w.lower() for i, w in enumerate(words) if i > 0 and w[0].isupper() and w.lower() not in STOP)
    first = lw[0] if words and words[0][0].isupper() and lw[0] not in STOP else ""
    nums = frozenset(w.replace(",", "") for w in lw if _DIGIT.search(w) or w in NUMBER_WORDS)
    negs = sum(1 for w in lw if w in NEGATIONS or w.endswith("n't"))
    return TextInfo(
        text, text.lower(), tuple(lw), tuple(stems), tuple(content), tuple(cwords), tuple(prev_prep),
        tuple(prev_tok), tuple(next_tok), caps, first, nums, negs, frozenset(w for w in lw if w in MODALS), pivot,
        ltoks, frozenset(lt for t, lt in zip(toks[1:], ltoks[1:]) if t[0].isupper()),
    )


def _jacc(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    u = len(a | b)
    return len(a & b) / u if u else 1.0


def _ngrams(seq: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)}


def _chrf(a: str, b: str, max_n: int = 6) -> float:
    """Symmetric character n-gram F1 (chrF with beta = 1), spaces removed."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    scores = []
    for n in range(1, max_n + 1):
        ga = Counter(a[i : i + n] for i in range(len(a) - n + 1))
        gb = Counter(b[i : i + n] for i in range(len(b) - n + 1))
        if not ga or not gb:
            break
        hit = sum((ga & gb).values())
        p, r = hit / gb.total(), hit / ga.total()
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return sum(scores) / len(scores) if scores else float(a == b)


def _unique_positions(seq: Sequence[str]) -> dict[str, int]:
    pos: dict[str, int] = {}
    dup: set[str] = set()
    for i, w in enumerate(seq):
        if w in pos:
            dup.add(w)
        pos[w] = i
    return {w: i for w, i in pos.items() if w not in dup}


def _order_features(ta: TextInfo, tb: TextInfo, caps_stems: set[str]) -> list[float]:
    pa, pb = _unique_positions(ta.content), _unique_positions(tb.content)
    shared = sorted(set(pa) & set(pb), key=pa.__getitem__)
    n = len(shared)
    ranks = [pb[w] for w in shared]
    disc = sum(1 for i in range(n) for j in range(i + 1, n) if ranks[i] > ranks[j])
    pairs = n * (n - 1) // 2
    cap_shared = [w for w in shared if w in caps_stems]
    cr = [pb[w] for w in cap_shared]
    m = len(cr)
    cap_disc = sum(1 for i in range(m) for j in range(i + 1, m) if cr[i] > cr[j])
    keep = lost = prep_changed = prev_changed = next_changed = 0
    disp = 0.0
    ca, cb = ta.content, tb.content
    for w in shared:
        i, j = pa[w], pb[w]
        left_same = (ca[i - 1] if i else "^") == (cb[j - 1] if j else "^")
        right_same = (ca[i + 1] if i + 1 < len(ca) else "$") == (cb[j + 1] if j + 1 < len(cb) else "$")
        keep += left_same and right_same
        lost += (not left_same) + (not right_same)
        if ta.prev_prep[i] != tb.prev_prep[j] and (ta.prev_prep[i] or tb.prev_prep[j]):
            prep_changed += 1
        prev_changed += ta.prev_tok[i] != tb.prev_tok[j]
        next_changed += ta.next_tok[i] != tb.next_tok[j]
        disp += abs(i / max(len(ca) - 1, 1) - j / max(len(cb) - 1, 1))
    # Which shared words sit on the other side of the first verb-like token: a cheap
    # stand-in for a subject/object swap ("A beat B" vs "B beat A").
    pivot_swaps = 0
    if ta.pivot >= 0 and tb.pivot >= 0:
        pivot_swaps = sum(1 for w in shared if (pa[w] < ta.pivot) != (pb[w] < tb.pivot))
    lcs = LCSseq.similarity(list(ca), list(cb)) if ca and cb else 0
    return [
        disc / pairs if pairs else 0.0,
        float(disc),
        keep / n if n else 0.0,
        float(lost),
        lcs / max(len(ca), len(cb), 1),
        float(prep_changed),
        prep_changed / n if n else 0.0,
        prev_changed / n if n else 0.0,
        float(cap_disc),
        float(pivot_swaps),
        float(n),
        next_changed / n if n else 0.0,
        disp / n if n else 0.0,
    ]


def _diff_regions(wa: Sequence[str], wb: Sequence[str]) -> list[float]:
    """Number of differing word regions and the longest one (words, larger side): a clause added or cut."""
    out = []
    for x, y in ((wa, wb), (wb, wa)):  # both ways: SequenceMatcher is not exactly symmetric
        ops = SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
        sizes = [max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
        out.append((float(len(sizes)), float(max(sizes, default=0))))
    return [max(out[0][0], out[1][0]), max(out[0][1], out[1][1])]


# rapidfuzz's partial_ratio grows with the square of the length (1,500 characters: 0.17 s, 8,500: 30 s); above
# this the texts are paragraphs, never a sentence of the training data (longest: 1,370), and the plain ratio
# stands in for the best-window one.
_PARTIAL_MAX_CHARS = 1500

# What may sit between the items of a list, and what may end one.
_LIST_SEP = frozenset([",", "and", "or", "&", ";", "as", "well"])
_LIST_END = frozenset([".", "^", "$", "(", ")", ":", '"'])


def is_content(tok: str) -> bool:
    """A lower-cased token that is a word and not a stop word."""
    return tok[0].isalnum() and tok not in STOP


def _moved_spans(a: Sequence[str], b: Sequence[str]) -> tuple[list[tuple[int, int, int]], int, int]:
    """Runs of tokens that left their place in the diff of ``a`` and ``b`` but reappear elsewhere.

    Returns (spans as (start in a, start in b, length), content tokens of ``a``
    and of ``b`` left unmatched even then). The longest run with the most
    content words is taken first, so a moved name is not split around a
    stray "the" matched on its own.
    """
    ma, mb = [False] * len(a), [False] * len(b)
    for i, j, k in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        ma[i : i + k] = [True] * k
        mb[j : j + k] = [True] * k
    content = [0]
    for t in a:
        content.append(content[-1] + is_content(t))
    spans = _take_runs(a, b, ma, mb, content, exact=len(a) * len(b) <= _EXACT_MOVES_MAX)
    lost_a = sum(1 for t, m in zip(a, ma) if not m and is_content(t))
    lost_b = sum(1 for t, m in zip(b, mb) if not m and is_content(t))
    return spans, lost_a, lost_b


# Above this many token pairs (two texts of ~250 tokens: a paragraph, never a sentence of the training data)
# the runs are found in one pass instead of once per span taken, which grows with the cube of the length
# (5,800 shuffled tokens: 8 s); the one pass drops a run that overlaps a longer one instead of trimming it.
_EXACT_MOVES_MAX = 250 * 250


def _take_runs(a: Sequence[str], b: Sequence[str], ma: list[bool], mb: list[bool], content: list[int],
               exact: bool) -> list[tuple[int, int, int]]:
    """Take common runs of still-unmatched tokens, best (content words, length) first; marks them matched."""
    spans: list[tuple[int, int, int]] = []
    while True:
        # Runs over equal pairs only (a dict, not an n×m table).
        where: dict[str, list[int]] = {}
        for j, u in enumerate(b):
            if not mb[j]:
                where.setdefault(u, []).append(j)
        run: dict[tuple[int, int], int] = {}
        for i, t in enumerate(a):
            if not ma[i]:
                for j in where.get(t, ()):
                    run[i, j] = run.get((i - 1, j - 1), 0) + 1
        ranked = sorted((((content[i + 1] - content[i + 1 - n], n), (i - n + 1, j - n + 1, n))
                         for (i, j), n in run.items() if (i + 1, j + 1) not in run),
                        key=lambda r: (r[0], -r[1][0], -r[1][1]), reverse=True)
        took = False
        for key, (i, j, n) in ranked:
            if key[0] == 0:
                break
            if any(ma[i : i + n]) or any(mb[j : j + n]):
                continue  # only in the one-pass mode: a run crossing one already taken
            ma[i : i + n] = [True] * n
            mb[j : j + n] = [True] * n
            spans.append((i, j, n))
            took = True
            if exact:
                break
        if not (exact and took):
            return spans


def _list_context(toks: Sequence[str], i: int, n: int) -> tuple[bool, bool]:
    """(a list separator on either side, a separator or a sentence/bracket edge on either side)."""
    while n and toks[i] in _LIST_SEP:
        i, n = i + 1, n - 1
    while n and toks[i + n - 1] in _LIST_SEP:
        n -= 1
    left = toks[i - 1] if i > 0 else "^"
    right = toks[i + n] if i + n < len(toks) else "$"
    sep = left in _LIST_SEP or right in _LIST_SEP
    return sep, sep or left in _LIST_END or right in _LIST_END


def _moved_one_way(a: Sequence[str], b: Sequence[str], caps: frozenset[str]) -> list[float]:
    spans, lost_a, lost_b = _moved_spans(a, b)
    moved = listed = listed_strict = pp = cap_free = 0
    for i, j, n in spans:
        c = sum(is_content(t) for t in a[i : i + n])
        sep_a, edge_a = _list_context(a, i, n)
        sep_b, edge_b = _list_context(b, j, n)
        moved += c
        listed_strict += c if sep_a and sep_b else 0
        if (sep_a and edge_b) or (sep_b and edge_a):
            listed += c  # an item of a re-ordered list; the last item may end the sentence
        elif a[i] in PREPOSITIONS or b[j] in PREPOSITIONS:
            pp += c  # a phrase moved whole with its preposition ("in 1962")
        else:
            cap_free += sum(1 for t in a[i : i + n] if t in caps)  # a name moved alone: a swap of roles?
    nonlist = moved - listed
    n_content = sum(is_content(t) for t in a) or 1
    return [
        float(moved), moved / n_content, listed / moved if moved else 0.0, float(nonlist), float(pp),
        float(nonlist - pp), float(cap_free), float(len(spans)), (lost_a + lost_b) / 2,
        listed_strict / moved if moved else 0.0,
    ]


def _moved_features(ta: TextInfo, tb: TextInfo) -> list[float]:
    """The ``mv_`` features, averaged over both directions (the diff is not exactly symmetric)."""
    caps = ta.cap_tokens | tb.cap_tokens
    ab = _moved_one_way(ta.tokens, tb.tokens, caps)
    ba = _moved_one_way(tb.tokens, ta.tokens, caps)
    return [(x + y) / 2 for x, y in zip(ab, ba)]


def _soft_alignment(va: np.ndarray, vb: np.ndarray) -> list[float]:
    """BERTScore-like greedy alignment of content-word vectors (rows L2-normalised)."""
    if len(va) == 0 or len(vb) == 0:
        both = float(len(va) == len(vb))
        return [both, both, both, both, float(len(va) + len(vb)), float(max(len(va), len(vb))), 1.0 - both]
    sim = va @ vb.T
    ra, rb = sim.max(axis=1), sim.max(axis=0)
    p, r = float(ra.mean()), float(rb.mean())
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    ua, ub = int((ra < 0.6).sum()), int((rb < 0.6).sum())
    return [min(p, r), max(p, r), f, float(min(ra.min(), rb.min())), float(ua + ub), float(max(ua, ub)),
            (ua + ub) / (len(va) + len(vb))]


def pair_features(ta: TextInfo, tb: TextInfo, cos: float, va: np.ndarray, vb: np.ndarray) -> list[float]:
    """The feature vector (in :data:`FEATURE_NAMES` order) of one pair.

    Args:
        ta, tb: :func:`text_info` of the two texts.
        cos: cosine of the two sentence embeddings.
        va, vb: L2-normalised word vectors of ``ta.content_words`` / ``tb.content_words``.
    """
    wa, wb = set(ta.words), set(tb.words)
    sa, sb = set(ta.content), set(tb.content)
    na, nb = len(ta.words), len(tb.words)
    cont_ab = len(sa & sb) / len(sa) if sa else 1.0
    cont_ba = len(sa & sb) / len(sb) if sb else 1.0
    uniq_a = len(sa - sb) / len(sa) if sa else 0.0
    uniq_b = len(sb - sa) / len(sb) if sb else 0.0
    ja, jb = " ".join(ta.words), " ".join(tb.words)
    ratio = fuzz.ratio(ja, jb) / 100
    tsort = fuzz.token_sort_ratio(ja, jb) / 100
    lcs = LCSseq.similarity(list(ta.words), list(tb.words)) if na and nb else 0
    # A sentence-initial capital says nothing; count the first word as a name
    # only when the other text capitalises it mid-sentence.
    caps_a = ta.caps | ({ta.first} & tb.caps)
    caps_b = tb.caps | ({tb.first} & ta.caps)
    caps_stems = {_stem(c) for c in caps_a | caps_b}
    num_sd = len(ta.numbers ^ tb.numbers)
    ent_a, ent_b = caps_a - caps_b, caps_b - caps_a
    feats = [
        _jacc(wa, wb),
        _jacc(sa, sb),
        min(cont_ab, cont_ba),
        max(cont_ab, cont_ba),
        min(na, nb) / max(na, nb, 1),
        float(abs(na - nb)),
        math.log1p((na + nb) / 2),
        float(len(sa ^ sb)),
        max(uniq_a, uniq_b),
        ratio,
        tsort,
        fuzz.token_set_ratio(ja, jb) / 100,
        fuzz.partial_ratio(ja, jb) / 100 if min(len(ja), len(jb)) <= _PARTIAL_MAX_CHARS else ratio,
        tsort - ratio,
        _jacc(_ngrams(ta.words, 2), _ngrams(tb.words, 2)),
        _jacc(_ngrams(ta.words, 3), _ngrams(tb.words, 3)),
        _chrf(ja, jb),
        lcs / max(na, nb, 1),
        lcs / max(min(na, nb), 1),
    ]
    feats += _order_features(ta, tb, caps_stems)
    feats += _diff_regions(ta.words, tb.words)
    feats += [
        float(num_sd),
        float(num_sd > 0),
        _jacc(ta.numbers, tb.numbers),
        float(len(caps_a ^ caps_b)),
        _jacc(caps_a, caps_b),
        float(max(len(ent_a), len(ent_b))),
        float((ta.negations > 0) != (tb.negations > 0)),
        float(abs(ta.negations - tb.negations)),
        float(len(ta.modals ^ tb.modals)),
        cos,
    ]
    feats += _soft_alignment(va, vb)
    feats += _moved_features(ta, tb)
    return feats


def batch_features(
    pairs: Sequence[tuple[str, str]], word_encoder: object, extra_encoder: object | None = None
) -> np.ndarray:
    """Feature matrix for many pairs, encoding every distinct text and word once.

    Args:
        pairs: (a, b) texts.
        word_encoder: the WordLlama encoder (sentence cosine and word vectors).
        extra_encoder: an optional second encoder (MiniLM) whose sentence
            cosine is appended as :data:`MINILM_FEATURE`.

    Returns:
        float64 matrix, one row per pair.
    """
    texts = sorted({t for p in pairs for t in p})
    index = {t: i for i, t in enumerate(texts)}
    infos = [text_info(t) for t in texts]
    vocab = sorted({w for ti in infos for w in ti.content_words})
    windex = {w: i for i, w in enumerate(vocab)}
    emb = word_encoder.encode(texts + vocab)  # type: ignore[attr-defined]
    sent, wvec = emb[: len(texts)], emb[len(texts) :]
    extra = extra_encoder.encode(texts) if extra_encoder is not None else None  # type: ignore[attr-defined]
    wids = [np.fromiter((windex[w] for w in ti.content_words), dtype=np.int64) for ti in infos]
    rows = []
    for a, b in pairs:
        i, j = index[a], index[b]
        row = pair_features(infos[i], infos[j], float(sent[i] @ sent[j]), wvec[wids[i]], wvec[wids[j]])
        if extra is not None:
            row.append(float(extra[i] @ extra[j]))
        rows.append(row)
    width = len(FEATURE_NAMES) + (extra is not None)
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), width)


_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″"} | {c: "'" for c in "‘’‚‛′`´"})
# Punctuation, except a mark between two digits ("3.5", "1,000" keep their meaning).
_PUNCT = re.compile(r"(?<!\d)[^\w\s]|[^\w\s](?!\d)|_")
_SPACE = re.compile(r"\s+")


def identity_key(text: str) -> str:
    """The comparison key under which two texts count as identical.

    Case, whitespace, quote style and punctuation are ignored, except a mark
    between two digits, so ``"3.5"`` and ``"35"`` still differ.
    """
    t = text.translate(_QUOTES).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", t)).strip()
