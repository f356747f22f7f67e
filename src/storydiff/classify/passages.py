"""Passages added or removed: consecutive sentences with no counterpart, told by what they say.

Sentences only one version has are grouped into passages (a run of
consecutive sentences, across paragraph breaks), so a reader sees "these
paragraphs were added: a new quote, the figure 40, Anna Moreau" instead of
one line per sentence. Page furniture ("SIGN UP", "Be the first to know.",
"Photo: …", a dateline or a site tag) is recognised by its words and its shape
wherever it stands, and reported as boilerplate.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from storydiff.classify.judging import Candidate
from storydiff.classify.tokens import lexicon
from storydiff.model import Category, Change, ChangeKind, Segmentation, Sentence, Severity

_FINAL_PUNCT = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")
_QUOTED = re.compile(r"[“«\"]([^”»\"]{12,})[”»\"]")
# Number words that are a figure on their own ("three houses", "thousands of people"); "million" in "3 million"
# goes with its digits.
_NUMBER_WORDS = frozenset("two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                          "hundreds thousands millions billions".split())
_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*%?")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)")
_CREDIT = re.compile(r"(?i)^(?:\(?\s*(?:photo|image|picture|video|credit|file photo)s?\b[^.]{0,80}$)|"
                     r"(?:/\s*(?:AP|AFP|Reuters|Getty Images|EPA)\b)|(?:\bvia Getty Images\b)|(?:\(AP Photo)")


@functools.cache
def _furniture_phrases() -> tuple[str, ...]:
    return tuple(p.lower() for p in lexicon()["furniture"])


def runs(indices: Sequence[int], sents: Sequence[Sentence]) -> list[tuple[int, ...]]:
    """Consecutive sentence indices, across paragraph breaks but not across a change of role (a question added
    and the answer added after it are two things a reader wants named)."""
    out: list[list[int]] = []
    for i in sorted(indices):
        if out and out[-1][-1] == i - 1 and sents[i].role == sents[i - 1].role:
            out[-1].append(i)
        else:
            out.append([i])
    return [tuple(r) for r in out]


def is_furniture(s: Sentence, n_sentences: int) -> bool:
    """A line of page furniture: a known phrase ("Sign up", "Be the first to know"), a photo credit, or a short
    line without sentence-final punctuation at the very start or end (a title, a dateline, a site tag)."""
    text = s.text.strip()
    low = text.lower()
    if any(low.startswith(p) or low == p.rstrip(".") for p in _furniture_phrases()) or _CREDIT.search(text):
        return True
    words = text.split()
    if text.isupper() and len(words) <= 6:
        return True  # "SIGN UP", "ADVERTISEMENT"
    edge = s.index < 3 or s.index >= n_sentences - 3
    return edge and len(words) <= 12 and not _FINAL_PUNCT.search(text)


def _what_it_says(text: str) -> tuple[str, bool]:
    """A short account of what a passage brings: quotes, figures, names; and whether it brings a quote, a
    figure or a named person's statement (news by definition) rather than names alone."""
    parts = []
    quotes = _QUOTED.findall(text)
    if quotes:
        parts.append("a quote" if len(quotes) == 1 else f"{len(quotes)} quotes")
    figures = list(dict.fromkeys([f for f in _FIGURE.findall(text) if any(ch.isdigit() for ch in f)]
                                 + [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _NUMBER_WORDS]))
    if figures:
        parts.append(("figure " if len(figures) == 1 else "figures ") + ", ".join(figures[:4])
                     + ("…" if len(figures) > 4 else ""))
    names = list(dict.fromkeys(_NAME.findall(text)))
    # A named person's words, quoted or not ("X said the city had not published…"): a statement added or
    # dropped is what a reader of a republished story most wants to know, as a quote or a figure is.
    statement = bool(names) and any(w.lower() in _attribution_verbs() for w in re.findall(r"[A-Za-z]+", text))
    if names:
        parts.append(("a statement by " if statement and not quotes else "")
                     + ", ".join(names[:3]) + ("…" if len(names) > 3 else ""))
    return "; ".join(parts), bool(quotes or figures or statement)


@functools.cache
def _attribution_verbs() -> frozenset[str]:
    return frozenset(lexicon()["attribution_verbs"])


def passage(run: tuple[int, ...], seg: Segmentation, other: Segmentation, kind: ChangeKind) -> Candidate:
    """The change record of one passage added or removed, with what the change model needs to judge it."""
    sents = seg.sentences
    n = len(run)
    furniture = sum(is_furniture(sents[i], len(sents)) for i in run) / n
    paras = len({sents[i].paragraph for i in run})
    verb = "removed" if kind is ChangeKind.REMOVED else "added"
    question = all(sents[i].role == "question" or sents[i].text.rstrip().endswith("?") for i in run)
    span, text = seg.span_of(run), seg.text_of(run)
    if furniture == 1.0:
        cat, rule, what = Category.BOILERPLATE, f"passage.boilerplate_{verb}", \
            f"boilerplate line{'s' if n > 1 else ''} {verb}"
    elif question:
        cat, rule, what = Category.QUESTION, f"passage.question_{verb}", \
            f"question {verb}" + (f" ({n} sentences)" if n > 1 else "")
    else:
        whole = [s.index for s in sents if s.paragraph in {sents[i].paragraph for i in run}] == list(run)
        cat = Category.PARAGRAPH if whole else Category.SENTENCE
        size = (f"{paras} paragraphs, {n} sentences" if paras > 1 else f"{n} sentence{'s' if n > 1 else ''}")
        label = "paragraph" if whole and paras == 1 else "passage" if n > 1 else "sentence"
        what = f"{label} {verb} ({size})"
        rule = f"passage.{verb}"
    says, news = _what_it_says(text) if cat is not Category.BOILERPLATE else ("", False)
    if says:
        what += f": {says}"
        if rule == f"passage.{verb}":
            # A quote, a figure or a named person's statement is news; names alone are told, and judged by the
            # model like other passages.
            rule = f"passage.news_{verb}" if news else f"passage.named_{verb}"
    sev = Severity.LOW if cat is Category.BOILERPLATE else Severity.MEDIUM
    if kind is ChangeKind.REMOVED:
        change = Change(kind, cat, sev, span, None, text, None, what, rule=rule)
        a_ctx, b_ctx = text, other.document.text
    else:
        change = Change(kind, cat, sev, None, span, None, text, what, rule=rule)
        a_ctx, b_ctx = other.document.text, text
    edge = run[0] < 2 or run[-1] >= len(sents) - 2
    docs = (seg, other) if kind is ChangeKind.REMOVED else (other, seg)
    return Candidate(change, a_ctx, b_ctx, -1.0, 0, n, question, furniture, edge, docs[0].document.text,
                     docs[1].document.text)
