"""Words swapped: opposites ("praised"/"criticised", data/antonyms.tsv), loaded terms against their neutral
counterparts ("said"/"claimed", data/change_lexicon.json), and other one-for-one swaps whose meaning differs.
"""

from __future__ import annotations

import functools

from rapidfuzz.distance import Indel

from storydiff import resources
from storydiff.classify.context import SYNONYM_SIM, Context, Finding
from storydiff.classify.entities import (spelling_variant)
from storydiff.classify.names import is_source
from storydiff.classify.tokens import Slot, Token, is_common, lexicon, word_key
from storydiff.model import Category, Severity
TERM_SIM = 0.20
# Below this a swap of two everyday words is reported at medium severity, otherwise at low: on IteraTeR/arXivEdits
# train, swaps of similarity 0.05-0.2 were as frequent in style edits as in meaning edits (see _same_register).
TERM_SIM_MEDIUM = 0.05
_MAX_PAIRS = 2500
ANTONYMS = "antonyms.tsv"
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "such"})


# ---------------------------------------------------------------- terms and clauses


def _loaded(t: Token) -> bool:
    return t.low in _loaded_terms() or t.key in _loaded_terms()


@functools.cache
def _loaded_terms() -> frozenset[str]:
    words = [w for w in lexicon()["loaded_terms"] if " " not in w]
    return frozenset(words + [word_key(w) for w in words])


@functools.cache
def _loaded_groups() -> dict[str, int]:
    """Loaded terms of one connotation ("protesters"/"demonstrators"), by word and word key: a swap inside is style."""
    out: dict[str, int] = {}
    for n, group in enumerate(lexicon()["loaded_equivalents"]):
        for w in group:
            out[w] = out[word_key(w)] = n
    return out


@functools.cache
def _framing_words() -> frozenset[str]:
    """Loaded terms and the neutral words they stand in for ("said" for "claimed"): worth pairing even as stopwords."""
    return _loaded_terms() | frozenset(lexicon()["neutral_terms"])


def _reframed(p: Token, q: Token) -> bool:
    """A loaded term swapped for a neutral word or a differently loaded one ("protesters" vs "rioters")."""
    if min(len(p.low), len(q.low)) < 3:
        return False  # an abbreviation ("d. 1970" for "died 1970") is no word swapped
    if not (_loaded(p) or _loaded(q)) or p.key == q.key or Indel.normalized_similarity(p.low, q.low) >= 0.85 \
            or _stem_shared(p.key, q.key):
        return False  # the last two: a typo mended ("alledged"/"alleged"), one word formed from the other ("abduct")
    groups = _loaded_groups()
    gp = groups.get(p.low, groups.get(p.key))
    return gp is None or gp != groups.get(q.low, groups.get(q.key))


def _side_by_side(ctx: Context, p: Token, q: Token) -> bool:
    """Words ``p`` and ``q`` stand in one place: the nearest matched word before (or after) each is one pair,
    with at most function words between.

    In a re-written passage the best-scoring pair of words may come from two different clauses ("the boy who
    died" and "leaders tried to heal him"); a swap keeps its neighbours ("Iraq's banned weapons" / "Iraq's
    alleged weapons").
    """
    def near(toks: tuple[Token, ...], mapping: dict[int, int], i: int, step: int) -> int | None:
        k = i + step
        while 0 <= k < len(toks) and abs(k - i) <= _NEIGHBOUR_REACH:
            if k in mapping and toks[k].is_word:  # a full stop after both words anchors nothing
                return k
            if toks[k].is_content:
                return None  # only function words may sit between a word and its anchor ("for their crimes")
            k += step
        return None

    for step in (-1, 1):
        k, l = near(ctx.a, ctx.wa.a2b, p.i, step), near(ctx.b, ctx.wa.b2a, q.i, step)
        if k is not None and l is not None and ctx.wa.a2b[k] == l:
            return True
    return False


_NEIGHBOUR_REACH = 2


def _pairable(toks: tuple[Token, ...], i: int) -> bool:
    t = toks[i]
    return (t.is_content or (t.is_word and t.low in _framing_words())) and not _referring(toks, i)


