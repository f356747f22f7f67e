"""The main job: read → segment → align → classify → Comparison."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from storydiff.embed import MemoEncoder, describe, get_encoder
from storydiff.model import Comparison, Document, PairJudgement, Segmentation
from storydiff.options import Options

Source = str | Path | bytes | Document | Segmentation


def _looks_like_path(s: str) -> bool:
    return "\n" not in s and len(s) < 4096 and os.path.isfile(s)


def as_segmentation(source: Source, *, options: Options, name: str | None = None) -> Segmentation:
    """Read and segment ``source`` unless that was already done.

    A ``Path`` (or a one-line ``str`` naming an existing file) is read from
    disk, ``bytes`` are decoded, any other ``str`` is the text itself.
    """
    from storydiff import read
    from storydiff.segment import segment

    if isinstance(source, Segmentation):
        return source
    if isinstance(source, Document):
        return segment(source)
    if isinstance(source, Path) or isinstance(source, bytes) or (
        isinstance(source, str) and _looks_like_path(source)
    ):
        return segment(read.load(source, name=name, max_bytes=options.max_bytes))
    if isinstance(source, str):
        return segment(read.from_text(source, name=name))
    raise TypeError(f"cannot compare a {type(source).__name__}: expected str, Path, bytes or Document")


def compare(a: Source, b: Source, *, options: Options | None = None, **kwargs: Any) -> Comparison:
    """Compare two versions of a text.

    Args:
        a: the first (older, or reference) version: text, a path, bytes, or
            a Document / Segmentation already made.
        b: the second version, likewise.
        options: an :class:`Options`; keyword arguments override its fields
            (``engine="minilm"``, ``min_severity="medium"``, …).

    Returns:
        A :class:`Comparison`: the segmented documents, their alignment with
        a verdict per aligned group, and every change found.

    Raises:
        storydiff.errors.StorydiffError: for unreadable input or bad options.

    Example:
        >>> import storydiff
        >>> c = storydiff.compare("The vote was on Monday. Forty people came.",
        ...                       "40 people came. The vote was on Monday.")
        >>> c.summary()
        {'identical': 1, 'reworded': 1, 'changed': 0, 'added': 0, 'removed': 0, 'moved': 1}
        >>> [change.explanation for change in c.changes]
        ['moved from sentence 1 to sentence 2 (1 sentence)']
    """
    from storydiff.align import align
    from storydiff.classify import classify

    opts = Options.from_kwargs(options, **kwargs)
    sa = as_segmentation(a, options=opts)
    sb = as_segmentation(b, options=opts)
    encoder = MemoEncoder(get_encoder(opts.engine))
    alignment = align(sa, sb, options=opts, encoder=encoder)
    judgements, changes = classify(sa, sb, alignment, encoder=encoder)
    return Comparison(sa, sb, alignment, judgements, changes, opts, provenance(opts.engine))


def provenance(engine: str) -> dict[str, Any]:
    """Which models and word lists a comparison with ``engine`` rests on: names, versions, content hashes."""
    from storydiff.classify import components

    parts = components(engine)
    model = next(iter(parts))
    return {
        "aligner": f"storydiff.align with {describe(engine)}",
        "classifier": f"storydiff.classify with {model} {parts[model]}",
        "components": parts,
    }


def compare_sentences(a: str, b: str, *, options: Options | None = None, **kwargs: Any) -> PairJudgement:
    """Judge one pair of sentences (or short passages): same meaning or changed, and what changed.

    Offsets in the returned changes are indices into ``a`` and ``b``.

    Example:
        >>> import storydiff
        >>> storydiff.compare_sentences("It rained.", "It rained.").verdict.value
        'identical'
    """
    from storydiff.classify import judge

    opts = Options.from_kwargs(options, **kwargs)
    return judge(a, b, encoder=get_encoder(opts.engine))
