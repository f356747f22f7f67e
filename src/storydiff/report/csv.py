"""The ``csv`` format: one row per change, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io
from typing import Any

from storydiff.report._controls import neutralised
from storydiff.report._layout import visible

# A cell a spreadsheet would evaluate: a formula (=, +, -, @) or one that a tab or carriage return starts.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "kind", "category", "severity", "a_start", "a_end", "a_text",
    "b_start", "b_end", "b_text", "explanation", "group", "confidence",
)


def spreadsheet_cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe.

    A document is anyone's text, and "=HYPERLINK(…)" or "@SUM(…)" in it must not run when a reader opens the
    CSV in a spreadsheet. Numbers pass unchanged; the JSON report keeps every text exactly.

    Example:
        >>> spreadsheet_cell("=1+2"), spreadsheet_cell("@SUM(A1)"), spreadsheet_cell("the vote"), spreadsheet_cell(-3)
        ("'=1+2", "'@SUM(A1)", 'the vote', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(change: dict[str, Any]) -> list[Any]:
    a, b = change.get("a") or {}, change.get("b") or {}
    return [spreadsheet_cell(v) for v in (
        change["kind"], change["category"], change["severity"],
        a.get("start", ""), a.get("end", ""), change.get("a_text") or "",
        b.get("start", ""), b.get("end", ""), change.get("b_text") or "",
        change.get("explanation") or "", change.get("group", ""), change.get("confidence", ""),
    )]


def render_csv(data: dict[str, Any], *, min_severity: str | None = None) -> str:
    """Changes as CSV with a header row (:data:`COLUMNS`), in document order of A.

    Empty cells stand for "none" (no span on that side, no group). Offsets are
    character indices into each document's normalised text. Control characters
    in quoted text show as visible stand-ins (``␛`` for ESC; see
    :mod:`storydiff.report._controls`), and a text cell that a spreadsheet would
    run as a formula starts with an apostrophe (:func:`spreadsheet_cell`).

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
