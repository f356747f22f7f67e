"""Judging a pair of passages in two languages (or in one language other than English).

Sentence embeddings align translations well but barely move when a
translation changes a number, a name or a negation (a negation moved the
cosine by 0.03-0.06), and the English change engine reads English words.
So across languages storydiff checks what can be checked deterministically
(the readers are in :mod:`storydiff.classify.checkable`) and says so when
nothing could be:

- **numbers** and **dates** (month and weekday names) differ when a value on
  each side has no counterpart on the other;
- **names** differ when an unmatched name on each side stands in about the
  same place (a name put in another's place);
- **negation** differs when one side has more negators than words that
  negate inside themselves on the other side can account for, or negates
  only with such a word ("unable") against no negation at all;
- **quotes**: the number of quotations (a low-severity hint: translations
  often quote names of organisations).

A difference is reported only as a substitution, so a form the checks cannot
read on one side does not turn into a finding; a fact left over on one side
is a low-severity "possibly: …" hint. The verdict is ``changed`` when a high
finding is made, ``identical`` when the texts are equal, and otherwise
``translated`` ("no checkable difference") across languages, ``reworded``
within one; its confidence is the calibrated probability that the meaning is
the same (:func:`p_same`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storydiff.classify import language_rules as L
from storydiff.classify.checkable import (Fact, calendar_words, implicit_negations, name_match, names, negations,
                                          numbers, outright, quotations, same_number)
from storydiff.classify.features import identity_key
from storydiff.embed import Encoder
from storydiff.model import Category, Change, ChangeKind, PairJudgement, Severity, Span, Verdict

__all__ = ["RULE", "checks", "components", "judge_across", "p_same"]

RULE = "storydiff.crosslingual.v1"
# p_same: logistic regression on the REFreSD dev split, no difference vs some difference (C=100, chosen by
# 5-fold cross-validated AUC on dev),
# (benchmarks/eval_translation.py --split dev --fit),
# features in the order of _features(); rounded.
_P_WEIGHTS = (10.39, -2.98, -2.87, -0.57, 0.29, 0.26, -1.45, -0.4)
_P_BIAS = -7.05


def components() -> dict[str, str]:
    """What the cross-lingual judgement rests on, for provenance: this rule set, its word lists (content hash)
    and the packages that supply language detection, number words, month names and transliteration."""
    from importlib.metadata import PackageNotFoundError, version

    from storydiff import resources

    out = {RULE: "", L.FILE: resources.digest(L.FILE)}
    for package in ("py3langid", "num2words", "babel", "anyascii"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    category: Category
    severity: Severity
    a: Span | None
    b: Span | None
    explanation: str
    confidence: float


# ---------------------------------------------------------------- the checks


def _unmatched(fa: list[Fact], fb: list[Fact], same) -> tuple[list[Fact], list[Fact]]:  # type: ignore[no-untyped-def]
    """Strong facts of each side with no counterpart on the other (weak facts may be counterparts)."""
    left_b = list(fb)
    ua = []
    for f in (f for f in fa if f.strong):
        hit = next((g for g in left_b if same(f.value, g.value)), None)
        if hit is None:
            ua.append(f)
        else:
            left_b.remove(hit)
    used_a = [f for f in fa if f.strong and f not in ua]
    left_a = [f for f in fa if f not in used_a]
    ub = []
    for g in (g for g in left_b if g.strong):
        hit = next((f for f in left_a if same(f.value, g.value)), None)
        if hit is None:
            ub.append(g)
        else:
            left_a.remove(hit)
    return [f for f in ua if not any(same(f.value, g.value) for g in fb if not g.strong)], ub


# A name put in another's place stands about where it stood: relative positions in the two passages at most
# this far apart (word order moves names less than this between the languages measured).
_NAME_REACH = 0.45


def _facing(ua: list[Fact], ub: list[Fact], la: int, lb: int) -> tuple[list[Fact], list[Fact], int]:
    """Unmatched names paired by position: ``(a's, b's, n)`` with the ``n`` pairs first, in order, then the rest."""
    pairs: list[tuple[Fact, Fact]] = []
    left = list(ub)
    for x in ua:
        near = [(abs(x.start / max(la, 1) - y.start / max(lb, 1)), k) for k, y in enumerate(left)]
        if near and min(near)[0] <= _NAME_REACH:
            pairs.append((x, left.pop(min(near)[1])))
    rest_a = [x for x in ua if all(x is not p for p, _ in pairs)]
    return [p for p, _ in pairs] + rest_a, [q for _, q in pairs] + left, len(pairs)


def _short_of(cands: list[Fact], mine: list[str], theirs: list[str]) -> list[Fact]:
    """Candidates with no counterpart on the other side, occurrence by occurrence: a name written twice needs two."""
    out = []
    seen: dict[str, int] = {}
    for f in cands:
        key = str(f.value)
        seen[key] = seen.get(key, 0) + 1
        have = sum(1 for y in theirs if name_match(key, [y]))
        if have == 0 or (seen[key] > have and sum(1 for y in mine if name_match(key, [y])) > have):
            out.append(f)
    return out


def checks(a: str, b: str, lang_a: str | None, lang_b: str | None) -> list[Finding]:
    """Every checkable difference between ``a`` and ``b`` (spans index into each)."""
    out: list[Finding] = []

    def subst(ua: list[Fact], ub: list[Fact], cat: Category, what: str, conf: float, n: int | None = None) -> None:
        n = min(len(ua), len(ub)) if n is None else n
        for x, y in zip(ua[:n], ub[:n]):
            out.append(Finding(cat, Severity.HIGH, Span(x.start, x.end), Span(y.start, y.end),
                               f"{what} differs: '{a[x.start:x.end]}' vs '{b[y.start:y.end]}'", conf))
        # Left over on one side: maybe a form the checks cannot read on the other, so only a low hint.
        for f, side in [(f, "a") for f in ua[n:]] + [(f, "b") for f in ub[n:]]:
            span, text = Span(f.start, f.end), (a if side == "a" else b)[f.start : f.end]
            out.append(Finding(cat, Severity.LOW, span if side == "a" else None, span if side == "b" else None,
                               f"possibly: {what} only in {side.upper()}: '{text}'", 0.4))

    na, nb = numbers(a, lang_a), numbers(b, lang_b)
    ua, ub = _unmatched(na, nb, same_number)
    subst(ua, ub, Category.NUMBER, "number", 0.85)
    ca, cb = calendar_words(a, lang_a), calendar_words(b, lang_b)
    ua, ub = _unmatched(ca, cb, lambda x, y: x == y)
    subst(ua, ub, Category.DATE, "date", 0.85)
    (fa, every_a), (fb, every_b) = names(a, lang_a), names(b, lang_b)
    ua = _short_of(fa, every_a, every_b)
    ub = _short_of(fb, every_b, every_a)
    ua, ub, n = _facing(ua, ub, len(a), len(b))
    subst(ua, ub, Category.ENTITY, "name", 0.75, n)
    ga, gb = negations(a, lang_a), negations(b, lang_b)
    # A negator may be rendered by a word that negates inside itself ("not able" → "unable"): a difference such
    # words on the side with fewer negators can account for is no finding.
    fewer, more = ((a, lang_a), (b, lang_b)) if len(ga) < len(gb) else ((b, lang_b), (a, lang_a))
    # Negating words on both sides render each other ("dissatisfied" / "недовольство"); only those left over on
    # the side with fewer negators can stand for one of its missing negators.
    spare = implicit_negations(*fewer) - implicit_negations(*more)
    strong = outright(a, lang_a, ga, b, lang_b, gb)
    if strong is not None:
        side, f = strong
        span = Span(f.start, f.end)
        text = (a if side == "a" else b)[f.start : f.end]
        out.append(Finding(Category.NEGATION, Severity.HIGH, span if side == "a" else None,
                           span if side == "b" else None, f"negation only in {side.upper()}: '{text}'", 0.7))
    elif len(ga) != len(gb) and spare < abs(len(ga) - len(gb)):
        more, side = (ga, "a") if len(ga) > len(gb) else (gb, "b")
        f = more[-1]
        span = Span(f.start, f.end)
        text = (a if side == "a" else b)[f.start : f.end]
        out.append(Finding(Category.NEGATION, Severity.HIGH, span if side == "a" else None,
                           span if side == "b" else None, f"negation only in {'A' if side == 'a' else 'B'}: '{text}'",
                           0.75))
    qa, qb = quotations(a), quotations(b)
    if qa != qb:
        out.append(Finding(Category.QUOTE, Severity.LOW, None, None,
                           f"quotations differ: {qa} in A, {qb} in B", 0.5))
    return out


def _features(cos: float, a: str, b: str, found: Sequence[Finding]) -> list[float]:
    ratio = abs(math.log((len(a) + 20) / (len(b) + 20)))

    def n(cat: Category, high: bool) -> float:
        return float(sum(f.category is cat and (f.severity is Severity.HIGH) == high for f in found))

    return [cos, ratio, n(Category.NUMBER, True) + n(Category.DATE, True), n(Category.ENTITY, True),
            n(Category.NEGATION, True), n(Category.QUOTE, False), n(Category.NUMBER, False) + n(Category.DATE, False),
            n(Category.ENTITY, False)]


def p_same(cos: float, a: str, b: str, found: Sequence[Finding]) -> float:
    """Calibrated probability that ``a`` and ``b`` say the same (REFreSD dev split)."""
    z = _P_BIAS + sum(w * x for w, x in zip(_P_WEIGHTS, _features(cos, a, b, found), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def judge_across(pairs: Sequence[tuple[str, str]], lang_a: str | None, lang_b: str | None, *,
                 encoder: Encoder) -> list[PairJudgement]:
    """Judge aligned passages of two documents of which one at least is not in English.

    Args:
        pairs: ``(a_text, b_text)`` per aligned group.
        lang_a, lang_b: the documents' languages.
        encoder: a multilingual sentence encoder (cosines feed the confidence).

    Returns:
        One :class:`PairJudgement` per pair; change offsets index into each text.
    """
    across = lang_a != lang_b
    todo = [i for i, (x, y) in enumerate(pairs) if identity_key(x) != identity_key(y)]
    cos = dict(zip(todo, _cosines([pairs[i] for i in todo], encoder), strict=True))
    out = []
    for i, (x, y) in enumerate(pairs):
        if i not in cos:
            out.append(PairJudgement(Verdict.IDENTICAL, 1.0, (), 1.0))
            continue
        found = checks(x, y, lang_a, lang_b)
        p = p_same(cos[i], x, y, found)
        changes = tuple(Change(ChangeKind.CHANGED, f.category, f.severity, f.a, f.b,
                               x[f.a.start : f.a.end] if f.a else None, y[f.b.start : f.b.end] if f.b else None,
                               f.explanation, confidence=f.confidence, rule=f"crosslingual.{f.category}")
                        for f in found)
        if any(f.severity is Severity.HIGH for f in found):
            conf = max(1.0 - p, max(f.confidence for f in found if f.severity is Severity.HIGH))
            out.append(PairJudgement(Verdict.CHANGED, conf, changes, p))
        else:
            out.append(PairJudgement(Verdict.TRANSLATED if across else Verdict.REWORDED, p, changes, p))
    return out


def _cosines(pairs: Sequence[tuple[str, str]], encoder: Encoder) -> list[float]:
    if not pairs:
        return []
    e = encoder.encode([t for p in pairs for t in p])
    return [float(np.dot(e[2 * k], e[2 * k + 1])) for k in range(len(pairs))]
