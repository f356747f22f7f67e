"""The main job: read → segment → align → classify → Comparison."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from storydiff.embed import MULTILINGUAL_ENGINES, MemoEncoder, describe, get_encoder
from storydiff.errors import InputError
from storydiff.language import detect_language, needs_crosslingual
from storydiff.model import Comparison, Document, PairJudgement, Segmentation
from storydiff.options import Options

Source = str | os.PathLike[str] | bytes | Document | Segmentation


def _looks_like_a_file_name(s: str) -> bool:
    """One word with a path separator or a file extension we read: what a typo in a path looks like."""
    if not s or len(s) > 4096 or any(c.isspace() for c in s):
        return False
    from storydiff.read import media_type_of

    return "/" in s or "\\" in s or media_type_of(s) is not None


def as_segmentation(source: Source, *, options: Options, name: str | None = None) -> Segmentation:
    """Read and segment ``source`` unless that was already done.

    A ``str`` is always the text itself; files are read only when given as a
    path object (``pathlib.Path`` or any ``os.PathLike``), so text from an
    untrusted source can never make storydiff read a file. ``bytes`` are
    decoded as a file's content would be.

    Raises:
        InputError: for a ``str`` that is one word looking like a file name
            (``"examples/old.txt"``): pass ``Path(...)`` to read the file, or
            ``storydiff.read.from_text(...)`` to compare those characters.
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
    if isinstance(source, (bytes, os.PathLike)):
        return segment(read.load(source, name=name, max_bytes=options.max_bytes))
    if isinstance(source, str):
        if _looks_like_a_file_name(source):
            exists = "it exists" if os.path.isfile(source) else "no such file either"
            raise InputError(
                f"{source[:80]!r} looks like a file name, not a text to compare ({exists}): a str is always the text "
                "itself; pass pathlib.Path(...) to read a file, or storydiff.read.from_text(...) for these characters"
            )
        return segment(read.from_text(source, name=name))
    raise TypeError(f"cannot compare a {type(source).__name__}: expected str, os.PathLike, bytes or Document")


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
        a: the first (older, or reference) version: the text itself (``str``),
            a file (``pathlib.Path``), a file's ``bytes``, or a Document /
            Segmentation already made.
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
    opts = engine_for(opts, sa.document.language, sb.document.language)
    encoder = MemoEncoder(get_encoder(opts.engine))
    alignment = align(sa, sb, options=opts, encoder=encoder)
    judgements, changes = classify(sa, sb, alignment, encoder=encoder)
    languages = (sa.document.language, sb.document.language)
    return Comparison(sa, sb, alignment, judgements, changes, opts, provenance(opts.engine, languages))


def provenance(engine: str, languages: tuple[str | None, str | None] = ("en", "en")) -> dict[str, Any]:
    """Which models, word lists and rules a comparison with ``engine`` rests on: names, versions, content hashes.

    A pair with a side not in English is judged by the cross-lingual checks, whose word lists are
    ``data/language_cues.json`` beside number words, month names and transliteration from packages.
    """
    from storydiff.classify import components, rules

    if needs_crosslingual(*languages):
        from storydiff.classify.crosslingual import components as crosslingual_components

        parts = crosslingual_components()
        rule = next(iter(parts))
        return {
            "aligner": f"storydiff.align with {describe(engine)}",
            "classifier": rule,
            "components": {k: v for k, v in parts.items() if k != rule},
        }
    parts = components(engine)
    model = next(iter(parts))
    return {
        "aligner": f"storydiff.align with {describe(engine)}",
        "classifier": f"storydiff.classify with {model} {parts[model]}",
        "components": parts,
        "rules": list(rules()),
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
    lang_a, lang_b = detect_language(a), detect_language(b)
    if needs_crosslingual(lang_a, lang_b):
        from storydiff.classify.crosslingual import judge_across

        opts = engine_for(opts, lang_a, lang_b)
        return judge_across([(a, b)], lang_a, lang_b, encoder=get_encoder(opts.engine))[0]
    return judge(a, b, encoder=get_encoder(opts.engine))
