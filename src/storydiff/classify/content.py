"""Content added or dropped: runs of content words with no counterpart on the other side (a clause, a qualifier).
"""

from __future__ import annotations



from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token
from storydiff.model import Category, Severity


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
    toks = ctx.a if side == "a" else ctx.b
    # A clause that opens with "if"/"unless" is a condition on the claim: dropping it makes the claim flat.
    name = "conditional clause" if toks[span[0]].low in _CONDITIONAL else "clause"
    ctx.add(Finding(Category.CONTENT, Severity.MEDIUM, a, b, name, "one", 0.6, direction=(1 if side == "a" else -1)
                    if name != "clause" else 0))


_CONDITIONAL = frozenset({"if", "unless", "provided"})


def _hull(idx: tuple[int, ...], toks: tuple[Token, ...]) -> tuple[int, int]:
    words = [i for i in idx if toks[i].is_word]
    return (min(words), max(words))
