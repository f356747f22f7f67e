"""Negation, modality and hedges, and quotation marks: small words that flip or soften a claim.

Each detector looks only at words the word alignment left unmatched, so a
"not" present on both sides never fires; cues of the same class on both
sides cancel ("did not" vs "refused to", "may" vs "might").
"""

from __future__ import annotations

import functools
import re

from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token, lexicon, word_key
from storydiff.model import Category, Severity

_AUX = frozenset("is are was were be been am do does did have has had will would can could may might must shall "
                 "should".split())
_CERTAIN = frozenset("undoubtedly certainly definitely surely clearly obviously evidently doubtless undeniably "
                     "indeed clear obvious certain evident doubt".split())  # "doubt": "no doubt", "without doubt"


@functools.cache
def _negation() -> frozenset[str]:
    return frozenset(lexicon()["negation_cues"])


@functools.cache
def _hedge_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Hedge phrases by first word, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for h in lexicon()["hedges"]:
        out.setdefault(h.split()[0], []).append(tuple(h.split()))
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


def _pair_up(xs: list[tuple[float, object]], ys: list[tuple[float, object]]) -> tuple[list, list, list]:
    """Pair items of two sides by nearest relative position; returns pairs and the leftovers."""
    pairs, left = [], list(ys)
    rest_x = []
    for px, x in xs:
        if not left:
            rest_x.append(x)
            continue
        k = min(range(len(left)), key=lambda k: abs(left[k][0] - px))
        pairs.append((x, left.pop(k)[1]))
    return pairs, rest_x, [y for _, y in left]


def _rel(i: int, toks: tuple[Token, ...]) -> float:
    return i / max(len(toks), 1)


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
            out.append((_rel(t.i, toks), t.i))
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
                    cb.append((_rel(j, ctx.b), j))
                    partner[("b", j)] = i
                elif _prefixed(q.low, p.low):
                    ca.append((_rel(i, ctx.a), i))
                    partner[("a", i)] = j
    for (side, k), other in partner.items():
        ctx.same(other, None) if side == "b" else ctx.same(None, other)
        ctx.same(k, None) if side == "a" else ctx.same(None, k)
    _, rest_a, rest_b = _pair_up(sorted(ca), sorted(cb))
    # A cue left on one side may face a negative word the lexicon does not list as a cue ("refusal",
    # "unpenalised", "do-not-call"): the same polarity in other words.
    wa = [(_rel(t.i, ctx.a), t.i) for t in ctx.a if ctx.free_a(t.i) and _weak_cue(t.low)]
    wb = [(_rel(t.i, ctx.b), t.i) for t in ctx.b if ctx.free_b(t.i) and _weak_cue(t.low)]
    used_a: set[int] = set()
    used_b: set[int] = set()
    if rest_a and wb:
        pairs, rest_a, _ = _pair_up(sorted((_rel(i, ctx.a), i) for i in rest_a), wb)
        used_b.update(j for _, j in pairs)
    if rest_b and wa:
        pairs, rest_b, _ = _pair_up(sorted((_rel(j, ctx.b), j) for j in rest_b), wa)
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
    ha = [(_rel(f, ctx.a), (f, l, c)) for f, l, c in _hedges(ctx.a, ctx.free_a)]
    hb = [(_rel(f, ctx.b), (f, l, c)) for f, l, c in _hedges(ctx.b, ctx.free_b)]
    pairs, rest_a, rest_b = _pair_up(ha, hb)
    for (fa, la, ca), (fb, lb, cb) in pairs:
        if ca != cb and "able" not in (ca, cb) and {ca, cb} != {"certain", "certain_modal"}:
            ctx.add(Finding(Category.MODALITY, Severity.MEDIUM, (fa, la), (fb, lb), "modality", confidence=0.7))
        else:
            for k in range(fa, la + 1):
                ctx.same(k, None)
            for k in range(fb, lb + 1):
                ctx.same(None, k)
    for f, l, c in rest_a:
        if c != "able" and _anchored(ctx.a, ctx.wa.a2b, f, l):
            ctx.add(Finding(Category.MODALITY, _weight(c), (f, l), None, _hedge_name(ctx.a, f, l), "one", 0.7))
    for f, l, c in rest_b:
        if c != "able" and _anchored(ctx.b, ctx.wa.b2a, f, l):
            ctx.add(Finding(Category.MODALITY, _weight(c), None, (f, l), _hedge_name(ctx.b, f, l), "one", 0.7))


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


