"""The main job: read → segment → align → classify → Comparison."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from storydiff.comparison import Comparison
from storydiff.embed import MemoEncoder, get_encoder
from storydiff.model import Document, PairJudgement, Segmentation
from storydiff.language import detect_language, needs_crosslingual
from storydiff.options import MULTILINGUAL_ENGINES, Options

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
        if source.document.language is None:
            doc = with_language(source.document)
            return Segmentation(doc, source.sentences, source.paragraphs) if doc.language else source
        return source
    if isinstance(source, Document):
        return segment(with_language(source))
    if isinstance(source, Path) or isinstance(source, bytes) or (
        isinstance(source, str) and _looks_like_path(source)
    ):
        return segment(read.load(source, name=name, max_bytes=options.max_bytes))
    if isinstance(source, str):
        return segment(read.from_text(source, name=name))
    raise TypeError(f"cannot compare a {type(source).__name__}: expected str, Path, bytes or Document")


def with_language(doc: Document) -> Document:
    """``doc`` with its language detected, if it was not known (a Document made by hand)."""
    if doc.language is not None:
        return doc
    return replace(doc, language=detect_language(doc.text))


def engine_for(options: Options, lang_a: str | None, lang_b: str | None) -> Options:
    """The options with a multilingual engine when a side is not in English.

    English-only engines (wordllama, minilm) cannot align a translation or
    non-English text; the engine actually used is what the report records.
    """
    if options.engine in MULTILINGUAL_ENGINES or not needs_crosslingual(lang_a, lang_b):
        return options
    return replace(options, engine=MULTILINGUAL_ENGINES[0])


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
        >>> c = storydiff.compare("The vote was on Monday. It passed.", "It passed. The vote was on Tuesday.")
        >>> c.summary()["moved"] >= 0
        True
    """
    from storydiff.align import align
    from storydiff.classify import classify

    opts = Options.from_kwargs(options, **kwargs)
    sa = as_segmentation(a, options=opts)
    sb = as_segmentation(b, options=opts)
    opts = engine_for(opts, sa.document.language, sb.document.language)
    encoder = MemoEncoder(get_encoder(opts.engine))
    alignment = align(sa, sb, options=opts, encoder=encoder)
    alignment, changes = classify(sa, sb, alignment, options=opts, encoder=encoder)
    return Comparison(sa, sb, alignment, changes, opts)


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
    lang_a, lang_b = detect_language(a), detect_language(b)
    if needs_crosslingual(lang_a, lang_b):
        from storydiff.classify.crosslingual import judge_across

        opts = engine_for(opts, lang_a, lang_b)
        return judge_across([(a, b)], lang_a, lang_b, encoder=get_encoder(opts.engine))[0]
    return judge(a, b, options=opts, encoder=get_encoder(opts.engine))
