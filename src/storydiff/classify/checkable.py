"""What a passage says that can be checked across languages: numbers, month and weekday names, names, negation.

Each reader takes a text and its language (ISO 639-1, ``None`` for unknown = English) and returns
:class:`Fact` records with their spans; :mod:`storydiff.classify.crosslingual` compares the two sides.

- numbers: digits in the side's own convention (``1,234.5`` in English, ``1 234,5`` / ``1.234,5``
  elsewhere), dates written with dots or slashes, scale words; number words (num2words' forms) are
  *weak* facts that may explain a digit on the other side but never make a finding;
- calendar words: month and weekday names in every form CLDR knows (babel);
- names: capitalised words inside a sentence, keyed by :func:`skeleton` (their consonants, by sound);
- negation: negators, concord words without a negator beside them, and words that negate inside
  themselves ("unable", "отсутствие") which may account for a negator without a counterpart.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from storydiff.classify import language_rules as L

__all__ = ["Fact", "calendar_words", "implicit_negations", "name_match", "names", "negations", "numbers",
           "outright", "quotations", "same_number", "skeleton"]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+")
_DATE = re.compile(r"(?<![\d.,])(\d{1,2})([./])(\d{1,2})\2(\d{2,4})(?![\d])")
_NAME_SIM = 0.75
_LOWER = "~"  # marks a lower-case word's skeleton in a name pool
_NUMBER_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Fact:
    """A number, month/weekday or name found in a text, with its span."""

    value: object
    start: int
    end: int
    strong: bool = True  # weak facts (number words) may explain a counterpart but are never findings


# ---------------------------------------------------------------- numbers


def _number_pattern(lang: str | None) -> re.Pattern[str]:
    group = "," if lang in L.DECIMAL_POINT or lang is None else r"[ \u00a0\u202f\u2009.'’]"
    return re.compile(rf"(?<![\d])(?:\d{{1,3}}(?:{group}\d{{3}}(?!\d))+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\d])")


@functools.cache
def _compiled_number(lang: str | None) -> re.Pattern[str]:
    return _number_pattern(lang)


def _parse(token: str, lang: str | None) -> float:
    decimal = "." if lang in L.DECIMAL_POINT or lang is None else ","
    digits = re.sub(r"[ \u00a0\u202f\u2009'’]", "", token)
    other = "," if decimal == "." else "."
    if re.search(rf"\{other}\d{{3}}(?!\d)", digits) and digits.count(other) >= 1 and decimal not in digits[-3:]:
        digits = digits.replace(other, "")  # thousands separators
    return float(digits.replace(",", "."))


def numbers(text: str, lang: str | None) -> list[Fact]:
    """Numbers of ``text`` as facts (value = (raw, scaled)); number words as weak facts."""
    out: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        for g in (1, 3, 4):
            out.append(Fact((float(m.group(g)), float(m.group(g))), m.start(g), m.end(g)))
        taken.append((m.start(), m.end()))
    scales = _scale_words(lang)
    for m in _compiled_number(lang).finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        try:
            raw = _parse(m.group(), lang)
        except ValueError:
            continue
        nxt = _WORD.match(text, m.end() + (len(text[m.end():]) - len(text[m.end():].lstrip())))
        power = scales.get(nxt.group().casefold()) if nxt else None
        if power is None and nxt:
            power = _scale_prefix(nxt.group().casefold(), scales)
        scaled = raw * 10**power if power else raw
        out.append(Fact((raw, scaled), m.start(), m.end()))
    words = _number_words(lang)
    for m in _WORD.finditer(text):
        v = words.get(m.group().casefold())
        if v is not None:
            out.append(Fact((v, v), m.start(), m.end(), strong=False))
    return out


@functools.cache
def _scale_words(lang: str | None) -> dict[str, int]:
    out = dict(L.SCALE_ABBREVIATIONS.get(lang or "en", {}))
    for power in (3, 6, 9, 12):
        for form in _spelled(10**power, lang).split():
            if not form.isdigit() and form not in _spelled(1, lang).split():
                out[form] = power
    return out


def _scale_prefix(word: str, scales: dict[str, int]) -> int | None:
    """Inflected scale words ("миллиона", "Millionen", "millones") by a shared stem of five or more letters."""
    for form, power in scales.items():
        stem = form[: max(5, len(form) - 2)]
        if len(form) >= 6 and word.startswith(stem) and len(word) <= len(form) + 3:
            return power
    return None


@functools.cache
def _number_words(lang: str | None) -> dict[str, float]:
    """Cardinal and ordinal words 0-20, tens, 100, 1000 in ``lang`` (num2words), word → value."""
    out: dict[str, float] = {}
    values = [*range(0, 21), *range(30, 100, 10), 100, 1000]
    for v in values:
        for kind in ("cardinal", "ordinal"):
            words = _spelled(v, lang, kind).replace("-", " ").split()
            if len(words) == 1:
                out.setdefault(words[0], float(v))
    return out


@functools.cache
def _spelled(value: int, lang: str | None, kind: str = "cardinal") -> str:
    from num2words import num2words

    try:
        return str(num2words(value, lang=lang or "en", to=kind)).casefold()
    except (NotImplementedError, OverflowError, KeyError, TypeError, ValueError, AttributeError):
        return ""


def same_number(x: object, y: object) -> bool:
    (rx, sx), (ry, sy) = x, y  # type: ignore[misc]
    return any(math.isclose(p, q, rel_tol=_NUMBER_TOLERANCE, abs_tol=_NUMBER_TOLERANCE)
               for p in (rx, sx) for q in (ry, sy))


# ---------------------------------------------------------------- months and weekdays


@functools.cache
def calendar_forms(lang: str | None) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``(form → key, [(stem, key)])`` for month and weekday names in ``lang`` (CLDR via babel)."""
    from babel.core import UnknownLocaleError
    from babel.dates import get_day_names, get_month_names

    forms: dict[str, str] = {}
    try:
        for width in ("wide", "abbreviated"):
            for ctx in ("format", "stand-alone"):
                for i, name in get_month_names(width, ctx, lang or "en").items():
                    forms[name.casefold().rstrip(".")] = f"month {i}"
                if width == "wide":
                    for i, name in get_day_names(width, ctx, lang or "en").items():
                        forms[name.casefold().rstrip(".")] = f"day {i}"
    except (UnknownLocaleError, ValueError):
        return {}, []
    stems: dict[str, set[str]] = {}
    for form, key in forms.items():
        stems.setdefault(key, set()).add(form)
    prefixes = []
    for key, fs in stems.items():
        longest = [f for f in fs if len(f) >= 4]
        if len(longest) >= 2:
            stem = _common_prefix(longest)
            if len(stem) >= 4:
                prefixes.append((stem, key))
    return forms, prefixes


