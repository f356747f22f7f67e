"""The ``text`` format: a terminal report drawn with rich.

Aligned groups in the order of document A, one symbol each::

    =  identical       (dim, one line)
    ≈  reworded        (one line: A text │ B text, truncated)
    ≠  changed         (bold yellow; A and B in full, then one line per change)
    -  removed from A  (magenta, at its A position)
    +  added in B      (blue, after the group that precedes it in B)
    ↪  moved           (at the A position: where it went in B)
    ↩  moved here      (at the B position: where it came from in A)

Symbols carry the meaning, colours only repeat it, so the report reads the
same without colour; ``color=False`` emits no ANSI codes at all.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from storydiff.report._controls import neutralised
from storydiff.report._layout import (
    SEVERITIES,
    Layout,
    Row,
    build_layout,
    likelihood,
    counted,
    doc_label,
    doc_language,
    severity_counts,
    verdicts_of,
    visible,
)

SYMBOLS = {"identical": "=", "reworded": "≈", "changed": "≠", "translated": "⇄", "removed": "-", "added": "+", "moved": "↪",
           "moved-here": "↩"}
_SYMBOL_STYLE = {"identical": "dim", "reworded": "cyan", "translated": "cyan", "changed": "bold yellow", "removed": "bold magenta",
                 "added": "bold blue", "moved": "bold cyan", "moved-here": "cyan"}
_TEXT_STYLE = {"identical": "dim", "reworded": "", "changed": "", "removed": "magenta", "added": "blue"}
# Underline as well as colour: a highlighted word stays visible without colour vision or colour.
_MARK_STYLE = {"high": "bold underline dark_orange", "medium": "underline yellow", "low": "underline"}
_SEV_STYLE = {"high": "bold dark_orange", "medium": "yellow", "low": "dim"}


def _flat(s: str) -> str:
    return " ".join(s.split())


def _short(s: str | None, n: int = 40) -> str:
    s = _flat(s or "")
    return s if len(s) <= n else s[: n - 1] + "…"


class _Writer:
    """Accumulates the rows of one grid: symbol, side tag, text."""

    def __init__(self, layout: Layout, min_severity: str | None, width: int) -> None:
        self.layout = layout
        self.min_severity = min_severity
        self.width = width
        self.text_width = max(width - 6, 20)
        self.grid = Table.grid(padding=(0, 1))
        self.grid.add_column(width=1, no_wrap=True)
        self.grid.add_column(width=1, no_wrap=True)
        self.grid.add_column(overflow="fold")

    def line(self, sym: str, sym_style: str, tag: str, text: Text) -> None:
        tag_style = _SYMBOL_STYLE["moved"] if tag == SYMBOLS["moved"] else "dim"
        self.grid.add_row(Text(sym, style=sym_style), Text(tag, style=tag_style), text)

    def one_liner(self, text: str, style: str, width: int | None = None) -> Text:
        t = Text(_flat(text), style=style)
        t.truncate(width or self.text_width, overflow="ellipsis")
        return t

    def marked(self, side: str, indices: tuple[int, ...], changes: list[dict[str, Any]], style: str) -> Text:
        """The sentences' text with the visible changes' words underlined."""
        start, end = self.layout.bounds(side, indices)
        t = Text(self.layout.text(side, indices).replace("\n", " "), style=style)
        for c in changes:
            span = c.get(side)
            if span and span["end"] > start and span["start"] < end:
                t.stylize(_MARK_STYLE.get(c["severity"], "underline"), max(span["start"], start) - start,
                          min(span["end"], end) - start)
        return t

    def change_line(self, c: dict[str, Any]) -> None:
        t = Text("• ")
        t.append(f"{c['category']}: ", style="bold")
        if c["kind"] == "changed":
            for k, side in enumerate(("a_text", "b_text")):
                words = _short(c.get(side))
                if k:
                    t.append(" → ")
                # An insertion or deletion has no words on one side: say so instead of showing ''.
                t.append(repr(words) if words else "nothing", style="" if words else "italic dim")
        else:
            t.append(c["kind"])
        t.append("  ")
        t.append(f"[{c['severity']}]", style=_SEV_STYLE.get(c["severity"], ""))
        if likelihood(c):
            t.append(f" {likelihood(c)}", style="dim")  # how likely the meaning changed, in words
        if c.get("explanation"):
            t.append(f"  {_flat(c['explanation'])}", style="dim")
        self.line("", "", "", t)

    def row_changes(self, row: Row) -> list[dict[str, Any]]:
        changes = self.layout.data["changes"]
        return [changes[ci] for ci in self.layout.row_changes.get(row.id, ()) if visible(changes[ci], self.min_severity)]

    def group(self, row: Row) -> None:
        g = self.layout.data["alignment"][row.groups[0]]
        verdict = g["verdict"]
        # A moved record is told by the move lines, not as a difference of wording.
        changes = [c for c in self.row_changes(row) if c["kind"] != "moved"]
        sym, style = SYMBOLS.get(verdict, "?"), _SYMBOL_STYLE.get(verdict, "")
        run = self.layout.run_of.get(row.groups[0], ())
        # Inside a moved run the side-tag column carries the move symbol, so every row shows it.
        tag = SYMBOLS["moved"] if run else ""
        if verdict == "identical":
            self.line(sym, style, tag, self.one_liner(self.layout.text("a", row.a), "dim"))
        elif verdict == "reworded" and not changes:
            half = (self.text_width - 3) // 2
            t = self.one_liner(self.layout.text("a", row.a), "", half)
            t.append(" │ ", style="dim")
            t.append_text(self.one_liner(self.layout.text("b", row.b), "", half))
            self.line(sym, style, tag, t)
        else:
            self.line(sym, style, "A", self.marked("a", row.a, changes, _TEXT_STYLE.get(verdict, "")))
            self.line("", "", "B", self.marked("b", row.b, changes, _TEXT_STYLE.get(verdict, "")))
            for c in changes:
                self.change_line(c)
        if run and run[0] == row.groups[0]:
            t = Text(f"moved to B {self.layout.where('b', row.b[0])}", style="cyan")
            if len(run) > 1:
                more = "next passage" if len(run) == 2 else f"next {len(run) - 1} passages"
                t.append(f", with the {more} (marked {SYMBOLS['moved']})", style="cyan")
            self.line(SYMBOLS["moved"], _SYMBOL_STYLE["moved"], "", t)

    def single(self, row: Row) -> None:
        side = "a" if row.kind == "removed" else "b"
        indices = row.a if side == "a" else row.b
        t = Text(self.layout.text(side, indices).replace("\n", " "), style=_TEXT_STYLE[row.kind])
        sev = [c["severity"] for c in self.row_changes(row)]
        if sev:
            t.append(f"  [{row.kind}, {sev[0]}]", style=_SEV_STYLE.get(sev[0], ""))
        self.line(SYMBOLS[row.kind], _SYMBOL_STYLE[row.kind], side.upper(), t)

    def moved_here(self, row: Row) -> None:
        first = self.layout.data["alignment"][row.groups[0]]["a"][0]
        n = len(row.groups)
        t = Text(f"moved here from A {self.layout.where('a', first)}" + (f" ({n} passages)" if n > 1 else "") + ": ",
                 style="cyan")
        t.append_text(self.one_liner(self.layout.text("b", row.b), "dim", max(self.text_width - len(t), 10)))
        self.line(SYMBOLS["moved-here"], _SYMBOL_STYLE["moved-here"], "B", t)


def _header(data: dict[str, Any]) -> Text:
    t = Text()
    for tag, doc in zip("AB", data["documents"], strict=True):
        t.append(f"{tag}: ", style="bold")
        t.append(doc_label(doc), style="bold")
        extra: list[str] = []
        for x in (doc.get("source"), doc.get("url"), doc.get("author"), doc.get("date"), doc_language(doc)):
            if x and str(x) != doc_label(doc) and str(x) not in extra:
                extra.append(str(x))
        if extra:
            t.append(f"  ({' · '.join(extra)})", style="dim")
        t.append("\n")
    t.append(f"storydiff {data['storydiff_version']} · engine {data['options'].get('engine')}", style="dim")
    return t


def _summary(data: dict[str, Any], min_severity: str | None) -> Text:
    s = data["summary"]
    t = Text("Summary: ", style="bold")
    verdicts = verdicts_of(s)
    n_groups = sum(s.get(v, 0) for v in verdicts)
    t.append(f"{counted(n_groups, 'aligned passage')}: ")
    for v in ("changed", *(v for v in verdicts if v == "translated"), "reworded", "identical"):
        label = "translated (no checkable difference)" if v == "translated" else v
        t.append(f"{SYMBOLS[v]} {s.get(v, 0)} {label}", style=_SYMBOL_STYLE[v] if s.get(v) else "")
        t.append(", " if v != "identical" else "\nSentences: ")
    for k, label, sep in (("added", "added", ", "), ("removed", "removed", " · "), ("moved", "moved", "")):
        n = s.get(k, 0)
        t.append(f"{SYMBOLS[k]} {n} {label}", style=_SYMBOL_STYLE[k] if n else "")
        t.append(sep)
    t.append(" block" if s.get("moved", 0) == 1 else " blocks")
    t.append("\n")
    shown = [c for c in data["changes"] if visible(c, min_severity)]
    counts = severity_counts(shown)
    t.append(f"{counted(len(shown), 'change')} shown: ", style="bold")
    t.append(", ".join(f"{counts[sv]} {sv}" for sv in SEVERITIES))
    hidden = len(data["changes"]) - len(shown)
    if hidden:
        t.append(f" ({hidden} below {min_severity} hidden; --all shows them)", style="dim")
    return t


def render_text(data: dict[str, Any], *, min_severity: str | None = None, color: bool = False,
                width: int | None = None) -> str:
    """The terminal report for ``Comparison.to_dict()``.

    Args:
        data: ``Comparison.to_dict()``.
        min_severity: list changes at or above it (``None``: all).
        color: emit ANSI styles; ``False`` gives plain text with no escape codes.
        width: line width (default 100; the CLI passes the terminal's).
    """
    width = width or 100
    data = neutralised(data)
    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False,
                      color_system="256" if color else None, emoji=False, markup=False,
                      legacy_windows=False, _environ={})
    layout = build_layout(data)
    writer = _Writer(layout, min_severity, width)
    for row in layout.rows:
        if row.kind == "group":
            writer.group(row)
        elif row.kind == "moved-here":
            writer.moved_here(row)
        else:
            writer.single(row)
    console.print(_header(data))
    console.rule(style="dim")
    console.print(writer.grid)
    console.rule(style="dim")
    console.print(_summary(data, min_severity))
    # rich pads grid cells to the full width; trailing blanks are noise in files and diffs.
    return "\n".join(line.rstrip(" ") for line in out.getvalue().split("\n"))
