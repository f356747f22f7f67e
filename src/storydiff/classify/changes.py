"""Say exactly what changed between two aligned passages: every difference of meaning, pinpointed and named.

``find_changes(a, b)`` tokenises both sides, aligns their words (same key in
order, then re-ordered), and runs the named detectors of :data:`DETECTORS` in
order, each in its own module, each taking the words it explains so later
ones do not report them twice (spaCy's pipeline of named components is the
model). Every finding carries a machine rule id, ``<detector>.<what>``
("numbers.number", "modality.hedge", "quotes.attribution"), which the policy
in ``classify/__init__.py`` and the change model read; the explanation is
display text only.

Equivalent renderings are not reported: number words vs digits, ordinals,
comparators ("over" = "more than"), units and date orders, acronyms vs full
names (table + initials), demonyms and seats of government, British vs
American spelling (generic rules), synonyms (word-vector similarity or a
shared stem), word order, punctuation, quote style, case.

A side on which an element is absent gets ``None`` for its span (not the
nearest word): "hedge added: 'under certain conditions'" has ``a=None``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from storydiff.classify.conditions import detect_conditions
from storydiff.classify.content import detect_content
from storydiff.classify.context import Context, Finding
from storydiff.classify.dates import detect_dates
from storydiff.classify.modality import detect_modality, detect_questions
from storydiff.classify.names import detect_names
from storydiff.classify.negation import detect_negation
from storydiff.classify.numbers import detect_numbers
from storydiff.classify.quotes import detect_attribution, detect_quotes
from storydiff.classify.terms import ANTONYMS, detect_intensity, detect_opposites, detect_terms
from storydiff.classify.tokens import Token, align_words, tokenize
from storydiff.embed import Encoder
from storydiff.model import Change, ChangeKind, Span

__all__ = ["ANTONYMS", "DETECTORS", "Detector", "find_changes", "find_directed", "find_explained", "rules"]


@dataclass(frozen=True, slots=True)
class Detector:
    """One named change detector: ``run(ctx, a_text, b_text)`` adds findings to the shared context.

    ``version`` goes up whenever what the detector reports changes, so a saved
    result names the rules that made it (``options.rules`` in the JSON).
    """

    name: str
    version: int
    run: Callable[[Context, str, str], None]

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"


# The order matters: each detector claims the words it explains. Figures and dates first (exact), quotes before
# words inside them are read as swaps, opposites before negation (a negative verb facing its opposite is a swap),
# names before plain term swaps, clauses and bare condition links last (what no detector explained).
DETECTORS: tuple[Detector, ...] = (
    Detector("numbers", 2, lambda ctx, x, y: detect_numbers(ctx)),
    Detector("dates", 1, lambda ctx, x, y: detect_dates(ctx)),
    Detector("quotes", 2, detect_quotes),
    Detector("attribution", 1, lambda ctx, x, y: detect_attribution(ctx)),
    Detector("opposites", 1, lambda ctx, x, y: detect_opposites(ctx)),
    Detector("negation", 2, lambda ctx, x, y: detect_negation(ctx)),
    Detector("modality", 2, lambda ctx, x, y: detect_modality(ctx)),
    Detector("questions", 1, detect_questions),
    Detector("names", 2, lambda ctx, x, y: detect_names(ctx)),
    Detector("intensity", 1, lambda ctx, x, y: detect_intensity(ctx)),
    Detector("terms", 2, lambda ctx, x, y: detect_terms(ctx)),
    Detector("content", 2, lambda ctx, x, y: detect_content(ctx)),
    Detector("conditions", 2, lambda ctx, x, y: detect_conditions(ctx)),
)


def rules() -> tuple[str, ...]:
    """The detectors that run, in order, with their versions ("numbers.v2", …): for provenance."""
    return tuple(d.id for d in DETECTORS)


def find_changes(a: str, b: str, *, encoder: Encoder | None = None) -> tuple[Change, ...]:
    """Every difference of meaning between ``a`` and ``b``, most severe first.

    Args:
        a: the first passage (one or more sentences).
        b: the aligned passage of the other version.
        encoder: word-vector source for telling synonyms from substitutions;
            ``None`` loads the default wordllama encoder (cached per process).

    Returns:
        ``Change`` records of kind ``changed`` whose spans index into ``a``
        and ``b`` (``None`` on the side that lacks the element). Swapping
        ``a`` and ``b`` mirrors the result; ``find_changes(x, x) == ()``.

    Example:
        >>> [c.explanation for c in find_changes("It cost 4,000 euros.", "It cost 5,000 euros.")]
        ["number differs: '4,000 euros' vs '5,000 euros'"]
    """
    return tuple(c for c, _ in find_directed(a, b, encoder=encoder))


def find_directed(a: str, b: str, *, encoder: Encoder | None = None) -> tuple[tuple[Change, int], ...]:
    """:func:`find_changes` with each change's direction of certainty or force from ``a`` to ``b``
    (+1 firmer or stronger in ``b``, −1 softer, 0 neither), which the change model reads."""
    return find_explained(a, b, encoder=encoder)[0]


def find_explained(a: str, b: str, *, encoder: Encoder | None = None
                   ) -> tuple[tuple[tuple[Change, int], ...], tuple[Span, ...], tuple[Span, ...]]:
    """:func:`find_directed`, and the words of ``a`` and of ``b`` the detectors explained without a change
    ("Forty" / "40", "UN" / "United Nations"), as character spans: no other candidate should name them again."""
    if a == b:
        return (), (), ()
    if encoder is None:
        encoder = _default_encoder()
    swap = b < a  # one canonical orientation makes swapping the inputs mirror the output exactly
    x, y = (b, a) if swap else (a, b)
    findings, tx, ty, used_x, used_y = _detect(x, y, encoder)
    ta, tb = (ty, tx) if swap else (tx, ty)
    ua, ub = (used_y, used_x) if swap else (used_x, used_y)
    if swap:
        findings = [f.mirrored() for f in findings]
    out = [(_render(f, a, b, ta, tb), f.direction) for f in findings]
    out.sort(key=lambda cd: (-cd[0].severity.rank, cd[0].a.start if cd[0].a else -1,
                             cd[0].b.start if cd[0].b else -1, cd[0].explanation))
    return (tuple(out), tuple(Span(ta[i].start, ta[i].end) for i in sorted(ua)),
            tuple(Span(tb[j].start, tb[j].end) for j in sorted(ub)))


@functools.cache
def _default_encoder() -> Encoder:
    from storydiff.embed import get_encoder

    return get_encoder("wordllama")


def _detect(x: str, y: str, encoder: Encoder | None
            ) -> tuple[list[Finding], tuple[Token, ...], tuple[Token, ...], set[int], set[int]]:
    wa = align_words(tokenize(x), tokenize(y))
    ctx = Context(wa, encoder)
    for d in DETECTORS:
        ctx.detector = d.name
        d.run(ctx, x, y)
    return ctx.findings, wa.a, wa.b, ctx.used_a, ctx.used_b


def _render(f: Finding, a: str, b: str, ta: tuple[Token, ...], tb: tuple[Token, ...]) -> Change:
    sa = Span(ta[f.a[0]].start, ta[f.a[1]].end) if f.a else None
    sb = Span(tb[f.b[0]].start, tb[f.b[1]].end) if f.b else None
    at = a[sa.start : sa.end] if sa else None
    bt = b[sb.start : sb.end] if sb else None
    if at is not None and bt is not None:
        sep = ": " if f.form == "pair" else " differs: "
        text = f"{f.name}{sep}'{at}' vs '{bt}'"
    else:
        text = f"{f.name} added: '{bt}'" if at is None else f"{f.name} dropped: '{at}'"
    return Change(ChangeKind.CHANGED, f.category, f.severity, sa, sb, at, bt, text, confidence=f.confidence,
                  rule=f.rule)
