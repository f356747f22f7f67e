"""Telling a change of meaning from a rewording, and naming what changed.

For every aligned group the engine gives a verdict:

- ``identical``: the texts are equal once case, whitespace, quote style and
  punctuation are ignored (a mark between two digits still counts, so
  ``3.5``/``35`` differ); see :func:`storydiff.classify.features.identity_key`;
- ``reworded`` / ``changed``: from a calibrated gradient-boosted model over
  symmetric pair features (:mod:`.features`, :mod:`.verdict`) and the changes
  found in the group.

Every candidate change — a finding of one of the named detectors
(``.changes.DETECTORS``), a differing word region no detector explained, a
passage added or removed — gets a calibrated probability that it changes the
meaning from the change model (:mod:`.judging`), and its severity follows from
that probability and its kind: shown (medium or high) at or above the
threshold of its kind, else a low "possibly: …" hint (JSON and ``--all``). A
group is ``changed`` when one of its changes is shown or the verdict model
says so (then its likeliest change is shown, so every changed group names
the words that differ); its confidence is the calibrated probability of the
verdict given, from the verdict model's and the change model's probabilities.
"""

from __future__ import annotations


from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher

import numpy as np

from storydiff import resources
from storydiff.classify.changes import find_explained, rules
from storydiff.classify.features import (
    CROSS_FEATURE,
    FEATURE_NAMES,
    MINILM_FEATURE,
    batch_features,
    identity_key,
    is_content,
)
from storydiff.classify.judging import CHANGE_MODEL, Candidate, judged, load_change_model, policy_class, side_texts
from storydiff.classify.judging import features as change_features
from storydiff.classify.passages import passage, runs
from storydiff.classify.verdict import MODEL_FILES, VerdictModel, load_model
from storydiff.embed import Encoder, get_encoder
from storydiff.errors import BackendUnavailable
from storydiff.language import needs_crosslingual
from storydiff.model import (Alignment, Category, Change, ChangeKind, Judgement, PairJudgement, Segmentation,
                             Severity, Span, Verdict)
from storydiff.words import WORD_OR_MARK

__all__ = ["classify", "components", "judge", "judge_many", "rules"]

MAX_CONTENT_CHANGES = 4
_WORD = WORD_OR_MARK


def _model_for(encoder: Encoder) -> tuple[VerdictModel, Encoder | None]:
    """The verdict model for the encoder's engine and the extra encoder its features need.

    The MiniLM engine uses its own model (MiniLM cosine and/or the cross-encoder's
    logit as extra features) when one ships, else the default model, whose
    features need WordLlama only.
    """
    if getattr(encoder, "name", "wordllama") == "minilm":
        try:
            model = load_model("minilm")
        except BackendUnavailable:
            pass
        else:
            return model, (encoder if MINILM_FEATURE in model.features else None)
    return load_model("wordllama"), None


def components(engine: str) -> dict[str, str]:
    """The models and word lists that judge pairs for ``engine``, each with its content hash (for provenance).

    Mirrors :func:`_model_for`: the minilm engine uses its own verdict model when one ships.
    """
    from storydiff.classify.changes import ANTONYMS
    from storydiff.classify.features import FEATURE_WORDS
    from storydiff.classify.lexrel import WORDNET
    from storydiff.classify.tokens import COMMON_WORDS, LEXICON

    files = [MODEL_FILES["wordllama"]]
    if engine == "minilm":
        try:
            model = load_model("minilm")
        except BackendUnavailable:
            pass
        else:
            files = [MODEL_FILES["minilm"]]
            if CROSS_FEATURE in model.features:
                files += ["cross_encoder/adapter.safetensors", "cross_encoder/config.json"]
    files += [CHANGE_MODEL, FEATURE_WORDS, LEXICON, COMMON_WORDS, ANTONYMS, WORDNET]
    return {name: resources.digest(name) for name in files}


