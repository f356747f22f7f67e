"""DOCX → text: body, tables, footnotes and endnotes (docx2python, MIT).

Tracked changes are **accepted**: inserted text is kept, deleted text and the
old place of moved text are dropped, so the document reads as it would after
"Accept all changes". ``meta["tracked_changes"]`` says how many insertions,
deletions and moves were accepted, so a report can tell that the draft still
had open revisions. Comments, headers and footers are not part of the text.

Each paragraph, list item (its bullet or number dropped, as the Markdown
reader does) and table row becomes one paragraph of the text (cells of a row
joined by spaces, as for Markdown tables). A footnote mark
reads ``[1]`` where it stands, and the notes follow the body as paragraphs
starting ``[1]``.

A DOCX is a zip archive: its parts are checked before unpacking (count and
uncompressed size), so a zip bomb is refused instead of filling memory.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from typing import Any

from storydiff.errors import InputTooLarge, UndecodableInput
from storydiff.read.html import Extracted
from storydiff.read.text import normalise

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCUMENT = "word/document.xml"
# Revision marks that hold text and what accepting them does.
_DROPPED = ("del", "moveFrom")  # removed with their text
_UNWRAPPED = ("ins", "moveTo")  # text kept, the wrapper goes
_COUNTED = {"del": "deletions", "ins": "insertions", "moveFrom": "moves"}
# A real document's parts unpack to a few times their zipped size; a bomb to thousands.
_MAX_EXPANSION = 100
_MAX_PARTS = 10_000
# What zipfile raises on a damaged or hostile archive (it has no common base class).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError,
               KeyError)
_NOTE_MARK = re.compile(r"----(foot|end)note(\d+)----")
_NOTE_HEAD = re.compile(r"^(foot|end)note(\d+)\)\s*")
# docx2python writes a list item's bullet or number, then a tab; dropped as the Markdown reader
# drops list markers (renumbering a list is not a change of what it says).
_LIST_MARK = re.compile(r"^\s*(?:--|[•◦▪·*o-]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcdmIVXLCDM]{1,6})[.)])\t")
_MEDIA_MARK = re.compile(r"----(?:media/[^-]*|Image alt text---->[^<]*<)----?")


def is_docx(data: bytes) -> bool:
    """True when ``data`` is a zip archive holding a Word document part."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _DOCUMENT in archive.namelist()
    except _ZIP_ERRORS:
        return False


