"""Say exactly what changed between two aligned passages: every difference of meaning, pinpointed and named.

``find_changes(a, b)`` tokenises both sides, aligns their words (same key in
order, then re-ordered), and runs detectors in a fixed order, each taking the
words it explains so later ones do not report them twice:

numbers/dates (numbers.py) → quotes → opposites (data/antonyms.tsv) →
negation → modality and hedges (polarity.py) → names: entity, spelling,
attribution (entities.py) → term substitutions → clauses added or dropped
→ time/condition links dropped (content).

Equivalent renderings are not reported: number words vs digits, ordinals,
comparators ("over" = "more than"), units and date orders, acronyms vs full
names (table + initials), demonyms and seats of government, British vs
American spelling (generic rules), synonyms (word-vector similarity or a
shared stem), word order, punctuation, quote style, case.

Severity: high for entity, number, date, negation, opposite terms; medium
for modality, term, quote, attribution, content; low for spelling and for
swaps whose words are only moderately dissimilar (see ``TERM_SIM``) or
involve a rarer word whose vector says little (see ``_same_register``).
A person named instead of another (by form: "Elena Ruiz", "President
Moreau") is a high entity change even where that person is the source.
Loaded terms (data/change_lexicon.json) are checked against their neutral
counterparts ("said" vs "claimed") and equivalence groups.

A side on which an element is absent gets ``None`` for its span (not the
nearest word): "hedge added: 'under certain conditions'" has ``a=None``.
"""

from __future__ import annotations

import functools

from rapidfuzz.distance import Indel

from storydiff.classify.context import Context, Finding
from storydiff.classify.entities import (CONNECTORS, QUALIFIERS, Entity, find_entities, heads, is_demonym, is_person,
                                         is_title_only, known_names, same_name, spelling_variant)
from storydiff.classify.numbers import SCALE_WORDS, detect_numbers
from storydiff.classify.polarity import detect_conditions, detect_modality, detect_negation, detect_quotes
from storydiff.classify.tokens import Slot, Token, align_words, fold, is_common, lexicon, tokenize, uk_us, word_key
from storydiff import resources
from storydiff.embed import Encoder
from storydiff.model import Category, Change, ChangeKind, Severity, Span

# Word-vector cosine (wordllama) above which two different words count as synonyms,
# and below which a one-word-for-one-word swap is reported as a term change.
SYNONYM_SIM = 0.30
TERM_SIM = 0.20
# Below this a swap of two everyday words is reported at medium severity, otherwise at low: on IteraTeR/arXivEdits
# train, swaps of similarity 0.05-0.2 were as frequent in style edits as in meaning edits (see _same_register).
TERM_SIM_MEDIUM = 0.05
_MAX_PAIRS = 2500
ANTONYMS = "antonyms.tsv"
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "such"})
_REFERENCE = frozenset({"this", "that", "these", "those", "such", "its", "their", "his", "her", "it", "they",
                        "he", "she", "we"})

__all__ = ["find_changes"]


def find_changes(a: str, b: str, *, encoder: Encoder | None = None) -> tuple[Change, ...]:
    """Every difference of meaning between ``a`` and ``b``, most severe first.

    Args:
        a: the first passage (one or more sentences).
        b: the aligned passage of the other version.
        encoder: word-vector source for telling synonyms from substitutions;
            ``None`` loads the default wordllama encoder (cached per process).

    Returns:
        ``Change`` records of kind ``changed`` whose spans index into ``a``
        and ``b`` (``None`` on the side that lacks the element). Swapping
        ``a`` and ``b`` mirrors the result; ``find_changes(x, x) == ()``.

    Example:
        >>> [c.explanation for c in find_changes("It cost 4,000 euros.", "It cost 5,000 euros.")]
        ["number differs: '4,000 euros' vs '5,000 euros'"]
    """
    if a == b:
        return ()
    if encoder is None:
        encoder = _default_encoder()
    swap = b < a  # one canonical orientation makes swapping the inputs mirror the output exactly
    x, y = (b, a) if swap else (a, b)
    findings, tx, ty = _detect(x, y, encoder)
    ta, tb = (ty, tx) if swap else (tx, ty)
    if swap:
        findings = [f.mirrored() for f in findings]
    out = [_render(f, a, b, ta, tb) for f in findings]
    out.sort(key=lambda c: (-c.severity.rank, c.a.start if c.a else -1, c.b.start if c.b else -1, c.explanation))
    return tuple(out)


