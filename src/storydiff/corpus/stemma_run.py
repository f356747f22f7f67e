"""Who copied whom inside each cluster: its members collated, the stemma stored.

Clustering costs milliseconds a document; collating a cluster costs a pairwise
alignment per member and a judgement of every differing reading (about half
a second for a cluster of eight 550-word documents, docs/corpus.md). So the
stemma is a step of its own, run when a user asks for it (``corpus stemma``,
``corpus cluster --stemma``), for clusters of 2 to 50 members (collate's
limit), and stored: ``stemmas`` and ``stemma_edges`` in the store, keyed by
the cluster's members (:func:`storydiff.corpus.store.members_key`), so a
stemma is computed once and stays valid while a rerun of ``corpus cluster``
gives the cluster the same members. Once stored, the stemma decides the
cluster's origin (:func:`storydiff.corpus.origin.cluster_origin`).

The collation itself is storydiff.collate's, called through its public
function :func:`storydiff.collate`, with the members' stored dates.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from storydiff.corpus import store
from storydiff.corpus.origin import cluster_origin
from storydiff.corpus.parallel import pool
from storydiff.corpus.progress import Reporter
from storydiff.corpus.results import read_clusters
from storydiff.errors import CorpusError, OptionError, StorydiffError

#: collate takes 2 to 50 versions; larger clusters keep their date-based origin
MAX_MEMBERS = 50
#: an edge that decides a direction (collate names an origin only when every edge out of it reaches this)
DIRECTION_MIN_CONFIDENCE = 0.6
#: a family's root names the origin of a cluster that also holds versions outside the family only when
#: every edge out of it is at least this sure (identical copies give 0.5-0.67 either way: on the planted
#: corpus a looser bar named an exact copy of the base instead of the base in 5 of 8 such clusters)
MAIN_FAMILY_MIN_CONFIDENCE = 0.9
#: the method stored beside a stemma whose notes do not name one
METHOD = "storydiff.collate"


@dataclass(frozen=True, slots=True)
class StemmaSummary:
    """What one ``stemmas`` run did.

    Attributes:
        computed: clusters collated in this run.
        reused: clusters whose stemma was already stored for the same members.
        too_large: clusters above ``max_members``, left with their date-based origin.
        failed: clusters the collation refused (each in ``problems``).
        origins: clusters (computed or reused) whose stemma names an origin.
        seconds: wall time of the whole run; ``collating`` the part spent collating.
        problems: ``(cluster id, message)`` of each failure.
    """

    computed: int
    reused: int
    too_large: int
    failed: int
    origins: int
    seconds: float
    collating: float
    problems: tuple[tuple[str, str], ...] = field(default=())


@dataclass
class _Counts:
    computed: int = 0
    reused: int = 0
    origins: int = 0
    collating: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)


def compute_stemmas(store_path: str, *, clusters: Sequence[str] | None = None, max_members: int = MAX_MEMBERS,
                    recompute: bool = False, workers: int = 1, reporter: Reporter | None = None) -> StemmaSummary:
    """Collate the members of each cluster and store its stemma; the stemma then decides the origin.

    Args:
        store_path: the store, after ``corpus cluster``.
        clusters: cluster ids to do (default: every cluster of 2 to ``max_members`` members).
        max_members: the largest cluster collated (at most 50).
        recompute: collate again even when a stemma is stored for the same members.
        workers: processes collating clusters side by side (each loads the models once).
        reporter: progress reporting (silent by default).

    Returns:
        A :class:`StemmaSummary`.

    Raises:
        CorpusError: no clusters yet, or an unknown cluster id.
        OptionError: ``max_members`` outside 2..50.
    """
    if not 2 <= max_members <= MAX_MEMBERS:
        raise OptionError(f"max_members must be between 2 and {MAX_MEMBERS} (collate's limit; got {max_members})")
    reporter = reporter or Reporter()
    start = time.perf_counter()
    n = _Counts()
    # the pool starts before the store is opened: forked workers share no open file or DuckDB thread
    with pool(workers) as executor:
        todo, too_large = _select(store_path, clusters, max_members)
        _run(store_path, todo, recompute, workers, executor, reporter, n)
    return StemmaSummary(n.computed, n.reused, too_large, len(n.problems), n.origins, time.perf_counter() - start,
                         n.collating, tuple(n.problems))


def _run(store_path: str, todo: list[tuple[str, tuple[str, ...]]], recompute: bool, workers: int, executor: Any,
         reporter: Reporter, n: _Counts) -> None:
    with store.session(store_path) as con:
        stored = {r[0]: r[1] for r in con.execute("SELECT members_key, origin FROM stemmas").fetchall()}
        with reporter.task("collating clusters", len(todo)) as advance:
            fresh = []
            for cid, members in todo:
                key = store.members_key(members)
                if key in stored and not recompute:
                    n.reused += 1
                    n.origins += stored[key] is not None
                    advance(1)
                else:
                    fresh.append((cid, key, members))
            jobs = ((cid, _rows(con, store_path, members)) for cid, _, members in fresh)
            results = _ordered(executor, jobs, ahead=4 * workers)
            for (cid, key, _), (done, problem, secs) in zip(fresh, results):
                if done is None:  # a member the collation cannot take (e.g. too large)
                    n.problems.append((cid, problem))
                    reporter.problem(cid, problem)
                else:
                    _write(con, key, *done, secs)
                    n.computed += 1
                    n.collating += secs
                    n.origins += done[0]["origin"] is not None
                advance(1)
        con.execute("BEGIN TRANSACTION")
        store.apply_stemmas(con)
        con.execute("COMMIT")


def _ordered(executor: Any, jobs: Iterator[Any], *, ahead: int) -> Iterator[Any]:
    """:func:`_collate` of each job, in order, with at most ``ahead`` clusters' texts in flight."""
    if executor is None:
        yield from map(_collate, jobs)
        return
    window: collections.deque[Any] = collections.deque()
    for job in jobs:
        window.append(executor.submit(_collate, job))
        if len(window) >= ahead:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def _rows(con: Any, store_path: str, members: Sequence[str]) -> list[tuple[Any, ...]]:
    """The members as plain tuples (a Document's read-only meta does not pickle to a worker)."""
    return [(d.id, d.text, d.source, d.date, d.title, dict(d.meta))
            for d in store.load_documents(con, store_path, members)]


