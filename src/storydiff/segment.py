"""Segmenting: Document → paragraphs and sentences as character spans.

PLACEHOLDER: replaced by the segmentation stage.
"""

from __future__ import annotations

import re

from storydiff.model import Document, Segmentation, Sentence, Span


def segment(doc: Document) -> Segmentation:
    sentences: list[Sentence] = []
    paragraphs: list[Span] = []
    for p in re.finditer(r"[^\n]+", doc.text):
        pi = len(paragraphs)
        paragraphs.append(Span(p.start(), p.end()))
        for m in re.finditer(r"\S.*?(?:[.!?](?=\s|$)|$)", p.group()):
            sentences.append(Sentence(len(sentences), p.start() + m.start(), p.start() + m.end(), m.group(), pi))
    return Segmentation(doc, tuple(sentences), tuple(paragraphs))
