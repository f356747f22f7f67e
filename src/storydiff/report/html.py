"""The ``html`` format: one self-contained page, the two versions side by side.

The page needs nothing from the network (inline CSS and JS only, no fonts,
no images) and carries a Content-Security-Policy ``<meta>`` that allows only
its own style and script (by hash), so it opens offline and an escaped-text
mistake could not load or run anything. Every string that comes from the
documents (text, titles, sources, explanations) is escaped; no document text
is ever placed inside ``<script>``.

Element contract (stable; the web page and browser tests rely on it)::

    #storydiff-report            root <div class="storydiff">; gets .hide-calm when the toggle is on
    #report-header               title; #doc-a / #doc-b with .doc-title and a <dl> (source, date, id, type)
    #summary                     .count[data-verdict=identical|reworded|changed],
                                 .count[data-kind=added|removed|moved],
                                 .count[data-severity=high|medium|low] (changes shown by the floor),
                                 .cat-chip[data-category] buttons (click = filter by that category)
    #controls                    #filter-severity <select> (high|medium|low = "at or above"),
                                 #filter-category <select> ("" = all), #toggle-calm checkbox,
                                 #filter-status (live text "N of M changes shown")
    #change-count                "(N shown of M)" in the list's heading, kept up to date by the filters
    #change-list                 <ol> of li.change#c{i}[data-severity][data-category][data-kind]
                                 [data-target=<row id>], most severe first; i = index in to_dict()["changes"];
                                 changes below min_severity are present but [hidden]
    #alignment                   p.legend (what "§2 s5" and the symbols mean), then the side-by-side grid;
                                 every .row has .gutter, .cell.a, .cell.b
      .row.head                  column titles (sticky, one line each)
      .row.group#g{k}            aligned group k [data-verdict][data-group=k][data-moved="true"?]
                                 [data-change="c1 c2"?]; inside, <mark class="sev-{s} cat-{c}" data-change="c{i}">
                                 on the words a change names (an empty mark.gap where the other side inserted
                                 words); the first row of a moved run carries a.move-link → #mv{that group};
                                 identical/reworded rows no shown change points at get .calm (what the toggle hides)
      .row.removed#ra{i}         A sentence i that B dropped (right cell .empty) [data-kind="removed"][data-change?]
      .row.added#rb{j}           B sentence j that A lacks (left cell .empty), placed after its B predecessor
                                 [data-kind="added"][data-change?]
      .row.moved-here#mv{k}      where the moved run starting at group k sits in B [data-groups="k k+1 …"];
                                 a.move-link → #g{k}
      .row.para                  the row starts a new paragraph of A
      .filtered                  on rows and marks whose changes the filters hide (dimmed, not removed)
    #report-data                 <script type="application/json">: schema, version, options, summary,
                                 document metadata, min_severity (no document text)
    #report-footer               keyboard help, storydiff version, options used

Keyboard: ``j``/``n`` next change, ``k``/``p`` previous (anywhere but form fields);
``↓``/``↑`` and ``Enter`` while focus is in the change list (``Enter`` opens the
entry that has the focus, so Tab then Enter works). The current change's link
has the focus and a ring (.current); its row is scrolled to the middle and
outlined (.flash).

``fragment=True`` gives a ``<div>`` for notebooks: the same markup and CSS
(scoped under ``.storydiff``) with ids prefixed, but no ``<html>``, controls or script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

from storydiff.model import Severity
from storydiff.report import FLOOR_LABELS
from storydiff.report._layout import (
    SEVERITIES,
    Layout,
    Row,
    build_layout,
    category_counts,
    doc_label,
    doc_language,
    severity_counts,
    severity_order,
    verdicts_of,
    visible,
)

SYMBOLS = {"identical": "=", "reworded": "≈", "changed": "≠", "translated": "⇄", "removed": "−", "added": "+", "moved": "↪",
           "moved-here": "↩"}


def esc(value: Any) -> str:
    """Escape any value for HTML text or a double-quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no line separators)."""
    s = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for ch, rep in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(ch, rep)
    return s


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return resources.files("storydiff.report").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


class _Page:
    """Builds the markup of one report; ``p`` prefixes every id (fragments)."""

    def __init__(self, layout: Layout, min_severity: str | None, p: str) -> None:
        self.L = layout
        self.changes: list[dict[str, Any]] = layout.data["changes"]
        self.floor = min_severity
        self.p = p

    def shown(self, ci: int) -> bool:
        return visible(self.changes[ci], self.floor)

    # ----- text cells -------------------------------------------------------
    def marked(self, side: str, indices: tuple[int, ...], cis: tuple[int, ...]) -> str:
        """Escaped text of the sentences with each change's words in <mark>."""
        text = self.L.text(side, indices)
        start, end = self.L.bounds(side, indices)
        spans = []
        for ci in cis:
            c = self.changes[ci]
            sp = c.get(side)
            if c["kind"] == "changed" and sp and sp["end"] >= start and sp["start"] <= end and (
                    sp["end"] > start and sp["start"] < end or sp["start"] == sp["end"]):
                spans.append((max(sp["start"], start) - start, min(sp["end"], end) - start, ci))
        out, pos = [], 0
        for s, e, ci in sorted(spans):
            gap = s == e  # words inserted on the other side: mark the insertion point
            s = s if gap else max(s, pos)  # overlapping spans: the earlier one keeps the shared words
            if (gap and s < pos) or (not gap and e <= s):
                continue
            c = self.changes[ci]
            cls = f"sev-{c['severity']} cat-{c['category']}" + (" gap" if gap else "") + (
                "" if self.shown(ci) else " filtered")
            out.append(esc(text[pos:s]))
            out.append(f'<mark class="{esc(cls)}" data-change="{self.p}c{ci}" '
                       f'title="{esc(c["severity"])} · {esc(c["category"])}: {esc(c.get("explanation"))}">'
                       f"{esc(text[s:e])}</mark>")
            pos = e
        out.append(esc(text[pos:]))
        return "".join(out)

    def place(self, side: str, index: int) -> str:
        """Where a sentence sits, in words: ``paragraph 3, sentence 12`` (1-based)."""
        return f"paragraph {self.L.paragraph(side, index) + 1}, sentence {index + 1}"

    def loc(self, side: str, index: int) -> str:
        # The short form is explained in the legend above the grid; the title spells it out.
        para = self.L.paragraph(side, index) + 1
        return (f'<span class="loc" title="{side.upper()}: {self.place(side, index)}">'
                f"§{para} s{index + 1}</span>")

    def cell(self, side: str, indices: tuple[int, ...], body: str, extra: str = "") -> str:
        if not indices:
            return f'<div class="cell {side} empty">{body}</div>'
        return f'<div class="cell {side}">{self.loc(side, indices[0])}{body}{extra}</div>'

    # ----- rows ---------------------------------------------------------------
    def row_attrs(self, row: Row) -> str:
        cis = self.L.row_changes.get(row.id, ())
        return f' data-change="{" ".join(f"{self.p}c{ci}" for ci in cis)}"' if cis else ""

    def group_row(self, row: Row, cls: str) -> str:
        gi = row.groups[0]
        g = self.L.data["alignment"][gi]
        cis = self.L.row_changes.get(row.id, ())
        verdict = g["verdict"]
        sym = SYMBOLS.get(verdict, "?")
        moved = ""
        if g["moved"]:
            sym = f"{sym}<br>{SYMBOLS['moved']}"
            target = self.L.placeholder_of.get(gi, f"mv{gi}")
            run = self.L.run_of.get(gi, (gi,))
            # One link per moved block, on its first row: the rest of the run only carries the gutter mark.
            if run[0] == gi:
                n = len(run)
                moved = (f'<a class="move-link" href="#{self.p}{target}">{SYMBOLS["moved"]} '
                         f'{"this block of " + str(n) + " passages" if n > 1 else "this passage"} moved → B '
                         f'{self.place("b", row.b[0])}</a>')
        filtered = " filtered" if cis and not any(self.shown(ci) for ci in cis) else ""
        moved_attr = ' data-moved="true"' if g["moved"] else ""
        return (
            f'<div class="row group{cls}{filtered}" id="{self.p}{row.id}" data-group="{gi}" data-verdict="{esc(verdict)}"'
            f'{moved_attr}{self.row_attrs(row)}>'
            f'<div class="gutter" title="{esc(verdict)}{" and moved" if g["moved"] else ""}">'
            f'<span class="sym" aria-hidden="true">{sym}</span><span class="sr-only">{esc(verdict)}</span></div>'
            + self.cell("a", row.a, self.marked("a", row.a, cis))
            + self.cell("b", row.b, self.marked("b", row.b, cis), moved)
            + "</div>"
        )

    def single_row(self, row: Row, cls: str) -> str:
        side = "a" if row.kind == "removed" else "b"
        indices = row.a or row.b
        cis = self.L.row_changes.get(row.id, ())
        filtered = " filtered" if cis and not any(self.shown(ci) for ci in cis) else ""
        body = esc(self.L.text(side, indices))
        label = "removed from A" if side == "a" else "added in B"
        cells = (self.cell("a", row.a, body) + self.cell("b", (), "")) if side == "a" else (
            self.cell("a", (), "") + self.cell("b", row.b, body))
        return (f'<div class="row {row.kind}{cls}{filtered}" id="{self.p}{row.id}" data-kind="{row.kind}"'
                f'{self.row_attrs(row)}><div class="gutter" title="{label}"><span class="sym" aria-hidden="true">'
                f'{SYMBOLS[row.kind]}</span><span class="sr-only">{label}</span></div>{cells}</div>')

    def moved_here_row(self, row: Row) -> str:
        gi = row.groups[0]
        first_a = self.L.data["alignment"][gi]["a"][0]
        text = " ".join(self.L.text("b", row.b).split())
        short = text if len(text) <= 140 else text[:139] + "…"
        n = len(row.groups)
        back = (f'<a class="move-link" href="#{self.p}g{gi}">{SYMBOLS["moved-here"]} '
                f'{str(n) + " passages" if n > 1 else "a passage"} moved here from A {self.place("a", first_a)}</a>')
        return (f'<div class="row moved-here" id="{self.p}{row.id}" data-groups="{" ".join(map(str, row.groups))}">'
                f'<div class="gutter" title="moved here"><span class="sym" aria-hidden="true">{SYMBOLS["moved-here"]}'
                f'</span><span class="sr-only">moved here</span></div>'
                f'<div class="cell a empty">{back}</div>'
                f'<div class="cell b">{self.loc("b", row.b[0])}{esc(short)}</div></div>')

    def rows(self) -> str:
        out, last_para = [], None
        a, b = self.L.data["documents"]
        # One line each (the full name in the tooltip): a sticky header must not eat the screen.
        out.append(f'<div class="row head"><div class="gutter"></div><div class="cell a" title="{esc(doc_label(a))}">'
                   f'<span class="side-tag">A</span>{esc(doc_label(a))}</div><div class="cell b" '
                   f'title="{esc(doc_label(b))}"><span class="side-tag">B</span>{esc(doc_label(b))}</div></div>')
        for row in self.L.rows:
            cls = ""
            if row.a:
                para = self.L.paragraph("a", row.a[0])
                if last_para is not None and para != last_para:
                    cls = " para"
                last_para = para
            if row.kind == "group":
                out.append(self.group_row(row, cls))
            elif row.kind == "moved-here":
                out.append(self.moved_here_row(row))
            else:
                out.append(self.single_row(row, cls))
        return "\n".join(out)

    # ----- change list --------------------------------------------------------
    def change_item(self, ci: int) -> str:
        c = self.changes[ci]
        target = self.L.change_row.get(ci, "")
        kind = c["kind"]
        if kind == "changed":
            words = f"{_quoted(c.get('a_text'))} → {_quoted(c.get('b_text'))}"
        else:
            sym = {"added": "+", "removed": "−", "moved": "↪"}.get(kind, "")
            quoted = c.get("b_text") if kind == "added" else c.get("a_text")
            words = f'<span class="sym" aria-hidden="true">{sym}</span> <q>{esc(_short(quoted))}</q>'
        hidden = "" if self.shown(ci) else " hidden"
        href = f' href="#{self.p}{target}"' if target else ""
        return (f'<li class="change" id="{self.p}c{ci}" data-severity="{esc(c["severity"])}" '
                f'data-category="{esc(c["category"])}" data-kind="{esc(kind)}" data-target="{self.p}{target}" '
                f'tabindex="-1"{hidden}><a{href}><span class="sev-badge sev-{esc(c["severity"])}">'
                f'{esc(str(c["severity"]).upper())}</span> {_what(c)}{_likely(c)}<span class="words">{words}</span></a></li>')

    def change_list(self) -> str:
        order = severity_order(self.changes)
        n = sum(1 for ci in order if self.shown(ci))
        items = "\n".join(self.change_item(ci) for ci in order)
        empty = "" if self.changes else "<p>No changes of meaning found.</p>"
        return (f'<section id="{self.p}changes" class="changes" aria-label="Changes">'
                f'<h2>Changes, most severe first <small id="{self.p}change-count">({n} shown of {len(self.changes)})'
                f"</small></h2>{empty}"
                f'<ol id="{self.p}change-list" class="change-list">{items}</ol></section>')


