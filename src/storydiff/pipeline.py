"""The main job: read → segment → align → classify → Comparison."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import replace
from typing import Any

from storydiff.embed import MULTILINGUAL_ENGINES, MemoEncoder, WindowedEncoder, describe, get_encoder
from storydiff.errors import EmptyInput, InputError, InputTooLarge
from storydiff.language import detect_language, needs_crosslingual
from storydiff.model import Change, Comparison, Document, PairJudgement, Segmentation, Span
from storydiff.options import Options

Source = str | os.PathLike[str] | bytes | Document | Segmentation
_Spans = list[tuple[int, int]]
#: The longest text compare_sentences judges (a few pages): its word diff and features cost
#: the square of a text's length; documents go through compare, which aligns sentence by sentence.
MAX_PAIR_CHARS = 20_000


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
    encoder = MemoEncoder(WindowedEncoder(get_encoder(opts.engine)))
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

    Offsets in the returned changes are indices into ``a`` and ``b`` as given.
    The texts are judged in Unicode NFC, as documents are (see
    :func:`storydiff.read.text.normalise`), so a decomposed accent is no change.

    Raises:
        EmptyInput: when ``a`` or ``b`` holds no text (nothing to judge).
        InputTooLarge: when ``a`` or ``b`` is longer than :data:`MAX_PAIR_CHARS`
            (the word diff inside a pair costs the square of its length).

    Example:
        >>> import storydiff
        >>> storydiff.compare_sentences("It rained.", "It rained.").verdict.value
        'identical'
    """
    from storydiff.classify import judge

    for side, text in (("a", a), ("b", b)):
        if not text.strip():
            raise EmptyInput(f"{side} is empty: there is no sentence to judge; give two non-empty texts")
        if len(text) > MAX_PAIR_CHARS:
            raise InputTooLarge(
                f"{side} has {len(text):,} characters, above the {MAX_PAIR_CHARS:,} a pair may have; compare "
                "longer texts with storydiff.compare (`storydiff compare` on the command line), which aligns them "
                "sentence by sentence"
            )
    opts = Options.from_kwargs(options, **kwargs)
    (na, map_a), (nb, map_b) = _composed(a), _composed(b)
    lang_a, lang_b = detect_language(na), detect_language(nb)
    if needs_crosslingual(lang_a, lang_b):
        from storydiff.classify.crosslingual import judge_across

        opts = engine_for(opts, lang_a, lang_b)
        j = judge_across([(na, nb)], lang_a, lang_b, encoder=WindowedEncoder(get_encoder(opts.engine)))[0]
    else:
        j = judge(na, nb, encoder=WindowedEncoder(get_encoder(opts.engine)))
    if map_a is None and map_b is None:
        return j
    changes = tuple(_change_back(c, a, map_a, b, map_b) for c in j.changes)
    return replace(j, changes=changes)


def _change_back(c: Change, a: str, map_a: _Spans | None, b: str, map_b: _Spans | None) -> Change:
    """A change found in the composed texts, with offsets and quoted words taken from the texts as given."""
    sa, sb = _span_back(c.a, map_a), _span_back(c.b, map_b)
    return replace(
        c,
        a=sa,
        b=sb,
        a_text=a[sa.start : sa.end] if map_a is not None and sa is not None and c.a_text is not None else c.a_text,
        b_text=b[sb.start : sb.end] if map_b is not None and sb is not None and c.b_text is not None else c.b_text,
    )


def _composed(text: str) -> tuple[str, _Spans | None]:
    """``text`` in NFC, with each composed character's span in ``text`` (``None`` when already NFC).

    Each starter and the combining marks after it are composed together, so
    every character of the result comes from one known stretch of the original.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, None
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or not unicodedata.combining(text[k]):
            piece = unicodedata.normalize("NFC", text[start:k])
            out.append(piece)
            spans += [(start, k)] * len(piece)
            start = k
    return "".join(out), spans


def _span_back(span: Span | None, spans: _Spans | None) -> Span | None:
    """A span of the composed text as a span of the original text."""
    if span is None or spans is None:
        return span
    end_of_text = spans[-1][1] if spans else 0
    start = spans[span.start][0] if span.start < len(spans) else end_of_text
    end = spans[span.end - 1][1] if span.end > span.start else start
    return Span(start, end)