@functools.cache
def _antonyms() -> frozenset[frozenset[str]]:
    """Pairs of opposites from ``data/antonyms.tsv``, as word keys (so inflected forms meet)."""
    pairs = (line.split("\t") for line in resources.read_lines(ANTONYMS))
    return frozenset(frozenset((word_key(x.strip()), word_key(y.strip()))) for x, y in pairs)


def detect_opposites(ctx: Context) -> None:
    """Opposites facing each other in a slot ("praised"/"criticised", "approved"/"rejected").

    Runs before the negation and term passes: word vectors put opposites close together, so only a lexicon
    tells them, and a negative verb ("rejected") facing its opposite is better named as a swap.
    """
    for s in ctx.wa.slots:
        sb = [ctx.b[j] for j in s.b if ctx.free_b(j) and ctx.b[j].is_word]
        for i in s.a:
            p = ctx.a[i]
            if not (ctx.free_a(i) and p.is_word):
                continue
            q = next((q for q in sb if ctx.free_b(q.i) and frozenset((p.key, q.key)) in _antonyms()), None)
            if q is not None:
                ctx.add(Finding(Category.TERM, Severity.HIGH, (p.i, p.i), (q.i, q.i), "opposite term", confidence=0.85))


def detect_terms(ctx: Context) -> None:
    """One-for-one word swaps inside a slot whose meaning or connotation differs."""
    todo = []
    for s in ctx.wa.slots:
        sa = [ctx.a[i] for i in s.a if ctx.free_a(i) and _pairable(ctx.a, i)]
        sb = [ctx.b[j] for j in s.b if ctx.free_b(j) and _pairable(ctx.b, j)]
        if sa and sb:
            todo.append((s, sa, sb))
    ctx.vectors([t.low for _, sa, sb in todo for t in sa + sb])
    for s, sa, sb in todo:
        _pair_slot(ctx, s, sa, sb)


def _pair_slot(ctx: Context, slot: Slot, sa: list[Token], sb: list[Token]) -> None:
    if len(sa) * len(sb) > _MAX_PAIRS:
        return  # a rewritten passage, not a word swap; keeps the cost bounded on long inputs
    scored = []
    for p in sa:
        for q in sb:
            form = Indel.normalized_similarity(p.low, q.low)
            prefix = _stem_shared(p.key, q.key)
            scored.append((max(form, ctx.similarity(p.low, q.low), 0.9 if prefix else 0.0), form, p, q))
    scored.sort(key=lambda s: (-s[0], s[2].i, s[3].i))
    done_a: set[int] = set()
    done_b: set[int] = set()
    # A plain swap: the slot holds one or two words a side. Longer slots are re-phrasings, where
    # static word vectors cannot tell a synonym from a substitution, so only loaded terms count there.
    small = len(slot.a) <= 2 and len(slot.b) <= 2
    for score, form, p, q in scored:
        if p.i in done_a or q.i in done_b:
            continue
        done_a.add(p.i)
        done_b.add(q.i)
        if _reframed(p, q) and (small or _side_by_side(ctx, p, q)):
            ctx.add(Finding(Category.TERM, Severity.MEDIUM, (p.i, p.i), (q.i, q.i), "loaded term", "pair", 0.75))
        elif _loaded(p) and _loaded(q):
            ctx.same(p.i, q.i)  # one connotation: "settlers"/"colonists"
        elif not (p.is_content and q.is_content):
            continue  # a neutral stopword ("said") counts only against a loaded term
        elif ctx.similarity(p.low, q.low) >= SYNONYM_SIM or form >= 0.8 or score >= 0.9:
            if p.is_cap and q.is_cap and not (p.sent_start or q.sent_start) and spelling_variant(p.text, q.text):
                ctx.add(Finding(Category.SPELLING, Severity.LOW, (p.i, p.i), (q.i, q.i), "spelling", confidence=0.6))
            else:
                ctx.same(p.i, q.i)
        elif small and is_source(ctx.a, p.i) and is_source(ctx.b, q.i) and ctx.similarity(p.low, q.low) < SYNONYM_SIM:
            ctx.add(Finding(Category.ATTRIBUTION, Severity.MEDIUM, (p.i, p.i), (q.i, q.i), "source", confidence=0.7))
        elif small and (vec := ctx.similarity(p.low, q.low)) < TERM_SIM:
            sev = Severity.MEDIUM if vec < TERM_SIM_MEDIUM and _same_register(p, q) else Severity.LOW
            ctx.add(Finding(Category.TERM, sev, (p.i, p.i), (q.i, q.i), "term",
                            confidence=round(min(0.9, 0.5 + (TERM_SIM - vec)), 3)))


