"""The ``json`` format: the ``storydiff.comparison/1`` document, pretty-printed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storydiff.report._controls import escape_json_controls

if TYPE_CHECKING:
    from storydiff.model import Comparison


def render_json(comparison: Comparison, *, min_severity: str | None = None) -> str:
    """``Comparison.to_dict()`` as indented JSON, non-ASCII kept as is, every control character escaped.

    Args:
        comparison: the comparison to render.
        min_severity: keep only changes at or above it; ``None`` keeps all.
    """
    return dumps(comparison.to_dict(min_severity=min_severity), indent=2)


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON with non-ASCII kept as is and every control character escaped (inert on a terminal).

    ``json.dumps`` escapes C0 controls but leaves DEL, the C1 controls (a
    one-byte CSI among them) and bidi overrides raw; they are escaped too.
    """
    return escape_json_controls(json.dumps(obj, ensure_ascii=False, indent=indent))
