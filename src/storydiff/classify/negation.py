"""Negation: "not", "never", "n't", "without", "denied", … added or dropped, a prefix ("clear"/"unclear"), and
"unless" against "if". Cues of the same polarity on both sides cancel ("did not" vs "refused to").
"""

from __future__ import annotations

import functools


from storydiff.classify.context import Context, Finding, pair_up, rel_pos
from storydiff.classify.tokens import Token, lexicon, word_key
from storydiff.model import Category, Severity

_AUX = frozenset("is are was were be been am do does did have has had will would can could may might must shall "
                 "should".split())


@functools.cache
def _negation() -> frozenset[str]:
    return frozenset(lexicon()["negation_cues"])


_NEG_PREFIX = ("un", "in", "im", "il", "ir", "non-", "non", "dis")


def detect_negation(ctx: Context) -> None:
    """Unmatched negation cues ("not", "never", "n't", "without", "denied", …) not cancelled by a cue opposite.

    A word negated by a prefix facing its plain form ("clear" vs "unclear") is a cue on its side, so
    "not clear" vs "unclear" cancels while "clear" vs "unclear" is reported.
    """
    idioms: list[tuple[tuple[Token, ...], int]] = []

    def cues(toks: tuple[Token, ...], free) -> list[tuple[float, int]]:
        out = []
        for t in toks:
            if not free(t.i) or t.low not in _negation():
                continue
            if t.low == "nor" and any(x.low in _negation() for x in toks[: t.i]):
                continue  # "neither … nor", "not … nor": it continues a negation (a weak cue, see _weak_cue)
            n = _positive_idiom(toks, t.i)
            # The idiom's other words present on the other side alone make a real flip ("limited to" → "not limited to").
            if n and any(free(k) for k in range(t.i + 1, t.i + n)):
                if " ".join(x.low for x in toks[t.i : t.i + n]) not in lexicon()["hedges"]:  # "no doubt": modality's
                    idioms.extend((toks, k) for k in range(t.i, t.i + n) if free(k))
                continue  # "not only … but also", "not limited to": the words negate nothing
            out.append((rel_pos(t.i, toks), t.i))
        return out

    ca, cb = cues(ctx.a, ctx.free_a), cues(ctx.b, ctx.free_b)
    for toks, k in idioms:  # the idiom's other words ("least", "limited") are no term swap either
        ctx.same(k, None) if toks is ctx.a else ctx.same(None, k)
    partner: dict[tuple[str, int], int] = {}
    for s in ctx.wa.slots:
        for i in s.a:
            for j in s.b:
                p, q = ctx.a[i], ctx.b[j]
                if not (ctx.free_a(i) and ctx.free_b(j) and p.is_word and q.is_word):
                    continue
                if _prefixed(p.low, q.low):
                    cb.append((rel_pos(j, ctx.b), j))
                    partner[("b", j)] = i
                elif _prefixed(q.low, p.low):
                    ca.append((rel_pos(i, ctx.a), i))
                    partner[("a", i)] = j
    for (side, k), other in partner.items():
        ctx.same(other, None) if side == "b" else ctx.same(None, other)
        ctx.same(k, None) if side == "a" else ctx.same(None, k)
    _, rest_a, rest_b = pair_up(sorted(ca), sorted(cb))
    # A cue left on one side may face a negative word the lexicon does not list as a cue ("refusal",
    # "unpenalised", "do-not-call"): the same polarity in other words.
    wa = [(rel_pos(t.i, ctx.a), t.i) for t in ctx.a if ctx.free_a(t.i) and _weak_cue(t.low)]
    wb = [(rel_pos(t.i, ctx.b), t.i) for t in ctx.b if ctx.free_b(t.i) and _weak_cue(t.low)]
    used_a: set[int] = set()
    used_b: set[int] = set()
    if rest_a and wb:
        pairs, rest_a, _ = pair_up(sorted((rel_pos(i, ctx.a), i) for i in rest_a), wb)
        used_b.update(j for _, j in pairs)
    if rest_b and wa:
        pairs, rest_b, _ = pair_up(sorted((rel_pos(j, ctx.b), j) for j in rest_b), wa)
        used_a.update(i for _, i in pairs)
    # "unless" facing a plain "if" that no cue explains reverses the condition ("fail unless they disarm" /
    # "fail if they disarm").
    for sl in ctx.wa.slots:
        for i in sl.a:
            for j in sl.b:
                if ({ctx.a[i].low, ctx.b[j].low} == {"unless", "if"} and ctx.free_a(i) and ctx.free_b(j)
                        and i not in used_a and j not in used_b):
                    ctx.add(Finding(Category.NEGATION, Severity.HIGH, (i, i), (j, j), "negation", "pair", 0.7))
    rest_a, rest_b = _double_negation(rest_a), _double_negation(rest_b)
    for i in rest_a:
        j = partner.get(("a", i))
        ctx.add(_negation_finding(ctx, i, side="a") if j is None else
                Finding(Category.NEGATION, Severity.HIGH, (i, i), (j, j), "negation", "pair", 0.7))
    for j in rest_b:
        i = partner.get(("b", j))
        ctx.add(_negation_finding(ctx, j, side="b") if i is None else
                Finding(Category.NEGATION, Severity.HIGH, (i, i), (j, j), "negation", "pair", 0.7))