def _same_register(p: Token, q: Token) -> bool:
    """Both words are everyday words, whose static vectors are trustworthy enough to call a swap a change of meaning.

    A rarer word's vector averages sub-word pieces, so its cosine is close to noise (cholera/typhoid -0.14,
    transparency/openness 0.00); on IteraTeR train, swaps involving one were as frequent in clarity edits as in
    meaning edits, while swaps of two everyday words were twice as likely to change meaning. Those stay low.
    """
    return is_common(p.low) and is_common(q.low)


def _stem_shared(x: str, y: str) -> bool:
    """One word formed from the other ("deploys"/"deployment", "ready"/"readiness"): a long shared beginning."""
    n = 0
    for cx, cy in zip(x, y):
        if cx != cy:
            break
        n += 1
    return n >= 4 and n >= 0.75 * min(len(x), len(y))


def _referring(toks: tuple[Token, ...], i: int) -> bool:
    """A noun after "this"/"that"/"such" refers back to something named elsewhere ("this country")."""
    return i > 0 and toks[i - 1].low in _DEMONSTRATIVES


# ---------------------------------------------------------------- intensity


@functools.cache
def _intensifiers() -> dict[str, int]:
    return {str(k): int(v) for k, v in lexicon()["intensifiers"].items()}


def detect_intensity(ctx: Context) -> None:
    """A degree adverb added, dropped or swapped for one of the other force ("very serious" → "serious",
    "slightly" → "sharply"), beside words both sides share.

    A stronger or softer word in place of another ("killed" → "slaughtered") is a loaded term when the lexicon
    lists it, and otherwise reaches the change model through the words' lexical relation (a more specific verb).
    """
    deg = _intensifiers()
    in_a, in_b = {t.low for t in ctx.a}, {t.low for t in ctx.b}  # "very" on both sides, moved: no change of force
    ia = [t for t in ctx.a if ctx.free_a(t.i) and t.low in deg and t.low not in in_b
          and _beside_shared(ctx.a, ctx.wa.a2b, t.i)]
    ib = [t for t in ctx.b if ctx.free_b(t.i) and t.low in deg and t.low not in in_a
          and _beside_shared(ctx.b, ctx.wa.b2a, t.i)]
    left = list(ib)
    for p in ia:
        q = next((q for q in left if any(p.i in s.a and q.i in s.b for s in ctx.wa.slots)), None)
        if q is None:
            ctx.add(Finding(Category.TERM, Severity.LOW, (p.i, p.i), None, "degree", "one", 0.6, direction=-deg[p.low]))
            continue
        left.remove(q)
        if deg[p.low] == deg[q.low]:
            ctx.same(p.i, q.i)
        else:
            ctx.add(Finding(Category.TERM, Severity.MEDIUM, (p.i, p.i), (q.i, q.i), "degree", confidence=0.7,
                            direction=deg[q.low] - deg[p.low] and (1 if deg[q.low] > deg[p.low] else -1)))
    for q in left:
        ctx.add(Finding(Category.TERM, Severity.LOW, None, (q.i, q.i), "degree", "one", 0.6, direction=deg[q.low]))


def _beside_shared(toks: tuple[Token, ...], mapping: dict[int, int], i: int) -> bool:
    """The next word (what the adverb modifies) has a counterpart on the other side."""
    nxt = next((t.i for t in toks[i + 1 :] if t.is_word), None)
    return nxt is not None and nxt in mapping