@functools.cache
def _default_encoder() -> Encoder:
    from storydiff.embed import get_encoder

    return get_encoder("wordllama")


def _detect(x: str, y: str, encoder: Encoder | None) -> tuple[list[Finding], tuple[Token, ...], tuple[Token, ...]]:
    wa = align_words(tokenize(x), tokenize(y))
    ctx = Context(wa, encoder)
    detect_numbers(ctx)
    detect_quotes(ctx, x, y)
    detect_opposites(ctx)
    detect_negation(ctx)
    detect_modality(ctx)
    detect_names(ctx)
    detect_terms(ctx)
    detect_content(ctx)
    detect_conditions(ctx)
    return ctx.findings, wa.a, wa.b


def _render(f: Finding, a: str, b: str, ta: tuple[Token, ...], tb: tuple[Token, ...]) -> Change:
    sa = Span(ta[f.a[0]].start, ta[f.a[1]].end) if f.a else None
    sb = Span(tb[f.b[0]].start, tb[f.b[1]].end) if f.b else None
    at = a[sa.start : sa.end] if sa else None
    bt = b[sb.start : sb.end] if sb else None
    if at is not None and bt is not None:
        sep = ": " if f.form == "pair" else " differs: "
        text = f"{f.name}{sep}'{at}' vs '{bt}'"
    else:
        text = f"{f.name} added: '{bt}'" if at is None else f"{f.name} dropped: '{at}'"
    return Change(ChangeKind.CHANGED, f.category, f.severity, sa, sb, at, bt, text, confidence=f.confidence)


# ---------------------------------------------------------------- names


def detect_names(ctx: Context) -> None:
    """Names substituted (entity/attribution, high), re-spelled (spelling, low) or dropped (content)."""
    known = known_names(ctx.a, ctx.b)
    _respell(ctx)
    ea = [e for e in find_entities(ctx.a, known) if not ctx.used_a.issuperset(e.indices())]
    eb = [e for e in find_entities(ctx.b, known) if not ctx.used_b.issuperset(e.indices())]
    ua = [e for e in ea if not _present(ctx, e, eb, "a")]
    ub = [e for e in eb if not _present(ctx, e, ea, "b")]
    for side, unresolved in (("a", ua), ("b", ub)):
        for e in unresolved:
            _name_change(ctx, side, e, ub if side == "a" else ua)


def _respell(ctx: Context) -> None:
    """Pair unmatched capitalised words that are spellings of one name (Kiev/Kyiv); demonyms are no change."""
    def names(toks: tuple[Token, ...], free) -> list[Token]:
        return [t for t in toks if free(t.i) and t.is_word and t.is_cap and t.is_content]

    for i, j in sorted(ctx.wa.a2b.items()):  # same key, other spelling: "Zelenskyy"/"Zelensky"
        p, q = ctx.a[i], ctx.b[j]
        if p.is_cap and q.is_cap and p.is_content and q.is_content and _respelled(p.text, q.text):
            ctx.add(Finding(Category.SPELLING, Severity.LOW, (i, i), (j, j), "spelling", confidence=0.8))
    nb = names(ctx.b, ctx.free_b)
    for p in names(ctx.a, ctx.free_a):
        for q in nb:
            if is_demonym(fold(p.text), fold(q.text)) or is_demonym(fold(q.text), fold(p.text)):
                ctx.same(p.i, q.i)
            elif spelling_variant(p.text, q.text) or (_beside_match(ctx, p.i, q.i) and len(p.text) >= 6
                                                      and Indel.normalized_similarity(p.low, q.low) >= 0.75):
                ctx.add(Finding(Category.SPELLING, Severity.LOW, (p.i, p.i), (q.i, q.i), "spelling", confidence=0.8))
            else:
                continue
            nb.remove(q)
            break


def _respelled(x: str, y: str) -> bool:
    """Another spelling of one name, not a British/American variant or a plural."""
    fx, fy = fold(x), fold(y)
    return (fx != fy and spelling_variant(x, y) and uk_us(fx) != uk_us(fy) and fx.rstrip("s") != fy.rstrip("s")
            and word_key(x) == word_key(y))


