"""Reading the results of the last clustering run back from the store."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from storydiff.corpus import store
from storydiff.corpus.grouping import Cluster, PairEvidence

TITLE_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ClusterList(list[Cluster]):
    """The clusters of the last run, largest first, and whether the store changed since.

    Attributes:
        clustered: a clustering run has written results.
        added_since: documents added after that run (its clusters do not include them).
    """

    clustered: bool = False
    added_since: int = 0

    @property
    def stale(self) -> bool:
        """Documents were added after the run: rerun ``corpus cluster`` to include them."""
        return self.added_since > 0


def title_of(text: str | None) -> str:
    """The first non-empty line of a text, cut at :data:`TITLE_CHARS` characters."""
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    # a title goes to terminals and CSV: no control characters (escape sequences) from a document
    line = _CONTROL.sub(" ", line)
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def read_clusters(store_path: str, *, evidence: bool = True) -> ClusterList:
    """Clusters with at least two members, largest first (then by id), with titles and dates.

    Args:
        store_path: the store.
        evidence: also read each cluster's verified pairs and its stored stemma.

    Returns:
        A :class:`ClusterList` (a list of :class:`Cluster`), which says whether documents
        were added since the run.
    """
    with store.session(store_path, read_only=True) as con:
        # a store of an earlier layout is read as it is: what it lacks is NULL
        reason = "c.origin_reason" if _has(con, "clusters", "origin_reason") else "NULL"
        relation = "p.relation" if _has(con, "pairs", "relation") else "NULL"
        rows = con.execute(
            f"SELECT c.cluster_id, c.doc_id, c.is_origin, {reason}, d.date, left(d.text, {4 * TITLE_CHARS}) "
            "FROM clusters c LEFT JOIN documents d ON d.id = c.doc_id ORDER BY c.cluster_id, c.doc_id").fetchall()
        pairs = con.execute(
            f"SELECT c.cluster_id, p.a, p.b, p.method, p.jaccard, p.cosine, p.aligned_share, {relation} FROM pairs p "
            "JOIN clusters c ON c.doc_id = p.a WHERE p.verified ORDER BY c.cluster_id, p.a, p.b"
        ).fetchall() if evidence else []
        seen = store.get_setting(con, "clustered_documents_seq")
        ran = seen is not None or store.get_setting(con, "last_cluster_summary") is not None
        added = (int(con.execute("SELECT count(*) FROM documents WHERE seq >= ?", [int(seen)]).fetchall()[0][0])
                 if seen is not None else 0)
        stemmas = read_stemmas(con) if evidence else {}
    ev: dict[str, list[PairEvidence]] = defaultdict(list)
    for cid, a, b, method, j, cos, share, rel in pairs:
        ev[cid].append(PairEvidence(a, b, method, j, cos, share, rel))
    out = ClusterList(sorted((_cluster(cid, group, ev[cid], stemmas) for cid, group in _by_cluster(rows).items()),
                             key=lambda c: (-len(c.members), c.id)))
    out.clustered, out.added_since = ran, added
    return out


def _has(con: Any, table: str, column: str) -> bool:
    return column in {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def _by_cluster(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    groups: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row)
    return groups


def _cluster(cid: str, rows: list[tuple[Any, ...]], evidence: list[PairEvidence],
             stemmas: dict[str, dict[str, Any]]) -> Cluster:
    origin = next((r[1] for r in rows if r[2]), None)
    members = tuple(r[1] for r in rows)
    stemma = stemmas.get(store.members_key(members)) if stemmas else None
    head = next((r for r in rows if r[1] == origin), rows[0])
    dates = sorted(r[4] for r in rows if r[4])
    return Cluster(cid, members, origin, tuple(evidence), origin_reason=rows[0][3],
                   title=title_of(head[5]), first_date=dates[0] if dates else None,
                   last_date=dates[-1] if dates else None, stemma=stemma)


def read_stemmas(con: Any) -> dict[str, dict[str, Any]]:
    """Every stored stemma by members key, as ``{"origin", "origin_reason", "edges": [...], "roots", …}``.

    Edges carry ``from``/``to`` as in ``storydiff.collation/1``.
    """
    if not store.has_table(con, "stemmas"):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for key, origin, reason, roots, hyp, unrel, method in con.execute(
            "SELECT members_key, origin, origin_reason, roots, hypothetical, unrelated, method FROM stemmas"
    ).fetchall():
        out[key] = {"origin": origin, "origin_reason": reason, "roots": json.loads(roots),
                    "hypothetical": json.loads(hyp), "unrelated": json.loads(unrel), "method": method, "edges": []}
    for key, src, copy, kind, conf, decided, evidence, changes in con.execute(
            "SELECT members_key, source, copy, kind, confidence, decided_by, evidence, changes FROM stemma_edges "
            "ORDER BY members_key, source, copy").fetchall():
        if key in out:
            out[key]["edges"].append({"from": src, "to": copy, "kind": kind, "confidence": round(float(conf), 4),
                                      "decided_by": json.loads(decided), "evidence": json.loads(evidence),
                                      "changes": json.loads(changes)})
    return out