@functools.cache
def _idioms() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Negated idioms with a positive meaning ("not limited to", "no doubt"), by the negation word that opens them."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for ph in lexicon()["positive_negations"]:
        words = tuple(ph.split())
        out.setdefault(words[0], []).append(words)
        if words[0] == "can" and words[1] == "not":
            out.setdefault("not", []).append(words[1:])
    return {k: tuple(v) for k, v in out.items()}


def _positive_idiom(toks: tuple[Token, ...], i: int) -> int:
    """The length of the negated idiom of positive meaning that token ``i`` opens ("not limited to"), else 0."""
    for ph in _idioms().get(toks[i].low, ()):
        if tuple(t.low for t in toks[i : i + len(ph)]) == ph:
            return len(ph)
    return 3 if toks[i].low == "n't" and tuple(t.low for t in toks[i + 1 : i + 3]) == ("help", "but") else 0


# Words of refusal that are no cue alone ("revenue declined to $3 billion") but match one ("declined to
# comment" / "had no comment"), and "nor" after a cue.
_NEGATIVE_NOUNS = frozenset("refusal refusals failure failures denial denials rejection inability absence lack "
                            "dismissal decline declines declined declining nor".split())
# "unless X" is "if not X": it carries the negation of the other side's "if … not" ("unless the rebels disarm" /
# "if the rebels do not disarm"), but alone it negates nothing.
_CONDITIONAL_NEGATIVES = frozenset(["unless"])
# Contractions written without the apostrophe ("dont"): too ambiguous to be cues ("wont", "cant" are words),
# but enough to cancel a cue facing them.
_BARE_CONTRACTIONS = frozenset("dont doesnt didnt isnt wasnt arent werent cant couldnt wouldnt shouldnt wont hasnt "
                               "havent hadnt aint".split())


def _weak_cue(low: str) -> bool:
    """A negative word the cue lexicon leaves out: a noun of refusal or failure, "dont", "unless", a word negated by
    "un-" or "non-" whose stem is an everyday word, or a compound with "-not-" ("do-not-call")."""
    if (low in _NEGATIVE_NOUNS or low in _BARE_CONTRACTIONS or low in _CONDITIONAL_NEGATIVES or "-not-" in low
            or low.startswith(("non-", "no-"))):
        return True
    if low.startswith("un") and len(low) >= 7:
        from storydiff.classify.tokens import is_common

        return is_common(low[2:])  # "unpenalised"; is_common is True when no list loads
    return False


