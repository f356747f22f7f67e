"""One clustering run over any backend: the steps in order, the policy shared.

A backend (:class:`Backend`) knows where the documents are and how to run
the data-parallel work: signatures, LSH banding, document vectors and the
sentence checks. Everything else — the exact-copy step, the semantic
neighbours, the evidence, the decision (:mod:`storydiff.corpus.policy`), the
clusters and their origins, the tables written and the summary — happens here
once, so the embedded engine (:class:`storydiff.corpus.engine.EmbeddedBackend`)
and Spark (:class:`storydiff.corpus.spark.SparkBackend`) give the same clusters.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from storydiff.corpus import policy
from storydiff.corpus.grouping import components
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.origin import cluster_origin
from storydiff.corpus.progress import Reporter
from storydiff.errors import CorpusError

#: the labelled steps of a run, in order (progress bars say "step i/n: label")
STEPS = ("signatures", "lsh", "semantic", "verify", "write")


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    """What one clustering run found.

    Attributes:
        documents: documents in the store.
        candidates: candidate pairs per step (exact, ngram, unigram, semantic) and in all.
        checked: pairs checked at sentence level.
        verified: pairs accepted as versions.
        joined: pairs not checked because the pairs verified before them already join their documents.
        clusters: clusters with at least two members.
        clustered_documents: documents in those clusters.
        sizes: cluster size → number of clusters.
        seconds: wall time per step and in all.
    """

    documents: int
    candidates: dict[str, int]
    checked: int
    verified: int
    joined: int
    clusters: int
    clustered_documents: int
    sizes: dict[int, int]
    seconds: dict[str, float] = field(default_factory=dict)


class Backend(Protocol):
    """What a clustering backend provides; positions are indices in the documents' order.

    Attributes:
        knn_threads: threads for the nearest-neighbour search (it runs where the orchestrator runs).
    """

    knn_threads: int

    def documents(self) -> Any:
        """A pyarrow Table with ``length``, ``date`` and ``text_key`` of every document, in order."""

    def stoplist(self, n: int) -> frozenset[str]:
        """The content-word stop list of the corpus (estimated from a seeded sample)."""

    def signatures(self, kind: str, stop: frozenset[str] | None,
                   reporter: Reporter) -> tuple[np.ndarray, np.ndarray]:
        """``(uint32 (n, num_perm) signatures, shingle counts)`` of ``kind`` (``ngram`` or ``unigram``)."""

    def band_pairs(self, kind: str, sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
        """LSH candidate pairs ``(m, 2)``, as :func:`storydiff.corpus.lsh.candidate_pairs` gives them."""

    def document_vectors(self, reporter: Reporter) -> np.ndarray:
        """Raw float16 document vectors ``(n, dim)`` (before centring)."""

    def check(self, pairs: np.ndarray, reporter: Reporter, label: str) -> np.ndarray:
        """Aligned share (float32) of each pair, by :func:`storydiff.corpus.verify.verify_pairs` (progress as ``label``)."""

    def check_few(self, pairs: np.ndarray) -> np.ndarray:
        """The same for the merge guard's single pairs (no progress, no job start-up)."""

    def ids(self, positions: np.ndarray) -> dict[int, str]:
        """Document id of each position."""

    def save(self, pairs: Any, clusters: Any, cfg: ClusterConfig, summary: ClusterSummary) -> None:
        """Store the run's ``pairs`` and ``clusters`` tables (pyarrow)."""


class _Clock:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.secs: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.secs[name] = round(now - self.last, 3)
        self.last = now


def semantic_pairs(cfg: ClusterConfig, raw: np.ndarray, threads: int,
                   reporter: Reporter) -> tuple[np.ndarray, np.ndarray]:
    """Projected document vectors (float32) and their kNN candidate pairs."""
    from storydiff.corpus.semantic import fit_projection, knn_pairs, project

    n = len(raw)
    mean, comps = fit_projection(raw, drop_pcs=cfg.drop_pcs, sample=cfg.pca_sample, seed=cfg.seed)
    vecs = np.empty(raw.shape, dtype=np.float32)
    for i in range(0, n, 100_000):  # fixed chunks: the float results do not depend on the backend
        vecs[i : i + 100_000] = project(raw[i : i + 100_000].astype(np.float32), mean, comps)
    with reporter.task("nearest neighbours", None):
        pairs, _ = knn_pairs(vecs, k=cfg.k, min_cos=cfg.min_cos, threads=threads)
    return vecs, pairs