def read(data: bytes, *, label: str, max_bytes: int) -> Extracted:
    """The text of a Word document with tracked changes accepted.

    Args:
        data: the .docx file's bytes.
        label: how to name the input in error messages.
        max_bytes: the input size limit; the unpacked parts may be up to
            100 times larger.

    Returns:
        An :class:`Extracted`; ``meta`` holds ``tracked_changes`` (counts of
        accepted ``insertions``, ``deletions`` and ``moves``) and the author
        when the file records one.

    Raises:
        UndecodableInput: not a Word document, or a damaged one.
        InputTooLarge: the archive unpacks to far more than it weighs.
    """
    from docx2python import docx2python

    accepted, changes = _accept_changes(data, label=label, max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            # docx2python warns when docProps/core.xml is absent (Google Docs exports): not our reader's concern.
            warnings.simplefilter("ignore")
            with docx2python(io.BytesIO(accepted), duplicate_merged_cells=False) as content:
                body, notes = content.body, content.footnotes + content.endnotes
                props = content.core_properties
    except Exception as e:  # docx2python raises whatever its XML and zip layers raise on a damaged file
        raise UndecodableInput(f"{label}: is a damaged Word document ({type(e).__name__}: {e}); "
                               "re-save it from Word, or save the text as .txt") from None
    paragraphs = _blocks(body) + [_NOTE_HEAD.sub(_note_head, p) for p in _blocks(notes)]
    meta: dict[str, Any] = {"tracked_changes": changes}
    if props.get("creator"):
        meta["author"] = props["creator"]
    # The last save dates this version of a draft; creation may be the template's.
    date = (props.get("modified") or props.get("created") or "")[:10] or None
    return Extracted(text="\n\n".join(paragraphs), title=props.get("title") or None, date=date, meta=meta)


def _note_head(m: re.Match[str]) -> str:
    return f"[{m.group(2)}] "


def _blocks(tables: list[Any]) -> list[str]:
    """docx2python's tables → paragraphs: a real table gives one paragraph per row."""
    out: list[str] = []
    for table in tables:
        real_table = len(table) > 1 or any(len(row) > 1 for row in table)
        for row in table:
            cells = [[_clean(p) for p in cell] for cell in row]
            if real_table:
                line = " ".join(" ".join(p for p in cell if p) for cell in cells)
                out.extend([line] if line.strip() else [])
            else:
                out.extend(p for cell in cells for p in cell if p)
    return out


def _clean(paragraph: str) -> str:
    text = _LIST_MARK.sub("", paragraph)
    text = _NOTE_MARK.sub(lambda m: f"[{m.group(2)}]", text)
    text = _MEDIA_MARK.sub("", text)
    return normalise(" ".join(text.split()))


def _accept_changes(data: bytes, *, label: str, max_bytes: int) -> tuple[bytes, dict[str, int]]:
    """The archive with every tracked change accepted, and how many there were."""
    import lxml.etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as e:
        raise UndecodableInput(f"{label}: is not a readable Word document ({e}); expected a .docx file") from None
    with archive:
        infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        if len(infos) > _MAX_PARTS or unpacked > _MAX_EXPANSION * max(len(data), 1) or unpacked > 20 * max_bytes:
            raise InputTooLarge(
                f"{label}: unpacks to {unpacked:,} bytes in {len(infos):,} parts, far more than a Word "
                "document of its size (a zip bomb?); refusing to read it"
            )
        if _DOCUMENT not in archive.namelist():
            raise UndecodableInput(f"{label}: is a zip archive but not a Word document (no {_DOCUMENT}); "
                                   "expected a .docx file")
        try:
            # zipfile stops at each part's declared size, which the check above bounds.
            parts = {i.filename: archive.read(i) for i in infos}
        except _ZIP_ERRORS as e:
            raise UndecodableInput(f"{label}: is a damaged Word document ({e}); re-save it from Word, "
                                   "or save the text as .txt") from None
    counts = {"insertions": 0, "deletions": 0, "moves": 0}
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for name in [n for n in parts if n.startswith("word/") and n.endswith(".xml") and "/_rels/" not in n]:
        try:
            root = lxml.etree.fromstring(parts[name], parser=parser)
        except lxml.etree.XMLSyntaxError as e:
            raise UndecodableInput(f"{label}: is a damaged Word document ({name}: {e}); re-save it from Word") from None
        if _accept(root, counts):
            parts[name] = lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, payload in parts.items():
            z.writestr(name, payload)
    return out.getvalue(), counts


def _accept(root: Any, counts: dict[str, int]) -> bool:
    """Accept the revisions under ``root`` in place; True when any was found."""
    found = False
    for tag in _DROPPED + _UNWRAPPED:
        # A list, since the tree changes under the loop; built per tag so that
        # marks inside a removed deletion are gone already.
        for el in list(root.iter(f"{{{_W}}}{tag}")):
            parent = el.getparent()
            # A w:del/w:ins inside run or paragraph properties marks a deleted/inserted
            # paragraph mark, not text: nothing to remove.
            if parent is None or parent.tag in (f"{{{_W}}}rPr", f"{{{_W}}}pPr"):
                continue
            found = True
            if tag != "moveTo":  # a move is counted once, at its old place
                counts[_COUNTED[tag]] += 1
            if tag in _DROPPED:
                _remove(el)
            else:
                _unwrap(el)
    return found


def _remove(el: Any) -> None:
    parent = el.getparent()
    # Keep the text that followed the element (lxml stores it on the element as its tail).
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _unwrap(el: Any) -> None:
    parent = el.getparent()
    index = parent.index(el)
    for offset, child in enumerate(list(el)):
        parent.insert(index + offset, child)
    _remove(el)
