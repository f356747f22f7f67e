"""The data a collation is made of, and its JSON contract ``storydiff.collation/1``.

A :class:`Collation` holds the versions (witnesses) cut into passages, the
variant table (one :class:`Row` per passage aligned across versions, with the
readings grouped by meaning and the typed changes between reading groups),
and the :class:`Stemma` (who copied whom). ``Collation.to_dict()`` is the
JSON document described in ``docs/collate.md`` and checked against
``schema/collation-1.json``; keys may be added, never renamed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storydiff._version import __version__
from storydiff.errors import OptionError
from storydiff.model import Change, Segmentation, document_dict

SCHEMA = "storydiff.collation/1"
PASSAGE_MODES = ("auto", "sentence", "window")
MAX_WITNESSES = 50
# An origin is named only when every edge out of the root is at least this sure: two identical
# versions give 0.5 either way, and neither is the other's source on the evidence.
ORIGIN_MIN_CONFIDENCE = 0.6


@dataclass(frozen=True, slots=True, kw_only=True)
class CollateOptions:
    """What changes how versions are collated and how the stemma is inferred.

    Attributes:
        passages: ``"sentence"``, ``"window"`` (fixed word windows, for texts
            without punctuation) or ``"auto"`` (windows when the sentences
            found are implausibly long).
        window_words: words per window in window mode.
        link_threshold: lowest share of passages two versions must read
            identically to be linked in the stemma at all; below it they are
            unrelated (independent versions of the same content).
        min_innovations: shared innovations needed before a hypothetical
            (lost) intermediate or a second source is proposed.
        use_dates: let known dates orient edges (earlier = source).
        stemma: infer the stemma (switch off for a variant table only).
    """

    passages: str = "auto"
    window_words: int = 12
    link_threshold: float = 0.3
    min_innovations: int = 2
    use_dates: bool = True
    stemma: bool = True

    def __post_init__(self) -> None:
        if self.passages not in PASSAGE_MODES:
            raise OptionError(f"unknown passage mode {self.passages!r}: expected one of {', '.join(PASSAGE_MODES)}")
        if not 3 <= self.window_words <= 200:
            raise OptionError(f"window_words must be between 3 and 200 (got {self.window_words})")
        if not 0.0 <= self.link_threshold <= 1.0:
            raise OptionError(f"link_threshold must be in [0, 1] (got {self.link_threshold})")
        if self.min_innovations < 1:
            raise OptionError(f"min_innovations must be at least 1 (got {self.min_innovations})")

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Reading:
    """One distinct text of a row and the versions that read it.

    ``group`` is the index of its meaning group in ``Row.groups``; ``verdict``
    compares it with reading 0 (``"base"`` for reading 0 itself, else
    ``"identical"`` up to case and punctuation, ``"reworded"`` or ``"changed"``).
    """

    witnesses: tuple[str, ...]
    text: str
    group: int
    verdict: str = "base"


@dataclass(frozen=True, slots=True)
class ReadingGroup:
    """Readings that say the same thing.

    ``verdict`` compares the group with group 0 (the base's reading, else the
    most common): ``"base"`` for group 0 itself, else ``"changed"``; versions
    that only re-word group 0 stay in it (their reading's verdict is
    ``"reworded"``). ``changes`` are the typed changes from group 0's first
    reading to this group's first reading (offsets into those two texts).
    """

    readings: tuple[int, ...]
    witnesses: tuple[str, ...]
    verdict: str
    confidence: float
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """One passage aligned across all versions.

    ``cells`` maps a version id to its passage indices in this row (absent
    when the version lacks the passage); ``moved`` lists versions that have
    the passage elsewhere in their order than the base (a transposition);
    ``family`` indexes ``Collation.families`` (versions that tell one text).
    """

    cells: Mapping[str, tuple[int, ...]]
    readings: tuple[Reading, ...]
    groups: tuple[ReadingGroup, ...]
    moved: tuple[str, ...] = ()
    family: int = 0

    def reading_of(self, witness: str) -> int | None:
        """Index of the version's reading in ``readings``, ``None`` when it lacks the passage."""
        for i, r in enumerate(self.readings):
            if witness in r.witnesses:
                return i
        return None


@dataclass(frozen=True, slots=True)
class Family:
    """Versions that tell one text, collated against one ``base`` among them.

    Versions of different families share no passage (no sentence of one
    aligns with the other's); each family has rows of its own.
    """

    base: str
    witnesses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "witnesses": list(self.witnesses)}


@dataclass(frozen=True, slots=True)
class StemmaEdge:
    """``source`` → ``copy`` (version ids, or ids of hypothetical nodes).

    ``kind``: ``"copy"`` (the main source), ``"second source"``
    (contamination) or ``"hypothetical"`` (from a lost intermediate).
    ``evidence`` holds the counts behind the edge and ``decided_by`` names
    the evidence that settled it; ``changes`` summarises what the copier
    changed along the edge.
    """

    source: str
    copy: str
    confidence: float
    kind: str
    evidence: Mapping[str, Any]
    decided_by: tuple[str, ...]
    changes: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.copy,
            "confidence": round(self.confidence, 4),
            "kind": self.kind,
            "decided_by": list(self.decided_by),
            "evidence": dict(self.evidence),
            "changes": dict(self.changes),
        }


