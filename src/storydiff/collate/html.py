"""The ``html`` format of a collation: one self-contained page.

Up to :data:`MAX_COLUMNS` versions are shown side by side, one column each;
with more, the base text is shown with an apparatus under each varying row
(which versions read what). The stemma is an inline SVG (layered: sources
above copies; dashed edges are second sources, grey nodes lost versions),
followed by what each copier changed along each edge. No script, no network:
the Content-Security-Policy allows only the page's own style, by hash. All
document text is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from storydiff.collate.render import _changes_of, _edge_summary, lacking, families_lines, family_of, stemma_lines

MAX_COLUMNS = 6
_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}.lack{background:#fafafa;color:#999}
.changed{background:#fde2e2}.reworded{background:#fff6d6}.moved{outline:2px dashed #7a5cff}
.app{font-size:90%;color:#444;margin:.2rem 0 .6rem 1rem}.rdg{margin-right:1rem}
svg text{font:12px system-ui,sans-serif}.edge-list li{margin:.3rem 0}.why{color:#a00}
"""


def render_html(data: dict[str, Any]) -> str:
    """The collation as a standalone HTML page (see the module docstring)."""
    css_hash = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
    s = data["summary"]
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{css_hash}'\">",
        f"<title>Collation of {s['witnesses']} versions</title><style>{_CSS}</style></head><body>",
        f"<h1 id=\"title\">Collation of {s['witnesses']} versions</h1>",
        f"<p id=\"summary\">Base <b>{escape(data['base'])}</b>; {s['rows']} rows ({escape(data['passages'])} "
        f"passages), {s['varying']} with different readings, {s['changed']} with a change of meaning, "
        f"{s['partial']} missing in some versions, {s['moved']} moved.</p>",
        *[f"<p class=\"families\">{escape(line.strip())}</p>" for line in families_lines(data)],
        "<h2>Who copied whom</h2>", stemma_svg(data), _edge_list(data),
        "<h2>Variant table</h2>",
        _columns(data) if len(data["witnesses"]) <= MAX_COLUMNS else _apparatus(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _columns(data: dict[str, Any]) -> str:
    ids = [w["id"] for w in data["witnesses"]]
    head = "".join(f"<th>{escape(i)}</th>" for i in ids)
    rows = [f"<table id=\"variant-table\"><thead><tr><th>#</th>{head}</tr></thead><tbody>"]
    for n, row in enumerate(data["rows"]):
        cells = []
        family = set(family_of(data, row)["witnesses"])
        for wid in ids:
            rd = next((r for r in row["readings"] if wid in r["witnesses"]), None)
            if rd is None:  # a version of another family tells another text: it lacks nothing here
                cells.append("<td class=\"lack\">—</td>" if wid in family else "<td class=\"other\"></td>")
                continue
            cls = [rd["verdict"]] + (["moved"] if wid in row["moved"] else [])
            why = "; ".join(_changes_of(row, rd["group"])) if rd["verdict"] == "changed" else ""
            cells.append(f"<td class=\"{' '.join(cls)}\" title=\"{escape(why)}\">{escape(rd['text'])}</td>")
        rows.append(f"<tr id=\"row{n + 1}\"><td>{n + 1}</td>{''.join(cells)}</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _apparatus(data: dict[str, Any]) -> str:
    out = ["<div id=\"variant-table\">"]
    for n, row in enumerate(data["rows"]):
        lead = row["readings"][0]
        out.append(f"<p id=\"row{n + 1}\"><b>{n + 1}</b> {escape(lead['text'])}</p>")
        if len(row["readings"]) == 1 and not lacking(data, row) and not row["moved"]:
            continue
        app = [f"<span class=\"rdg {escape(rd['verdict'])}\"><i>{escape(' '.join(rd['witnesses']))}</i>: "
               f"{escape(rd['text'])}"
               + (f" <span class=\"why\">({escape('; '.join(_changes_of(row, rd['group'])))})</span>"
                  if rd["verdict"] == "changed" else "") + "</span>"
               for rd in row["readings"][1:]]
        if lacking(data, row):
            app.append(f"<span class=\"rdg lack\"><i>{escape(' '.join(lacking(data, row)))}</i>: omit</span>")
        if row["moved"]:
            app.append(f"<span class=\"rdg moved\"><i>{escape(' '.join(row['moved']))}</i>: transposed</span>")
        out.append(f"<div class=\"app\">{' '.join(app)}</div>")
    out.append("</div>")
    return "\n".join(out)


def _edge_list(data: dict[str, Any]) -> str:
    st = data.get("stemma")
    if not st:
        return "<p>No stemma was inferred.</p>"
    items = []
    for e in st["edges"]:
        ch = e.get("changes") or {}
        meaning = "".join(
            f"<li>row {m['row'] + 1}: {escape(m['from'])} → {escape(m['to'])}"
            + (f" <span class=\"why\">({escape('; '.join(m['explanations']))})</span>" if m["explanations"] else "")
            + "</li>" for m in ch.get("meaning", []))
        items.append(f"<li class=\"edge\" data-from=\"{escape(e['from'])}\" data-to=\"{escape(e['to'])}\">"
                     f"<b>{escape(e['from'])} → {escape(e['to'])}</b> ({escape(e['kind'])}): "
                     f"{escape(_edge_summary(e))}" + (f"<ul>{meaning}</ul>" if meaning else "") + "</li>")
    if st.get("unrelated"):
        items.append(f"<li>Unrelated to the others: {escape(', '.join(st['unrelated']))}</li>")
    return f"<ul class=\"edge-list\" id=\"edges\">{''.join(items)}</ul>"


def stemma_svg(data: dict[str, Any]) -> str:
    """The stemma as an inline SVG: one layer per generation, roots on top."""
    st = data.get("stemma") or {"edges": [], "roots": [], "hypothetical": [], "unrelated": []}
    layers: dict[int, list[str]] = {}
    depth_of: dict[str, int] = {}
    for depth, node, _ in stemma_lines(data):
        if node not in depth_of:
            depth_of[node] = depth
            layers.setdefault(depth, []).append(node)
    if st.get("unrelated"):
        layers.setdefault(0, []).extend(st["unrelated"])
        depth_of.update({u: 0 for u in st["unrelated"]})
    width = max([len(v) for v in layers.values()] + [1]) * 110 + 20
    height = (max(layers, default=0) + 1) * 80 + 20
    pos = {node: (20 + (k + 0.5) * (width - 40) / len(nodes), 30 + d * 80)
           for d, nodes in layers.items() for k, node in enumerate(nodes)}
    out = [f"<svg id=\"stemma\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0f}\" height=\"{height:.0f}\" "
           f"viewBox=\"0 0 {width:.0f} {height:.0f}\" role=\"img\" aria-label=\"stemma\">",
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>"]
    for e in st["edges"]:
        if e["from"] in pos and e["to"] in pos:
            (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
            dash = " stroke-dasharray=\"5,4\"" if e["kind"] == "second source" else ""
            out.append(f"<g class=\"edge\"><line x1=\"{x1:.0f}\" y1=\"{y1 + 12:.0f}\" x2=\"{x2:.0f}\" y2=\"{y2 - 12:.0f}\" "
                       f"stroke=\"#555\"{dash} marker-end=\"url(#arrow)\"/><text x=\"{(x1 + x2) / 2 + 4:.0f}\" "
                       f"y=\"{(y1 + y2) / 2:.0f}\" fill=\"#777\">{e['confidence']:.2f}</text></g>")
    for node, (x, y) in pos.items():
        lost = node in st.get("hypothetical", [])
        fill = "#eee" if lost else "#e8f0ff"
        out.append(f"<g class=\"node{' lost' if lost else ''}\"><rect x=\"{x - 48:.0f}\" y=\"{y - 12:.0f}\" width=\"96\" "
                   f"height=\"24\" rx=\"5\" fill=\"{fill}\" stroke=\"#88a\"/><text x=\"{x:.0f}\" y=\"{y + 4:.0f}\" "
                   f"text-anchor=\"middle\">{escape(node[:14])}</text></g>")
    out.append("</svg>")
    return "\n".join(out)
