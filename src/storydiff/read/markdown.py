"""Markdown → plain text: keep the words, drop the markup.

Parsed with markdown-it-py (CommonMark, already installed with rich), so
emphasis, links, images, headings, lists, quotes and tables are understood
the way a renderer would, rather than guessed by regexes. Each block
(heading, paragraph, list item, quote paragraph, table row, code block)
becomes one paragraph; blocks are separated by one blank line. A soft line
break inside a paragraph becomes a space, a hard break a newline.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")

# Inline tokens whose text is shown to a reader.
_TEXT_TOKENS = frozenset({"text", "code_inline"})


def to_text(markdown: str) -> str:
    """The readable text of a Markdown document, one blank line between blocks.

    Example:
        >>> to_text("# Title\\n\\nSome **bold** [link](http://x).\\n\\n- one\\n- two")
        'Title\\n\\nSome bold link.\\n\\none\\n\\ntwo'
    """
    blocks: list[str] = []
    row: list[str] | None = None
    for tok in _MD.parse(markdown):
        if tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            blocks.append(" ".join(cell for cell in row if cell))
            row = None
        elif tok.type == "inline":
            text = _inline_text(tok.children or [])
            if row is not None:
                row.append(text.strip())
            else:
                blocks.append(text)
        elif tok.type in ("fence", "code_block"):
            blocks.append(tok.content.rstrip("\n"))
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in _TEXT_TOKENS:
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            # The alt text is what a reader of the rendered page is told.
            parts.append(_inline_text(child.children or []))
    return "".join(parts)
