"""The ``markdown`` format: a short report to paste into a chat, issue or wiki.

A title line, the summary counts, the changes of meaning most severe first
(each with the exact words in bold inside their sentence), then what moved,
what B added and what A had that B dropped. Document text is escaped, so a
quoted ``*``, ``<`` or ``[`` shows as itself instead of turning into markup,
and a control character as a visible stand-in (``␛`` for ESC).
"""

from __future__ import annotations

import re
from typing import Any

from storydiff.report._controls import neutralised
from storydiff.report._layout import (
    SEVERITIES,
    VERDICTS,
    Layout,
    build_layout,
    likelihood,
    counted,
    doc_label,
    doc_language,
    severity_counts,
    severity_order,
    visible,
)

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones
# that can start markup inline (emphasis, code, links, HTML, tables, strike-through).
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
_CONTEXT = 100  # characters of sentence kept on each side of the changed words


def md_escape(s: str | None) -> str:
    """Document text as inline Markdown that renders as itself (whitespace collapsed)."""
    return _SPECIAL.sub(r"\\\1", " ".join((s or "").split()))


def _bold(s: str) -> str:
    """Escaped text in bold; emphasis markers must hug non-space characters."""
    core = s.strip()
    if not core:
        return md_escape(s)
    lead, trail = s[: len(s) - len(s.lstrip())], s[len(s.rstrip()) :]
    return f"{md_escape(lead)}**{md_escape(core)}**{md_escape(trail)}" if lead or trail else f"**{md_escape(core)}**"


def _context(layout: Layout, side: str, indices: tuple[int, ...], span: dict[str, int] | None) -> str:
    """The sentence(s) with the change's words in bold, trimmed around them."""
    text = layout.text(side, indices)
    start, end = layout.bounds(side, indices)
    if not span or span["end"] <= start or span["start"] >= end:
        return md_escape(text[: 2 * _CONTEXT] + ("…" if len(text) > 2 * _CONTEXT else ""))
    s, e = max(span["start"], start) - start, min(span["end"], end) - start
    before, mid, after = text[:s], text[s:e], text[e:]
    if len(before) > _CONTEXT:  # trim to whole words
        cut = before[-_CONTEXT:]
        before = "…" + (cut.split(" ", 1)[1] if " " in cut.strip() else cut)
    if len(after) > _CONTEXT:
        cut = after[:_CONTEXT]
        after = (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut) + "…"
    # Keep the space between context and the bold words out of the bold markers.
    return md_escape(before) + (" " if before[-1:].isspace() else "") + _bold(mid) + (
        " " if after[:1].isspace() else "") + md_escape(after)


def _where(layout: Layout, side: str, index: int) -> str:
    return f"§{layout.paragraph(side, index) + 1}, sentence {index + 1}"


