"""The ``csv`` format: one row per change, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io
from typing import Any

from storydiff.report._controls import neutralised
from storydiff.report._layout import visible

COLUMNS = (
    "kind", "category", "severity", "a_start", "a_end", "a_text",
    "b_start", "b_end", "b_text", "explanation", "group", "confidence",
)


def _row(change: dict[str, Any]) -> list[Any]:
    a, b = change.get("a") or {}, change.get("b") or {}
    return [
        change["kind"], change["category"], change["severity"],
        a.get("start", ""), a.get("end", ""), change.get("a_text") or "",
        b.get("start", ""), b.get("end", ""), change.get("b_text") or "",
        change.get("explanation") or "", change.get("group", ""), change.get("confidence", ""),
    ]


def render_csv(data: dict[str, Any], *, min_severity: str | None = None) -> str:
    """Changes as CSV with a header row (:data:`COLUMNS`), in document order of A.

    Empty cells stand for "none" (no span on that side, no group). Offsets are
    character indices into each document's normalised text. Control characters
    in quoted text show as visible stand-ins (``␛`` for ESC; see
    :mod:`storydiff.report._controls`).

    Args:
        data: ``Comparison.to_dict()``.
        min_severity: keep only changes at or above it; ``None`` keeps all.
    """
    data = neutralised(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for change in data["changes"]:
        if visible(change, min_severity):
            writer.writerow(_row(change))
    return out.getvalue()
