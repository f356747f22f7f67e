"""Collating many versions of one text, and telling who copied whom.

:func:`collate` reads 2 to 50 versions, aligns every one against a base
version with the pairwise aligner (:mod:`.passages`), groups each row's
readings by meaning with the change engine (:mod:`.readings`), and infers
the stemma from the variant table (:mod:`.evidence`, :mod:`.stemma`,
:mod:`.lineage`). :func:`stemma_of` is the entry point for callers that hold
Documents already (a corpus cluster). Renderers live in :mod:`.render` and
:mod:`.html`, exports (CollateX JSON, TEI) in :mod:`.export`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from storydiff.collate.inputs import CollateSource, documents, resolve_dates
from storydiff.collate.model import (
    SCHEMA,
    Collation,
    CollateOptions,
    Family,
    Reading,
    ReadingGroup,
    Row,
    Stemma,
    StemmaEdge,
)
from storydiff.errors import OptionError
from storydiff.model import Document
from storydiff.options import Options

if TYPE_CHECKING:
    from storydiff.embed import MemoEncoder

__all__ = [
    "SCHEMA",
    "Collation",
    "CollateOptions",
    "Family",
    "Reading",
    "ReadingGroup",
    "Row",
    "Stemma",
    "StemmaEdge",
    "collate",
    "stemma_of",
]


def collate(
    sources: Sequence[CollateSource],
    *,
    names: Sequence[str] | None = None,
    dates: Mapping[str, str | None] | str | None = None,
    base: str | None = None,
    options: CollateOptions | None = None,
    compare_options: Options | None = None,
) -> Collation:
    """Collate 2 to 50 versions of one text: a variant table and a stemma.

    Args:
        sources: the versions: text (``str``), files (``pathlib.Path``),
            bytes, or Documents / Segmentations already made.
        names: one id per version; default: a file's name without extension,
            a Document's id, else ``v1``, ``v2``, …
        dates: ``{id: ISO date}``, ``"auto"`` (dates the readers found, e.g.
            in HTML metadata) or ``None``; known dates help orient the stemma.
        base: id of the version to align the others against; default: the
            one containing most of the others.
        options: a :class:`CollateOptions`.
        compare_options: the pairwise engine's :class:`~storydiff.Options`
            (embedding engine, alignment threshold, size limit), as for
            :func:`storydiff.compare`.

    Returns:
        A :class:`Collation`; ``to_dict()`` is the ``storydiff.collation/1`` JSON.

    Raises:
        storydiff.errors.StorydiffError: fewer than 2 or more than 50 versions,
            duplicate ids, unreadable input, an unknown base, bad dates.

    Example:
        >>> from storydiff.collate import collate
        >>> c = collate(["It rained on Monday. The match was off.",
        ...              "It rained on Monday. The match was off.",
        ...              "It rained on Tuesday. The match was off."])
        >>> [len(r.readings) for r in c.rows]
        [2, 1]
    """
    # Imported here: the aligner and the change engine load numpy, scipy and models,
    # which `import storydiff` should not pay for.
    from storydiff.collate.lineage import describe_edges
    from storydiff.collate.readings import build_rows
    from storydiff.embed import MemoEncoder, get_encoder

    opts = options or CollateOptions()
    eng = compare_options or Options()
    docs = documents(sources, names, max_bytes=eng.max_bytes)
    when = resolve_dates(dates, docs)
    if when:
        docs = [_dated(d, when) for d in docs]
    # One memoising encoder for the whole collation: a passage shared by many versions is embedded once.
    encoder = MemoEncoder(get_encoder(eng.engine))
    segs, raw, mode, families = _table(docs, base, opts, eng, encoder)
    rows = build_rows(raw, {s.document.id: s for s in segs}, [f.base for f in families], encoder=encoder)
    stemma = None
    if opts.stemma:
        inferred, readings = _infer(rows, [s.document.id for s in segs], when, opts)
        stemma = describe_edges(inferred, readings, rows)
    return Collation(tuple(segs), families[0].base, mode, rows, stemma, opts, eng.to_dict(), families)


def stemma_of(
    docs: Sequence[Document],
    *,
    dates: Mapping[str, str | None] | str | None = "auto",
    options: CollateOptions | None = None,
) -> Stemma:
    """The stemma of a set of Documents (e.g. one corpus cluster's members).

    ``stemma.origin()`` then names the version the others descend from, or
    ``None`` with the reason (unrelated families, a lost common source, an
    uncertain direction).
    """
    collation = collate(list(docs), dates=dates, options=options)
    assert collation.stemma is not None
    return collation.stemma


def _dated(doc: Document, when: Mapping[str, str | None]) -> Document:
    from dataclasses import replace

    return replace(doc, date=when.get(doc.id) or doc.date)


def _table(docs: list[Document], base: str | None, opts: CollateOptions, eng: Options,
           encoder: MemoEncoder) -> tuple[Any, ...]:
    from storydiff.collate.passages import sentence_rows, unpunctuated, window_rows
    from storydiff.segment import segment

    segs = [segment(d) for d in docs]
    mode = opts.passages
    if mode == "auto":
        mode = "window" if unpunctuated(segs) else "sentence"
    b = _base_index(docs, base, segs)
    if mode == "window":
        segs, raw = window_rows(docs, b, opts.window_words)
        families = [(b, list(range(len(docs))))]
    else:
        raw, families = sentence_rows(segs, b, options=eng, encoder=encoder)
    return segs, raw, mode, tuple(Family(docs[f].id, tuple(docs[i].id for i in members)) for f, members in families)


def _base_index(docs: list[Document], base: str | None, segs: list[Any]) -> int:
    if base is None:
        from storydiff.collate.passages import choose_base

        return choose_base(segs)
    for i, d in enumerate(docs):
        if d.id == base:
            return i
    raise OptionError(f"unknown base {base!r}: expected one of the version ids {', '.join(d.id for d in docs)}")


def _infer(rows: Sequence[Row], ids: list[str], dates: Mapping[str, str | None], opts: CollateOptions) -> tuple[Stemma, Any]:
    from storydiff.collate.evidence import gather
    from storydiff.collate.stemma import infer

    return infer(gather(rows, ids), dates, opts)
