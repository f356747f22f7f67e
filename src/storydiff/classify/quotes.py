"""Quotes and attribution: quotation marks added, removed or around altered words, and words that put a claim
at one remove ("alleged", "reportedly", "so-called") added or dropped. A source swapped ("said" / "claimed") is a
loaded term (:mod:`.terms`); a person named as the source instead of another is a name change (:mod:`.names`).
"""

from __future__ import annotations

import functools
import re

from rapidfuzz.distance import Indel

from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token, lexicon
from storydiff.model import Category, Severity


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


# ---------------------------------------------------------------- attribution: who vouches for a claim


@functools.cache
def _doubt_markers() -> frozenset[str]:
    return frozenset(lexicon()["doubt_markers"])


def detect_attribution(ctx: Context) -> None:
    """A word that puts a claim at one remove ("alleged", "reportedly", "so-called") added or dropped.

    Dropping it turns a reported claim into the writer's own ("the alleged bribe" → "the bribe": firmer, direction
    +1); adding it distances the writer. Only a marker beside words both sides share counts (a marker inside a whole
    added clause goes with the clause), and a marker facing another marker or hedge is left to modality.
    """
    hedges = frozenset(h for h in lexicon()["hedges"] if " " not in h)
    markers = _doubt_markers() - hedges  # "reportedly", "allegedly": hedges, which modality weighs against others
    hedges |= markers
    for side in ("a", "b"):
        toks, free, mapping = (ctx.a, ctx.free_a, ctx.wa.a2b) if side == "a" else (ctx.b, ctx.free_b, ctx.wa.b2a)
        other, other_free = (ctx.b, ctx.free_b) if side == "a" else (ctx.a, ctx.free_a)
        for t in toks:
            if not (free(t.i) and t.low in markers):
                continue
            near = [k for k in (t.i - 1, t.i + 1) if 0 <= k < len(toks) and toks[k].is_word]
            if not any(k in mapping for k in near):
                continue
            facing = [k for s in ctx.wa.slots for k in (s.b if side == "a" else s.a)
                      if t.i in (s.a if side == "a" else s.b)]
            if any(other_free(k) and (other[k].low in hedges or Indel.normalized_similarity(other[k].low, t.low) >= 0.8)
                   for k in facing):
                continue  # another hedge in its place (modality's), or the same word mended ("alledged")
            span = (t.i, t.i)
            a, b = (span, None) if side == "a" else (None, span)
            ctx.add(Finding(Category.ATTRIBUTION, Severity.MEDIUM, a, b, "doubt marker", "one", 0.75,
                            direction=1 if side == "a" else -1))
