"""Rendering a Comparison: text, json, markdown, csv, html.

Every renderer works from the one JSON document, ``Comparison.to_dict()``,
so all formats tell the same story; :func:`render` dispatches on the format
name. Human-facing formats (text, markdown, html) are usually asked for with
``min_severity="medium"`` (the CLI's default); json and csv carry every
change unless a floor is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storydiff.errors import OptionError
from storydiff.model import Severity
from storydiff.report._controls import visible

if TYPE_CHECKING:
    from storydiff.model import Comparison

FORMATS = ("text", "json", "markdown", "csv", "html")
#: How a severity floor reads in a menu.
FLOOR_LABELS = {Severity.HIGH: "high only", Severity.MEDIUM: "medium and above", Severity.LOW: "all (low included)"}


def render(
    comparison: Comparison,
    fmt: str = "text",
    *,
    min_severity: str | None = None,
    color: bool = False,
    width: int | None = None,
    fragment: bool = False,
) -> str:
    """Render a comparison as text, JSON, Markdown, CSV or a self-contained HTML page.

    Args:
        comparison: what :func:`storydiff.compare` returned.
        fmt: one of :data:`FORMATS`.
        min_severity: ``"high"``, ``"medium"`` or ``"low"``: show changes at
            or above it. ``None`` shows every change. In HTML, changes below
            the floor are still in the page, hidden until the severity
            filter is lowered.
        color: ANSI colour in the ``text`` format (the caller decides, e.g.
            from ``NO_COLOR`` and whether stdout is a terminal).
        width: line width of the ``text`` format (default 100).
        fragment: ``html`` only: a ``<div>`` without ``<html>``, script or
            page-level controls, for embedding (notebooks).

    Returns:
        The rendered report as one string.

    Raises:
        OptionError: for an unknown format or severity.

    Example:
        >>> import storydiff
        >>> from storydiff.report import render
        >>> c = storydiff.compare("It rained on Monday.", "It rained on Monday.")
        >>> render(c, "json").startswith("{")
        True
    """
    if fmt not in FORMATS:
        raise OptionError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if min_severity is not None:
        min_severity = str(min_severity)
        if min_severity not in {s.value for s in Severity}:
            raise OptionError(f"unknown severity {min_severity!r}: expected {', '.join(Severity)}")
    if fmt == "json":
        from storydiff.report.json import render_json

        return render_json(comparison, min_severity=min_severity)
    data = comparison.to_dict()
    if fmt == "csv":
        from storydiff.report.csv import render_csv

        return render_csv(data, min_severity=min_severity)
    if fmt == "markdown":
        from storydiff.report.markdown import render_markdown

        return render_markdown(data, min_severity=min_severity)
    if fmt == "html":
        from storydiff.report.html import render_html

        return render_html(data, min_severity=min_severity, fragment=fragment)
    from storydiff.report.text import render_text

    return render_text(data, min_severity=min_severity, color=color, width=width)


__all__ = ["FLOOR_LABELS", "FORMATS", "render", "visible"]
