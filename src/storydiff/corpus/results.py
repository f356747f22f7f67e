"""Reading the results of the last clustering run back from the store."""

from __future__ import annotations

from collections import defaultdict

from storydiff.corpus import store
from storydiff.corpus.grouping import Cluster, PairEvidence


def read_clusters(store_path: str, *, evidence: bool = True) -> list[Cluster]:
    """Clusters with at least two members, by id; with their verified pairs when ``evidence``."""
    with store.session(store_path, read_only=True) as con:
        rows = con.execute("SELECT cluster_id, doc_id, is_origin FROM clusters ORDER BY cluster_id, doc_id").fetchall()
        pairs = con.execute(
            "SELECT c.cluster_id, p.a, p.b, p.method, p.jaccard, p.cosine, p.aligned_share FROM pairs p "
            "JOIN clusters c ON c.doc_id = p.a WHERE p.verified ORDER BY c.cluster_id, p.a, p.b"
        ).fetchall() if evidence else []
    members: dict[str, list[str]] = defaultdict(list)
    origin: dict[str, str | None] = {}
    for cid, doc, is_origin in rows:
        members[cid].append(doc)
        if is_origin:
            origin[cid] = doc
    ev: dict[str, list[PairEvidence]] = defaultdict(list)
    for cid, a, b, method, j, cos, share in pairs:
        ev[cid].append(PairEvidence(a, b, method, j, cos, share))
    return [Cluster(cid, tuple(m), origin.get(cid), tuple(ev[cid])) for cid, m in members.items()]
