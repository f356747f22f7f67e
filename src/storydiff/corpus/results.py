"""Reading the results of the last clustering run back from the store."""

from __future__ import annotations

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
        evidence: also read each cluster's verified pairs.

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
    ev: dict[str, list[PairEvidence]] = defaultdict(list)
    for cid, a, b, method, j, cos, share, rel in pairs:
        ev[cid].append(PairEvidence(a, b, method, j, cos, share, rel))
    out = ClusterList(sorted((_cluster(cid, group, ev[cid]) for cid, group in _by_cluster(rows).items()),
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


def _cluster(cid: str, rows: list[tuple[Any, ...]], evidence: list[PairEvidence]) -> Cluster:
    origin = next((r[1] for r in rows if r[2]), None)
    head = next((r for r in rows if r[1] == origin), rows[0])
    dates = sorted(r[4] for r in rows if r[4])
    return Cluster(cid, tuple(r[1] for r in rows), origin, tuple(evidence), origin_reason=rows[0][3],
                   title=title_of(head[5]), first_date=dates[0] if dates else None,
                   last_date=dates[-1] if dates else None)
