"""The core data model every stage passes along.

read → :class:`Document`; segment → :class:`Segmentation` (sentences as
character spans of ``Document.text``); align → :class:`Alignment` (groups of
sentence indices, moves); classify → one :class:`Judgement` per group and
:class:`Change` records; the pipeline bundles them into a :class:`Comparison`,
whose ``to_dict()`` is the ``storydiff.comparison/1`` JSON contract.

All offsets are Python string indices into the one normalised ``text`` of a
document, and ``document.text[s.start:s.end] == s.text`` always holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from storydiff._version import __version__

if TYPE_CHECKING:
    from storydiff.options import Options

SCHEMA = "storydiff.comparison/1"


class Verdict(StrEnum):
    """What happened to an aligned group of sentences."""

    IDENTICAL = "identical"
    REWORDED = "reworded"
    CHANGED = "changed"
    # Aligned across languages, with no difference the checks could find
    # (numbers, dates, names, negation): not a claim that the meaning is kept.
    TRANSLATED = "translated"


class ChangeKind(StrEnum):
    """The kind of a change record."""

    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


class Severity(StrEnum):
    """How much a change matters to a reader; ordered high > medium > low."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]

    def at_least(self, floor: Severity | str | None) -> bool:
        """Whether this severity passes the floor (``None``: everything passes)."""
        return floor is None or self.rank >= Severity(floor).rank


_SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


class Category(StrEnum):
    """What a change is about."""

    ENTITY = "entity"
    SPELLING = "spelling"
    NUMBER = "number"
    DATE = "date"
    NEGATION = "negation"
    MODALITY = "modality"
    TERM = "term"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    CONTENT = "content"
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    QUESTION = "question"
    BOILERPLATE = "boilerplate"
    MOVE = "move"


EMPTY_META: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of one document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Document:
    """One version of a text, as read.

    Attributes:
        id: short stable id (a name given by the user, else a content hash).
        source: where it came from (path, URL, ``<stdin>``, ``<string>``).
        text: the normalised text every offset refers to.
        title: page or document title when known.
        date: publication date (ISO 8601) when known.
        media_type: what it was read as (``text/plain``, ``text/markdown``, ``text/html``).
        encoding: the detected encoding of the bytes, if read from bytes.
        meta: anything else a reader found (site name, author, url).
        language: ISO 639-1 code of the text's language ("en", "ru"), as
            detected on reading (:mod:`storydiff.language`); ``None`` when
            unknown (too few letters, or made by hand).
    """

    id: str
    source: str
    text: str
    title: str | None = None
    date: str | None = None
    media_type: str = "text/plain"
    encoding: str | None = None
    meta: Mapping[str, Any] = field(default_factory=lambda: EMPTY_META)
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or heading / label line) of a document.

    ``turn`` numbers question/answer turns when the document has them;
    ``role`` is ``"question"``, ``"answer"`` or ``None``; ``speaker`` is the
    label that introduced the turn ("Question", "Anna Moreau", "Q") if any.
    """

    index: int
    start: int
    end: int
    text: str
    paragraph: int
    turn: int | None = None
    role: str | None = None
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Segmentation:
    """A document cut into paragraphs and sentences."""

    document: Document
    sentences: tuple[Sentence, ...]
    paragraphs: tuple[Span, ...]

    def __post_init__(self) -> None:
        text = self.document.text
        for s in self.sentences:
            if text[s.start : s.end] != s.text:
                raise ValueError(f"sentence {s.index} does not match its offsets")

    def span_of(self, indices: tuple[int, ...]) -> Span:
        """The character span covering the given (sorted) sentences."""
        if not indices:
            raise ValueError("no sentences")
        return Span(self.sentences[indices[0]].start, self.sentences[indices[-1]].end)

    def text_of(self, indices: tuple[int, ...]) -> str:
        span = self.span_of(indices)
        return self.document.text[span.start : span.end]


@dataclass(frozen=True, slots=True)
class Group:
    """Sentences of A aligned to sentences of B (1:1, 1:2, 2:1, …).

    ``a`` and ``b`` are sorted, consecutive sentence indices, both non-empty.
    ``score`` is the aligner's similarity in [0, 1]; ``moved`` says the group
    sits elsewhere in B than in A. What the group's meaning did is not the
    aligner's business: the change engine says it in a :class:`Judgement`.
    """

    a: tuple[int, ...]
    b: tuple[int, ...]
    score: float
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Judgement:
    """The change engine's verdict on one aligned group.

    ``confidence`` is the calibrated probability of the verdict given.
    """

    verdict: Verdict
    confidence: float


@dataclass(frozen=True, slots=True)
class Move:
    """A run of consecutive groups that sits elsewhere in B than in A."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    groups: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Alignment:
    """How the sentences of two documents correspond.

    ``groups`` are in the order of A. Every sentence of A is in exactly one
    group or in ``removed``; every sentence of B in exactly one group or in
    ``added``.
    """

    groups: tuple[Group, ...]
    removed: tuple[int, ...]
    added: tuple[int, ...]
    moves: tuple[Move, ...] = ()

    def a2b(self) -> dict[int, tuple[int, ...]]:
        return {i: g.b for g in self.groups for i in g.a}

    def b2a(self) -> dict[int, tuple[int, ...]]:
        return {j: g.a for g in self.groups for j in g.b}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference a reader should know about, pinpointed on each side.

    For ``changed`` records the spans are the smallest differing words; for
    ``added``/``removed`` they cover the sentences; for ``moved`` they cover
    the moved run in each document. ``group`` is the index of the aligned
    group the change belongs to, if any. ``confidence`` is the calibrated
    probability that the change alters the meaning; ``rule`` the machine id of
    the detector finding that made it ("numbers.number", "modality.hedge",
    "content.words", "passage.added"), which is what programs should read
    (``explanation`` is display text).
    """

    kind: ChangeKind
    category: Category | str
    severity: Severity
    a: Span | None
    b: Span | None
    a_text: str | None
    b_text: str | None
    explanation: str
    group: int | None = None
    confidence: float | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": str(self.kind),
            "category": str(self.category),
            "severity": str(self.severity),
            "a": self.a.to_dict() if self.a else None,
            "b": self.b.to_dict() if self.b else None,
            "a_text": self.a_text,
            "b_text": self.b_text,
            "explanation": self.explanation,
        }
        if self.group is not None:
            d["group"] = self.group
        if self.confidence is not None:
            d["confidence"] = round(self.confidence, 4)
        if self.rule is not None:
            d["rule"] = self.rule
        return d

    def shifted(self, a_offset: int, b_offset: int, group: int | None = None) -> Change:
        """The same change with spans moved by the given offsets (sentence → document)."""
        return Change(
            kind=self.kind,
            category=self.category,
            severity=self.severity,
            a=Span(self.a.start + a_offset, self.a.end + a_offset) if self.a else None,
            b=Span(self.b.start + b_offset, self.b.end + b_offset) if self.b else None,
            a_text=self.a_text,
            b_text=self.b_text,
            explanation=self.explanation,
            group=group if group is not None else self.group,
            confidence=self.confidence,
            rule=self.rule,
        )


@dataclass(frozen=True, slots=True)
class PairJudgement:
    """The change engine's answer for one pair of texts."""

    verdict: Verdict
    confidence: float
    changes: tuple[Change, ...]
    score: float = 0.0


