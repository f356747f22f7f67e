"""PDF → text with page offsets (pypdfium2, the text layer).

PDFium (BSD/Apache, the engine of Chromium's viewer) gives the text of each
page as rectangles of text runs. From them we rebuild lines and paragraphs:

- a **paragraph** ends where the gap to the next line is clearly wider than
  the page's usual line pitch, where the font size changes (a heading), or
  where the next line is indented;
- a word **hyphenated at a line end** is joined: PDFium marks such a hyphen
  (U+0002 / U+FFFE) and we drop it when a lower-case letter follows, keeping
  a plain hyphen otherwise ("Jean-" + "Pierre");
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
_SOFT_HYPHENS = ("\x02", "\ufffe", "\xad")
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
        try:
            pages = [_page_lines(pdf[i]) for i in range(len(pdf))]
            info = pdf.get_metadata_dict(skip_empty=True)
        finally:
            pdf.close()
    if not any(pages):
        raise NoTextLayer(
            f"{label}: has no text layer on any of its {len(pages)} pages (a scanned document?); "
            "run OCR on it first (for example ocrmypdf), or compare a text copy"
        )
    _drop_running_heads(pages)
    # The usual line pitch over the whole document: a short page alone says too little.
    pitches = [a.top - b.top for lines in pages for a, b in zip(lines, lines[1:]) if a.top > b.top]
    pitch = statistics.median(pitches) if pitches else 0.0
    text, starts = _assemble([_paragraphs(lines, pitch) for lines in pages])
    meta: dict[str, object] = {"pages": tuple(starts), "page_count": len(pages)}
    empty = [str(n) for n, lines in enumerate(pages, start=1) if not lines]
    if empty:
        meta["warnings"] = (f"no text on page{'s' if len(empty) > 1 else ''} {', '.join(empty)} "
                            "(scanned or images only); those pages are not compared",)
    if info.get("Author"):
        meta["author"] = info["Author"]
    return Extracted(text=text, title=info.get("Title") or None, date=_pdf_date(info), meta=meta)


def _page_lines(page: object) -> list[_Line]:
    """The page's text lines, top to bottom as PDFium orders them."""
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        lines: list[_Line] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top).replace("\r", "").replace("\n", " ")
            if not text.strip():
                continue
            prev = lines[-1] if lines else None
            # Runs on one baseline (a change of font mid-line) make one line.
            if prev is not None and bottom < prev.top and top > prev.bottom and abs(top - prev.top) < 0.5 * prev.height:
                prev.text = prev.text.rstrip() + " " + text.strip()
                prev.left = min(prev.left, left)
                continue
            lines.append(_Line(" ".join(text.split()) if not text.endswith(_SOFT_HYPHENS) else
                               " ".join(text[:-1].split()) + text[-1], left, top, bottom))
        return lines
    finally:
        textpage.close()
        page.close()  # type: ignore[attr-defined]


def _edge_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def _drop_running_heads(pages: list[list[_Line]]) -> None:
    """Remove running headers/footers and bare page numbers at page edges, in place."""
    with_text = [lines for lines in pages if lines]
    counts: Counter[str] = Counter()
    for lines in with_text:
        counts.update({_edge_key(line.text) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]})
    # On most pages (and on at least two): a running head, not a sentence that happens to repeat.
    repeated = {key for key, n in counts.items() if n >= 2 and n >= 0.6 * len(with_text)}
    for lines in pages:
        edge = set(range(min(_EDGE_LINES, len(lines)))) | set(range(max(0, len(lines) - _EDGE_LINES), len(lines)))
        drop = {i for i in edge
                if _edge_key(lines[i].text) in repeated or _PAGE_NUMBER.match(lines[i].text.strip())}
        lines[:] = [line for i, line in enumerate(lines) if i not in drop]


def _paragraphs(lines: list[_Line], pitch: float) -> list[str]:
    """Group a page's lines into paragraphs by gaps, size changes and indents."""
    if not lines:
        return []
    left = statistics.median(line.left for line in lines)
    paragraphs: list[list[str]] = [[lines[0].text]]
    for prev, line in zip(lines, lines[1:]):
        gap = prev.top - line.top
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