def _p_changed(pairs: Sequence[tuple[str, str]], encoder: Encoder) -> np.ndarray:
    """Calibrated P(changed) for each pair, encoding every text and word once."""
    if not pairs:
        return np.zeros(0)
    model, extra = _model_for(encoder)
    words = encoder if getattr(encoder, "name", "") == "wordllama" else get_encoder("wordllama")
    x = batch_features(pairs, words, extra)
    names = list(FEATURE_NAMES) + ([MINILM_FEATURE] if extra is not None else [])
    if CROSS_FEATURE in model.features:
        # Imported here: only the minilm engine's model lists this feature, and the
        # default engine must never import torch.
        from storydiff.classify.cross import get_cross_encoder

        x = np.column_stack([x, get_cross_encoder().logits(pairs)])
        names.append(CROSS_FEATURE)
    # A model reads its features by name: one trained before a feature group was
    # added keeps working (and scoring as it was measured) without retraining.
    if tuple(names) != model.features:
        x = x[:, [names.index(n) for n in model.features]]
    return model.p_changed(x)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _merge_close(regions: list[tuple[int, int, int, int]], gap: int = 2) -> list[tuple[int, int, int, int]]:
    """Join regions at most ``gap`` tokens apart on both sides: a swap ("A beat B" → "B beat A") is one change."""
    out: list[tuple[int, int, int, int]] = []
    for r in regions:
        if out and r[0] - out[-1][1] <= gap and r[2] - out[-1][3] <= gap:
            out[-1] = (out[-1][0], r[1], out[-1][2], r[3])
        else:
            out.append(r)
    return out


def _span_of(toks: list[tuple[str, int, int]], i1: int, i2: int) -> Span:
    if i1 < i2:
        return Span(toks[i1][1], toks[i2 - 1][2])
    pos = toks[i1 - 1][2] if i1 > 0 else (toks[0][1] if toks else 0)
    return Span(pos, pos)


def content_changes(a: str, b: str, confidence: float) -> tuple[Change, ...]:
    """Changes naming the smallest differing word regions of ``a`` and ``b`` (token diff).

    Regions that differ only in stop words or punctuation are skipped unless
    nothing else differs; more than ``MAX_CONTENT_CHANGES`` regions are merged
    into one covering span.
    """
    ta, tb = _tokens(a), _tokens(b)
    ops = SequenceMatcher(None, [t[0] for t in ta], [t[0] for t in tb], autojunk=False).get_opcodes()
    regions = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    content = [r for r in regions
               if any(is_content(t[0]) for t in ta[r[0]:r[1]] + tb[r[2]:r[3]])]
    regions = _merge_close(content or regions)
    if len(regions) > MAX_CONTENT_CHANGES:
        regions = [(regions[0][0], regions[-1][1], regions[0][2], regions[-1][3])]
    out = []
    for i1, i2, j1, j2 in regions:
        sa, sb = _span_of(ta, i1, i2), _span_of(tb, j1, j2)
        at, bt = a[sa.start:sa.end], b[sb.start:sb.end]
        if not at:
            what = f"added {_quote(bt)}"
        elif not bt:
            what = f"dropped {_quote(at)}"
        else:
            what = f"{_quote(at)} → {_quote(bt)}"
        out.append(Change(ChangeKind.CHANGED, Category.CONTENT, Severity.MEDIUM, sa, sb, at, bt,
                          f"meaning differs: {what}", confidence=confidence, rule="words.region"))
    return tuple(out)


def word_regions(a: str, b: str, found: Sequence[Change], explained_a: Sequence[Span] = (),
                 explained_b: Sequence[Span] = ()) -> list[Change]:
    """Differing word regions of ``a`` and ``b`` that no detector's change touches and whose words the detectors
    did not explain as equivalent ("Forty" / "40"): the candidates no detector named, for the change model."""
    ta, tb = _tokens(a), _tokens(b)
    ops = SequenceMatcher(None, [t[0] for t in ta], [t[0] for t in tb], autojunk=False).get_opcodes()
    regions = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    content = [r for r in regions if any(is_content(t[0]) for t in ta[r[0]:r[1]] + tb[r[2]:r[3]])]
    out = []
    for i1, i2, j1, j2 in _merge_close(content):
        sa, sb = _span_of(ta, i1, i2), _span_of(tb, j1, j2)
        if any(_touches(sa, c.a) or _touches(sb, c.b) for c in found):
            continue
        words = [(t, explained_a) for t in ta[i1:i2] if is_content(t[0])]
        words += [(t, explained_b) for t in tb[j1:j2] if is_content(t[0])]
        if words and all(_within(t, spans) for t, spans in words):
            continue
        at, bt = a[sa.start:sa.end], b[sb.start:sb.end]
        what = f"added {_quote(bt)}" if not at else f"dropped {_quote(at)}" if not bt else f"{_quote(at)} → {_quote(bt)}"
        out.append(Change(ChangeKind.CHANGED, Category.CONTENT, Severity.MEDIUM, sa if at else None,
                          sb if bt else None, at or None, bt or None, f"meaning differs: {what}", rule="words.region"))
    return out