@dataclass(frozen=True, slots=True)
class Stemma:
    """A forest of copies: edges with confidences, roots, lost intermediates.

    ``unrelated`` lists versions linked to no other version.
    """

    edges: tuple[StemmaEdge, ...]
    roots: tuple[str, ...]
    hypothetical: tuple[str, ...]
    unrelated: tuple[str, ...]
    notes: Mapping[str, str] = field(default_factory=dict)

    def parents(self, node: str) -> tuple[str, ...]:
        return tuple(e.source for e in self.edges if e.copy == node)

    def children(self, node: str) -> tuple[str, ...]:
        return tuple(e.copy for e in self.edges if e.source == node)

    def component_of(self, node: str) -> frozenset[str]:
        """Every node connected to ``node`` (edges taken both ways)."""
        seen, todo = {node}, [node]
        while todo:
            x = todo.pop()
            for e in self.edges:
                for a, b in ((e.source, e.copy), (e.copy, e.source)):
                    if a == x and b not in seen:
                        seen.add(b)
                        todo.append(b)
        return frozenset(seen)

    def origin(self, members: tuple[str, ...] | None = None) -> tuple[str | None, str]:
        """The extant version the others descend from, or ``None`` and why not.

        Args:
            members: the versions of interest (default: all in the stemma).

        Returns:
            ``(id, reason)``; ``id`` is ``None`` when the members are not one
            family, when the family's root is a lost (hypothetical) version,
            or when the root's edges are too uncertain.
        """
        nodes = set(members) if members is not None else {e.source for e in self.edges} | {
            e.copy for e in self.edges} | set(self.unrelated)
        roots = [r for r in self.roots if self.component_of(r) & nodes] + [u for u in self.unrelated if u in nodes]
        if len(roots) != 1:
            return None, f"the versions form {len(roots)} unrelated families" if roots else "no version given"
        root = roots[0]
        if root in self.hypothetical:
            return None, "the common source is lost (a hypothetical version)"
        weakest = min((e.confidence for e in self.edges if e.source == root), default=0.0)
        if weakest < ORIGIN_MIN_CONFIDENCE:
            return None, f"the direction of copying from {root!r} is uncertain (confidence {weakest:.2f})"
        return root, "root of the stemma"

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": [e.to_dict() for e in self.edges],
            "roots": list(self.roots),
            "hypothetical": list(self.hypothetical),
            "unrelated": list(self.unrelated),
            "notes": dict(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Collation:
    """Many versions of one text, aligned passage by passage, and who copied whom.

    Attributes:
        witnesses: each version cut into passages (sentences or word windows),
            in the order given.
        base: id of the version the others were aligned against (the first
            family's base when the versions tell unrelated texts).
        passages: ``"sentence"`` or ``"window"``.
        rows: the variant table, in the base's order (passages no base has
            sit after their nearest aligned neighbour).
        stemma: who copied whom (``None`` when not asked for).
        options: the collation options used.
        engine_options: the pairwise engine's options (provenance).
        families: groups of versions that tell one text, each with its own
            base (one family holding every version when they all do).
    """

    witnesses: tuple[Segmentation, ...]
    base: str
    passages: str
    rows: tuple[Row, ...]
    stemma: Stemma | None
    options: CollateOptions
    engine_options: Mapping[str, Any] = field(default_factory=dict)
    families: tuple[Family, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(w.document.id for w in self.witnesses)

    def witness(self, wid: str) -> Segmentation:
        for w in self.witnesses:
            if w.document.id == wid:
                return w
        raise KeyError(wid)

    def cell_text(self, row: Row, wid: str) -> str | None:
        """The version's text in a row (``None`` when it lacks the passage)."""
        idx = row.cells.get(wid)
        return self.witness(wid).text_of(idx) if idx else None

    def summary(self) -> dict[str, int]:
        """Counts over the variant table (a row is partial when a version of its own family lacks it)."""
        size = [len(f.witnesses) for f in self.families] or [len(self.witnesses)]
        return {
            "witnesses": len(self.witnesses),
            "rows": len(self.rows),
            "unanimous": sum(1 for r in self.rows if len(r.readings) == 1 and len(r.cells) == size[r.family]),
            "varying": sum(1 for r in self.rows if len(r.readings) > 1),
            "changed": sum(1 for r in self.rows if any(g.verdict == "changed" for g in r.groups)),
            "partial": sum(1 for r in self.rows if len(r.cells) < size[r.family]),
            "moved": sum(1 for r in self.rows if r.moved),
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``storydiff.collation/1`` JSON document."""
        return {
            "schema": SCHEMA,
            "storydiff_version": __version__,
            "options": {"collate": self.options.to_dict(), "engine": dict(self.engine_options)},
            "base": self.base,
            "passages": self.passages,
            "families": [f.to_dict() for f in self.families or (Family(self.base, self.ids),)],
            "witnesses": [_witness_dict(w) for w in self.witnesses],
            "rows": [_row_dict(r) for r in self.rows],
            "stemma": self.stemma.to_dict() if self.stemma else None,
            "summary": self.summary(),
        }


def _witness_dict(seg: Segmentation) -> dict[str, Any]:
    return {
        **document_dict(seg.document),
        "passages": [{"start": s.start, "end": s.end} for s in seg.sentences],
    }


def _row_dict(row: Row) -> dict[str, Any]:
    return {
        "cells": {k: list(v) for k, v in row.cells.items()},
        "moved": list(row.moved),
        "family": row.family,
        "readings": [
            {"witnesses": list(r.witnesses), "text": r.text, "group": r.group, "verdict": r.verdict}
            for r in row.readings
        ],
        "groups": [
            {
                "readings": list(g.readings),
                "witnesses": list(g.witnesses),
                "verdict": g.verdict,
                "confidence": round(g.confidence, 4),
            }
            for g in row.groups
        ],
        "changes": [
            {"from_group": 0, "to_group": gi, **c.to_dict()}
            for gi, g in enumerate(row.groups)
            for c in g.changes
        ],
    }