_QUOTE = re.compile(r"“([^”]{1,300})”|«([^»]{1,300})»|\"([^\"]{1,300})\"|‘([^’]{2,300}\s[^’]{0,300})’"
                    r"|(?<!\w)'([^']{1,300}?)'(?!\w)")


def _quotes(text: str, toks: tuple[Token, ...]) -> list[tuple[int, int, str]]:
    """Quoted passages as (first token, last token incl. marks, folded content)."""
    out = []
    for m in _QUOTE.finditer(text):
        inside = [t for t in toks if m.start() < t.start and t.end < m.end() and t.is_word]
        if not inside:
            continue
        first = next(t.i for t in toks if t.start >= m.start())
        last = max(t.i for t in toks if t.end <= m.end())
        out.append((first, last, " ".join(t.key for t in inside)))
    return out


def detect_quotes(ctx: Context, xa: str, xb: str) -> None:
    """Quotation marks added or removed around a phrase, or a quoted phrase altered."""
    qa, qb = _quotes(xa, ctx.a), _quotes(xb, ctx.b)
    keys_b = [q[2] for q in qb]
    keys_a = [q[2] for q in qa]
    for side, qs, other_keys, toks, m in (("a", qa, keys_b, ctx.a, ctx.wa.a2b), ("b", qb, keys_a, ctx.b, ctx.wa.b2a)):
        for first, last, key in qs:
            if key in other_keys:
                continue
            words = [k for k in range(first, last + 1) if toks[k].is_word]
            mapped = [m[k] for k in words if k in m]
            if len(words) > _SHORT_QUOTE:
                continue  # a quoted statement: direct vs reported speech is style; its words are checked as usual
            content = [k for k in words if toks[k].is_content]
            other_toks = ctx.b if side == "a" else ctx.a
            if len(mapped) == len(words):  # same words, marks added or removed
                span, name = (min(mapped), max(mapped)), "quotation marks"
            elif content and all(k in m for k in content):
                continue  # the quoted words are all there; only a function word differs ("failure of"/"in")
            else:
                span, name = _facing(ctx, side, first, last), "quote"
                if span is None or span[1] - span[0] > 2 * _SHORT_QUOTE:
                    continue
                if _same_letters(toks, content, other_toks, span):
                    name = "quotation marks"  # "double jeopardy" / double-jeopardy, "multitool" / multi-tool
                elif _respelled_inside(toks, [k for k in content if k not in m], other_toks, span):
                    continue  # "a simple consuming show" / "a simple consumer show": one word's form mended
                elif not (_quote_in_place(ctx, side, first, last, span)
                          or _inside_other_quote(span, mapped, qb if side == "a" else qa)):
                    continue  # the facing words stand elsewhere in a re-written sentence: no quoted word swapped
            if span is None:
                continue
            mine = (first, last)
            a, b = (mine, span) if side == "a" else (span, mine)
            if _overlaps_used(ctx, a, b):
                continue
            ctx.add(Finding(Category.QUOTE, Severity.MEDIUM, a, b, name, "pair" if name != "quote" else "differs", 0.7))


_SHORT_QUOTE = 5  # words; a quoted phrase ("scare quotes"), not a quoted statement
_QUOTE_REACH = 3  # tokens (quote marks, function words) between a quoted phrase and the matched word anchoring it


def _same_letters(toks: tuple[Token, ...], content: list[int], other: tuple[Token, ...], span: tuple[int, int]) -> bool:
    """The quoted words and the facing words spell the same letters once spaces and hyphens go."""
    def letters(ts) -> str:
        return "".join(c for t in ts for c in t.low if c.isalnum())
    mine = letters(toks[k] for k in content)
    return bool(mine) and mine in letters(t for t in other[span[0] : span[1] + 1] if t.is_word)


def _respelled_inside(toks: tuple[Token, ...], loose: list[int], other: tuple[Token, ...], span: tuple[int, int]) -> bool:
    """Every unmatched quoted word has a facing word of nearly the same form (a typo or an inflection mended)."""
    from rapidfuzz.distance import Indel

    facing = [t.low for t in other[span[0] : span[1] + 1] if t.is_content]
    def near(x: str, y: str) -> bool:
        return Indel.normalized_similarity(x, y) >= 0.7 or (len(x) >= 5 and len(y) >= 5 and x[:5] == y[:5])

    return bool(loose) and all(any(near(toks[k].low, w) for w in facing) for k in loose)