def _collate(job: tuple[str, list[tuple[Any, ...]]]) -> tuple[Any, str | None, float]:
    """``((row, edges), None, seconds)`` of one cluster, or ``(None, problem, 0)`` (runs in a worker)."""
    from types import MappingProxyType

    from storydiff.model import Document

    cid, rows = job
    docs = [Document(id=i, source=src, text=text, date=date, title=title, meta=MappingProxyType(meta))
            for i, text, src, date, title, meta in rows]
    t0 = time.perf_counter()
    try:
        return stemma_rows(cid, docs), None, time.perf_counter() - t0
    except StorydiffError as e:
        return None, str(e), 0.0


def _select(store_path: str, wanted: Sequence[str] | None,
            max_members: int) -> tuple[list[tuple[str, tuple[str, ...]]], int]:
    found = read_clusters(store_path, evidence=False)
    if not found.clustered:
        raise CorpusError(f"no clusters yet: run `storydiff corpus cluster {store_path}` first")
    by_id = {c.id: c for c in found}
    if wanted:
        unknown = [w for w in wanted if w not in by_id]
        if unknown:
            raise CorpusError(f"no cluster {unknown[0]!r} in {store_path!r}; list them with "
                              "`storydiff corpus clusters STORE`")
        chosen = [by_id[w] for w in dict.fromkeys(wanted)]
    else:
        chosen = list(found)
    todo = [(c.id, c.members) for c in chosen if len(c.members) <= max_members]
    return todo, len(chosen) - len(todo)


def stemma_rows(cluster_id: str, docs: Sequence[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Collate one cluster's documents: its ``stemmas`` row and ``stemma_edges`` rows (pure, no store)."""
    import storydiff

    ids = [d.id for d in docs]
    dates = {d.id: d.date for d in docs if d.date}
    stemma = storydiff.stemma_of(list(docs), dates=dates)
    root, why = stemma.origin(tuple(ids))
    # a member whose every incoming edge is below the stemma's own bar for a direction has no source in it
    sourceless = {i for i in ids if all(e.confidence < DIRECTION_MIN_CONFIDENCE for e in stemma.edges if e.copy == i)}
    origin, reason = cluster_origin(ids, [d.date for d in docs], stemma=(root, why), stemma_roots=sourceless,
                                    stemma_main=None if root else _main_family(stemma, ids))
    row = {"cluster_id": cluster_id, "members": len(ids), "origin": origin, "origin_reason": reason,
           "roots": json.dumps(list(stemma.roots)), "hypothetical": json.dumps(list(stemma.hypothetical)),
           "unrelated": json.dumps(list(stemma.unrelated)),
           "method": str(stemma.notes.get("method", METHOD)) if stemma.notes else METHOD}
    edges = [{"source": e.source, "copy": e.copy, "kind": e.kind, "confidence": float(e.confidence),
              "decided_by": json.dumps(list(e.decided_by)), "evidence": json.dumps(dict(e.evidence), default=str),
              "changes": json.dumps(dict(e.changes), ensure_ascii=False, default=str)} for e in stemma.edges]
    return row, edges


def _main_family(stemma: Any, ids: Sequence[str]) -> tuple[str, int] | None:
    """``(root, size)`` of the family holding more than half of ``ids``, when the stemma names its root.

    A cluster may hold versions the stemma cannot link by their words (a re-translation, a retelling);
    the family the others copied from is still the story's main line.
    """
    families = sorted((sorted(stemma.component_of(r) & set(ids)) for r in stemma.roots), key=len, reverse=True)
    if not families or 2 * len(families[0]) <= len(ids):
        return None
    root, _ = stemma.origin(tuple(families[0]))
    if root is None or min(e.confidence for e in stemma.edges if e.source == root) < MAIN_FAMILY_MIN_CONFIDENCE:
        return None
    return root, len(families[0])


def _write(con: Any, key: str, row: dict[str, Any], edges: list[dict[str, Any]], seconds: float) -> None:
    # one transaction per cluster: an interrupted run keeps every stemma it finished
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM stemmas WHERE members_key = ?", [key])
        con.execute("DELETE FROM stemma_edges WHERE members_key = ?", [key])
        con.execute("INSERT INTO stemmas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [key, row["cluster_id"], row["members"], row["origin"], row["origin_reason"], row["roots"],
                     row["hypothetical"], row["unrelated"], row["method"], seconds, now])
        if edges:
            con.executemany("INSERT INTO stemma_edges VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [[key, e["source"], e["copy"], e["kind"], e["confidence"], e["decided_by"],
                              e["evidence"], e["changes"]] for e in edges])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