def _within(tok: tuple[str, int, int], spans: Sequence[Span]) -> bool:
    return any(s.start <= tok[1] and tok[2] <= s.end for s in spans)


def _touches(x: Span, y: Span | None) -> bool:
    return y is not None and x.start <= y.end and y.start <= x.end and (x.start < x.end or y.start < y.end)


def _quote(s: str, limit: int = 60) -> str:
    return f"“{s if len(s) <= limit else s[: limit - 1] + '…'}”"


def _rules(a: str, b: str, encoder: Encoder) -> tuple[tuple[Change, int], ...]:
    return find_explained(a, b, encoder=encoder)[0]


_DEFAULT_RULES = _rules


def _rules_explained(a: str, b: str, encoder: Encoder
                     ) -> tuple[tuple[tuple[Change, int], ...], tuple[Span, ...], tuple[Span, ...]]:
    if _rules is not _DEFAULT_RULES:  # replaced: benchmarks/eval_pairs.py --model-only switches the detectors off
        return _rules(a, b, encoder), (), ()
    return find_explained(a, b, encoder=encoder)


def _judge(cands: Sequence[Candidate], encoder: Encoder) -> list[Change]:
    """Each candidate change with its calibrated probability and the severity that follows (one encoder call)."""
    if not cands:
        return []
    words = encoder if getattr(encoder, "name", "") == "wordllama" else get_encoder("wordllama")
    texts = side_texts(cands)
    vecs = dict(zip(texts, words.encode(texts))) if texts else {}
    model = load_change_model()
    p = model.p(change_features(cands, vecs))
    return [judged(k.change, float(pi), model) for k, pi in zip(cands, p)]


def pair_candidates(pairs: Sequence[tuple[str, str]], *, encoder: Encoder
                    ) -> tuple[list[float | None], list[list[Candidate]]]:
    """For each pair: the verdict model's P(changed) (``None`` when the texts are identical by key) and the
    candidate changes (every detector finding, then the word regions none of them touches)."""
    keys = [(identity_key(a), identity_key(b)) for a, b in pairs]
    todo = [i for i, (ka, kb) in enumerate(keys) if ka != kb]
    probs = dict(zip(todo, _p_changed([pairs[i] for i in todo], encoder).tolist()))
    p_out: list[float | None] = []
    cands: list[list[Candidate]] = []
    for i, (a, b) in enumerate(pairs):
        p = probs.get(i)
        found, ex_a, ex_b = _rules_explained(a, b, encoder) if a != b else ((), (), ())
        if p is None:  # identical by key: only low notes (spelling, quote style) can remain
            found = tuple((c, d) for c, d in found if c.severity is Severity.LOW)
        row = [Candidate(c, a, b, -1.0 if p is None else p, d) for c, d in found]
        if p is not None:
            row += [Candidate(c, a, b, p) for c in word_regions(a, b, [c for c, _ in found], ex_a, ex_b)]
        p_out.append(p)
        cands.append(row)
    return p_out, cands


def judge_many(pairs: Sequence[tuple[str, str]], *, encoder: Encoder) -> list[PairJudgement]:
    """:func:`judge` for many pairs at once (one batched encoder call)."""
    p_v, cands = pair_candidates(pairs, encoder=encoder)
    flat = _judge([k for row in cands for k in row], encoder)
    decision = _model_for(encoder)[0].decision if any(p is not None for p in p_v) else 0.5
    out, at = [], 0
    for (a, b), p, row in zip(pairs, p_v, cands):
        changes, at = flat[at : at + len(row)], at + len(row)
        out.append(_decide(a, b, p, decision, changes, [k.change for k in row]))
    return out


