"""Modality and certainty: hedges ("perhaps", "may", "reportedly") against boosters ("obviously", "will",
"must"), added, dropped or swapped for one of the other strength; and a question turned into a statement.

Each finding says which way certainty moved from A to B (``direction``: +1 firmer, −1 softer).
"""

from __future__ import annotations

import functools


from storydiff.classify.context import Context, Finding, pair_up, rel_pos
from storydiff.classify.tokens import Token, lexicon
from storydiff.model import Category, Severity

# How firmly each class of hedge or modal asserts ("able" says nothing about certainty).
_STRENGTH = {"possible": 1, "uncertain": 1, "advisable": 2, "necessary": 3, "certain": 3, "certain_modal": 3}
_CERTAIN = frozenset("undoubtedly certainly definitely surely clearly obviously evidently doubtless undeniably "
                     "indeed clear obvious certain evident doubt".split())  # "doubt": "no doubt", "without doubt"


@functools.cache
def _hedge_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Hedge phrases by first word, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for h in lexicon()["hedges"]:
        out.setdefault(h.split()[0], []).append(tuple(h.split()))
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


def _hedges(toks: tuple[Token, ...], free) -> list[tuple[int, int, str]]:
    """Hedge phrases and modal verbs that are (mostly) unmatched: (first, last, class)."""
    out, i, n = [], 0, len(toks)
    modals = lexicon()["modals"]
    while i < n:
        hit = None
        for ph in _hedge_phrases().get(toks[i].low, ()):
            if tuple(t.low for t in toks[i : i + len(ph)]) == ph:
                hit = (i, i + len(ph) - 1)
                break
        if hit:
            span = range(hit[0], hit[1] + 1)
            if sum(free(k) for k in span) * 2 > len(span):
                cls = "certain" if _CERTAIN.intersection(ph) else "uncertain"
                out.append((hit[0], hit[1], cls))
            i = hit[1] + 1
            continue
        month = toks[i].low == "may" and toks[i].is_cap and not toks[i].sent_start  # the month
        if toks[i].low in modals and free(i) and not month:
            cls = str(modals[toks[i].low])
            out.append((i, i, "certain_modal" if cls == "certain" else cls))
        i += 1
    return out


def detect_modality(ctx: Context) -> None:
    """Hedges and modal verbs added, dropped, or swapped for one of another strength."""
    ha = [(rel_pos(f, ctx.a), (f, l, c)) for f, l, c in _hedges(ctx.a, ctx.free_a)]
    hb = [(rel_pos(f, ctx.b), (f, l, c)) for f, l, c in _hedges(ctx.b, ctx.free_b)]
    pairs, rest_a, rest_b = pair_up(ha, hb)
    for (fa, la, ca), (fb, lb, cb) in pairs:
        if ca != cb and "able" not in (ca, cb) and {ca, cb} != {"certain", "certain_modal"}:
            way = _STRENGTH[cb] - _STRENGTH[ca]
            ctx.add(Finding(Category.MODALITY, Severity.MEDIUM, (fa, la), (fb, lb), "modality", confidence=0.7,
                            direction=(way > 0) - (way < 0)))
        else:
            for k in range(fa, la + 1):
                ctx.same(k, None)
            for k in range(fb, lb + 1):
                ctx.same(None, k)
    for f, l, c in rest_a:
        if c != "able" and _anchored(ctx.a, ctx.wa.a2b, f, l):
            ctx.add(Finding(Category.MODALITY, _weight(c), (f, l), None, _hedge_name(ctx.a, f, l), "one", 0.7,
                            direction=-_firm(c)))
    for f, l, c in rest_b:
        if c != "able" and _anchored(ctx.b, ctx.wa.b2a, f, l):
            ctx.add(Finding(Category.MODALITY, _weight(c), None, (f, l), _hedge_name(ctx.b, f, l), "one", 0.7,
                            direction=_firm(c)))


def _firm(cls: str) -> int:
    """+1 when adding this class makes a claim firmer (a booster, "must"), −1 when it softens it (a hedge, "may")."""
    return 1 if _STRENGTH.get(cls, 0) >= 3 else -1


def _weight(cls: str) -> Severity:
    """ "will"/"would" added or dropped is mostly tense ("will be" → "is"); other modals and hedges shift certainty."""
    return Severity.LOW if cls == "certain_modal" else Severity.MEDIUM


def _anchored(toks: tuple[Token, ...], mapping: dict[int, int], f: int, l: int) -> bool:
    """A hedge added to a claim both sides make: the next word (a modal's verb) or a neighbour has a counterpart.

    A modal inside a whole added clause belongs to that clause, not to a change of certainty.
    """
    words_after = [t.i for t in toks[l + 1 :] if t.is_word][:1]
    words_before = [t.i for t in toks[:f] if t.is_word][-1:]
    if f == l and toks[f].low in lexicon()["modals"]:
        return bool(words_after) and words_after[0] in mapping
    return any(k in mapping for k in words_after + words_before)


def _hedge_name(toks: tuple[Token, ...], f: int, l: int) -> str:
    return "modal" if f == l and toks[f].low in lexicon()["modals"] else "hedge"


def detect_questions(ctx: Context, x: str, y: str) -> None:
    """A question turned into a statement, or back: the same words asked on one side, asserted on the other.

    Only when both sides end one sentence each at the same place in the shared words, one with "?", the other
    with "." or "!" (a question dropped or added whole is an added or removed sentence, not this).
    """
    qa = [t.i for t in ctx.a if t.text == "?"]
    qb = [t.i for t in ctx.b if t.text == "?"]
    if len(qa) == len(qb):
        return
    side, marks = ("a", qa) if len(qa) > len(qb) else ("b", qb)
    toks, other = (ctx.a, ctx.b) if side == "a" else (ctx.b, ctx.a)
    mapping = ctx.wa.a2b if side == "a" else ctx.wa.b2a
    for q in marks:
        start = max((t.i for t in toks[:q] if t.text in _ENDS), default=-1) + 1
        words = [t.i for t in toks[start:q] if t.is_content]
        shared = [mapping[k] for k in words if k in mapping]
        if len(words) < 2 or len(shared) * 2 < len(words):
            continue
        end = next((t.i for t in other[max(shared):] if t.text in _ENDS), None)
        if end is None or other[end].text == "?":
            continue
        first = min(shared)
        mine, theirs = (start, q), (max(0, first), end)
        a, b = (mine, theirs) if side == "a" else (theirs, mine)
        ctx.add(Finding(Category.MODALITY, Severity.MEDIUM, a, b, "question turned into a statement"
                        if side == "a" else "statement turned into a question", "pair", 0.7,
                        direction=1 if side == "a" else -1))


_ENDS = frozenset(".!?")
