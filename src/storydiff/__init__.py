"""storydiff: how a text changed between its versions.

The public surface; everything else is internal and may change.
"""

from storydiff._version import __version__
from storydiff.collate import Collation, CollateOptions, Stemma, StemmaEdge, collate, stemma_of
from storydiff.errors import StorydiffError
from storydiff.model import (
    Alignment,
    Category,
    Change,
    ChangeKind,
    Comparison,
    Document,
    Group,
    Judgement,
    Move,
    PairJudgement,
    Segmentation,
    Sentence,
    Severity,
    Span,
    Verdict,
)
from storydiff.options import Options
from storydiff.pipeline import compare, compare_sentences
from storydiff.read import load
from storydiff.report import render
from storydiff.segment import segment

__all__ = [
    "Alignment",
    "Category",
    "Change",
    "ChangeKind",
    "CollateOptions",
    "Collation",
    "Comparison",
    "Document",
    "Group",
    "Judgement",
    "Move",
    "Options",
    "PairJudgement",
    "Segmentation",
    "Sentence",
    "Severity",
    "Span",
    "Stemma",
    "StemmaEdge",
    "StorydiffError",
    "Verdict",
    "__version__",
    "collate",
    "compare",
    "compare_sentences",
    "load",
    "render",
    "segment",
    "stemma_of",
]


def _notebook_html(comparison: Comparison) -> str:
    # A fragment: no page script, whose j/k keys would fight a notebook's own shortcuts.
    return render(comparison, "html", min_severity=str(comparison.options.min_severity), fragment=True)


# Jupyter shows an object through its _repr_html_. The data model knows nothing of reports, so the
# public surface, which sits above both, gives a Comparison its notebook view.
Comparison._repr_html_ = _notebook_html  # type: ignore[attr-defined]