def _decide(a: str, b: str, p: float | None, decision: float, changes: list[Change],
            found: Sequence[Change]) -> PairJudgement:
    """The verdict from the verdict model's probability and the judged changes (see the module docstring):
    ``changed`` when the verdict model says so or a change of fact or stance is shown.

    ``found`` are the same changes as the detectors made them (before judging): a detector's low note (a
    spelling, a rounded figure) is never the one shown for a change only the verdict model sees.
    """
    if a == b:
        return PairJudgement(Verdict.IDENTICAL, 1.0, (), 1.0)
    if p is None:
        return PairJudgement(Verdict.IDENTICAL, 1.0, tuple(changes), 1.0)
    shown = [c for c in changes if c.severity.rank >= Severity.MEDIUM.rank]
    stance = any(c.severity.rank >= Severity.MEDIUM.rank and policy_class(f) == "stance" for c, f in zip(changes, found))
    if p < decision and not stance:
        # The verdict model calls the sentence reworded and no change of fact or stance is shown: a word region
        # the change model finds likely is kept on record as a hint, so a reworded group shows no change. Measured
        # on dev data (PAWS dev, MSRP train): letting such regions decide the verdict cost 1.7 and 12 points.
        changes = [_hint(c) if c.severity.rank >= Severity.MEDIUM.rank else c for c in changes]
        shown = []
    if not shown and p >= decision:
        # The verdict model sees a change the detectors do not name: show the likeliest candidate, so every
        # changed group names the words that differ.
        eligible = [c for c, f in zip(changes, found) if f.severity is not Severity.LOW]
        best = max(eligible, key=lambda c: c.confidence or 0.0, default=None)
        if best is not None:
            changes = [replace(c, severity=Severity.MEDIUM, explanation=c.explanation.removeprefix("possibly: "))
                       if c is best else c for c in changes]
        else:
            changes = changes + list(content_changes(a, b, p))
        shown = [c for c in changes if c.severity.rank >= Severity.MEDIUM.rank]
    ordered = tuple(sorted(changes, key=lambda c: (-c.severity.rank, c.a.start if c.a else -1,
                                                   c.b.start if c.b else -1, c.explanation)))
    q = _verdict_p(p, shown)
    if shown:
        return PairJudgement(Verdict.CHANGED, q, ordered, 1.0 - p)
    return PairJudgement(Verdict.REWORDED, 1.0 - q, ordered, 1.0 - p)


def _hint(c: Change) -> Change:
    return replace(c, severity=Severity.LOW, explanation=f"possibly: {c.explanation.removeprefix('possibly: ')}")


def _verdict_p(p: float, shown: Sequence[Change]) -> float:
    """P(changed) of a group: the verdict model's, or the shown change's when that is likelier.

    Each is calibrated for its own event (the sentence's meaning changed; this edit changed it), and the group
    changed if any shown change did, so the likeliest of them is what the evidence supports.
    """
    return max([p] + [c.confidence or 0.0 for c in shown])


def judge(a_text: str, b_text: str, *, encoder: Encoder) -> PairJudgement:
    """Judge one pair of texts: identical, reworded (same meaning) or changed, and what changed.

    Args:
        a_text, b_text: the two texts (a sentence or a few).
        encoder: the sentence encoder of the engine (its name decides which verdict model is used).

    Returns:
        A :class:`PairJudgement`; change offsets index into ``a_text``/``b_text``;
        ``score`` is the probability that the meaning is the same.

    Example:
        >>> from storydiff.embed import get_encoder
        >>> j = judge("The council approved 40 homes.", "The council approved 400 homes.", encoder=get_encoder())
        >>> j.verdict.value, [c.explanation for c in j.changes]
        ('changed', ["number differs: '40' vs '400'"])
    """
    return judge_many([(a_text, b_text)], encoder=encoder)[0]


# ---------------------------------------------------------------- documents
def _a_position(j: int, alignment: Alignment, a: Segmentation, b2a: dict[int, tuple[int, ...]]) -> float:
    """Where a B sentence belongs in A's order: just after its nearest aligned predecessor."""
    for k in range(j - 1, -1, -1):
        if k in b2a:
            return a.sentences[b2a[k][-1]].end + 0.5
    return -0.5


