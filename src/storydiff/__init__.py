"""storydiff: how a text changed between its versions.

The public surface; everything else is internal and may change.
"""

from storydiff._version import __version__
from storydiff.collate import Collation, CollateOptions, Stemma, StemmaEdge, collate, stemma_of
from storydiff.comparison import Comparison
from storydiff.errors import StorydiffError
from storydiff.model import (
    Alignment,
    Category,
    Change,
    ChangeKind,
    Document,
    Group,
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
    "segment",
    "stemma_of",
]