def _inside_other_quote(span: tuple[int, int], mapped: list[int], others: list[tuple[int, int, str]]) -> bool:
    """The facing words, or the counterparts of the quote's own words, sit in a quote of the other side: one
    quotation altered ("a bridge for everyone" / "a bridge for drivers"), wherever the sentence put it."""
    return any(f <= span[1] and span[0] <= l or any(f <= k <= l for k in mapped) for f, l, _ in others)


def _quote_in_place(ctx: Context, side: str, first: int, last: int, span: tuple[int, int]) -> bool:
    """The facing words stand where the quoted phrase stood: the nearest content word before (or after) both,
    past quote marks and function words, is one matched pair ("called the plan 'a modest step'" / "called the plan 'a reckless gamble'")."""
    toks, mapping = (ctx.a, ctx.wa.a2b) if side == "a" else (ctx.b, ctx.wa.b2a)
    other, back = (ctx.b, ctx.wa.b2a) if side == "a" else (ctx.a, ctx.wa.a2b)

    def anchor(ts: tuple[Token, ...], mp: dict[int, int], start: int, step: int) -> int | None:
        k = start
        while 0 <= k < len(ts) and abs(k - start) < _QUOTE_REACH:
            if ts[k].is_content:
                return k if k in mp else None
            k += step
        return None

    for step, mine_at, theirs_at in ((-1, first - 1, span[0] - 1), (1, last + 1, span[1] + 1)):
        k, l = anchor(toks, mapping, mine_at, step), anchor(other, back, theirs_at, step)
        if k is not None and l is not None and mapping[k] == l:
            return True
    return False


def _overlaps_used(ctx: Context, a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return bool((a and ctx.used_a.intersection(range(a[0], a[1] + 1)))
                or (b and ctx.used_b.intersection(range(b[0], b[1] + 1))))


def _facing(ctx: Context, side: str, first: int, last: int) -> tuple[int, int] | None:
    """The unmatched words of the other side in the slots that touch ``first..last``."""
    hits: list[int] = []
    for s in ctx.wa.slots:
        mine, theirs = (s.a, s.b) if side == "a" else (s.b, s.a)
        if any(first <= k <= last for k in mine):
            hits.extend(theirs)
    return (min(hits), max(hits)) if hits else None


_CONDITIONS = frozenset("before after until unless if despite although because".split())
_LINKS = _CONDITIONS | frozenset("when once as while since provided whether so though event case subject absent "
                                  "following prior upon later then ahead "
                                  "without condition conditions".split())


def detect_conditions(ctx: Context) -> None:
    """A time or condition link ("before", "unless", "if") with no link word left on the other side.

    The other side may carry its condition anywhere in other words ("if X wins" vs "in the event of a
    victory of X"), so any unmatched link word there counts as a counterpart.
    """
    la = [i for i in range(len(ctx.a)) if ctx.free_a(i) and ctx.a[i].low in _LINKS]
    lb = [j for j in range(len(ctx.b)) if ctx.free_b(j) and ctx.b[j].low in _LINKS]
    if la and lb:
        return
    for i in la:
        if ctx.a[i].low in _CONDITIONS and not _whether(ctx.a, i):
            ctx.add(Finding(Category.CONTENT, _link_weight(ctx.a[i]), (i, i), None, "condition", "one", 0.55))
    for j in lb:
        if ctx.b[j].low in _CONDITIONS and not _whether(ctx.b, j):
            ctx.add(Finding(Category.CONTENT, _link_weight(ctx.b[j]), None, (j, j), "condition", "one", 0.55))


# "Although X, Y" asserts X and Y either way: the concession is a link of discourse, not a condition on the claim.
# (On IteraTeR train, such links added or dropped alone were labelled coherence edits, not changes of meaning.)
_CONCESSIVE = frozenset({"although", "though", "despite"})


def _link_weight(t: Token) -> Severity:
    return Severity.LOW if t.low in _CONCESSIVE else Severity.MEDIUM


_ASKING = frozenset("confirm ask asked asks know knows see wonder check tell say decide determine clear unclear "
                    "doubt sure".split())


def _whether(toks: tuple[Token, ...], i: int) -> bool:
    """ "Confirm if …" asks whether; it sets no condition."""
    return toks[i].low == "if" and i > 0 and toks[i - 1].low in _ASKING
