"""HTML → main text with paragraph breaks, title and date (trafilatura).

trafilatura finds the article body and drops navigation, headers, footers,
sidebars and cookie banners. Its plain-text output puts one block (paragraph,
heading, list item) per line; we separate blocks by one blank line so that
paragraphs survive into segmentation.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from storydiff.errors import EmptyInput

# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


# Never main text (pruned before extraction).
_BOILERPLATE_XPATHS = (
    "//nav",
    "//footer",
    "//aside",
    "//*[@role='navigation' or @role='banner' or @role='contentinfo']",
    "//*[contains(@class, 'cookie') or contains(@id, 'cookie')]",
)


@dataclass(frozen=True, slots=True)
class Extracted:
    """What was found in a page."""

    text: str
    title: str | None = None
    date: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag near its start, if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def text_codec(name: str) -> str | None:
    """Python's codec for a declared charset, or None when it names no text encoding.

    Pages declare anything: ``undefined`` (a codec that always raises),
    ``base64`` (bytes to bytes), ``utf-7`` (which browsers refuse to honour).
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in ("undefined", "utf-7"):
        return None
    return info.name


def extract(html: str, *, label: str) -> Extracted:
    """The main text of a page, paragraphs separated by blank lines.

    Args:
        html: the decoded page.
        label: how to name the input in error messages.

    Returns:
        An :class:`Extracted` with text, title, date (ISO) and other metadata
        (author, site name, url, description) when the page has them.

    Raises:
        EmptyInput: when no main text can be found (a page of links only).
    """
    import trafilatura

    doc = None
    # Precision first (the default); short pages fall under trafilatura's size
    # thresholds, so retry favouring recall before giving up. On a page with
    # no article trafilatura's fallbacks take menus for text, so navigation,
    # footers, sidebars and cookie banners are pruned before it looks.
    for recall in (False, True):
        doc = trafilatura.bare_extraction(
            _parse(html),
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            favor_recall=recall,
            prune_xpath=list(_BOILERPLATE_XPATHS),
        )
        if doc is not None and (doc.text or "").strip():
            break
    text = (doc.text or "") if doc is not None else ""
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    if not paragraphs:
        raise EmptyInput(
            f"{label}: no main text found in this HTML page (only navigation or boilerplate?); "
            "expected an article page, or save the text itself as .txt"
        )
    meta = {
        key: getattr(doc, key)
        for key in ("author", "sitename", "url", "description", "hostname")
        if getattr(doc, key, None)
    }
    return Extracted(
        text="\n\n".join(paragraphs),
        title=(doc.title or None) if doc is not None else None,
        date=(doc.date or None) if doc is not None else None,
        meta=meta,
    )


def _parse(html: str) -> Any:
    """The page as an lxml tree, nested as deep as it is.

    libxml2 stops descending at 255 levels unless ``huge_tree`` is on, and
    trafilatura's own parser leaves it off, so the text of a deeply nested
    page silently vanished. Parsed here per extraction attempt because
    trafilatura prunes the tree it is given.
    """
    import lxml.etree
    import lxml.html

    options = {"huge_tree": True, "collect_ids": False, "remove_comments": True, "remove_pis": True}
    try:
        try:
            return lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(**options))
        except ValueError:  # a str that carries an XML encoding declaration: hand lxml bytes instead
            data = html.encode("utf-8", errors="surrogatepass")
            return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8", **options))
    except (ValueError, lxml.etree.ParserError):
        return html  # nothing lxml calls a document; trafilatura has its own fallbacks