def _beside_match(ctx: Context, i: int, j: int) -> bool:
    """Words ``i`` and ``j`` sit beside a pair of matched words (the rest of one name: "General Secretary")."""
    return any(ctx.wa.a2b.get(i + d) == j + d for d in (-1, 1))


def _present(ctx: Context, e: Entity, others: list[Entity], side: str) -> bool:
    """Whether name ``e`` of one side is on the other side too (same name, same words, or a shorter form)."""
    mapping, used = (ctx.wa.a2b, ctx.used_a) if side == "a" else (ctx.wa.b2a, ctx.used_b)
    for o in others:
        if same_name(e, o):
            for k in e.indices():
                ctx.same(k, None) if side == "a" else ctx.same(None, k)
            for k in o.indices():
                ctx.same(None, k) if side == "a" else ctx.same(k, None)
            return True
    toks = ctx.a if side == "a" else ctx.b
    words = [k for k in e.indices() if toks[k].low not in CONNECTORS]
    if all(k in mapping or k in used for k in words):
        return True
    head_words = heads()
    # Which country's body it is goes without saying in one version ("U.S. Court of Appeals"/"Court of Appeals").
    # Hyphenated parts count as words: "Large" is in "RoBERTa-Large", "Arkansas" in "South-Arkansas".
    mine = {p for k in words for p in toks[k].low.split("-") if p} - QUALIFIERS
    for o in others:
        other_toks = ctx.b if side == "a" else ctx.a
        theirs = {p for k in o.indices() if other_toks[k].low not in CONNECTORS
                  for p in other_toks[k].low.split("-") if p} - QUALIFIERS
        small, big = (mine, theirs) if len(mine) < len(theirs) else (theirs, mine)
        if small and small <= big and not any(w in head_words for w in big - small):
            return True  # "Moreau" and "Anna Moreau"
    return False


def _name_change(ctx: Context, side: str, e: Entity, rivals: list[Entity]) -> None:
    toks, used, mapping = (ctx.a, ctx.used_a, ctx.wa.a2b) if side == "a" else (ctx.b, ctx.used_b, ctx.wa.b2a)
    if used.intersection(e.indices()) or _defined_here(toks, e) or _currency_tag(toks, e):
        return
    facing = _facing_range(ctx, side, e.first, e.last)
    if facing and (ctx.b if side == "a" else ctx.a)[facing[0]].low in _REFERENCE:
        return  # "Serbia" vs "this country": the same thing named by reference
    twins = {mapping[k] for k in e.indices() if k in mapping}
    rival = next((r for r in rivals if (facing and r.first <= facing[1] and facing[0] <= r.last)
                  or twins.intersection(r.indices())), None)
    other_toks = ctx.b if side == "a" else ctx.a
    if rival is not None and (is_title_only(rival.text) or is_title_only(e.text)):
        rivals.remove(rival)
        return  # "Clinton" vs "First Lady": a person named by the role, not another person
    loose = False
    if rival is not None:
        # The rival name is the substitute; the slot around it may hold a whole clause of other words.
        loose = not _in_place(ctx, side, e, rival)
        facing = (rival.first, rival.last)
        rivals.remove(rival)
    elif facing is not None:
        facing = _trim(other_toks, facing)
        # Without a rival name, a slot of ordinary words counts as the substitute only when it is short and the
        # name is partly matched ("armed groups" vs "Armed Forces") by other words than those facing it: ordinary
        # words alone ("investigators" vs "Exchange Commission", "the court" vs "Southwark Crown Court") name the
        # same body loosely or say something else in its place.
        if facing and not (facing[1] - facing[0] <= 3 and twins and _fresh_words(ctx, side, facing)):
            facing = None
            if any(k in mapping for k in e.indices()):
                return
    kind = e.kind if e.kind != "name" or rival is None else rival.kind
    # One person named instead of another is a change of who acted or spoke, however the sentence frames it.
    person = rival is not None and is_person(toks, e) and is_person(other_toks, rival)
    if facing is None:
        if any(k in mapping for k in e.indices()):
            return
        a, b = ((e.first, e.last), None) if side == "a" else (None, (e.first, e.last))
        ctx.add(Finding(Category.CONTENT, Severity.MEDIUM, a, b, "name", "one", 0.6))
        return
    mine = (e.first, e.last)
    a, b = (mine, facing) if side == "a" else (facing, mine)
    if rival is None and _synonyms_facing(ctx, side, e, facing):
        # "Main Street" / "main road", "City Council" / "town council": the same sort of thing in other words.
        ctx.add(Finding(Category.TERM, Severity.LOW, a, b, "name", confidence=0.6))
        return
    if person:
        cat, name = Category.ENTITY, "person"
    else:
        cat, name = (Category.ATTRIBUTION, "source") if _attributed(toks, e) else (Category.ENTITY, kind)
    # A rival standing elsewhere in a rewritten passage may be another fact, not a substitute: still high, but
    # below the confidence that decides a verdict on its own.
    conf = LOOSE_NAME_CONFIDENCE if loose else 0.75
    ctx.add(Finding(cat, Severity.HIGH if cat is Category.ENTITY else Severity.MEDIUM, a, b, name, confidence=conf))


