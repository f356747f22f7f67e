"""What each copier changed: the variant table read along every stemma edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from storydiff.collate.evidence import MISSING
from storydiff.collate.model import Row, Stemma, StemmaEdge

# Meaning changes listed per edge; the rest are only counted.
MAX_LISTED = 20


def describe_edges(stemma: Stemma, readings: Mapping[str, np.ndarray], rows: Sequence[Row]) -> Stemma:
    """The stemma with ``changes`` filled on every edge (source → copy, row by row)."""
    edges = tuple(replace(e, changes=MappingProxyType(edge_changes(e, readings, rows))) for e in stemma.edges)
    return replace(stemma, edges=edges)


def edge_changes(edge: StemmaEdge, readings: Mapping[str, np.ndarray], rows: Sequence[Row]) -> dict[str, Any]:
    """Counts of omitted, added, re-worded, changed and moved passages, and the changes of meaning."""
    src, cpy = readings[edge.source], readings[edge.copy]
    counts = {"omitted": 0, "added": 0, "reworded": 0, "changed": 0, "moved": 0}
    listed: list[dict[str, Any]] = []
    for r in np.flatnonzero(src != cpy).tolist():
        a, b = int(src[r]), int(cpy[r])
        if b == MISSING:
            counts["omitted"] += 1
        elif a == MISSING:
            counts["added"] += 1
        elif rows[r].readings[a].group == rows[r].readings[b].group:
            counts["reworded"] += 1
        else:
            counts["changed"] += 1
            if len(listed) < MAX_LISTED:
                listed.append(_meaning_change(rows[r], r, a, b))
    counts["moved"] = sum(1 for row in rows if (edge.copy in row.moved) != (edge.source in row.moved)
                          and edge.copy in row.cells and edge.source in row.cells)
    return {**counts, "meaning": listed, "more": max(0, counts["changed"] - len(listed))}


def _meaning_change(row: Row, r: int, a: int, b: int) -> dict[str, Any]:
    """A change of meaning along an edge, explained by the change engine's records against reading 0."""
    ga, gb = row.readings[a].group, row.readings[b].group
    if ga == 0:
        why = [c.explanation for c in row.groups[gb].changes]
    elif gb == 0:
        why = [f"reverses {c.explanation}" for c in row.groups[ga].changes]
    else:
        why = [f"against the base reading: {c.explanation}" for c in row.groups[gb].changes]
    return {"row": r, "from": row.readings[a].text, "to": row.readings[b].text, "explanations": why[:4]}