def _quoted(s: str | None) -> str:
    """Changed words in quotes, or a visible "nothing" for an insertion or deletion."""
    return f"<q>{esc(_short(s))}</q>" if (s or "").strip() else '<i class="none">nothing</i>'


_QUOTING = re.compile(r":\s+['\"‘“]")


def _what(change: dict[str, Any]) -> str:
    """The category and what happened, without repeating the words the card quotes below.

    Explanations end with the words themselves (``law differs: 'Civil Code'
    vs 'Criminal Code'``); the card shows them once, as ``“…” → “…”``, so
    that ending is dropped here, and a category the explanation starts with
    is not said twice.
    """
    category = str(change.get("category") or "")
    expl = str(change.get("explanation") or "")
    heads = [t[:15] for t in (change.get("a_text") or "", change.get("b_text") or "") if t.strip()]
    for m in _QUOTING.finditer(expl):
        if any(h in expl[m.end() - 1:] for h in heads):
            expl = expl[: m.start()]
            break
    if category and expl.startswith(category) and expl[len(category):len(category) + 1] in ("", " "):
        return f'<span class="cat">{esc(category)}</span><span class="expl">{esc(expl[len(category):])}</span>'
    sep = " · " if expl else ""
    return f'<span class="cat">{esc(category)}</span>{sep}<span class="expl">{esc(expl)}</span>'


