"""Conditions: a time or condition link ("before", "unless", "if") added or dropped with no link word left
on the other side.
"""

from __future__ import annotations



from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token
from storydiff.model import Category, Severity


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
            ctx.add(Finding(Category.CONTENT, _link_weight(ctx.a[i]), (i, i), None, _link_name(ctx.a[i]), "one", 0.55))
    for j in lb:
        if ctx.b[j].low in _CONDITIONS and not _whether(ctx.b, j):
            ctx.add(Finding(Category.CONTENT, _link_weight(ctx.b[j]), None, (j, j), _link_name(ctx.b[j]), "one", 0.55))


# "Although X, Y" asserts X and Y either way: the concession is a link of discourse, not a condition on the claim.
# (On IteraTeR train, such links added or dropped alone were labelled coherence edits, not changes of meaning.)
_CONCESSIVE = frozenset({"although", "though", "despite"})
_TRUE_CONDITIONS = frozenset({"if", "unless"})


def _link_name(t: Token) -> str:
    """ "condition" for "if"/"unless" (the claim holds only so), "time link" for "before"/"after"/"until" (often
    a sequence: "before joining"), "reason" for "because" and the concessions."""
    low = t.low
    return "condition" if low in _TRUE_CONDITIONS else "time link" if low in ("before", "after", "until") else "reason"


def _link_weight(t: Token) -> Severity:
    return Severity.LOW if t.low in _CONCESSIVE else Severity.MEDIUM


_ASKING = frozenset("confirm ask asked asks know knows see wonder check tell say decide determine clear unclear "
                    "doubt sure".split())


def _whether(toks: tuple[Token, ...], i: int) -> bool:
    """ "Confirm if …" asks whether; it sets no condition."""
    return toks[i].low == "if" and i > 0 and toks[i - 1].low in _ASKING
