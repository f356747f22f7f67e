"""Exports other collation tools read: CollateX's JSON alignment table and TEI.

Both are made from ``Collation.to_dict()`` (the ``storydiff.collation/1``
document), so they tell the same story as every other format.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from storydiff._version import __version__
from storydiff.collate.render import lacking

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_NCNAME_BAD = re.compile(r"[^\w.\-]")


def _cell_text(data: dict[str, Any], row: dict[str, Any], wid: str) -> str | None:
    for reading in row["readings"]:
        if wid in reading["witnesses"]:
            return str(reading["text"])
    return None


def collatex_json(data: dict[str, Any]) -> str:
    """The alignment table as CollateX writes it with ``output="json"``.

    ``{"witnesses": [id, …], "table": [[tokens of each witness or null], …]}``,
    one entry of ``table`` per row; tokens are ``{"t": text, "n": normalised}``.
    """
    ids = [w["id"] for w in data["witnesses"]]
    table = []
    for row in data["rows"]:
        cells = []
        for wid in ids:
            text = _cell_text(data, row, wid)
            cells.append(None if text is None else [{"t": t + " ", "n": t.casefold()} for t in text.split()])
        table.append(cells)
    return json.dumps({"witnesses": ids, "table": table}, ensure_ascii=False, indent=1)


def tei_id(wid: str) -> str:
    """A version id as an XML NCName (``xml:id`` values cannot start with a digit or hold spaces)."""
    safe = _NCNAME_BAD.sub("_", wid)
    return safe if safe[:1].isalpha() or safe[:1] == "_" else f"w{safe}"


def tei(data: dict[str, Any]) -> str:
    """TEI P5 parallel segmentation: unanimous passages as text, variation as ``<app>/<rdg>``."""
    ET.register_namespace("", TEI_NS)
    q = lambda tag: f"{{{TEI_NS}}}{tag}"  # noqa: E731 - a one-line helper for namespaced tags
    root = ET.Element(q("TEI"))
    root.append(_header(data, q))
    body = ET.SubElement(ET.SubElement(root, q("text")), q("body"))
    para = ET.SubElement(body, q("p"))
    last: ET.Element | None = None
    for row in data["rows"]:
        unanimous = len(row["readings"]) == 1 and not lacking(data, row)
        if unanimous:
            last = _append_text(para, last, row["readings"][0]["text"] + " ")
            continue
        app = ET.SubElement(para, q("app"))
        for reading in row["readings"]:
            rdg = ET.SubElement(app, q("rdg"), {"wit": " ".join(f"#{tei_id(w)}" for w in reading["witnesses"])})
            rdg.text = reading["text"]
            if reading["verdict"] not in ("base", "identical"):
                rdg.set("type", reading["verdict"])
        omitted = lacking(data, row)
        if omitted:
            ET.SubElement(app, q("rdg"), {"wit": " ".join(f"#{tei_id(w)}" for w in omitted), "type": "omission"})
        app.tail = " "
        last = app
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _append_text(para: ET.Element, last: ET.Element | None, text: str) -> ET.Element | None:
    if last is None:
        para.text = (para.text or "") + text
    else:
        last.tail = (last.tail or "") + text
    return last


def _header(data: dict[str, Any], q: Any) -> ET.Element:
    header = ET.Element(q("teiHeader"))
    fdesc = ET.SubElement(header, q("fileDesc"))
    ET.SubElement(ET.SubElement(fdesc, q("titleStmt")), q("title")).text = (
        f"Collation of {len(data['witnesses'])} versions")
    ET.SubElement(ET.SubElement(fdesc, q("publicationStmt")), q("p")).text = f"Made by storydiff {__version__}"
    wits = ET.SubElement(ET.SubElement(fdesc, q("sourceDesc")), q("listWit"))
    for w in data["witnesses"]:
        el = ET.SubElement(wits, q("witness"))
        el.set(f"{{{XML_NS}}}id", tei_id(w["id"]))
        el.text = w["source"] + (f" ({w['date']})" if w.get("date") else "")
    enc = ET.SubElement(header, q("encodingDesc"))
    ET.SubElement(enc, q("variantEncoding"), {"method": "parallel-segmentation", "location": "internal"})
    return header
