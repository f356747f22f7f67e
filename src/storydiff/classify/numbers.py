"""Quantities, ordinals, dates and times, normalised so that equal values in other words match.

"four thousand" = "4,000", "6th" = "sixth", "over 50" = "more than 50",
"December 20" = "20 December" = "Dec. 20", "5 per cent" = "5%".

``detect_numbers`` is the find_changes pass: a figure contradicts only a figure of
the same sort (``comparable``) standing in the same place, and one that merely
rounds, bounds or converts the other (``consistent``) is at most a low note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from storydiff.classify.context import Context, Finding
from storydiff.classify.tokens import Token, lexicon
from storydiff.model import Category, Severity

_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12,
           "mln": 10**6, "bn": 10**9}
SCALE_WORDS = frozenset(_SCALES)
_ORD_WORDS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())}
_ORD_WORDS.update({"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100})
_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_FULL_MONTHS = frozenset(_MONTHS)
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS.update({"sept": 9})
_DIGITS = re.compile(r"^(\d+(?:,\d{3})*(?:\.\d+)?)(st|nd|rd|th|s)?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@dataclass(frozen=True, slots=True)
class Mention:
    """A number-like expression: ``kind`` is number, ordinal, date, year or time."""

    kind: str
    value: tuple[float | int | None, ...]
    comparator: str | None
    unit: str | None
    first: int  # token indices, inclusive
    last: int
    alt: tuple[float | int | None, ...] | None = None  # "30.000": 30 or, grouped the continental way, 30,000
    glued: bool = False  # digits inside a name or code ("wav2vec", "IWSLT'14", "Q3"): compared, never a quantity alone
    step: float = 0.0  # the rounding step the digits show ("114.3 million": 100,000); 0 when not written in digits

    @property
    def is_date(self) -> bool:
        return self.kind in ("date", "year", "time", "decade")

    def same(self, other: Mention) -> bool:
        """Equal value, compatible unit and the same direction of comparison."""
        if self.kind != other.kind or not (self.value == other.value or self.alt == other.value
                                           or (other.alt is not None and self.value == other.alt)):
            return False
        if self.unit and other.unit and self.unit != other.unit:
            return False
        loose = (None, "approx", "exact")
        return self.comparator == other.comparator or (self.comparator in loose and other.comparator in loose)


def _word_value(words: list[str]) -> int | None:
    total, current, seen = 0, 0, False
    for w in words:
        if w in _ONES:
            current += _ONES[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in ("hundred",):
            current = max(current, 1) * 100
        elif w in _SCALES:
            total += max(current, 1) * _SCALES[w]
            current = 0
        elif w == "dozen":
            current = max(current, 1) * 12
        else:
            continue
        seen = True
    return total + current if seen else None


def _is_number_word(low: str) -> bool:
    return all(p in _ONES or p in _TENS or p in _SCALES or p == "dozen" for p in low.split("-"))


def _phrase_before(toks: tuple[Token, ...], i: int, table: dict[str, str]) -> tuple[str | None, int]:
    """The longest phrase from ``table`` that ends right before token ``i``."""
    for n in (4, 3, 2, 1):
        if i - n < 0:
            continue
        words = [t.low for t in toks[i - n : i]]
        if all(t.is_word or t.text in "$€£%" for t in toks[i - n : i]) and " ".join(words) in table:
            return table[" ".join(words)], i - n
    return None, i


def _unit_after(toks: tuple[Token, ...], j: int) -> tuple[str | None, int]:
    units = lexicon()["units"]
    for n in (2, 1):
        if j + n < len(toks) and " ".join(t.low for t in toks[j + 1 : j + 1 + n]) in units:
            return units[" ".join(t.low for t in toks[j + 1 : j + 1 + n])], j + n
    return None, j


def find_numbers(toks: tuple[Token, ...]) -> tuple[Mention, ...]:
    """Every number-like mention among ``toks``, left to right."""
    out: list[Mention] = []
    i, n = 0, len(toks)
    while i < n:
        m = _mention_at(toks, i)
        if m is None:
            i += 1
            continue
        out.append(m)
        i = m.last + 1
    return tuple(out)


def _month_at(toks: tuple[Token, ...], i: int) -> int | None:
    t = toks[i]
    if not t.is_cap or t.low not in _MONTHS:
        return None
    if t.low == "may" and t.sent_start and not (i + 1 < len(toks) and _DIGITS.match(toks[i + 1].text)):
        return None  # the modal verb, capitalised at the start of a sentence (mid-sentence "May" is the month)
    return _MONTHS[t.low]


def _mention_at(toks: tuple[Token, ...], i: int) -> Mention | None:
    t = toks[i]
    month = _month_at(toks, i)
    if month is not None:
        j = i + 1 if i + 1 < len(toks) and toks[i + 1].text == "." else i
        d = _DIGITS.match(toks[j + 1].text) if j + 1 < len(toks) else None
        if d and d.group(1).isdigit() and int(d.group(1)) <= 31:
            return Mention("date", (month, int(d.group(1))), None, None, i, j + 1)
        return Mention("date", (month, None), None, None, i, i if toks[i].low in _FULL_MONTHS else j)
    if _TIME.match(t.text):
        return Mention("time", (t.text.zfill(5),), None, None, i, i)
    d = _DIGITS.match(t.text)
    if d:
        raw = d.group(1).replace(",", "")
        value: float = float(raw)
        if d.group(2) == "s":  # "the 1990s", "in his 40s"
            return Mention("decade" if re.fullmatch(r"1[5-9]\d0|20\d0", raw) else "number", (int(value), "s"), None,
                           None, i, i)
        if d.group(2):
            return Mention("ordinal", (int(value),), None, None, i, i)
        # "20 December" / "20th of December"
        k = i + 2 if i + 2 < len(toks) and toks[i + 1].low == "of" else i + 1
        if k < len(toks) and value <= 31 and (mo := _month_at(toks, k)) is not None:
            return Mention("date", (mo, int(value)), None, None, i, k)
        if re.fullmatch(r"1[5-9]\d\d|20\d\d", raw):
            return Mention("year", (int(value),), None, None, i, i)
        last = i
        scale = 1
        while last + 1 < len(toks) and toks[last + 1].low in _SCALES:
            scale *= _SCALES[toks[last + 1].low]
            last += 1
        m = replace(_quantity(toks, i, last, value * scale), step=10.0 ** -len(raw.partition(".")[2]) * scale)
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
            m = replace(m, alt=(round(float(raw.replace(".", "")) * scale, 6),))
        return replace(m, glued=_glued(toks, i)) if _glued(toks, i) else m
    if t.is_word and "-" in t.low and (v := _hyphen_value(t.low)) is not None:  # "five-year" = "5-year"
        return Mention("number", (float(v),), None, None, i, i)
    if t.low in _ORD_WORDS:
        return Mention("ordinal", (_ORD_WORDS[t.low],), None, None, i, i)
    if t.is_word and _is_number_word(t.low) and t.low != "zero":
        last = i
        while last + 1 < len(toks) and (_is_number_word(toks[last + 1].low)
                                        or (toks[last + 1].low == "and" and last + 2 < len(toks)
                                            and _is_number_word(toks[last + 2].low))):
            last += 1
        words = [p for tk in toks[i : last + 1] for p in tk.low.split("-")]
        v = _word_value(words)
        if v is None or (v == 1 and last == i):
            return None  # "one" is as often a pronoun as a number
        return _quantity(toks, i, last, float(v))
    return None


def _hyphen_value(low: str) -> int | None:
    """The number opening a hyphenated word ("five-year" → 5, "twenty-two-day" → 22), else ``None``."""
    parts = low.split("-")
    k = 0
    while k < len(parts) and _is_number_word(parts[k]):
        k += 1
    if k == 0 or k == len(parts):
        return None
    v = _word_value(parts[:k])
    return None if v is None or (v == 1 and parts[k] not in lexicon()["units"]) else v  # "one-sided"


def _glued(toks: tuple[Token, ...], i: int) -> bool:
    """Digits written onto letters before them, directly or through an apostrophe: part of a name."""
    if i == 0 or toks[i - 1].end != toks[i].start:
        return False
    prev = toks[i - 1]
    if prev.text in "'’" and i > 1 and toks[i - 2].end == prev.start:
        prev = toks[i - 2]
    return prev.text[-1].isalpha()


def _quantity(toks: tuple[Token, ...], first: int, last: int, value: float) -> Mention:
    units = lexicon()["units"]
    comparator, first2 = _phrase_before(toks, first, lexicon()["comparators"])
    unit: str | None = None
    if first > 0 and toks[first - 1].text in "$€£":
        unit = units[toks[first - 1].text]
        comparator, first2 = _phrase_before(toks, first - 1, lexicon()["comparators"])
        first2 = min(first2, first - 1)
    after, last2 = _unit_after(toks, last)
    unit = unit or after
    return Mention("number", (round(value, 6),), comparator, unit, min(first, first2), last2)


def unmatched(xs: tuple[Mention, ...], ys: tuple[Mention, ...]) -> tuple[list[Mention], list[Mention]]:
    """The mentions of each side with no equal mention on the other side (multiset difference)."""
    return _minus(xs, ys), _minus(ys, xs)


def _minus(xs: tuple[Mention, ...], ys: tuple[Mention, ...]) -> list[Mention]:
    """The mentions of ``xs`` left once each is paired with an equal, not yet used mention of ``ys``."""
    left = list(ys)
    only: list[Mention] = []
    for m in xs:
        k = next((k for k, o in enumerate(left) if m.same(o)), None)
        if k is None:
            only.append(m)
        else:
            left.pop(k)
    return only


# Units that measure the same dimension, with the factor to a base unit: equal values in other units are
# one quantity ("about 3 km" = "about two miles"). "pounds" after a number is money or mass: it converts
# to kilograms only against a mass.
_DIMENSION = {"km": ("length", 1000.0), "m": ("length", 1.0), "mile": ("length", 1609.344),
              "kg": ("mass", 1.0), "t": ("mass", 1000.0),
              "usd": ("money", 0.0), "eur": ("money", 0.0), "gbp": ("money", 0.0), "rub": ("money", 0.0),
              "percent": ("share", 1.0), "pp": ("share", 1.0),
              "year": ("duration", 365.25), "month": ("duration", 30.44), "week": ("duration", 7.0),
              "day": ("duration", 1.0), "hour": ("duration", 1 / 24), "minute": ("duration", 1 / 1440)}
_POUND_KG = 0.45359237
# How far apart two figures may be and still be one figure rounded ("about 3 km" vs "about two miles",
# "14.7 pounds" vs "about 15 pounds"): a reporter's approximation, not a contradiction.
APPROX_TOLERANCE = 0.1
# "more than 6 percent" for 6.4: a bound says little about a figure far past it, so past this ratio it is a change.
BOUND_RATIO = 1.5


def _dimension(m: Mention, other: Mention) -> tuple[str, float] | None:
    if m.unit is None:
        return ("plain", 1.0)
    if m.unit == "gbp" and other.unit in ("kg", "t"):
        return ("mass", _POUND_KG)
    return _DIMENSION.get(m.unit, (m.unit, 1.0))


def comparable(m: Mention, o: Mention) -> bool:
    """Whether two mentions state the same sort of figure, so that different values contradict.

    Money pairs with money, a share with a share, a length with a length, an ordinal with an ordinal, a
    calendar date with a date, a year with a year or decade; "$21.51" and "8 percent" are two facts.
    """
    if m.glued != o.glued:
        return False
    if m.is_date or o.is_date:
        years = {"year", "decade"}
        return m.kind == o.kind or {m.kind, o.kind} <= years
    if m.kind != o.kind:
        return False
    dm, do = _dimension(m, o), _dimension(o, m)
    return dm is not None and do is not None and dm[0] == do[0]


def _scalar(m: Mention, other: Mention) -> float | None:
    v = m.value[0] if m.value else None
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    dim = _dimension(m, other)
    factor = dim[1] if dim and dim[1] else 1.0
    return float(v) * factor


def consistent(m: Mention, o: Mention) -> str | None:
    """How two comparable mentions with different values relate, when they do not contradict each other.

    Returns ``"same"`` for one quantity in other units (within ``APPROX_TOLERANCE`` when converted),
    ``"currency"`` for sums in two currencies (no rate to compare them at),
    ``"precision"`` when one side is the other made vaguer or more precise ("January" vs "Jan. 12",
    "1985" vs "the 1980s", "$114.3 million" vs "$114 million", "more than 6 percent" vs "6.4 percent",
    "about $220,000" vs "$213,000"), else ``None``: a different figure.
    """
    if m.is_date or o.is_date:
        return _date_precision(m, o)
    if m.kind == "number" and (len(m.value) > 1 or len(o.value) > 1):
        return _decade_precision(m, o)
    x, y = _scalar(m, o), _scalar(o, m)
    if x is None or y is None or x <= 0 or y <= 0:
        return None
    if m.unit and o.unit and m.unit != o.unit and _dimension(m, o)[0] == "money":  # type: ignore[index]
        return "currency"  # "£90,000" vs "$165,000": a conversion at some rate, not a figure to compare
    if m.unit and o.unit and m.unit != o.unit and _dimension(m, o)[0] != "share":  # type: ignore[index]
        if abs(x - y) <= APPROX_TOLERANCE * max(x, y) and _bounds_agree(m.comparator, o.comparator):
            return "same"
        return None
    bound = [n for n in (m, o) if n.comparator in _UP + _DOWN]
    if len(bound) == 1:  # "up to 38.6 percent" vs "38.6 percent": the bound alone says what fits
        fits = _within(m, x, o, y) if bound[0] is m else _within(o, y, m, x)
    else:
        fits = _within(m, x, o, y) and _within(o, y, m, x)
    return "precision" if fits else None


_UP, _DOWN = ("gt", "ge"), ("lt", "le")


def _bounds_agree(c: str | None, d: str | None) -> bool:
    loose = (None, "approx", "exact")
    return c == d or (c in loose and d in loose)


def _within(m: Mention, x: float, o: Mention, y: float) -> bool:
    """Whether figure ``y`` (of ``o``) fits what ``m`` says about ``x``: its bound, approximation or rounding."""
    c, d = m.comparator, o.comparator
    if c in _UP or c in _DOWN:
        if d in _UP + _DOWN:
            return (c in _UP) == (d in _UP) and _rounded(m, x, o, y)
        if c in _UP:
            return x <= y <= BOUND_RATIO * x or (c == "ge" and y == x)
        return x / BOUND_RATIO <= y <= x
    if c == "approx" or d == "approx":
        return abs(x - y) <= APPROX_TOLERANCE * max(x, y)
    return _rounded(m, x, o, y)


def _rounded(m: Mention, x: float, o: Mention, y: float) -> bool:
    """One figure is the other rounded to the precision it shows ("1.2" for "1.23", "$114 million" for "$114.3 million")."""
    coarse = max(m.step, o.step)
    if coarse and m.step != o.step:
        fine, rough = (x, y) if m.step < o.step else (y, x)
        # rounded ("$114 million" for 114.3) or cut ("1,121" for 1,121.96, as indices are quoted)
        if abs(fine - rough) <= coarse / 2 + 1e-9 or 0 <= fine - rough < coarse:
            return True
    # A round figure ("60,000 years") stands for one within a hundredth of it ("59,619 years").
    round_fig = [v for v, n in ((x, m), (y, o)) if n.step >= 1 and float(v).is_integer() and v % 100 == 0]
    return bool(round_fig) and abs(x - y) <= ROUND_TOLERANCE * max(x, y)


# How close a figure must be to a round one ("60,000") for the round one to be it, rounded.
ROUND_TOLERANCE = 0.01


def _date_precision(m: Mention, o: Mention) -> str | None:
    if m.kind == "date" and o.kind == "date":
        (ma, da), (mb, db) = m.value[:2], o.value[:2]
        return "precision" if ma == mb and (da is None) != (db is None) else None
    if {m.kind, o.kind} == {"year", "decade"}:
        year, decade = (m, o) if m.kind == "year" else (o, m)
        y, d = year.value[0], decade.value[0]
        return "precision" if isinstance(y, int) and isinstance(d, int) and d <= y < d + 10 else None
    return None


def _decade_precision(m: Mention, o: Mention) -> str | None:
    """ "in his 90s" and "94": one age or count, stated loosely."""
    if len(m.value) > 1 and len(o.value) > 1:
        return None
    dec, exact = (m, o) if len(m.value) > 1 else (o, m)
    d, v = dec.value[0], exact.value[0]
    if isinstance(d, (int, float)) and isinstance(v, (int, float)) and d <= v < d + 10 and d % 10 == 0:
        return "precision"
    return None


# ---------------------------------------------------------------- detection (find_changes pass)


def detect_numbers(ctx: Context) -> None:
    """Quantities, ordinals, dates and times whose normalised values differ."""
    ma, mb = find_numbers(ctx.a), find_numbers(ctx.b)
    only_a, only_b = unmatched(ma, mb)
    for m in ma:
        for k in range(m.first, m.last + 1):
            ctx.same(k, None) if m not in only_a else ctx.used_a.add(k)
    for m in mb:
        for k in range(m.first, m.last + 1):
            ctx.same(None, k) if m not in only_b else ctx.used_b.add(k)
    only_a = [m for m in only_a if not _all_matched(m, ctx.wa.a2b)]
    only_b = [m for m in only_b if not _all_matched(m, ctx.wa.b2a)]
    left_b = list(only_b)
    rest_a = []
    # A differing figure is a contradiction only against a figure of the same sort (money with money, a share
    # with a share) standing in the same place: in the same differing slot, or the only such pair left.
    for m in only_a:
        slot = [o for o in left_b if comparable(m, o) and _same_slot(ctx, m, o)]
        if slot:
            o = min(slot, key=lambda o: abs(o.first - _facing_index(ctx, m)))
            left_b.remove(o)
            _pair_numbers(ctx, m, o)
        else:
            rest_a.append(m)
    for m in list(rest_a):
        cands = [o for o in left_b if comparable(m, o)]
        rivals = [r for r in rest_a if comparable(r, cands[0])] if len(cands) == 1 else []
        if len(cands) == 1 and rivals == [m]:
            left_b.remove(cands[0])
            rest_a.remove(m)
            _pair_numbers(ctx, m, cands[0])
    for m in rest_a:
        if _literal(m, ctx.a):
            ctx.add(_number_finding(m, None))
    for o in left_b:
        if _literal(o, ctx.b):
            ctx.add(_number_finding(None, o))


def _same_slot(ctx: Context, m: Mention, o: Mention) -> bool:
    return any(any(m.first <= i <= m.last for i in s.a) and any(o.first <= j <= o.last for j in s.b)
               for s in ctx.wa.slots)


def _facing_index(ctx: Context, m: Mention) -> int:
    """Where mention ``m`` of A would sit in B: after the counterpart of its nearest matched word before it."""
    for k in range(m.first - 1, -1, -1):
        if k in ctx.wa.a2b:
            return ctx.wa.a2b[k] + 1
    return 0


def _pair_numbers(ctx: Context, m: Mention, o: Mention) -> None:
    """Report two facing figures: a contradiction (high), or at most a low note when one refines the other."""
    how = consistent(m, o)
    if how == "same":
        for k in range(m.first, m.last + 1):
            ctx.same(k, None)
        for k in range(o.first, o.last + 1):
            ctx.same(None, k)
        return
    if how is None:
        ctx.add(_number_finding(m, o))
        return
    name = "currency" if how == "currency" else "date precision" if m.is_date else "number precision"
    cat = Category.DATE if m.is_date else Category.NUMBER
    ctx.add(Finding(cat, Severity.LOW, (m.first, m.last), (o.first, o.last), name, confidence=0.7))


def _literal(m: Mention, toks: tuple[Token, ...]) -> bool:
    """Digits or a date: a number word alone ("two", "first") added or dropped is mostly style ("both", "initially").

    Digits inside a name ("IWSLT'14") go with the name: the name pass reports it added or dropped.
    """
    return m.is_date or (not m.glued and any(t.text[0].isdigit() for t in toks[m.first : m.last + 1]))


def _all_matched(m: Mention, mapping: dict[int, int]) -> bool:
    return all(k in mapping for k in range(m.first, m.last + 1))


def _number_finding(m: Mention | None, o: Mention | None) -> Finding:
    ref = m or o
    assert ref is not None
    cat = Category.DATE if ref.is_date else Category.NUMBER
    name = "date" if ref.kind in ("date", "year", "decade") else "time" if ref.kind == "time" else "number"
    sev = Severity.HIGH if m and o else Severity.MEDIUM
    return Finding(cat, sev, (m.first, m.last) if m else None, (o.first, o.last) if o else None, name,
                   confidence=0.9 if m and o else 0.6)