def _short(s: str | None, n: int = 90) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _doc_block(doc: dict[str, Any], tag: str, p: str) -> str:
    label = doc_label(doc)
    source, id_ = doc.get("source"), doc.get("id")
    # The title line already names the document: say its source and id only where they add something.
    fields = [("source", source if source != label else None), ("date", doc.get("date")),
              ("language", doc_language(doc)),
              ("id", id_ if id_ not in (label, source) else None),
              ("type", doc.get("media_type")), ("sentences", len(doc.get("sentences", [])))]
    dl = "".join(f"<dt>{name}</dt><dd>{esc(v)}</dd>" for name, v in fields if v not in (None, ""))
    return (f'<div class="doc" id="{p}doc-{tag.lower()}"><span class="side-tag">{tag}</span>'
            f'<span class="doc-title">{esc(label)}</span><dl>{dl}</dl></div>')


def _summary(data: dict[str, Any], floor: str | None, p: str, fragment: bool = False) -> str:
    s = data["summary"]
    shown = [c for c in data["changes"] if visible(c, floor)]
    verdicts = "".join(
        f'<li class="count" data-verdict="{v}"><span class="sym" aria-hidden="true">{SYMBOLS[v]}</span> '
        f"<b>{int(s.get(v, 0))}</b> {v}</li>" for v in reversed(verdicts_of(s)))
    kinds = "".join(
        f'<li class="count" data-kind="{k}"><span class="sym" aria-hidden="true">{SYMBOLS[k]}</span> '
        f"<b>{int(s.get(k, 0))}</b> {label}</li>"
        for k, label in (("added", "added"), ("removed", "removed"),
                         ("moved", "moved block" if s.get("moved", 0) == 1 else "moved blocks")))
    sev = severity_counts(shown)
    sevs = "".join(f'<li class="count" data-severity="{k}"><span class="sev-badge sev-{k}">{k.upper()}</span> '
                   f"<b>{sev[k]}</b></li>" for k in SEVERITIES)
    # Without the page script (fragments) a chip cannot filter, so it is plain text there.
    chip = ('<span class="cat-chip" data-category="{k}">{k} <b>{n}</b></span>' if fragment else
            '<button type="button" class="cat-chip" data-category="{k}" aria-pressed="false">{k} <b>{n}</b></button>')
    cats = "".join(f"<li>{chip.format(k=esc(k), n=n)}</li>" for k, n in category_counts(data["changes"]).items())
    floor_note = f" (at or above {esc(floor)})" if floor else ""
    return (f'<section id="{p}summary" class="summary" aria-label="Summary">'
            f'<ul class="counts"><li class="label">Aligned passages:</li>{verdicts}'
            f'<li class="label">Sentences:</li>{kinds}</ul>'
            f'<ul class="counts"><li class="label">Changes shown{floor_note}:</li>{sevs}</ul>'
            + (f'<ul class="counts"><li class="label">All changes by category:</li>{cats}</ul>' if cats else "")
            + "</section>")