# Confidence of a name substitution whose rival does not stand in the same place (see ``_in_place``).
LOOSE_NAME_CONFIDENCE = 0.6
# How many words beyond the names themselves a differing slot may hold for two names in it to face each other.
_SLOT_SLACK = 2


def _in_place(ctx: Context, side: str, e: Entity, rival: Entity) -> bool:
    """Whether ``rival`` stands where ``e`` stood: a matched neighbour on one side of both, or a small slot.

    "Elena Ruiz said" / "Tomas Becker said" share the word after; "Moscow" in one clause and "Shamil Basayev"
    in a re-written other one share nothing.
    """
    mine = ctx.wa.a2b if side == "a" else ctx.wa.b2a
    if mine.get(e.first - 1, -9) == rival.first - 1 or mine.get(e.last + 1, -9) == rival.last + 1:
        return True
    for s in ctx.wa.slots:
        own, other = (s.a, s.b) if side == "a" else (s.b, s.a)
        if any(k in e.indices() for k in own) and any(k in rival.indices() for k in other):
            return (len(own) <= len(e.indices()) + _SLOT_SLACK and len(other) <= len(rival.indices()) + _SLOT_SLACK)
    return False


def _synonyms_facing(ctx: Context, side: str, e: Entity, facing: tuple[int, int]) -> bool:
    """Every unmatched word of name ``e`` has a synonym among the free words facing it (word vectors)."""
    toks, mapping = (ctx.a, ctx.wa.a2b) if side == "a" else (ctx.b, ctx.wa.b2a)
    other, free = (ctx.b, ctx.free_b) if side == "a" else (ctx.a, ctx.free_a)
    mine = [toks[k].low for k in e.indices() if k not in mapping and toks[k].is_content]
    theirs = [other[k].low for k in range(facing[0], facing[1] + 1) if free(k) and other[k].is_content]
    if not mine or not theirs:
        return False
    ctx.vectors(mine + theirs)
    return all(any(ctx.similarity(w, t) >= SYNONYM_SIM for t in theirs) for w in mine)


def _fresh_words(ctx: Context, side: str, facing: tuple[int, int]) -> bool:
    """The other side's words facing a name include an unmatched content word (not only the name's own words)."""
    toks, free = (ctx.b, ctx.free_b) if side == "a" else (ctx.a, ctx.free_a)
    return any(free(k) and toks[k].is_content for k in range(facing[0], facing[1] + 1))


_CURRENCY = frozenset("$€£¥")


def _currency_tag(toks: tuple[Token, ...], e: Entity) -> bool:
    """A country code that only says which dollar: "US$ 5", "US $5", "$1.9 billion US"."""
    core = e.text.replace(".", "")
    if e.first != e.last or not (core.isupper() and len(core) <= 3):
        return False
    after = toks[e.last + 1].text if e.last + 1 < len(toks) else ""
    before = [t for t in toks[max(0, e.first - 3) : e.first]]
    return after in _CURRENCY or (bool(before) and any(t.text in _CURRENCY for t in before)
                                  and (before[-1].text[0].isdigit() or before[-1].low in SCALE_WORDS))