def _common_prefix(words: Sequence[str]) -> str:
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def calendar_words(text: str, lang: str | None) -> list[Fact]:
    """Month and weekday names of ``text``."""
    forms, stems = calendar_forms(lang)
    out = []
    for m in _WORD.finditer(text):
        w = m.group()
        low = w.casefold()
        if len(low) < 3 or (lang in (None, "en") and not w[0].isupper()):
            continue  # English "may", "march", "sun" in lower case are other words
        key = forms.get(low)
        if key is None:
            key = next((k for s, k in stems if low.startswith(s) and len(low) <= len(s) + 3), None)
        if key is not None:
            out.append(Fact(key, m.start(), m.end()))
    return out


# ---------------------------------------------------------------- names


def skeleton(word: str) -> str:
    """The consonants of a name in Latin letters, as it sounds: a key that survives transliteration.

    Names cross scripts by sound ("Cynthia" → "Синтия" → "Sintiya", "Julian" → "Джулиан" → "Dzhulian"), so
    spellings of one sound are folded together and vowels, which transliteration renders most freely, are dropped.
    """
    from anyascii import anyascii

    s = re.sub(r"[^a-z]", "", re.sub(r"['’]s$", "", anyascii(word).casefold()))  # "China's" is "China"
    for x, y in _SOUNDS:
        s = s.replace(x, y)
    s = re.sub(r"c(?=[eiy])", "s", s).replace("c", "k")
    s = re.sub(r"[aeiouyhw]", "", s)
    # Voiced and voiceless pairs, and b/v, swap between scripts ("Gaddafi"/"Каддафи", "Libya"/"Ливия").
    s = s.translate(_FOLD)
    return re.sub(r"(.)\1+", r"\1", s)


