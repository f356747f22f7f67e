"""A judgement for every change: the calibrated probability that it changes the meaning, and its severity.

Every candidate change (a detector's finding, a differing word region no
detector explained, a passage added or removed) is described by the features
of :data:`CHANGE_FEATURES` — which detector found it and how sure it was, the
words on each side and how many are new to the other version, how the words
relate in WordNet (same lemma, synonym, more specific or general, opposite,
sibling, unrelated; :mod:`.lexrel`), the word-vector similarity of the two
sides, the direction of certainty, and the verdict model's opinion of the
sentence around it — and a boosted-tree model learned from span-labelled real
edits (IteraTeR, arXivEdits; ``benchmarks/train_changes.py``) turns them into
``P(meaning changed)``.

Severity comes from that probability and the kind of change
(:func:`severity`): what passes the model's threshold for its kind is shown
(``medium``, or ``high`` for the kinds that are high by nature: a figure, a
date, a name, a negation, an opposite); the rest stays on record as a low
"possibly: …" hint. "Possibly" means what it says: the probability is under
the threshold a careful reader's flags were measured at.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import Indel

from storydiff import resources
from storydiff.classify.lexrel import relation
from storydiff.classify.tokens import is_common, stopwords, word_key
from storydiff.classify.verdict import Trees
from storydiff.model import Change, ChangeKind, Severity

CHANGE_MODEL = "change_model.json"

# Detector families (the part of a rule id before the dot), plus the candidates no detector made.
FAMILIES = ("numbers", "dates", "quotes", "attribution", "opposites", "negation", "modality", "questions", "names",
            "intensity", "terms", "content", "conditions", "words", "passage")
_RELATION_FLAGS = ("rel_same", "rel_synonym", "rel_specific", "rel_general", "rel_antonym", "rel_sibling",
                   "rel_unrelated", "rel_unknown")
CHANGE_FEATURES: tuple[str, ...] = (
    *(f"fam_{f}" for f in FAMILIES),
    "prior_severity", "rule_confidence", "two_sided", "a_only", "b_only",
    "n_words_a", "n_words_b", "n_content_a", "n_content_b", "novel_content", "novel_share", "novel_caps",
    "has_digit", "digits_differ", "has_quote_mark", "has_negation", "direction", "abs_direction",
    "char_sim", "vec_cos", "common_share", "novel_doc", "novel_doc_share", "novel_doc_rare",
    *_RELATION_FLAGS,
    "p_group", "group_words", "share_of_group", "n_sentences", "is_question", "furniture", "edge_of_document",
)
# Families whose findings are high by nature when shown: a contradiction of fact, not a matter of wording.
HIGH_FAMILIES = frozenset({"numbers", "dates", "names", "negation", "opposites"})
# Changes of fact, polarity, certainty and stance that storydiff counts as changes of meaning by definition (the
# figure, the day, "not", "may" for "will", "alleged" dropped, a question turned into a statement, a loaded word):
# the corpora it learns from label too few of them to set their threshold, and their annotators call some of them
# clarity edits, as MSRP's call "16 → 13 cents" a paraphrase. They are shown unless the model finds them very
# likely a rewording (``show["stance"]``, fixed, not tuned); a detector's low note is not one of them.
STANCE_RULES = ("numbers.", "dates.day", "negation.", "opposites.", "modality.", "attribution.", "questions.",
                "intensity.", "conditions.condition", "content.conditional_clause", "quotes.", "terms.loaded_term",
                "names.")
_WORD_FAMILIES = frozenset({"words", "content", "terms"})
_FORM_RULES = frozenset({"names.name", "names.spelling", "quotes.quotation_marks"})


def policy_class(change: Change) -> str:
    """Which threshold of the policy judges ``change``: stance, passage, words, typed (the other findings), or
    note (a detector's low note — a spelling, a rounded figure, "will" dropped — which is never shown above low)."""
    if change.kind is ChangeKind.CHANGED and change.severity is Severity.LOW:
        return "note"
    if change.kind is not ChangeKind.CHANGED:
        # A passage is judged by what it says: one that brings a quote, a figure or a name is news by definition.
        # A question asked or dropped in an interview is news too.
        return "stance" if (change.rule or "").startswith(("passage.news_", "passage.question_")) else "passage"
    rule = change.rule or ""
    stance = any(rule.startswith(r) if r.endswith(".") else rule == r for r in STANCE_RULES)
    # A figure, date, name or negation on one side only is the detector's medium note, not a contradiction;
    # quotation marks around the same words and a name re-spelled are matters of form.
    firm = change.severity is Severity.HIGH or (change.severity is Severity.MEDIUM
                                                 and family(rule) not in HIGH_FAMILIES)
    if stance and firm and rule not in _FORM_RULES:
        return "stance"
    return "words" if family(change.rule) in _WORD_FAMILIES else "typed"

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NEG = frozenset("not no never n't without none nobody nothing cannot neither nor".split())
_REL_INDEX = {"same": 0, "synonym": 1, "more_specific": 2, "more_general": 3, "antonym": 4, "sibling": 5,
              "unrelated": 6, "unknown": 7}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A change before its judgement, and what its features need beyond the change itself.

    ``a_context``/``b_context``: the texts the change's words come from (the
    aligned sentences, or for a passage the whole other document), so words
    new to the other side can be counted; ``a_doc``/``b_doc``: the whole
    documents, when the pair is part of one (words new to the whole other
    version are news; words found elsewhere in it are re-phrasing);
    ``p_group``: the verdict model's P(changed) for the group (−1 for a passage).
    """

    change: Change
    a_context: str
    b_context: str
    p_group: float
    direction: int = 0
    n_sentences: int = 0
    is_question: bool = False
    furniture: float = 0.0
    edge: bool = False
    a_doc: str | None = None
    b_doc: str | None = None


def family(rule: str | None) -> str:
    return (rule or "words").split(".")[0]


def _words(text: str | None) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text or "")]


@functools.lru_cache(maxsize=512)  # a pure function of one text: the same sentence or document serves many changes
def _keys(text: str) -> frozenset[str]:
    return frozenset(word_key(w) for w in _words(text))


def _content(words: list[str]) -> list[str]:
    stop = stopwords()
    return [w for w in words if w not in stop]


def _relations(ca: list[str], cb: list[str]) -> list[float]:
    """Which WordNet relations hold between the content words of the two sides (one flag per relation)."""
    flags = [0.0] * len(_RELATION_FLAGS)
    if not ca or not cb:
        return flags
    only_a = [w for w in ca if w not in cb][:4] or ca[:1]
    only_b = [w for w in cb if w not in ca][:4] or cb[:1]
    seen = [relation(x, y) for x in only_a for y in only_b]
    for r in seen:
        flags[_REL_INDEX[r]] = 1.0
    return flags


def features(cands: Sequence[Candidate], vectors: dict[str, np.ndarray]) -> np.ndarray:
    """The feature matrix of :data:`CHANGE_FEATURES` for ``cands``; ``vectors`` maps side texts to unit vectors."""
    rows = []
    for k in cands:
        c = k.change
        fam = family(c.rule) if c.kind is ChangeKind.CHANGED else "passage"
        wa, wb = _words(c.a_text), _words(c.b_text)
        ca, cb = _content(wa), _content(wb)
        keys_a, keys_b = _keys(k.a_context), _keys(k.b_context)
        novel = [w for w in cb if word_key(w) not in keys_a] + [w for w in ca if word_key(w) not in keys_b]
        caps = [w for w in _WORD.findall((c.a_text or "") + " " + (c.b_text or ""))[1:] if w[0].isupper()
                and word_key(w) not in (keys_a & keys_b)]
        da, db = set(_DIGITS.findall(c.a_text or "")), set(_DIGITS.findall(c.b_text or ""))
        both = c.a_text is not None and c.b_text is not None
        va, vb = vectors.get(c.a_text or ""), vectors.get(c.b_text or "")
        cos = float(va @ vb) if both and va is not None and vb is not None else -1.0
        char_sim = Indel.normalized_similarity(c.a_text or "", c.b_text or "") if both else 0.0
        allc = ca + cb
        doc_a = _keys(k.a_doc) if k.a_doc is not None else keys_a
        doc_b = _keys(k.b_doc) if k.b_doc is not None else keys_b
        novel_doc = [w for w in cb if word_key(w) not in doc_a] + [w for w in ca if word_key(w) not in doc_b]
        group_words = len(_words(k.a_context)) + len(_words(k.b_context)) if k.p_group >= 0 else 0
        rows.append([
            *(1.0 if fam == f else 0.0 for f in FAMILIES),
            float(c.severity.rank), float(c.confidence if c.confidence is not None else 0.5),
            float(both), float(c.b_text is None), float(c.a_text is None),
            float(len(wa)), float(len(wb)), float(len(ca)), float(len(cb)), float(len(novel)),
            len(novel) / max(len(allc), 1), float(len(caps)),
            float(bool(da or db)), float(da != db), float(bool(re.search(r"[\"“”«»]", (c.a_text or "") + (c.b_text or "")))),
            float(any(w in _NEG or w.endswith("n't") for w in wa + wb)), float(k.direction), float(abs(k.direction)),
            char_sim, cos, sum(is_common(w) for w in allc) / max(len(allc), 1),
            float(len(novel_doc)), len(novel_doc) / max(len(allc), 1), float(sum(not is_common(w) for w in novel_doc)),
            *(_relations(ca, cb) if both else [0.0] * len(_RELATION_FLAGS)),
            float(k.p_group), float(group_words), (len(wa) + len(wb)) / max(group_words, 1) if group_words else 1.0,
            float(k.n_sentences), float(k.is_question), float(k.furniture), float(k.edge),
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(CHANGE_FEATURES))


def side_texts(cands: Sequence[Candidate]) -> list[str]:
    """The texts whose vectors :func:`features` needs (both sides of two-sided changes)."""
    out = []
    for k in cands:
        c = k.change
        if c.a_text is not None and c.b_text is not None:
            out += [c.a_text, c.b_text]
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class ChangeModel:
    """Boosted trees + Platt calibration over :data:`CHANGE_FEATURES`, and the thresholds of the policy.

    ``show``: P(meaning changed) at or above which a change of each :func:`policy_class` is shown;
    ``high``: at or above which a shown change of a :data:`HIGH_FAMILIES` family, high by its detector, is high.
    """

    features: tuple[str, ...]
    trees: Trees
    platt: tuple[float, float]
    show: dict[str, float]
    high: float
    meta: dict[str, Any]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChangeModel:
        return cls(tuple(d["features"]), Trees.from_dict(d["trees"], d["baseline"]),
                   (float(d["platt"][0]), float(d["platt"][1])), {k: float(v) for k, v in d["show"].items()},
                   float(d["high"]), dict(d.get("meta", {})))

    def p(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        if tuple(CHANGE_FEATURES) != self.features:
            x = x[:, [CHANGE_FEATURES.index(n) for n in self.features]]
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * self.trees.raw(x) + b)))

    def threshold(self, change: Change) -> float:
        return self.show.get(policy_class(change), 2.0)  # a class without a threshold ("note") is never shown


@functools.cache
def load_change_model() -> ChangeModel:
    """The committed change model, read once per process."""
    return ChangeModel.from_dict(resources.read_json(CHANGE_MODEL))


def severity(change: Change, p: float, model: ChangeModel) -> Severity:
    """Severity from the probability and the kind: shown (medium, high for facts) at or above the threshold of
    its :func:`policy_class`, else low. A detector's low note (a spelling, a rounded figure) stays low."""
    fam = family(change.rule) if change.kind is ChangeKind.CHANGED else "passage"
    if p < model.threshold(change):
        return Severity.LOW
    if fam in HIGH_FAMILIES and change.severity is Severity.HIGH and p >= model.high:
        return Severity.HIGH
    return Severity.MEDIUM


def judged(change: Change, p: float, model: ChangeModel) -> Change:
    """``change`` with its calibrated probability as confidence and the severity that follows from it."""
    from dataclasses import replace

    sev = severity(change, p, model)
    text = change.explanation
    if sev is Severity.LOW and change.severity is not Severity.LOW and not text.startswith("possibly: "):
        text = f"possibly: {text}"
    return replace(change, severity=sev, confidence=round(float(p), 4), explanation=text)