def _defined_here(toks: tuple[Token, ...], e: Entity) -> bool:
    """An acronym spelled out beside it on the same side: "convolutional neural networks (CNN)"."""
    core = e.text.replace(".", "").replace("-", "")
    if e.first != e.last or not (core.isupper() and core.isalpha()):
        return False
    words = [t.text for t in toks[max(0, e.first - 8) : e.first] if t.is_word and t.low not in CONNECTORS]
    initials = "".join(p[0] for w in words for p in w.split("-") if p).upper()
    plain = "".join(w[0] for w in words).upper()
    return initials.endswith(core) or plain.endswith(core)


def _source(toks: tuple[Token, ...], i: int) -> bool:
    """Word ``i`` names who says it: "according to X", "X said"."""
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    return " ".join(t.low for t in toks[max(0, i - 2) : i]) == "according to" or after in lexicon()["attribution_verbs"]


def _trim(toks: tuple[Token, ...], span: tuple[int, int]) -> tuple[int, int] | None:
    """``span`` without leading/trailing function words and punctuation; ``None`` when nothing is left."""
    ks = [k for k in range(span[0], span[1] + 1) if toks[k].is_content or toks[k].is_cap]
    return (ks[0], ks[-1]) if ks else None


def _attributed(toks: tuple[Token, ...], e: Entity) -> bool:
    verbs = lexicon()["attribution_verbs"]
    before = " ".join(t.low for t in toks[max(0, e.first - 2) : e.first])
    after = toks[e.last + 1].low if e.last + 1 < len(toks) else ""
    return before.endswith("according to") or after in verbs


def _facing_range(ctx: Context, side: str, first: int, last: int) -> tuple[int, int] | None:
    """The other side's words facing ``first..last``: counterparts of its matched words and unmatched slot words."""
    mapping = ctx.wa.a2b if side == "a" else ctx.wa.b2a
    free = ctx.free_b if side == "a" else ctx.free_a
    hits = [mapping[k] for k in range(first, last + 1) if k in mapping]
    slot_hits = []
    for s in ctx.wa.slots:
        mine, theirs = (s.a, s.b) if side == "a" else (s.b, s.a)
        if any(first <= k <= last for k in mine):
            slot_hits.extend(k for k in theirs if free(k))
    if not slot_hits:
        return None
    hits += slot_hits
    return (min(hits), max(hits))


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
        elif small and _source(ctx.a, p.i) and _source(ctx.b, q.i) and ctx.similarity(p.low, q.low) < SYNONYM_SIM:
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


def detect_content(ctx: Context) -> None:
    """Runs of three or more content words with no counterpart: a clause or qualifier added or dropped.

    One-sided findings inside the clause (a name or number dropped with it) are folded into it.
    """
    for s in ctx.wa.slots:
        ra = [i for i in s.a if i not in ctx.paired_a and ctx.a[i].is_content]
        rb = [j for j in s.b if j not in ctx.paired_b and ctx.b[j].is_content]
        fa = [i for i in ra if i not in ctx.used_a]
        fb = [j for j in rb if j not in ctx.used_b]
        if _clause_sized(ra, s.a, s.b) and not fb and len(fa) >= 2:
            _clause(ctx, _hull(tuple(i for i in s.a if i not in ctx.paired_a), ctx.a), "a")
        elif _clause_sized(rb, s.b, s.a) and not fa and len(fb) >= 2:
            _clause(ctx, _hull(tuple(j for j in s.b if j not in ctx.paired_b), ctx.b), "b")


def _clause_sized(content: list[int], words: tuple[int, ...], other: tuple[int, ...]) -> bool:
    """Three content words, or two within four or more words facing nothing.

    ("each of them will receive a just retribution" has two content words.)
    """
    return len(content) >= 3 or (len(content) == 2 and len(words) >= 4 and not other)


def _clause(ctx: Context, span: tuple[int, int], side: str) -> None:
    def within(r: tuple[int, int] | None) -> bool:
        return r is not None and span[0] <= r[0] <= r[1] <= span[1]

    inside = [f for f in ctx.findings
              if (side == "a" and f.b is None and within(f.a)) or (side == "b" and f.a is None and within(f.b))]
    for f in inside:
        ctx.findings.remove(f)
    a, b = (span, None) if side == "a" else (None, span)
    ctx.add(Finding(Category.CONTENT, Severity.MEDIUM, a, b, "clause", "one", 0.6))


def _hull(idx: tuple[int, ...], toks: tuple[Token, ...]) -> tuple[int, int]:
    words = [i for i in idx if toks[i].is_word]
    return (min(words), max(words))