def _controls(data: dict[str, Any], floor: str | None) -> str:
    floor = floor or "low"
    sev = "".join(f'<option value="{k}"{" selected" if k == floor else ""}>{FLOOR_LABELS[Severity(k)]}</option>' for k in SEVERITIES)
    cats = "".join(f'<option value="{esc(k)}">{esc(k)}</option>' for k in category_counts(data["changes"]))
    return (f'<nav id="controls" class="no-print" aria-label="Filters">'
            f'<label>Severity <select id="filter-severity">{sev}</select></label>'
            f'<label>Category <select id="filter-category"><option value="">all categories</option>{cats}</select></label>'
            f'<label><input type="checkbox" id="toggle-calm"> Hide identical and reworded passages '
            f'<small>(unless a listed change is in them)</small></label>'
            f'<span id="filter-status" aria-live="polite"></span></nav>')


_LEGEND = ("<b>§2 s5</b> = paragraph 2, sentence 5 of that version. "
           "≠ changed, ≈ reworded, = identical, + added in B, − removed from A, ↪ moved (↩ where it went).")


def _footer(data: dict[str, Any], floor: str | None, fragment: bool, p: str) -> str:
    opts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in data["options"].items())
    opts += f"<dt>report shows</dt><dd>changes at or above {esc(floor or 'low')} severity at first</dd>"
    keys = "" if fragment else (
        "<p class=\"no-print\">Keyboard: <kbd>j</kbd> or <kbd>n</kbd> next change, <kbd>k</kbd> or <kbd>p</kbd> "
        "previous; in the change list also <kbd>↓</kbd> <kbd>↑</kbd> and <kbd>Enter</kbd>. Click a change to "
        "bring its passage into view. " + _LEGEND + "</p>")
    return (f'<footer id="{p}report-footer">{keys}<p>Made by storydiff {esc(data["storydiff_version"])} '
            f'(report schema {esc(data["schema"])}). Options used:</p><dl>{opts}</dl></footer>')


