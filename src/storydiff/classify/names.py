"""Names: a person, place, body, law or treaty named instead of another (entity, high), a source swapped
(attribution), a name re-spelled (spelling, low) or dropped with nothing in its place (content).
"""

from __future__ import annotations


from rapidfuzz.distance import Indel

from storydiff.classify.context import SYNONYM_SIM, Context, Finding
from storydiff.classify.entities import (CONNECTORS, QUALIFIERS, Entity, find_entities, heads, is_demonym, is_person,
                                         is_title_only, known_names, same_name, spelling_variant)
from storydiff.classify.numbers import SCALE_WORDS
from storydiff.classify.tokens import Token, fold, lexicon, uk_us, word_key
from storydiff.model import Category, Severity
_REFERENCE = frozenset({"this", "that", "these", "those", "such", "its", "their", "his", "her", "it", "they",
                        "he", "she", "we"})


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


def is_source(toks: tuple[Token, ...], i: int) -> bool:
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