_FOLD = str.maketrans("gbdz", "kvts")
_SOUNDS = (("shch", "s"), ("sch", "s"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("tch", "C"), ("ch", "C"),
           ("sh", "s"), ("ts", "s"), ("tz", "s"), ("th", "t"), ("ph", "f"), ("ck", "k"), ("qu", "kv"), ("q", "k"),
           ("x", "ks"), ("z", "s"), ("C", "c"))


_SENT_START = re.compile(r"(?:^|[.!?…:;][\"'”’»)]*\s+|(?:^|\s)[«„“\"(\[]\s*|[–—-]\s+)$")


def names(text: str, lang: str | None) -> tuple[list[Fact], list[str]]:
    """Name candidates of ``text`` (capitalised words inside a sentence) and the skeletons a name of the other
    side may match: every capitalised word, and longer lower-case words ("apartheid" / "апартеида")."""
    from storydiff.classify.tokens import is_common

    cands: list[Fact] = []
    every: list[str] = []
    english = lang in (None, "en")
    headline = english and _title_case(text)
    for m in _WORD.finditer(text):
        w = m.group()
        if not w[0].isupper():
            if len(w) >= 6 and len(sk := skeleton(w)) >= 4:
                every.append(_LOWER + sk)
            continue
        sk = skeleton(w)
        if not sk:
            continue
        every.append(sk)
        if len(sk) < 2:
            continue  # "Abbey" → "b": too little to tell one name from another
        if _SENT_START.search(text[max(0, m.start() - 4) : m.start()]) or m.start() == 0:
            continue  # a capital after a full stop says nothing
        if lang in L.NOUNS_CAPITALISED or len(w) < 3:
            continue
        if w.casefold() in calendar_forms(lang)[0]:
            continue  # "Tuesday", "March": checked as dates
        if w.isupper() or w.removesuffix("'s").removesuffix("’s").isupper() or (english and is_common(w.casefold())):
            continue  # acronyms are often translated (UN → ООН); "Minister", "State": words of a title
        if english and not headline and _in_title(text, m.start(), m.end(), is_common):
            continue  # "Disease Control and Prevention Agency": a body's name, translated word by word
        cands.append(Fact(sk, m.start(), m.end()))
    return cands, every


_CAP_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of|and|for|the|de|on)?\s*[A-Z][\w'’-]*)+")


def _in_title(text: str, start: int, end: int, is_common) -> bool:  # type: ignore[no-untyped-def]
    """The word is part of a run of capitalised words of which one is an everyday word (a sentence's first
    word, capitalised anyway, does not count: "The Kremlin")."""
    for m in _CAP_RUN.finditer(text, max(0, start - 80), min(len(text), end + 80)):
        if m.start() <= start and end <= m.end():
            words = [w for w in re.finditer(r"[A-Za-z]+", m.group()) if w.group()[0].isupper()]
            first = m.start() == 0 or _SENT_START.search(text[max(0, m.start() - 4) : m.start()])
            return any(is_common(w.group().casefold()) for w in (words[1:] if first else words))
    return False


def _title_case(text: str) -> bool:
    """A headline in title case ("South Africa Pays Tribute to Last Apartheid Leader"): most longer words capitalised."""
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text)]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def name_match(x: str, pool: Sequence[str]) -> bool:
    """Whether skeleton ``x`` is one of ``pool``'s: equal, the same with a case ending, or one sound apart.

    Lower-case words of the pool (marked) count only when equal or ``x`` with a case ending: they are many, and
    looser matches among them pair a substituted name with some ordinary word by chance.
    """
    for y in pool:
        if y.startswith(_LOWER):
            y = y[1:]
            if y == x or (len(x) >= 3 and y.startswith(x) and len(y) - len(x) <= 2):
                return True
            continue
        short, long_ = (x, y) if len(x) <= len(y) else (y, x)
        if len(short) >= 2 and long_.startswith(short) and len(long_) - len(short) <= 2:
            return True
        if len(short) >= 3 and (long_.startswith(short[:-1]) or (len(short) >= 4 and short in long_)):
            return True  # "Russian"/"Российской", "Afghan"/"Афганистана", "Britain"/"Великобритания"
        if len(short) >= 2 and Indel.normalized_similarity(x, y) >= _NAME_SIM:
            return True
    return False


