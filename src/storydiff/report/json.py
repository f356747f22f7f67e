"""The ``json`` format: the ``storydiff.comparison/1`` document, pretty-printed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from storydiff.report._controls import escape_json_controls

if TYPE_CHECKING:
    from storydiff.model import Comparison


def render_json(comparison: Comparison, *, min_severity: str | None = None) -> str:
    """``Comparison.to_dict()`` as indented JSON, non-ASCII kept as is, every control character escaped.

    Args:
        comparison: the comparison to render.
        min_severity: keep only changes at or above it; ``None`` keeps all.
    """
    text = json.dumps(comparison.to_dict(min_severity=min_severity), ensure_ascii=False, indent=2)
    return escape_json_controls(text)
