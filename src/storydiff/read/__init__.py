"""Reading documents: files, standard input, bytes, strings → :class:`Document`.

``load`` handles plain text, Markdown and HTML; it sniffs the media type from
the file extension, else from the content, and the encoding from the bytes
(see :mod:`storydiff.read.text`). Every offset later on refers to the one
normalised ``Document.text`` made here. Bad input raises an
:class:`~storydiff.errors.InputError` whose message starts with the input's
name and says what to do.
"""

from __future__ import annotations

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
from storydiff.read import html as _html
from storydiff.read import markdown as _markdown
from storydiff.read.text import decode, normalise

__all__ = ["DEFAULT_MAX_BYTES", "MEDIA_TYPES", "from_text", "load", "media_type_of", "sniff_media_type"]

#: Every media type storydiff reads, with how a person would call it: the CLI, the web page and the
#: API take their choices from here.
MEDIA_TYPES = {"text/plain": "plain text", "text/markdown": "Markdown", "text/html": "HTML"}

_EXTENSIONS = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
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
        media_type: ``text/plain``, ``text/markdown`` or ``text/html``;
            default: from the file extension, else sniffed from the content.
        name: the document id; default: the path as given, else a content hash.
        max_bytes: refuse inputs larger than this (checked before reading a file).

    Returns:
        A :class:`Document` with the detected ``encoding`` and ``media_type``;
        HTML pages also give ``title``, ``date`` and ``meta``.

    Raises:
        InputNotFound: the path is missing, a directory or not a regular file.
        InputTooLarge: the input is above ``max_bytes``.
        UndecodableInput: binary data, or no encoding fits.
        EmptyInput: nothing but whitespace, or an HTML page without main text.

    Example:
        >>> load(b"Hello world.", name="hello").text
        'Hello world.'
    """
    if media_type is not None and media_type not in MEDIA_TYPES:
        raise InputError(f"unknown media type {media_type!r}: expected one of {', '.join(MEDIA_TYPES)}")
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
    if not data.strip():
        raise EmptyInput(
            f"{label}: is empty or only whitespace (no text to compare); expected a text, Markdown or HTML file"
        )
    kind = media_type or (media_type_of(given) if given else None) or sniff_media_type(data)
    text, encoding = _decode(data, kind, label)
    return _document(text, source=label, name=name or given, media_type=kind, encoding=encoding, strict=True)


def sniff_media_type(data: bytes) -> str:
    """``text/html`` when the start of ``data`` looks like an HTML page, else ``text/plain``."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return "text/html"
    # UTF-16 pages: look again without the NUL bytes.
    if b"\x00" in head and any(marker in head.replace(b"\x00", b"") for marker in _HTML_MARKERS):
        return "text/html"
    return "text/plain"


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


def _decode(data: bytes, media_type: str, label: str) -> tuple[str, str]:
    if media_type == "text/html":
        declared = _html.declared_charset(data)
        if declared and declared.replace("-", "").replace("_", "") not in ("utf8", "utf16"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    return data.decode(declared), declared
                except (LookupError, UnicodeDecodeError):
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
) -> Document:
    """Normalise, convert Markdown/HTML, and build the Document.

    ``strict`` (files, stdin, bytes) refuses whitespace-only text; a string
    handed over in Python is taken as it is.
    """
    label = source
    text = normalise(text)
    title = date = None
    meta: dict[str, Any] = {}
    if media_type == "text/markdown":
        text = normalise(_markdown.to_text(text))
    elif media_type == "text/html":
        page = _html.extract(text, label=label)
        text, title, date, meta = normalise(page.text), page.title, page.date, page.meta
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
