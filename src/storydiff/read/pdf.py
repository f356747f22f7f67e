"""PDF → text with page offsets (pypdfium2, the text layer).

PDFium (BSD/Apache, the engine of Chromium's viewer) gives the text of each
page as lines in reading order, spaces between words inferred; from the
position and size of each line we rebuild paragraphs:

- a **paragraph** ends where the gap to the next line is clearly wider than
  the page's usual line pitch, where the font size changes (a heading), or
  where the next line is indented;
- a word **hyphenated at a line end** is joined: PDFium marks such a hyphen
  (U+FFFE / U+0002) and joins the lines itself; we drop the mark when a
  lower-case letter follows and keep a plain hyphen otherwise ("Jean-Pierre");
- **running headers and footers** (lines at the top or bottom of most pages
  that are the same once digits are ignored, e.g. "Ministry — page 3 of 9") and
  bare page numbers at a page edge are dropped;
- a paragraph that runs over a page break is joined when the page ends
  mid-sentence and the next page goes on in lower case.

``meta["pages"]`` lists the offset in ``Document.text`` where each page
begins (page ``n`` starts at ``pages[n - 1]``); :func:`storydiff.read.page_of`
turns an offset back into a page number. A PDF with no text layer at all (a
scan) is refused with a message that says to run OCR first.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections import Counter
from dataclasses import dataclass

from storydiff.errors import NoTextLayer, UndecodableInput
from storydiff.read.html import Extracted
from storydiff.read.text import normalise

# PDFium's marks for a hyphen it judged to be a line-end hyphenation.
_SOFT_HYPHENS = ("\x02", "\ufffe")
# A marked hyphen PDFium already joined to the next line's word.
_JOINED_HYPHEN = re.compile("[\x02\ufffe](?=(\\S))")
_PAGE_NUMBER = re.compile(r"^\W*(?:(?:page|p\.|seite|página|pagina)\s*)?[0-9ivxlc]+(?:\s*(?:of|/|sur|von|de)\s*\d+)?\W*$",
                          re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = ('.', '!', '?', ':', '"', '”', '’', "'", '»', ')')
# How many lines at each page edge may be a running header or footer.
_EDGE_LINES = 2
# PDFium keeps global state and is not thread-safe (the web server reads in threads).
_PDFIUM_LOCK = threading.Lock()


@dataclass(slots=True)
class _Line:
    text: str
    left: float
    top: float
    bottom: float
    # Where the line's last character stands: lower than ``top`` when PDFium
    # joined a hyphenated word across two printed lines.
    end_top: float = 0.0

    @property
    def height(self) -> float:
        return self.top - self.bottom


def read(data: bytes, *, label: str) -> Extracted:
    """The text of a PDF, paragraphs separated by blank lines, with page offsets.

    Args:
        data: the PDF file's bytes.
        label: how to name the input in error messages.

    Returns:
        An :class:`Extracted` whose ``meta`` holds ``pages`` (start offset
        of each page), ``page_count`` and, when some pages had no text,
        ``warnings``.

    Raises:
        UndecodableInput: damaged, password-protected or not a PDF.
        NoTextLayer: no page has any text (a scanned document).
    """
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            why = "is password-protected" if "password" in str(e).lower() else "is damaged or not a PDF"
            raise UndecodableInput(
                f"{label}: {why} ({e}); expected a PDF with a text layer, or save the text as .txt"
            ) from None
        pages: list[list[_Line]] = []
        damaged: list[str] = []
        try:
            for i in range(len(pdf)):
                try:
                    pages.append(_page_lines(pdf[i]))
                except pdfium.PdfiumError:  # one broken page should not cost the others
                    pages.append([])
                    damaged.append(str(i + 1))
            info = pdf.get_metadata_dict(skip_empty=True)
        finally:
            pdf.close()
    if damaged and len(damaged) == len(pages):
        raise UndecodableInput(f"{label}: is damaged (no page can be read); expected a PDF with a text layer, "
                               "or save the text as .txt")
    if not any(pages):
        raise NoTextLayer(
            f"{label}: has no text layer on any of its {len(pages)} pages (a scanned document?); "
            "run OCR on it first (for example ocrmypdf), or compare a text copy"
        )
    warnings = _warnings(pages, damaged)
    _drop_running_heads(pages)
    # The usual line pitch over the whole document (a short page alone says too little): the
    # lower quartile of the gaps, since a page of short paragraphs has nearly as many
    # paragraph gaps as line gaps.
    pitches = sorted(a.end_top - b.top for lines in pages for a, b in zip(lines, lines[1:]) if a.end_top > b.top)
    pitch = pitches[len(pitches) // 4] if pitches else 0.0
    text, starts = _assemble([_paragraphs(lines, pitch) for lines in pages])
    if not text.strip():
        raise NoTextLayer(f"{label}: has no text but running headers and page numbers on its {len(pages)} pages "
                          "(a scanned document?); run OCR on it first (for example ocrmypdf), or compare a text copy")
    meta: dict[str, object] = {"pages": tuple(starts), "page_count": len(pages)}
    if warnings:
        meta["warnings"] = warnings
    if info.get("Author"):
        meta["author"] = info["Author"]
    return Extracted(text=text, title=info.get("Title") or None, date=_pdf_date(info), meta=meta)


def _warnings(pages: list[list[_Line]], damaged: list[str]) -> tuple[str, ...]:
    """What the user should know about pages that give no text."""
    empty = [str(n) for n, lines in enumerate(pages, start=1) if not lines and str(n) not in damaged]
    out = []
    if empty:
        out.append(f"no text on page{'s' if len(empty) > 1 else ''} {', '.join(empty)} "
                   "(scanned or images only); those pages are not compared")
    if damaged:
        out.append(f"page{'s' if len(damaged) > 1 else ''} {', '.join(damaged)} damaged and skipped")
    return tuple(out)


def _page_lines(page: object) -> list[_Line]:
    """The page's text lines in PDFium's reading order, each placed by its first character.

    PDFium's own text (spaces between words inferred, lines ended by CRLF,
    line-end hyphens marked and joined) is kept; positions come from the
    loose box (the font's full height) of each line's first character, so
    that glyph shapes do not move a line.
    """
    import pypdfium2 as pdfium

    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count)
        lines: list[_Line] = []
        index = 0
        for raw_line in text.split("\r\n"):
            first = index + len(raw_line) - len(raw_line.lstrip())
            last = index + len(raw_line.rstrip()) - 1
            index += len(raw_line) + 2
            words = _JOINED_HYPHEN.sub(_unhyphenate, " ".join(raw_line.split()))
            if not words:
                continue
            try:
                left, bottom, _, top = textpage.get_charbox(min(first, count - 1), loose=True)
                end_top = textpage.get_charbox(min(last, count - 1), loose=True)[3]
            except pdfium.PdfiumError:  # no box for this character: keep the line where the last one was
                left, bottom, top = (lines[-1].left, lines[-1].bottom, lines[-1].end_top) if lines else (0.0,) * 3
                end_top = top
            lines.append(_Line(words, left, top, bottom, end_top))
        return lines
    finally:
        textpage.close()
        page.close()  # type: ignore[attr-defined]


def _unhyphenate(m: re.Match[str]) -> str:
    return "" if m.group(1).islower() else "-"


def _edge_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def _edges(lines: list[_Line]) -> set[int]:
    """The lines nearest the top and the bottom of the page (by position: a running head
    often comes last in the text even though it is printed at the top)."""
    by_height = sorted(range(len(lines)), key=lambda i: lines[i].top)
    return set(by_height[:_EDGE_LINES]) | set(by_height[-_EDGE_LINES:])


def _drop_running_heads(pages: list[list[_Line]]) -> None:
    """Remove running headers/footers and bare page numbers at page edges, in place."""
    with_text = [lines for lines in pages if lines]
    counts: Counter[str] = Counter()
    for lines in with_text:
        counts.update({_edge_key(lines[i].text) for i in _edges(lines)})
    # On most pages (and on at least two): a running head, not a sentence that happens to repeat.
    repeated = {key for key, n in counts.items() if n >= 2 and n >= 0.6 * len(with_text)}
    for lines in pages:
        drop = {i for i in _edges(lines)
                if _edge_key(lines[i].text) in repeated or _PAGE_NUMBER.match(lines[i].text)}
        lines[:] = [line for i, line in enumerate(lines) if i not in drop]


def _paragraphs(lines: list[_Line], pitch: float) -> list[str]:
    """Group a page's lines into paragraphs by gaps, size changes and indents."""
    if not lines:
        return []
    left = statistics.median(line.left for line in lines)
    paragraphs: list[list[str]] = [[lines[0].text]]
    for prev, line in zip(lines, lines[1:]):
        gap = prev.end_top - line.top
        new = (
            gap <= 0  # a new column or a jump back up the page
            or (pitch and gap > 1.45 * pitch)
            or abs(line.height - prev.height) > 0.25 * max(line.height, prev.height)
            or line.left - left > 1.2 * line.height
        )
        if new:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
    # Normalised here, so that the page offsets hold in the final text.
    return [t for t in (normalise(_join_lines(p)) for p in paragraphs) if t]


def _join_lines(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        out = _join(out, line)
    return out.strip()


def _join(left: str, right: str) -> str:
    """Join two lines: drop a line-end hyphenation, keep a real hyphen, else a space."""
    right = right.strip()
    if left.endswith(_SOFT_HYPHENS):
        stem = left[:-1]
        return stem + right if right[:1].islower() else stem + "-" + right
    if left.endswith("-") and left[-2:-1].isalpha() and right[:1].isalpha():
        return left + right
    return left.rstrip() + " " + right


def _assemble(pages: list[list[str]]) -> tuple[str, list[int]]:
    """One text, paragraphs separated by blank lines, and where each page starts in it."""
    text = ""
    starts: list[int | None] = []
    for paragraphs in pages:
        if not paragraphs:
            starts.append(None)  # an empty page starts where the next one does
            continue
        first, rest = paragraphs[0], paragraphs[1:]
        continues = text and not text.rstrip().endswith(_SENTENCE_END) and first[:1].islower()
        if continues:
            joined = _join(text, first)
            # The page starts where its first word now stands.
            starts.append(len(joined) - len(first.strip()))
            text = joined
        else:
            text = text + "\n\n" if text else text
            starts.append(len(text))
            text += first
        for paragraph in rest:
            text += "\n\n" + paragraph
    text = text.replace("\x02", "-").replace("\ufffe", "-")
    filled: list[int] = []
    following = len(text)
    for start in reversed(starts):
        following = following if start is None else start
        filled.append(following)
    return text, filled[::-1]


def _pdf_date(info: dict[str, str]) -> str | None:
    """``D:20240314093000+01'00'`` → ``2024-03-14``."""
    raw = info.get("CreationDate") or info.get("ModDate") or ""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", raw)
    if not m:
        return None
    year, month, day = m.group(1), m.group(2) or "01", m.group(3) or "01"
    return f"{year}-{month}-{day}"
