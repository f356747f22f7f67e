"""Rendering a Collation: text, json, markdown, csv, html, and the exports.

Every format works from the one JSON document, ``Collation.to_dict()``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from storydiff.errors import OptionError
from storydiff.report import FORMATS as REPORT_FORMATS
from storydiff.report.csv import spreadsheet_cell

if TYPE_CHECKING:
    from storydiff.collate.model import Collation

# Every format a comparison renders to, and the two exports other collation tools read.
FORMATS = (*REPORT_FORMATS, "collatex", "tei")
CSV_COLUMNS = ("row", "reading", "group", "verdict", "witnesses", "lacking", "moved", "text", "changes")


def render_collation(collation: Collation, fmt: str = "text") -> str:
    """Render a collation in one of :data:`FORMATS`.

    ``collatex`` is CollateX's JSON alignment table, ``tei`` TEI parallel
    segmentation; ``html`` is a self-contained page with the stemma drawn.

    Raises:
        OptionError: for an unknown format.

    Example:
        >>> from storydiff.collate import collate
        >>> c = collate(["It rained. We stayed.", "It rained. We left."])
        >>> render_collation(c, "json").startswith("{")
        True
    """
    if fmt not in FORMATS:
        raise OptionError(f"unknown collation format {fmt!r}: expected one of {', '.join(FORMATS)}")
    data = collation.to_dict()
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt in ("collatex", "tei"):
        from storydiff.collate import export

        return export.collatex_json(data) if fmt == "collatex" else export.tei(data)
    if fmt == "html":
        from storydiff.collate.html import render_html

        return render_html(data)
    return {"text": render_text, "markdown": render_markdown, "csv": render_csv}[fmt](data)


def _changes_of(row: dict[str, Any], group: int) -> list[str]:
    return [c["explanation"] for c in row["changes"] if c["to_group"] == group]


def _varying(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, r) for i, r in enumerate(data["rows"]) if len(r["readings"]) > 1 or lacking(data, r) or r["moved"]]


def family_of(data: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """The family (versions telling one text, with their base) a row belongs to."""
    families = data.get("families") or [{"base": data["base"], "witnesses": [w["id"] for w in data["witnesses"]]}]
    return families[row.get("family", 0)]


def lacking(data: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """Versions of the row's family without the passage (another family's versions tell another text)."""
    return [w for w in family_of(data, row)["witnesses"] if w not in row["cells"]]


def reading_label(data: dict[str, Any], row: dict[str, Any], reading: dict[str, Any]) -> str:
    """A reading's verdict; reading 0 is the base's only when the base has the passage."""
    if reading["verdict"] != "base" or family_of(data, row)["base"] in reading["witnesses"]:
        return str(reading["verdict"])
    return "most common" if len(row["readings"]) > 1 else "present"


def families_lines(data: dict[str, Any]) -> list[str]:
    """A sentence on unrelated families, when the versions tell more than one text."""
    families = data.get("families") or []
    if len(families) < 2:
        return []
    return [f"The versions tell {len(families)} unrelated texts (no passage of one aligns with a passage of "
            "another); each family is collated against its own base:"] + [
        f"  family {k + 1} (base {f['base']}): {', '.join(f['witnesses'])}" for k, f in enumerate(families)]


def stemma_lines(data: dict[str, Any]) -> list[tuple[int, str, dict[str, Any] | None]]:
    """The stemma as an indented outline: (depth, node, edge into it); second sources listed under the copy."""
    st = data.get("stemma") or {"edges": [], "roots": [], "unrelated": []}
    main = [e for e in st["edges"] if e["kind"] != "second source"]
    out: list[tuple[int, str, dict[str, Any] | None]] = []

    def walk(node: str, depth: int, edge: dict[str, Any] | None) -> None:
        out.append((depth, node, edge))
        for e in main:
            if e["from"] == node:
                walk(e["to"], depth + 1, e)

    for root in st["roots"]:
        walk(root, 0, None)
    return out


def _edge_summary(e: dict[str, Any]) -> str:
    ch = e.get("changes") or {}
    parts = [f"{ch[k]} {k}" for k in ("omitted", "added", "changed", "reworded", "moved") if ch.get(k)]
    return (f"{e['confidence']:.2f}; " + (", ".join(parts) or "no change") +
            f"; decided by {', '.join(e['decided_by'])}")


def render_text(data: dict[str, Any]) -> str:
    """A plain-text report: versions, the varying rows with their readings, the stemma."""
    s = data["summary"]
    lines = [f"Collation of {s['witnesses']} versions ({data['passages']} passages, base {data['base']}): "
             f"{s['rows']} rows, {s['varying']} with different readings, {s['changed']} with a change of meaning, "
             f"{s['partial']} missing in some versions, {s['moved']} moved.", ""]
    for w in data["witnesses"]:
        lines.append(f"  {w['id']}: {w['source']}" + (f" ({w['date']})" if w.get("date") else ""))
    if families_lines(data):
        lines += [""] + families_lines(data)
    lines += ["", "Variant table (rows that differ):"]
    several, shown = len(data.get("families") or []) > 1, None
    for i, row in _varying(data):
        if several and row.get("family", 0) != shown:
            shown = row.get("family", 0)
            lines.append(f"  family {shown + 1} (base {family_of(data, row)['base']}):")
        lines.append(f"  row {i + 1}:")
        for rd in row["readings"]:
            why = "; ".join(_changes_of(row, rd["group"])) if rd["verdict"] == "changed" else ""
            lines.append(f"    [{reading_label(data, row, rd)}] {', '.join(rd['witnesses'])}: {rd['text']}"
                         + (f"  ({why})" if why else ""))
        if lacking(data, row):
            lines.append(f"    [lacking] {', '.join(lacking(data, row))}")
        if row["moved"]:
            lines.append(f"    [moved] {', '.join(row['moved'])}")
    lines += ["", "Who copied whom:"]
    for depth, node, edge in stemma_lines(data):
        lines.append("  " + "    " * depth + node + (f"  ← {edge['from']}: {_edge_summary(edge)}" if edge else "  (root)"))
    st = data.get("stemma") or {}
    for e in st.get("edges", []):
        if e["kind"] == "second source":
            lines.append(f"  second source: {e['from']} → {e['to']}: {_edge_summary(e)}")
    if st.get("unrelated") and not st.get("edges"):
        lines.append("  no two versions share enough wording to say that one was copied from the other: "
                     + ", ".join(st["unrelated"]))
    elif st.get("unrelated"):
        lines.append(f"  unrelated to the others: {', '.join(st['unrelated'])}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict[str, Any]) -> str:
    """Markdown: versions, the stemma as a nested list, the varying rows as a table."""
    s = data["summary"]
    out = [f"# Collation of {s['witnesses']} versions", "",
           f"Base: `{data['base']}`; {s['rows']} rows ({data['passages']} passages), {s['varying']} with different "
           f"readings, {s['changed']} with a change of meaning.", ""]
    fams = families_lines(data)
    if fams:
        out += [fams[0], ""] + [f"- {line.strip()}" for line in fams[1:]] + [""]
    out += ["## Who copied whom", ""]
    for depth, node, edge in stemma_lines(data):
        out.append("  " * depth + f"- **{node}**" + (f" ← {edge['from']} ({_md(_edge_summary(edge))})" if edge else " (root)"))
    st = data.get("stemma") or {}
    out += [f"- second source: {e['from']} → {e['to']} ({_md(_edge_summary(e))})"
            for e in st.get("edges", []) if e["kind"] == "second source"]
    if st.get("unrelated"):
        out.append(f"- unrelated: {', '.join(st['unrelated'])}")
    out += ["", "## Variant table", "", "| row | versions | verdict | reading | changes |", "|---|---|---|---|---|"]
    for i, row in _varying(data):
        for rd in row["readings"]:
            out.append(f"| {i + 1} | {', '.join(rd['witnesses'])} | {reading_label(data, row, rd)} | {_md(rd['text'])} | "
                       f"{_md('; '.join(_changes_of(row, rd['group'])) if rd['verdict'] == 'changed' else '')} |")
        if lacking(data, row):
            out.append(f"| {i + 1} | {', '.join(lacking(data, row))} | lacking | | |")
    return "\n".join(out) + "\n"


def render_csv(data: dict[str, Any]) -> str:
    """One line per reading of every row (:data:`CSV_COLUMNS`); unanimous rows included (a cell that would start
    a spreadsheet formula begins with an apostrophe)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for i, row in enumerate(data["rows"]):
        omitted = " ".join(lacking(data, row))
        for k, rd in enumerate(row["readings"]):
            w.writerow([spreadsheet_cell(v) for v in (
                i + 1, k, rd["group"], rd["verdict"], " ".join(rd["witnesses"]), omitted, " ".join(row["moved"]),
                rd["text"], "; ".join(_changes_of(row, rd["group"])))])
    return buf.getvalue()
