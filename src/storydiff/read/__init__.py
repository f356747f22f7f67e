"""Reading documents: files, standard input, bytes, strings, URLs → :class:`Document`.

``load`` handles plain text, Markdown, HTML, PDF and DOCX; it takes the media
type from the magic bytes of PDF and DOCX, else from the file extension,
else from the content, and the encoding from the bytes (see
:mod:`storydiff.read.text`). ``fetch`` reads an http(s) URL behind an SSRF
guard (:mod:`storydiff.read.url`). Every offset later on refers to the one
normalised ``Document.text`` made here. Bad input raises an
:class:`~storydiff.errors.InputError` whose message starts with the input's
name and says what to do.

What a reader found beyond the text lives in ``Document.meta``: ``author``,
``url`` (the final URL of a fetched page), ``pages`` (PDF page start
offsets, see :func:`page_of`), ``tracked_changes`` (DOCX), and ``warnings``
(a tuple of sentences a user should see, e.g. the encoding was a guess).
"""

from __future__ import annotations

import bisect
import hashlib
import os
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

from storydiff.errors import EmptyInput, InputError, InputNotFound, InputTooLarge
from storydiff.language import detect_language
from storydiff.model import Document
from storydiff.options import DEFAULT_MAX_BYTES
from storydiff.read import docx as _docx
from storydiff.read import html as _html
from storydiff.read import markdown as _markdown
from storydiff.read import pdf as _pdf
from storydiff.read.text import Decoded, decode, normalise
from storydiff.read.url import fetch, is_url

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DOCX",
    "MEDIA_TYPES",
    "PDF",
    "TEXT_MEDIA_TYPES",
    "fetch",
    "from_bytes",
    "from_text",
    "is_url",
    "load",
    "media_type_of",
    "page_of",
    "sniff_media_type",
]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Every media type storydiff reads, with how a person would call it: the CLI, the web page and the
#: API take their choices from here.
MEDIA_TYPES = {
    "text/plain": "plain text",
    "text/markdown": "Markdown",
    "text/html": "HTML",
    PDF: "PDF",
    DOCX: "Word (DOCX)",
}
# Read from their bytes by a format reader, never decoded as text.
_BINARY_TYPES = (PDF, DOCX)
#: The media types a string (pasted text) can be: every one but the binary formats.
TEXT_MEDIA_TYPES = {k: v for k, v in MEDIA_TYPES.items() if k not in _BINARY_TYPES}

_EXTENSIONS = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".pdf": PDF,
    ".docx": DOCX,
}
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def from_text(
    text: str, *, source: str = "<string>", name: str | None = None, media_type: str = "text/plain"
) -> Document:
    """A document from a string already in memory.

    Args:
        text: the text (Markdown or HTML when ``media_type`` says so).
        source: where it came from, for provenance.
        name: the document id; default: the first 16 hex digits of the
            SHA-256 of the normalised text.
        media_type: ``text/plain``, ``text/markdown`` or ``text/html``.

    Returns:
        A :class:`Document` whose ``text`` is normalised (newlines, NBSP,
        trailing spaces) with every word kept verbatim.

    Example:
        >>> from_text("Hello\\r\\nworld", name="x").text
        'Hello\\nworld'
    """
    if media_type in _BINARY_TYPES:
        raise InputError(f"{source}: a string cannot be read as {media_type}; pass the file's bytes to load()")
    _check_media_type(media_type)
    return _document(text, source=source, name=name, media_type=media_type, encoding=None, strict=False)


