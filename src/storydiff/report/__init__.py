"""Rendering a Comparison: text, json, markdown, csv, html.

PLACEHOLDER: replaced by the reporting stage.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storydiff.comparison import Comparison

FORMATS = ("text", "json")


def render(comparison: Comparison, fmt: str = "text", **kwargs: object) -> str:
    if fmt == "json":
        return json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2)
    lines = []
    for g in comparison.alignment.groups:
        lines.append(f"{g.verdict.value:9} {comparison.a.text_of(g.a)[:60]!r} -> {comparison.b.text_of(g.b)[:60]!r}")
    return "\n".join(lines)