def run(backend: Backend, cfg: ClusterConfig, reporter: Reporter | None = None) -> ClusterSummary:
    """Cluster every document of ``backend``; its ``save`` receives the tables.

    Raises:
        CorpusError: the corpus has no documents.
    """
    reporter = reporter or Reporter()
    clock = _Clock()
    meta = backend.documents()
    n = len(meta)
    if n == 0:
        raise CorpusError("the corpus store holds no documents, so there is nothing to cluster; "
                          "add some first with `storydiff corpus add STORE INPUT`")
    step = _step_labels(reporter, cfg, n)
    step("signatures")
    stop = backend.stoplist(n) if cfg.unigrams else None
    sig_ngram, ngram_sizes = backend.signatures("ngram", None, reporter)
    sig_unigram = backend.signatures("unigram", stop, reporter)[0] if cfg.unigrams else None
    clock.lap("signatures")
    step("lsh")
    parts: list[tuple[str, np.ndarray]] = [(policy.EXACT, policy.exact_pairs(meta.column("text_key").to_numpy()))]
    with reporter.task(f"LSH over word {cfg.ngram}-grams"):
        parts.append((policy.MINHASH, backend.band_pairs("ngram", sig_ngram, *cfg.banding("ngram"))))
    if sig_unigram is not None:
        with reporter.task("LSH over content words"):
            parts.append((policy.MINHASH, backend.band_pairs("unigram", sig_unigram, *cfg.banding("unigram"))))
    clock.lap("lsh")
    vecs = None
    if cfg.semantic and n > 1:
        step("semantic")
        vecs, sem = semantic_pairs(cfg, backend.document_vectors(reporter), backend.knn_threads, reporter)
        parts.append((policy.SEMANTIC, sem))
        del sem
    clock.lap("semantic")
    counts = policy.candidate_counts(cfg, parts, semantic=vecs is not None)
    pairs, method = policy.merge_candidates(n, parts)
    counts["all"] = len(pairs)
    # signatures and vectors serve only the pairs' evidence: freed before the checks, which hold texts
    ngram_j, unigram_j, cos = policy.evidence(cfg, pairs, method, sig_ngram, ngram_sizes, sig_unigram, vecs)
    del parts, sig_ngram, sig_unigram, vecs
    step("verify")
    lengths = meta.column("length").to_numpy().astype(np.int64)
    guard = policy.MemoCheck(backend.check_few)
    passes = [0]

    def check(p: np.ndarray) -> np.ndarray:
        # decide() checks in rounds (one pair per pair of clusters first): one bar per round
        passes[0] += 1
        return backend.check(p, reporter, f"checking candidates, round {passes[0]}")

    verdict = policy.decide(cfg, pairs, method, ngram_j, unigram_j, ngram_sizes, lengths, cos, check, guard)
    verdict["labels"] = policy.cluster_labels(cfg, n, pairs, verdict, lengths, guard)
    clock.lap("verify")
    step("write")
    ptable, ctable, groups = result_tables(backend, meta, pairs, method, verdict)
    sizes = Counter(len(g) for g in groups)
    summary = ClusterSummary(documents=n, candidates=counts, checked=int(verdict["checked"].sum()),
                             verified=int(verdict["verified"].sum()), joined=int(verdict["joined"].sum()),
                             clusters=len(groups), clustered_documents=int(sum(len(g) for g in groups)),
                             sizes=dict(sorted(sizes.items())), seconds=clock.secs)
    backend.save(ptable, ctable, cfg, summary)
    clock.lap("write")
    clock.secs["total"] = round(time.perf_counter() - clock.start, 3)
    return dataclasses.replace(summary, seconds=clock.secs)


def _step_labels(reporter: Reporter, cfg: ClusterConfig, n: int) -> Any:
    steps = [s for s in STEPS if s != "semantic" or (cfg.semantic and n > 1)]

    def step(name: str) -> None:
        reporter.step(f"step {steps.index(name) + 1}/{len(steps)}: {_STEP_TEXT[name]}")

    return step


_STEP_TEXT = {"signatures": "MinHash signatures", "lsh": "candidate pairs: exact copies and LSH",
              "semantic": "candidate pairs close in meaning", "verify": "checking candidates sentence by sentence",
              "write": "writing the clusters"}


def result_tables(backend: Backend, meta: Any, pairs: np.ndarray, method: np.ndarray,
                  verdict: dict[str, np.ndarray]) -> tuple[Any, Any, list[np.ndarray]]:
    """The ``pairs`` and ``clusters`` tables of a run, and the clusters' member positions."""
    import pyarrow as pa

    n = len(meta)
    keep = verdict["keep"]
    kp = pairs[keep]
    groups = components(verdict["labels"])
    dates = meta.column("date").to_pylist()
    needed = np.unique(np.concatenate([kp.ravel(), *groups])) if len(groups) or len(kp) else np.zeros(0, np.int64)
    ident = backend.ids(needed)
    rows: list[tuple[str, str, bool, str | None]] = []
    width = max(len(str(n)), 1)
    for g in groups:
        members = [ident[int(p)] for p in g]
        origin, reason = cluster_origin(members, [dates[p] for p in g])
        cid = f"c{int(g.min()):0{width}d}"
        rows.extend((cid, m, m == origin, reason) for m in sorted(members))
    ptable = pa.table({
        "a": pa.array([ident[int(p)] for p in kp[:, 0]], pa.string()),
        "b": pa.array([ident[int(p)] for p in kp[:, 1]], pa.string()),
        "method": pa.array([policy.METHOD_NAME[int(m)] for m in method[keep]], pa.string()),
        "jaccard": pa.array(verdict["jaccard"][keep], pa.float32()),
        "cosine": pa.array(verdict["cosine"][keep], pa.float32(), from_pandas=True),
        "aligned_share": pa.array(verdict["share"][keep], pa.float32(), from_pandas=True),
        # pairs that accepted pairs already join are kept unchecked: aligned_share NULL, verified false
        "verified": pa.array(verdict["verified"][keep], pa.bool_()),
        # how verified documents relate: the same text, or the shorter contained in the longer
        "relation": pa.array([policy.RELATION_NAME.get(int(r)) if v else None
                              for r, v in zip(verdict["relation"][keep], verdict["verified"][keep])], pa.string()),
    })
    ctable = pa.table({"cluster_id": pa.array([r[0] for r in rows], pa.string()),
                       "doc_id": pa.array([r[1] for r in rows], pa.string()),
                       "is_origin": pa.array([r[2] for r in rows], pa.bool_()),
                       "origin_reason": pa.array([r[3] for r in rows], pa.string())})
    return ptable, ctable, groups