def _double_negation(rest: list[int]) -> list[int]:
    """Two left-over cues close together cancel ("not illegal", "never failed to")."""
    rest = sorted(rest)
    if len(rest) == 2 and rest[1] - rest[0] <= 3:
        return []
    return rest


def _prefixed(plain: str, negated: str) -> bool:
    """``negated`` is ``plain`` with a negative prefix: legal/illegal, aware/unaware."""
    return len(plain) >= 3 and any(negated == p + plain for p in _NEG_PREFIX)


def _negation_finding(ctx: Context, i: int, side: str) -> Finding:
    toks, other = (ctx.a, ctx.wa.a2b) if side == "a" else (ctx.b, ctx.wa.b2a)
    if not _flips_shared_claim(ctx, i, side):
        # The cue negates words only one side has ("and no shares of X", "has not seen such a protest"):
        # content added or dropped, on record, but no flip of a claim both sides make.
        a, b = ((i, i), None) if side == "a" else (None, (i, i))
        return Finding(Category.NEGATION, Severity.MEDIUM, a, b, "negation", confidence=UNSCOPED_CONFIDENCE)
    # Anchor on the auxiliary before the cue ("will not" vs "will") when it has a counterpart.
    if i > 0 and toks[i - 1].low in _AUX and (i - 1) in other:
        mine, theirs = (i - 1, i), (other[i - 1], other[i - 1])
        a, b = (mine, theirs) if side == "a" else (theirs, mine)
        return Finding(Category.NEGATION, Severity.HIGH, a, b, "negation", "pair", 0.85)
    a, b = ((i, i), None) if side == "a" else (None, (i, i))
    return Finding(Category.NEGATION, Severity.HIGH, a, b, "negation", confidence=0.75)


# Verbs of attempt or wish: "tries to X" asserts no X, so "failed to X" or "could not X" flips nothing (word keys).
_ATTEMPT = frozenset(word_key(w) for w in "try tries tried trying attempt attempts attempted attempting seek seeks "
                     "sought seeking want wants wanted wanting hope hopes hoped hoping plan plans planned planning "
                     "aim aims aimed aiming intend intends intended intending struggle struggled".split())
# Confidence of a one-sided negation cue whose negated words are not on both sides (see _flips_shared_claim).
UNSCOPED_CONFIDENCE = 0.6
# How many words after a cue may separate it from the word it negates ("did not properly determine").
_SCOPE = 4
# A clause this many content words long around a cue, facing nothing on the other side, was added or dropped whole.
_CLAUSE_WORDS = 2


def _flips_shared_claim(ctx: Context, i: int, side: str) -> bool:
    """Whether the one-sided cue ``i`` negates a claim both sides make: the first content word after it has a
    counterpart ("will attend"/"will not attend", "passed the bill"/"failed to pass the bill"), and the cue
    does not open a clause the other side lacks altogether ("… (and no shares of PalmSource)")."""
    toks, mapping, free = (ctx.a, ctx.wa.a2b, ctx.free_a) if side == "a" else (ctx.b, ctx.wa.b2a, ctx.free_b)
    after = [t for t in toks[i + 1 : i + 1 + _SCOPE] if t.is_content and t.low not in _negation() and t.low not in _AUX]
    if not after or after[0].i not in mapping:
        return False
    other = ctx.b if side == "a" else ctx.a
    j = mapping[after[0].i]
    if j >= 2 and other[j - 1].low == "to" and other[j - 2].key in _ATTEMPT:
        return False  # "tries to stay above" / "failed to stay above": the other side never claimed it stayed
    for s in ctx.wa.slots:
        own, theirs = (s.a, s.b) if side == "a" else (s.b, s.a)
        if i in own and not theirs:
            content = [k for k in own if k != i and toks[k].is_content and free(k)]
            return len(content) < _CLAUSE_WORDS
    return True