def candidates(a: Segmentation, b: Segmentation, alignment: Alignment, *, encoder: Encoder
               ) -> tuple[list[float | None], list[list[Candidate]], list[Candidate]]:
    """Everything :func:`classify` judges: per group the verdict model's P(changed) and the candidate changes
    (offsets into the group's texts), and the passages added or removed (document offsets)."""
    pairs = [(a.text_of(g.a), b.text_of(g.b)) for g in alignment.groups]
    p_v, cands = pair_candidates(pairs, encoder=encoder)
    docs = {"a_doc": a.document.text, "b_doc": b.document.text}
    cands = [[replace(k, **docs) for k in row] for row in cands]
    return p_v, cands, _passages(a, b, alignment)


def _passages(a: Segmentation, b: Segmentation, alignment: Alignment) -> list[Candidate]:
    """The passages only one side has: runs of removed and of added sentences (document offsets)."""
    return ([passage(run, a, b, ChangeKind.REMOVED) for run in runs(alignment.removed, a.sentences)]
            + [passage(run, b, a, ChangeKind.ADDED) for run in runs(alignment.added, b.sentences)])


def classify(a: Segmentation, b: Segmentation, alignment: Alignment, *,
             encoder: Encoder) -> tuple[tuple[Judgement, ...], tuple[Change, ...]]:
    """Give every aligned group a verdict and list every change, in A's order.

    Args:
        a, b: the two segmented documents.
        alignment: their alignment (groups, removed/added sentences, moves).
        encoder: the sentence encoder of the engine (its name decides which verdict model is used).

    Returns:
        One :class:`Judgement` per group (in the order of ``alignment.groups``), and
        the changes: pinpointed word changes inside groups (document offsets),
        one record per passage of removed/added sentences, and one record per move,
        each judged by the change model.
    """
    lang_a, lang_b = a.document.language, b.document.language
    if needs_crosslingual(lang_a, lang_b):
        from storydiff.classify.crosslingual import judge_across  # only non-English pairs need it

        pairs = [(a.text_of(g.a), b.text_of(g.b)) for g in alignment.groups]
        per_group = judge_across(pairs, lang_a, lang_b, encoder=encoder)
        flat, at = _judge(_passages(a, b, alignment), encoder), 0
    else:
        p_v, cands, passages = candidates(a, b, alignment, encoder=encoder)
        flat = _judge([k for row in cands for k in row] + passages, encoder)
        decision = _model_for(encoder)[0].decision if any(p is not None for p in p_v) else 0.5
        per_group, at = [], 0
        for g, p, row in zip(alignment.groups, p_v, cands):
            ta, tb = a.text_of(g.a), b.text_of(g.b)
            per_group.append(_decide(ta, tb, p, decision, flat[at : at + len(row)], [k.change for k in row]))
            at += len(row)
    keyed, judgements = [], []
    for gi, (g, j) in enumerate(zip(alignment.groups, per_group)):
        judgements.append(Judgement(j.verdict, j.confidence))
        sa, sb = a.span_of(g.a), b.span_of(g.b)
        for c in j.changes:
            c = c.shifted(sa.start, sb.start, gi)
            keyed.append(((c.a.start if c.a else sa.start, 1, c.b.start if c.b else sb.start), c))
    b2a = alignment.b2a()
    for c in flat[at:]:
        if c.category is Category.BOILERPLATE:
            c = replace(c, severity=Severity.LOW)  # furniture, whatever its words
        if c.kind is ChangeKind.REMOVED:
            keyed.append(((c.a.start, 0, 0), c))  # type: ignore[union-attr]
        else:
            j = next(s.index for s in b.sentences if s.start >= c.b.start)  # type: ignore[union-attr]
            keyed.append(((_a_position(j, alignment, a, b2a), 2, c.b.start), c))  # type: ignore[union-attr]
    for m in alignment.moves:
        sa, sb = a.span_of(m.a), b.span_of(m.b)
        n = len(m.a)
        c = Change(ChangeKind.MOVED, Category.MOVE, Severity.MEDIUM, sa, sb, a.text_of(m.a), b.text_of(m.b),
                   f"moved from sentence {m.a[0] + 1} to sentence {m.b[0] + 1} "
                   f"({n} sentence{'s' if n > 1 else ''})", rule="moves.moved")
        keyed.append(((sa.start, 0, sb.start), c))
    keyed.sort(key=lambda kc: kc[0])
    return tuple(judgements), tuple(c for _, c in keyed)
