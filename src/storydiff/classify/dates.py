"""Days named in words: weekdays ("Monday"), and dates relative to the telling ("yesterday", "next week").

Figures, month names and calendar dates are compared by :mod:`.numbers`; what
is left are the words a news story uses for *when*: "The vote was on Monday" /
"… on Tuesday" is another day, "today" / "tomorrow" another day, "last week" /
"next week" another week (rule ``dates.day``, a change of fact). A weekday
facing a relative date ("on Monday" / "yesterday": ``dates.day_reference``)
may be the same day told from another date line, and a day mentioned on one
side only (``dates.day_mention``) is often dropped as redundant: the change
model judges those like other words.
"""

from __future__ import annotations

from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token
from storydiff.model import Category, Severity

WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
_SHORT_DAYS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
# Relative days by offset from the telling.
_DAYS = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}
_UNITS = frozenset("week weekend month year morning afternoon evening night".split())
_WHICH = {"last": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}


def _when(toks: tuple[Token, ...], i: int) -> tuple[tuple[int, int], tuple[str, object]] | None:
    """The day expression starting at token ``i``: (token range, (kind, value)), or ``None``."""
    t = toks[i]
    if t.low in WEEKDAYS and t.is_cap:
        return (i, i), ("weekday", WEEKDAYS[t.low])
    if t.low in _SHORT_DAYS and t.is_cap and i + 1 < len(toks) and toks[i + 1].text == ".":
        return (i, i), ("weekday", _SHORT_DAYS[t.low])
    if t.low in _DAYS:
        return (i, i), ("relative", ("day", _DAYS[t.low]))
    if t.low in _WHICH and i + 1 < len(toks):
        nxt = toks[i + 1]
        if nxt.low in _UNITS and not (t.low == "this" and nxt.low in ("morning", "afternoon", "evening")):
            return (i, i + 1), ("relative", (nxt.low, _WHICH[t.low]))
        if nxt.low in WEEKDAYS:
            return (i, i + 1), ("relative", (f"weekday{WEEKDAYS[nxt.low]}", _WHICH[t.low]))
    return None


def find_days(toks: tuple[Token, ...]) -> list[tuple[tuple[int, int], tuple[str, object]]]:
    out, i = [], 0
    while i < len(toks):
        hit = _when(toks, i)
        if hit:
            out.append(hit)
            i = hit[0][1] + 1
        else:
            i += 1
    return out


def detect_dates(ctx: Context) -> None:
    """Weekdays and relative dates that differ between the sides, or that one side adds or drops."""
    def free(side: str, r: tuple[int, int]) -> bool:
        # The word that says which day or week must differ; "week" in "next week" / "this week" may be shared.
        return (ctx.free_a if side == "a" else ctx.free_b)(r[0])

    da = [(r, v) for r, v in find_days(ctx.a) if free("a", r)]
    db = [(r, v) for r, v in find_days(ctx.b) if free("b", r)]
    if not da and not db:
        return
    left = list(db)
    for ra, va in da:
        facing = [d for d in left if _same_slot(ctx, ra, d[0])] or (left if len(da) == 1 and len(left) == 1 else [])
        if not facing:
            ctx.add(Finding(Category.DATE, Severity.MEDIUM, ra, None, "day mention", "one", 0.6))
            continue
        rb, vb = facing[0]
        left.remove(facing[0])
        if va == vb:
            for k in range(ra[0], ra[1] + 1):
                ctx.same(k, None)
            for k in range(rb[0], rb[1] + 1):
                ctx.same(None, k)
        elif va[0] == vb[0]:
            ctx.add(Finding(Category.DATE, Severity.HIGH, ra, rb, "day", confidence=0.9))
        else:
            ctx.add(Finding(Category.DATE, Severity.MEDIUM, ra, rb, "day reference", confidence=0.6))
    for rb, _ in left:
        ctx.add(Finding(Category.DATE, Severity.MEDIUM, None, rb, "day mention", "one", 0.6))


def _same_slot(ctx: Context, ra: tuple[int, int], rb: tuple[int, int]) -> bool:
    return any(any(ra[0] <= i <= ra[1] for i in s.a) and any(rb[0] <= j <= rb[1] for j in s.b) for s in ctx.wa.slots)