def load(
    source: str | Path | bytes,
    *,
    media_type: str | None = None,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    """Read a document from a path, ``"-"`` (standard input) or raw bytes.

    Args:
        source: a file path, ``"-"`` for standard input, or the bytes themselves.
        media_type: one of :data:`MEDIA_TYPES`; default: PDF and DOCX by their
            magic bytes, else from the file extension, else sniffed from the content.
        name: the document id; default: the path as given, else a content hash.
        max_bytes: refuse inputs larger than this (checked before reading a file).

    Returns:
        A :class:`Document` with the detected ``encoding`` and ``media_type``;
        HTML pages, PDF and DOCX also give ``title``, ``date`` and ``meta``
        (PDF page offsets in ``meta["pages"]``, see :func:`page_of`);
        ``meta["warnings"]`` says when the encoding was a guess.

    Raises:
        InputNotFound: the path is missing, a directory or not a regular file.
        InputTooLarge: the input is above ``max_bytes`` (or a DOCX unpacks far beyond it).
        UndecodableInput: binary data, no encoding fits, a damaged PDF or DOCX.
        EmptyInput: nothing but whitespace, an HTML page without main text,
            a PDF without a text layer (:class:`~storydiff.errors.NoTextLayer`).

    Example:
        >>> load(b"Hello world.", name="hello").text
        'Hello world.'
    """
    _check_media_type(media_type)
    if isinstance(source, bytes):
        label, data, given = "<bytes>", source, None
        _check_size(label, len(data), max_bytes)
    elif isinstance(source, str) and source == "-":
        label, given = "<stdin>", None
        data = sys.stdin.buffer.read(max_bytes + 1)
        _check_size(label, len(data), max_bytes)
    else:
        label = given = os.fspath(source)
        data = _read_file(Path(source), label, max_bytes)
    return from_bytes(data, label=label, name=name or given, media_type=media_type,
                      extension=media_type_of(given) if given else None, max_bytes=max_bytes)


def from_bytes(
    data: bytes,
    *,
    label: str,
    name: str | None = None,
    media_type: str | None = None,
    extension: str | None = None,
    charset: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    meta: dict[str, Any] | None = None,
) -> Document:
    """A document from bytes already read (a file, an upload, a response body).

    Args:
        data: the raw bytes.
        label: the source to record and to name in error messages.
        name: the document id; default: a content hash.
        media_type: what to read ``data`` as; default: sniffed.
        extension: the media type the file name suggests, used when the
            magic bytes say nothing.
        charset: an encoding declared outside the bytes (an HTTP header).
        max_bytes: the size limit (a DOCX's parts are checked against it).
        meta: more metadata to record (a fetched page's final URL).

    Returns:
        A :class:`Document`.
    """
    _check_media_type(media_type)
    if not data.strip():
        raise EmptyInput(
            f"{label}: is empty or only whitespace (no text to compare); "
            "expected a text, Markdown, HTML, PDF or Word file"
        )
    kind = media_type or _by_magic(data) or extension or sniff_media_type(data)
    if kind == PDF:
        page = _pdf.read(data, label=label)
        return _document(page.text, source=label, name=name, media_type=kind, encoding=None, strict=True,
                         page=page, meta=meta)
    if kind == DOCX:
        page = _docx.read(data, label=label, max_bytes=max_bytes)
        return _document(page.text, source=label, name=name, media_type=kind, encoding=None, strict=True,
                         page=page, meta=meta)
    decoded = _decode(data, kind, label, charset)
    extra = dict(meta or {})
    if decoded.warnings:
        extra["warnings"] = tuple(extra.get("warnings", ())) + decoded.warnings
    return _document(decoded.text, source=label, name=name, media_type=kind, encoding=decoded.encoding,
                     strict=True, meta=extra)


def page_of(doc: Document, offset: int) -> int | None:
    """The page (from 1) that ``doc.text[offset]`` was read from, for a PDF; else None.

    Example:
        >>> page_of(Document(id="x", source="x", text="ab\\n\\ncd", meta={"pages": (0, 4)}), 4)
        2
    """
    starts = doc.meta.get("pages") if doc.meta else None
    if not starts:
        return None
    return max(1, bisect.bisect_right(starts, offset))


def sniff_media_type(data: bytes) -> str:
    """The media type of ``data`` judged by its content.

    PDF and DOCX by their magic bytes, ``text/html`` when the start looks like
    an HTML page, else ``text/plain``.
    """
    magic = _by_magic(data)
    if magic:
        return magic
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return "text/html"
    # UTF-16 pages: look again without the NUL bytes.
    if b"\x00" in head and any(marker in head.replace(b"\x00", b"") for marker in _HTML_MARKERS):
        return "text/html"
    return "text/plain"


def _by_magic(data: bytes) -> str | None:
    """PDF and DOCX announce themselves in their first bytes, whatever the file is called."""
    # The PDF header may follow a little junk (some generators prepend a line).
    if b"%PDF-" in data[:1024]:
        return PDF
    if _docx.is_docx(data):
        return DOCX
    return None


def _check_media_type(media_type: str | None) -> None:
    if media_type is not None and media_type not in MEDIA_TYPES:
        raise InputError(f"unknown media type {media_type!r}: expected one of {', '.join(MEDIA_TYPES)}")


def media_type_of(filename: str) -> str | None:
    """The media type a file name's extension says (``None`` when it says nothing we read)."""
    return _EXTENSIONS.get(Path(filename).suffix.lower())


def _check_size(label: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise InputTooLarge(
            f"{label}: is larger than the limit of {max_bytes:,} bytes; "
            "raise the limit with --max-bytes (Options(max_bytes=...) in Python)"
        )


def _read_file(path: Path, label: str, max_bytes: int) -> bytes:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputNotFound(f"{label}: no such file; check the path") from None
    except OSError as e:
        raise InputNotFound(f"{label}: cannot be opened ({e.strerror}); check the path") from None
    if path.is_dir():
        raise InputNotFound(f"{label}: is a directory; expected a text, Markdown or HTML file")
    if not path.is_file():
        raise InputNotFound(f"{label}: is not a regular file; expected a text, Markdown or HTML file")
    # Refuse before reading: a huge file should cost nothing.
    if st.st_size > max_bytes:
        raise InputTooLarge(
            f"{label}: is {st.st_size:,} bytes, above the limit of {max_bytes:,} bytes; "
            "raise the limit with --max-bytes (Options(max_bytes=...) in Python)"
        )
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputNotFound(f"{label}: cannot be read ({e.strerror}); check its permissions") from None


def _decode(data: bytes, media_type: str, label: str, charset: str | None = None) -> Decoded:
    """Decode, honouring a charset declared by the server or the page when the bytes are not UTF-8."""
    declared = charset or (_html.declared_charset(data) if media_type == "text/html" else None)
    if declared and declared.replace("-", "").replace("_", "").lower() not in ("utf8", "utf16"):
        codec = _html.text_codec(declared)
        if codec is None:
            decoded = decode(data, label=label)
            note = f"declares charset {declared!r}, which is no text encoding; read as {decoded.encoding}"
            return decoded._replace(warnings=(note, *decoded.warnings))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                return Decoded(data.decode(codec), declared)
            except UnicodeError:
                pass
    return decode(data, label=label)


def _document(
    text: str,
    *,
    source: str,
    name: str | None,
    media_type: str,
    encoding: str | None,
    strict: bool,
    page: _html.Extracted | None = None,
    meta: dict[str, Any] | None = None,
) -> Document:
    """Normalise, convert Markdown/HTML, and build the Document.

    ``strict`` (files, stdin, bytes) refuses whitespace-only text; a string
    handed over in Python is taken as it is. ``page`` is what a PDF or DOCX
    reader extracted; ``meta`` adds to (and wins over) what the reader found.
    """
    label = source
    extra = dict(meta or {})
    text = normalise(text)
    title = date = None
    found: dict[str, Any] = {}
    if media_type == "text/markdown":
        text = normalise(_markdown.to_text(text))
    elif media_type == "text/html" and page is None:
        page = _html.extract(text, label=label)
    if page is not None:
        text, title, date, found = normalise(page.text), page.title, page.date, dict(page.meta)
    warnings = tuple(found.get("warnings", ())) + tuple(extra.get("warnings", ()))
    found.update(extra)
    if warnings:
        found["warnings"] = warnings
    meta = found
    if strict and not text.strip():
        raise EmptyInput(f"{label}: holds only whitespace (no text to compare); expected some text")
    doc_id = name or hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Document(
        id=doc_id,
        source=source,
        text=text,
        title=title,
        date=date,
        media_type=media_type,
        encoding=encoding,
        meta=MappingProxyType(meta),
        language=detect_language(text),
    )