def document_dict(doc: Document) -> dict[str, Any]:
    """What the JSON contracts say of a document, its text included (not its segmentation)."""
    meta = doc.meta or EMPTY_META
    pages = meta.get("pages")
    return {
        "id": doc.id,
        "source": doc.source,
        "title": doc.title,
        "date": doc.date,
        "media_type": doc.media_type,
        "language": doc.language,
        "encoding": doc.encoding,
        "url": meta.get("url"),
        "author": meta.get("author"),
        "pages": [int(p) for p in pages] if pages else None,
        "warnings": [str(w) for w in meta.get("warnings", ())],
        "text": doc.text,
    }


def _document_dict(seg: Segmentation) -> dict[str, Any]:
    return {
        **document_dict(seg.document),
        "sentences": [
            {"start": s.start, "end": s.end, "paragraph": s.paragraph, "turn": s.turn, "role": s.role}
            for s in seg.sentences
        ],
    }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two segmented documents, how they align, and what changed.

    Attributes:
        a, b: the two documents, segmented.
        alignment: the sentence alignment.
        judgements: one verdict per aligned group, in the order of
            ``alignment.groups``.
        changes: every change found, in the order of document A; filtering
            by severity is for renderers (see :meth:`visible_changes`).
        options: the options used.
        provenance: which models and word lists made the result
            (``aligner``, ``classifier`` and ``components``: file name →
            content hash); reported with the options.
    """

    a: Segmentation
    b: Segmentation
    alignment: Alignment
    judgements: tuple[Judgement, ...]
    changes: tuple[Change, ...]
    options: Options
    provenance: Mapping[str, Any] = field(default_factory=lambda: EMPTY_META)

    def __post_init__(self) -> None:
        if len(self.judgements) != len(self.alignment.groups):
            raise ValueError(
                f"{len(self.judgements)} judgements for {len(self.alignment.groups)} aligned groups"
            )

    @property
    def documents(self) -> tuple[Segmentation, Segmentation]:
        return (self.a, self.b)

    def summary(self) -> dict[str, int]:
        """Counts of groups by verdict, of added/removed sentences and of moves.

        ``translated`` is counted only when there are such groups (documents in different languages), so a
        comparison within one language reads as it always did.
        """
        counts = {v.value: 0 for v in Verdict if v is not Verdict.TRANSLATED}
        for j in self.judgements:
            counts[j.verdict.value] = counts.get(j.verdict.value, 0) + 1
        counts["added"] = len(self.alignment.added)
        counts["removed"] = len(self.alignment.removed)
        counts["moved"] = sum(1 for c in self.changes if c.kind is ChangeKind.MOVED)
        return counts

    def visible_changes(self, min_severity: Severity | str | None = None) -> tuple[Change, ...]:
        """Changes at or above ``min_severity`` (default: the options' value)."""
        floor = min_severity if min_severity is not None else self.options.min_severity
        return tuple(c for c in self.changes if c.severity.at_least(floor))

    def to_dict(self, *, min_severity: Severity | str | None = None) -> dict[str, Any]:
        """The ``storydiff.comparison/1`` JSON document.

        Keys may be added in later versions, never renamed or removed (see
        ``docs/json-schema.md`` and ``schema/comparison-1.json``).

        Args:
            min_severity: when given, keep only changes at or above it;
                by default every change is carried.
        """
        changes = self.changes if min_severity is None else self.visible_changes(min_severity)
        return {
            "schema": SCHEMA,
            "storydiff_version": __version__,
            "options": {**self.options.to_dict(), **self.provenance},
            "documents": [_document_dict(self.a), _document_dict(self.b)],
            "alignment": [
                {
                    "a": list(g.a),
                    "b": list(g.b),
                    "score": round(float(g.score), 4),
                    "verdict": j.verdict.value,
                    "confidence": round(float(j.confidence), 4),
                    "moved": g.moved,
                }
                for g, j in zip(self.alignment.groups, self.judgements, strict=True)
            ],
            "changes": [c.to_dict() for c in changes],
            "summary": self.summary(),
            # Kept for readers of schema 1: the alignment has no step budget and is never cut short.
            "truncated": False,
        }
