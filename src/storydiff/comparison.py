"""The result of comparing two documents, and its JSON contract.

``Comparison.to_dict()`` is the ``storydiff.comparison/1`` document described
in ``docs/json-schema.md`` and checked against ``schema/comparison-1.json``.
Keys may be added in later versions, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storydiff._version import __version__
from storydiff.model import Alignment, Change, ChangeKind, Segmentation, Severity, Verdict
from storydiff.options import Options

SCHEMA = "storydiff.comparison/1"


def _document_dict(seg: Segmentation) -> dict[str, Any]:
    doc = seg.document
    return {
        "id": doc.id,
        "source": doc.source,
        "title": doc.title,
        "date": doc.date,
        "media_type": doc.media_type,
        "language": doc.language,
        "text": doc.text,
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
        alignment: the sentence alignment, groups carrying verdicts.
        changes: every change found, in the order of document A; filtering
            by severity is for renderers (see :meth:`visible_changes`).
        options: the options used (reported as provenance).
    """

    a: Segmentation
    b: Segmentation
    alignment: Alignment
    changes: tuple[Change, ...]
    options: Options = field(default_factory=Options)

    @property
    def documents(self) -> tuple[Segmentation, Segmentation]:
        return (self.a, self.b)

    def summary(self) -> dict[str, int]:
        """Counts of groups by verdict, of added/removed sentences and of moves."""
        counts = {v.value: 0 for v in Verdict}
        for g in self.alignment.groups:
            counts[g.verdict.value] += 1
        counts["added"] = len(self.alignment.added)
        counts["removed"] = len(self.alignment.removed)
        counts["moved"] = sum(1 for c in self.changes if c.kind is ChangeKind.MOVED)
        return counts

    def visible_changes(self, min_severity: Severity | str | None = None) -> tuple[Change, ...]:
        """Changes at or above ``min_severity`` (default: the options' value)."""
        floor = Severity(min_severity) if min_severity is not None else self.options.min_severity
        return tuple(c for c in self.changes if c.severity.rank >= floor.rank)

    def to_dict(self, *, min_severity: Severity | str | None = None) -> dict[str, Any]:
        """The ``storydiff.comparison/1`` JSON document.

        Args:
            min_severity: when given, keep only changes at or above it;
                by default every change is carried.
        """
        changes = self.changes if min_severity is None else self.visible_changes(min_severity)
        return {
            "schema": SCHEMA,
            "storydiff_version": __version__,
            "options": self.options.to_dict(),
            "documents": [_document_dict(self.a), _document_dict(self.b)],
            "alignment": [
                {
                    "a": list(g.a),
                    "b": list(g.b),
                    "score": round(float(g.score), 4),
                    "verdict": g.verdict.value,
                    "confidence": round(float(g.confidence), 4),
                    "moved": g.moved,
                }
                for g in self.alignment.groups
            ],
            "changes": [c.to_dict() for c in changes],
            "summary": self.summary(),
            "truncated": self.alignment.truncated,
        }

    def _repr_html_(self) -> str:
        from storydiff.report import render

        # A fragment: no page script, whose j/k keys would fight a notebook's own shortcuts.
        return render(self, "html", min_severity=str(self.options.min_severity), fragment=True)
