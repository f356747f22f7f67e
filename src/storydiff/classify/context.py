"""What every detector shares for one pair: tokens, word alignment, used words and the findings so far."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from storydiff.classify.tokens import Token, WordAlignment
from storydiff.embed import Encoder
from storydiff.model import Category, Severity


# A word's vector is a pure function of the (static, loaded-once) model and the word, like the model itself:
# memoising it per process keeps tokenizer calls off the per-pair path and cannot change any result.
_WORD_VECS: dict[tuple[str, str], np.ndarray] = {}
_WORD_VECS_MAX = 200_000


@dataclass(frozen=True, slots=True)
class Finding:
    """A change before it is rendered: token ranges on each side (inclusive), ``None`` where absent.

    ``name`` is what differs ("number", "law", "hedge", …); ``rule`` the machine id
    ``<detector>.<name>`` (set by :meth:`Context.add` from the detector running);
    ``direction`` says which way certainty or force moved from A to B (+1 firmer
    or stronger in B, −1 weaker, 0 neither); ``form`` is how it
    reads: ``differs`` ("<name> differs: 'x' vs 'y'"), ``added``/``dropped``
    (decided at render time from which side is missing), or ``pair`` for
    a side-specific label like "negation: 'x' vs 'y'".
    """

    category: Category
    severity: Severity
    a: tuple[int, int] | None
    b: tuple[int, int] | None
    name: str
    form: str = "differs"
    confidence: float = 0.8
    rule: str = ""
    direction: int = 0

    def mirrored(self) -> Finding:
        return Finding(self.category, self.severity, self.b, self.a, self.name, self.form, self.confidence,
                       self.rule, -self.direction)


@dataclass(slots=True)
class Context:
    """Working state of one comparison (built and thrown away inside one ``find_changes`` call)."""

    wa: WordAlignment
    encoder: Encoder | None
    used_a: set[int] = field(default_factory=set)
    used_b: set[int] = field(default_factory=set)
    paired_a: set[int] = field(default_factory=set)  # words explained by a two-sided finding or an equivalence
    paired_b: set[int] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    detector: str = ""
    _vecs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def a(self) -> tuple[Token, ...]:
        return self.wa.a

    @property
    def b(self) -> tuple[Token, ...]:
        return self.wa.b

    def free_a(self, i: int) -> bool:
        return i not in self.wa.a2b and i not in self.used_a

    def free_b(self, j: int) -> bool:
        return j not in self.wa.b2a and j not in self.used_b

    def add(self, f: Finding) -> None:
        if not f.rule:
            f = replace(f, rule=f"{self.detector}.{f.name.replace(' ', '_')}" if self.detector else f.name)
        self.findings.append(f)
        if f.a:
            self.used_a.update(range(f.a[0], f.a[1] + 1))
        if f.b:
            self.used_b.update(range(f.b[0], f.b[1] + 1))
        if f.a and f.b:
            self.paired_a.update(range(f.a[0], f.a[1] + 1))
            self.paired_b.update(range(f.b[0], f.b[1] + 1))

    def same(self, i: int | None, j: int | None) -> None:
        """Mark word ``i`` of A and ``j`` of B as equivalent renderings (explained, no change)."""
        if i is not None:
            self.used_a.add(i)
            self.paired_a.add(i)
        if j is not None:
            self.used_b.add(j)
            self.paired_b.add(j)

    def vectors(self, words: list[str]) -> dict[str, np.ndarray]:
        """Word vectors, computed in one batch for the words not seen yet in this process."""
        if self.encoder is None:
            return self._vecs
        name = getattr(self.encoder, "name", "?")
        missing = sorted({w for w in words if (name, w) not in _WORD_VECS})
        if missing:
            m = self.encoder.encode(missing)
            if len(_WORD_VECS) > _WORD_VECS_MAX:
                _WORD_VECS.clear()
            for w, v in zip(missing, m, strict=True):
                _WORD_VECS[(name, w)] = v
        for w in words:
            self._vecs[w] = _WORD_VECS[(name, w)]
        return self._vecs

    def similarity(self, x: str, y: str) -> float:
        v = self._vecs
        if x not in v or y not in v:
            return 0.0
        return float(v[x] @ v[y])


# Word-vector cosine (wordllama) above which two different words count as synonyms.
SYNONYM_SIM = 0.30


def pair_up(xs: list[tuple[float, object]], ys: list[tuple[float, object]]) -> tuple[list, list, list]:
    """Pair items of two sides by nearest relative position; returns pairs and the leftovers."""
    pairs, left = [], list(ys)
    rest_x = []
    for px, x in xs:
        if not left:
            rest_x.append(x)
            continue
        k = min(range(len(left)), key=lambda k: abs(left[k][0] - px))
        pairs.append((x, left.pop(k)[1]))
    return pairs, rest_x, [y for _, y in left]


def rel_pos(i: int, toks: tuple[Token, ...]) -> float:
    """Where token ``i`` sits in its text, from 0 to 1."""
    return i / max(len(toks), 1)