def _meta(data: dict[str, Any], floor: str | None) -> dict[str, Any]:
    return {
        "schema": data["schema"],
        "storydiff_version": data["storydiff_version"],
        "options": data["options"],
        "summary": data["summary"],
        "min_severity": floor,
        "documents": [{k: d.get(k) for k in ("id", "source", "title", "date", "media_type")} for d in data["documents"]],
    }


def _body(data: dict[str, Any], floor: str | None, fragment: bool, p: str) -> str:
    layout = build_layout(data)
    page = _Page(layout, floor, p)
    a, b = data["documents"]
    return (
        f'<header id="{p}report-header"><h1>How the text changed: {esc(doc_label(a))} → {esc(doc_label(b))}</h1>'
        f'<div class="docs">{_doc_block(a, "A", p)}{_doc_block(b, "B", p)}</div></header>'
        + _summary(data, floor, p, fragment)
        + ("" if fragment else _controls(data, floor))
        + f'<div class="main">{page.change_list()}'
        f'<section id="{p}alignment" class="alignment" aria-label="The two versions side by side">'
        f'<p class="legend">{_LEGEND}</p>{page.rows()}</section></div>'
        + _footer(data, floor, fragment, p)
    )


def render_html(data: dict[str, Any], *, min_severity: str | None = None, fragment: bool = False) -> str:
    """The HTML report for ``Comparison.to_dict()`` (all changes, unfiltered).

    Args:
        data: ``Comparison.to_dict()`` carrying every change.
        min_severity: the initial severity filter; changes below it are in
            the page but hidden until the reader lowers the filter.
        fragment: a ``<div>`` for embedding (no ``<html>``, controls or script).

    Returns:
        The page (or fragment) as one string.
    """
    css = _asset("report.css")
    if fragment:
        p = "sd" + hashlib.sha1(json_for_script(data).encode("utf-8")).hexdigest()[:10] + "-"
        return (f'<div class="storydiff storydiff-fragment" id="{p}storydiff-report"><style>{css}</style>'
                + _body(data, min_severity, True, p) + "</div>")
    js = _asset("report.js")
    page_css = css + "\nbody { margin: 0; background: #fff; }\n"
    csp = (f"default-src 'none'; style-src {_csp_hash(page_css)}; script-src {_csp_hash(js)}; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    a, b = data["documents"]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">\n'
        f'<meta name="generator" content="storydiff {esc(data["storydiff_version"])}">\n'
        f"<title>storydiff: {esc(doc_label(a))} → {esc(doc_label(b))}</title>\n"
        f"<style>{page_css}</style>\n</head>\n<body>\n"
        f'<div class="storydiff" id="storydiff-report">\n{_body(data, min_severity, False, "")}\n</div>\n'
        f'<script type="application/json" id="report-data">{json_for_script(_meta(data, min_severity))}</script>\n'
        f"<script>{js}</script>\n</body>\n</html>\n"
    )


def _likely(c: dict[str, Any]) -> str:
    """How likely the change alters the meaning (the change model's calibrated probability), when known."""
    p = c.get("confidence")
    return "" if p is None else f' <span class="likely" title="probability that the meaning changed">{round(100 * p)}%</span>'