def _row_sides(layout: Layout, ci: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    row = layout.row_by_id.get(layout.change_row.get(ci, ""))
    return (row.a, row.b) if row else ((), ())


def _change_item(layout: Layout, n: int, ci: int) -> list[str]:
    c = layout.data["changes"][ci]
    a_idx, b_idx = _row_sides(layout, ci)
    where = []
    if a_idx:
        where.append(f"A {_where(layout, 'a', a_idx[0])}")
    if b_idx:
        where.append(f"B {_where(layout, 'b', b_idx[0])}")
    head = f"{n}. **{c['severity'].upper()} · {md_escape(c['category'])}** — {md_escape(c.get('explanation'))}"
    if likelihood(c):
        head += f" ({likelihood(c)} a change of meaning)"
    if where:
        head += f" _({' → '.join(where)})_"
    lines = [head]
    pad = " " * len(f"{n}. ")  # nested items must line up with the item's text
    if a_idx:
        lines.append(f"{pad}- A: {_context(layout, 'a', a_idx, c.get('a'))}")
    elif c.get("a_text"):
        lines.append(f"{pad}- A: {_bold(c['a_text'])}")
    if b_idx:
        lines.append(f"{pad}- B: {_context(layout, 'b', b_idx, c.get('b'))}")
    elif c.get("b_text"):
        lines.append(f"{pad}- B: {_bold(c['b_text'])}")
    return lines


def _short(s: str | None, n: int = 160) -> str:
    s = " ".join((s or "").split())
    return md_escape(s if len(s) <= n else s[: n - 1] + "…")


def _section(layout: Layout, title: str, items: list[int], side: str) -> list[str]:
    if not items:
        return []
    lines = ["", f"### {title}", ""]
    for ci in items:
        c = layout.data["changes"][ci]
        a_idx, b_idx = _row_sides(layout, ci)
        text = c.get("a_text") if side == "a" else c.get("b_text")
        text = text or c.get("b_text") or c.get("a_text")
        where = []
        if a_idx:
            where.append(f"A {_where(layout, 'a', a_idx[0])}")
        if c["kind"] == "moved" and c.get("b"):
            j = layout.sentence_at("b", c["b"]["start"])
            if j is not None:
                where.append(f"B {_where(layout, 'b', j)}")
        elif b_idx:
            where.append(f"B {_where(layout, 'b', b_idx[0])}")
        loc = f" _({' → '.join(where)})_" if where else ""
        lines.append(f"- “{_short(text)}”{loc} · {c['severity']}")
    return lines


def render_markdown(data: dict[str, Any], *, min_severity: str | None = None) -> str:
    """The Markdown report for ``Comparison.to_dict()``.

    Args:
        data: ``Comparison.to_dict()``.
        min_severity: list changes at or above it (``None``: all).
    """
    data = neutralised(data)
    layout = build_layout(data)
    a, b = data["documents"]
    s = data["summary"]
    shown = [ci for ci in severity_order(data["changes"]) if visible(data["changes"][ci], min_severity)]
    counts = severity_counts([data["changes"][ci] for ci in shown])
    lines = [f"## storydiff: {md_escape(doc_label(a))} → {md_escape(doc_label(b))}", ""]
    for tag, doc in (("A", a), ("B", b)):
        extra = [str(x) for x in (doc.get("source"), doc.get("date"), doc_language(doc)) if x and x != doc_label(doc)]
        lines.append(f"- **{tag}:** {md_escape(doc_label(doc))}" + (f" ({md_escape(' · '.join(extra))})" if extra else ""))
    n_groups = sum(s.get(v, 0) for v in VERDICTS)
    translated = (f"{s['translated']} translated (no checkable difference), " if s.get("translated") else "")
    hidden = len(data["changes"]) - len(shown)
    lines += [
        "",
        f"**Summary:** {counted(n_groups, 'aligned passage')}: {s.get('changed', 0)} changed, {translated}"
        f"{s.get('reworded', 0)} reworded, "
        f"{s.get('identical', 0)} identical · {s.get('added', 0)} added, {s.get('removed', 0)} removed, "
        f"{s.get('moved', 0)} moved · {counted(len(shown), 'change')} shown ("
        + ", ".join(f"{counts[sv]} {sv}" for sv in SEVERITIES) + ")"
        + (f"; {hidden} below {min_severity} not shown" if hidden else ""),
    ]
    changed = [ci for ci in shown if data["changes"][ci]["kind"] == "changed"]
    lines += ["", "### Changes of meaning, most severe first", ""]
    if not changed:
        lines.append("_None found" + (f" at or above {min_severity} severity._" if min_severity else "._"))
    for n, ci in enumerate(changed, start=1):
        lines += _change_item(layout, n, ci)
    by_kind = {k: [ci for ci in shown if data["changes"][ci]["kind"] == k] for k in ("moved", "added", "removed")}
    lines += _section(layout, "Moved", by_kind["moved"], "a")
    lines += _section(layout, "Added in B", by_kind["added"], "b")
    lines += _section(layout, "Removed from A", by_kind["removed"], "a")
    lines += ["", f"_storydiff {md_escape(str(data['storydiff_version']))}, engine "
              f"{md_escape(str(data['options'].get('engine')))}_"]
    return "\n".join(lines) + "\n"