# ---------------------------------------------------------------- negation and quotes


def negations(text: str, lang: str | None) -> list[Fact]:
    """Negation cues of ``text``: negators, and concord words with no negator within reach."""
    code = lang or "en"
    neg, concord = L.NEGATORS.get(code, frozenset()), L.CONCORD.get(code, frozenset())
    toks = [(m.group().casefold().replace("’", "'"), m.start(), m.end())
            for m in re.finditer(r"[^\W\d_]+(?:['’][^\W\d_]*)?", text)]
    out = []
    after = L.NOT_AFTER.get(code, {})
    neg_at = [k for k, (w, _, _) in enumerate(toks)
              if (w in neg or (code == "en" and w.endswith("n't")) or (code == "fr" and w.startswith("n'")))
              and not any(t in after.get(w, ()) for t, _, _ in toks[max(0, k - L.NOT_AFTER_REACH) : k])]
    for k in neg_at:
        out.append(Fact("neg", toks[k][1], toks[k][2]))
    for k, (w, s, e) in enumerate(toks):
        if w in concord and not any(abs(k - j) <= L.CONCORD_REACH for j in neg_at):
            out.append(Fact("neg", s, e))
    return out


def implicit_negations(text: str, lang: str | None) -> int:
    """How many words of ``text`` carry a negation inside them ("unable", "until", "отсутствие")."""
    code = lang or "en"
    stems = L.IMPLICIT_NEGATION.get(code, ()) + L.STRONG_IMPLICIT.get(code, ())
    prefixes = L.IMPLICIT_PREFIXES.get(code, ())
    exceptions = L.NOT_IMPLICIT.get(code, ())
    n = 0
    for m in re.finditer(r"[^\W\d_]+", text):
        w = m.group().casefold()
        if w.startswith(exceptions):
            continue
        if w.startswith(stems) or w.endswith("less") and code == "en" or any(
            w.startswith(p) and len(w) >= len(p) + 4 and _negating_prefix(w, p, code) for p in prefixes
        ):
            n += 1
    return n


def _negating_prefix(word: str, prefix: str, lang: str) -> bool:
    """In English, a prefix negates in a word that is no everyday word itself ("dis-satisfied", "un-patched",
    not "dis-covered"); other languages have no word list here, so the prefix alone counts."""
    if lang != "en":
        return True
    from storydiff.classify.tokens import common_words

    common = common_words()
    rest = word[len(prefix) :]
    return word not in common and (rest in common or len(rest) >= 5)


def outright(a: str, lang_a: str | None, ga: list[Fact], b: str, lang_b: str | None,
              gb: list[Fact]) -> tuple[str, Fact] | None:
    """``(side, word)`` when one side negates only with a word such as "unable" and the other not at all."""
    if ga or gb:
        return None
    for side, text, lang, other, other_lang in (("a", a, lang_a, b, lang_b), ("b", b, lang_b, a, lang_a)):
        stems = L.STRONG_IMPLICIT.get(lang or "en", ())
        m = next((m for m in re.finditer(r"[^\W\d_]+", text) if m.group().casefold().startswith(stems)), None)
        if m is not None and stems and implicit_negations(other, other_lang) == 0:
            return side, Fact("neg", m.start(), m.end())
    return None


def quotations(text: str) -> int:
    return sum(text.count(c) for c in L.QUOTE_OPENERS) + text.count('"') // 2
