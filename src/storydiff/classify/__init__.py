"""Telling a change of meaning from a rewording.

PLACEHOLDER: replaced by the change engine.
"""

from __future__ import annotations

from dataclasses import replace

from storydiff.embed import Encoder
from storydiff.model import (Alignment, Category, Change, ChangeKind, PairJudgement, Segmentation,
                             Severity, Verdict)
from storydiff.options import Options


def judge(a_text: str, b_text: str, *, options: Options, encoder: Encoder) -> PairJudgement:
    if a_text == b_text:
        return PairJudgement(Verdict.IDENTICAL, 1.0, (), 1.0)
    e = encoder.encode([a_text, b_text])
    score = float(e[0] @ e[1])
    verdict = Verdict.REWORDED if score >= 0.8 else Verdict.CHANGED
    return PairJudgement(verdict, 0.5, (), score)


def classify(a: Segmentation, b: Segmentation, alignment: Alignment, *, options: Options,
             encoder: Encoder) -> tuple[Alignment, tuple[Change, ...]]:
    groups, changes = [], []
    for gi, g in enumerate(alignment.groups):
        j = judge(a.text_of(g.a), b.text_of(g.b), options=options, encoder=encoder)
        groups.append(replace(g, verdict=j.verdict, confidence=j.confidence))
        sa, sb = a.span_of(g.a), b.span_of(g.b)
        changes.extend(c.shifted(sa.start, sb.start, gi) for c in j.changes)
    for i in alignment.removed:
        s = a.sentences[i]
        changes.append(Change(ChangeKind.REMOVED, Category.SENTENCE, Severity.MEDIUM, a.span_of((i,)), None,
                              s.text, None, "sentence removed"))
    for j in alignment.added:
        s = b.sentences[j]
        changes.append(Change(ChangeKind.ADDED, Category.SENTENCE, Severity.MEDIUM, None, b.span_of((j,)),
                              None, s.text, "sentence added"))
    return replace(alignment, groups=tuple(groups)), tuple(changes)
