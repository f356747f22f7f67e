"""Reading documents: files, standard input, strings → :class:`Document`.

PLACEHOLDER: replaced by the reading stage (plain text, Markdown, HTML, encodings).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from storydiff.model import Document
from storydiff.options import DEFAULT_MAX_BYTES


def from_text(text: str, *, source: str = "<string>", name: str | None = None,
              media_type: str = "text/plain") -> Document:
    """A document from a string already in memory."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc_id = name or hashlib.sha256(text.encode()).hexdigest()[:16]
    return Document(id=doc_id, source=source, text=text, media_type=media_type)


def load(source: str | Path | bytes, *, media_type: str | None = None, name: str | None = None,
         max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a document from a path, ``-`` (stdin) or bytes."""
    path = Path(source)  # type: ignore[arg-type]
    return from_text(path.read_text(encoding="utf-8"), source=str(path), name=name or path.name)
