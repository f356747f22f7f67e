"""``corpus cluster`` on one machine: candidates, verification, clusters.

Steps, each streaming from the DuckDB store in batches and keeping per
document only fixed-size arrays (signatures uint32, vectors float16, pairs
int64), never all texts:

1. exact copies: equal exact-text keys (words, ignoring case and punctuation);
2. lexical versions: MinHash LSH over word n-grams (default 3-grams, t=0.3);
3. moderate re-wordings: MinHash LSH over content-word unigrams (t=0.45), with
   a stop list of the tokens in >= 20% of a seeded sample of documents;
4. heavy re-wordings (``semantic``): WordLlama document vectors, centred, top
   principal components dropped, k nearest neighbours (a deterministic IVF
   index above 20k documents, :mod:`storydiff.corpus.ann`);
5. verification (:func:`decide`, shared with the Spark backend): exact pairs
   are versions; a lexical pair with estimated n-gram Jaccard >=
   ``accept_jaccard`` (0.5), or containment >= ``accept_containment`` (0.8)
   at Jaccard >= ``prefilter_jaccard``, is accepted; pairs under every
   prefilter floor (n-gram Jaccard 0.2, unigram Jaccard 0.3, not semantic)
   and lexical pairs under unigram Jaccard ``check_unigram`` (0.25) are
   dropped unchecked; the rest are versions when sentences carrying at least
   ``verify_threshold`` (0.6) of the shorter document's words align
   (:mod:`storydiff.corpus.verify`) and that share times the length ratio
   reaches ``cover_threshold`` (0.55), so that a passage shared by two
   different documents does not chain their clusters. Checks run in rounds,
   one pair per pair of clusters so far, and skip pairs already joined;
6. clusters (:func:`cluster_labels`): verified pairs merged strongest first;
   joining two clusters of two or more members also needs a version pair
   between their roots (:func:`storydiff.corpus.cluster.guarded_union`) →
   ``clusters`` table, with the checked pairs in ``pairs``.

Signatures and vectors are stored per document, so a rerun after ``add``
computes them only for the new documents. ``ClusterConfig.workers`` > 1 runs
signatures, vectors and verification in worker processes with identical
results.

Quality and speed on the planted corpora: docs/corpus.md.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storydiff.corpus import store
from storydiff.corpus.add import ngram_params
from storydiff.corpus.cluster import (
    components,
    guarded_union,
    probable_origin,
    union_find,
)
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.lsh import band_keys, candidate_pairs
from storydiff.corpus.minhash import estimate_jaccard
from storydiff.corpus.parallel import pool, signatures_pooled, split_map
from storydiff.corpus.progress import Reporter
from storydiff.corpus.stoplist import stoplist as _stoplist
from storydiff.corpus.stoplist import unigram_params as _unigram_params
from storydiff.errors import CorpusError

EXACT, MINHASH, SEMANTIC = "exact", "minhash", "semantic"
_METHOD_CODE = {EXACT: 0, MINHASH: 1, SEMANTIC: 2}
_METHOD_NAME = {v: k for k, v in _METHOD_CODE.items()}


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


def _stream(con: Any, sql: str, params: list[Any] | None = None, rows: int = 1000):  # type: ignore[no-untyped-def]
    reader = store.query_batches(con, sql, params, rows)
    for batch in reader:
        yield batch


def _ensure_signatures(con: Any, cfg: ClusterConfig, kind: str, params: str, ngram: int,
                       stop: frozenset[str] | None, reporter: Reporter, executor: Any = None) -> None:
    """Compute signatures of ``kind`` for documents lacking them (or made with other params)."""
    import pyarrow as pa

    con.execute("DELETE FROM signatures WHERE kind = ? AND params <> ?", [kind, params])
    missing = int(con.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM signatures s "
                              "WHERE s.seq = d.seq AND s.kind = ?)", [kind]).fetchall()[0][0])
    if not missing:
        return
    work = con.cursor()  # a second cursor: the read stream stays open while we write
    with reporter.task(f"{kind} signatures", missing) as advance:
        for batch in _stream(con, "SELECT seq, text FROM documents d WHERE NOT EXISTS (SELECT 1 FROM signatures s "
                                  "WHERE s.seq = d.seq AND s.kind = ?) ORDER BY seq", [kind], rows=2048):
            texts = batch.column("text").to_pylist()
            sigs, sizes = signatures_pooled(executor, texts, parts=cfg.workers, ngram=ngram, num_perm=cfg.num_perm,
                                            seed=cfg.seed, stopwords=stop, batch_size=cfg.batch_size)
            table = pa.table({"seq": batch.column("seq"), "kind": [kind] * len(texts),
                              "params": [params] * len(texts), "n_shingles": sizes,
                              "sig": store.array_to_blobs(sigs)})
            work.register("_sigs", table)
            work.execute("INSERT INTO signatures SELECT * FROM _sigs")
            work.unregister("_sigs")
            advance(len(texts))


def _ensure_embeddings(con: Any, cfg: ClusterConfig, reporter: Reporter, executor: Any = None) -> None:
    import pyarrow as pa

    from storydiff.corpus.semantic import embed_documents

    con.execute("DELETE FROM embeddings WHERE model <> ?", [cfg.encoder])
    missing = int(con.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                              "(SELECT 1 FROM embeddings e WHERE e.seq = d.seq)").fetchall()[0][0])
    if not missing:
        return
    work = con.cursor()
    with reporter.task("document vectors", missing) as advance:
        for batch in _stream(con, "SELECT seq, text FROM documents d WHERE NOT EXISTS "
                                  "(SELECT 1 FROM embeddings e WHERE e.seq = d.seq) ORDER BY seq", rows=1024):
            parts = split_map(executor, embed_documents, batch.column("text").to_pylist(), parts=cfg.workers,
                              encoder=cfg.encoder)
            vecs = np.concatenate(parts).astype(np.float16)
            table = pa.table({"seq": batch.column("seq"), "model": [cfg.encoder] * len(vecs),
                              "vec": store.array_to_blobs(vecs)})
            work.register("_vecs", table)
            work.execute("INSERT INTO embeddings SELECT * FROM _vecs")
            work.unregister("_vecs")
            advance(len(vecs))


def _load_sigs(con: Any, kind: str, seqs: np.ndarray, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    t = store.query_arrow(con, "SELECT n_shingles, sig FROM signatures WHERE kind = ? ORDER BY seq", [kind])
    if len(t) != len(seqs):
        raise CorpusError(f"the store has {len(t)} {kind} signatures for {len(seqs)} documents; rerun")
    return store.blobs_to_array(t.column("sig"), np.uint32, num_perm), t.column("n_shingles").to_numpy()


def _exact_pairs(keys: np.ndarray) -> np.ndarray:
    """Star edges from each group of equal non-zero keys to its first member."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    same = np.flatnonzero((sk[1:] == sk[:-1]) & (sk[1:] != 0)) + 1
    if not same.size:
        return np.zeros((0, 2), np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1]]))
    head = order[starts[np.searchsorted(starts, same, side="right") - 1]]
    pairs = np.stack([head, order[same]], axis=1)
    return np.sort(pairs, axis=1).astype(np.int64)


def candidate_counts(cfg: ClusterConfig, parts: list[tuple[str, np.ndarray]], *, semantic: bool) -> dict[str, int]:
    """Candidate pairs per step, from the (method, pairs) parts in step order: exact, n-gram, [unigram], [semantic]."""
    return {"exact": len(parts[0][1]), "ngram": len(parts[1][1]),
            "unigram": len(parts[2][1]) if cfg.unigrams else 0,
            "semantic": len(parts[-1][1]) if semantic else 0}


def _merge(n: int, parts: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Union of pair sets; each pair keeps the first (strongest) method that found it."""
    codes = [p[:, 0] * n + p[:, 1] for _, p in parts if len(p)]
    meth = [np.full(len(p), _METHOD_CODE[m], np.int8) for m, p in parts if len(p)]
    if not codes:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int8)
    c, m = np.concatenate(codes), np.concatenate(meth)
    order = np.lexsort((m, c))
    c, m = c[order], m[order]
    first = np.concatenate([[True], c[1:] != c[:-1]])
    c, m = c[first], m[first]
    return np.stack([c // n, c % n], axis=1), m


def _texts_for(con: Any, seqs: np.ndarray, positions: np.ndarray) -> dict[int, str]:
    """Texts of the documents at ``positions`` (array indices), keyed by position."""
    want = seqs[positions]
    if len(want) <= 4:  # the merge guard's single pairs: index lookups, not a scan
        rows = [r for s in want.tolist() for r in con.execute("SELECT seq, text FROM documents WHERE seq = ?",
                                                               [s]).fetchall()]
    else:
        rows = con.execute("SELECT seq, text FROM documents WHERE seq IN (SELECT unnest(?))",
                           [want.tolist()]).fetchall()
    pos_of = dict(zip(want.tolist(), positions.tolist()))
    return {pos_of[s]: t for s, t in rows}


def _verify_part(items: list[tuple[int, int]], texts: dict[int, str], encoder: str,
                 sentence_cos: float) -> np.ndarray:
    from storydiff.corpus.verify import verify_pairs

    return verify_pairs(texts, np.asarray(items, dtype=np.int64).reshape(-1, 2), encoder=encoder,
                        sentence_cos=sentence_cos)


def _sentence_check(con: Any, cfg: ClusterConfig, seqs: np.ndarray, pairs: np.ndarray,
                    reporter: Reporter, executor: Any = None, chunk: int = 20_000) -> np.ndarray:
    """Aligned share of each pair; with workers, chunk *i + 1*'s texts are read while the workers check chunk *i*."""
    out = np.zeros(len(pairs), dtype=np.float32)
    with reporter.task("checking sentences", len(pairs)) as advance:
        pending: tuple[int, int, list[Any]] | None = None

        def gather() -> None:
            start, size, futures = pending  # type: ignore[misc]
            out[start : start + size] = np.concatenate([f.result() for f in futures])
            advance(size)

        for i in range(0, len(pairs), chunk):
            p = pairs[i : i + chunk]
            texts = _texts_for(con, seqs, np.unique(p))
            if executor is None or len(p) < 512:
                out[i : i + chunk] = _verify_part(p.tolist(), texts, cfg.encoder, cfg.sentence_cos)
                advance(len(p))
                continue
            # each worker gets only the texts of its own pairs
            futures = [executor.submit(_verify_part, part.tolist(), {int(d): texts[int(d)] for d in np.unique(part)},
                                       cfg.encoder, cfg.sentence_cos) for part in np.array_split(p, cfg.workers)]
            del texts
            if pending is not None:
                gather()
            pending = (i, len(p), futures)
        if pending is not None:
            gather()
    return out


def _semantic(con: Any, cfg: ClusterConfig, n: int, reporter: Reporter,
              executor: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Projected document vectors (float32) and their kNN candidate pairs."""
    from storydiff.corpus.semantic import fit_projection, knn_pairs, project

    _ensure_embeddings(con, cfg, reporter, executor)
    t = store.query_arrow(con, "SELECT vec FROM embeddings ORDER BY seq")
    raw = store.blobs_to_array(t.column("vec"), np.float16, 256 if n else 0) if n else np.zeros((0, 256))
    mean, comps = fit_projection(raw, drop_pcs=cfg.drop_pcs, sample=cfg.pca_sample, seed=cfg.seed)
    vecs = np.empty(raw.shape, dtype=np.float32)
    for i in range(0, n, 100_000):
        vecs[i : i + 100_000] = project(raw[i : i + 100_000].astype(np.float32), mean, comps)
    del raw
    with reporter.task("nearest neighbours", None):
        pairs, _ = knn_pairs(vecs, k=cfg.k, min_cos=cfg.min_cos, threads=cfg.workers)
    return vecs, pairs


def cluster_store(store_path: str, *, config: ClusterConfig | None = None,
                  reporter: Reporter | None = None) -> ClusterSummary:
    """Find every cluster of versions in the store and write ``pairs`` and ``clusters``.

    Args:
        store_path: the DuckDB file made by ``corpus add``.
        config: every setting of the run (defaults as measured in the feasibility study).
        reporter: progress reporting (silent by default).

    Returns:
        A :class:`ClusterSummary`.
    """
    cfg = config or ClusterConfig()
    reporter = reporter or Reporter()
    with pool(cfg.workers) as executor:
        return _cluster(store_path, cfg, reporter, executor)


def _cluster(store_path: str, cfg: ClusterConfig, reporter: Reporter, executor: Any) -> ClusterSummary:
    clock = {"start": time.perf_counter()}
    secs: dict[str, float] = {}

    def lap(name: str) -> None:
        now = time.perf_counter()
        secs[name] = round(now - clock.get("last", clock["start"]), 3)
        clock["last"] = now

    con = store.connect(store_path)
    try:
        meta = store.query_arrow(con, "SELECT seq, text_key, length, date FROM documents ORDER BY seq")
        n = len(meta)
        seqs = meta.column("seq").to_numpy()
        _ensure_signatures(con, cfg, "ngram", ngram_params(cfg), cfg.ngram, None, reporter, executor)
        stop = _stoplist(con, cfg, n) if cfg.unigrams else frozenset()
        if cfg.unigrams:
            _ensure_signatures(con, cfg, "unigram", _unigram_params(cfg, stop), 1, stop, reporter,
                               executor)
        lap("signatures")
        parts: list[tuple[str, np.ndarray]] = [(EXACT, _exact_pairs(meta.column("text_key").to_numpy()))]
        sig3, size3 = _load_sigs(con, "ngram", seqs, cfg.num_perm)
        b, r = cfg.banding("ngram")
        with reporter.task("LSH n-grams", None):
            parts.append((MINHASH, candidate_pairs(band_keys(sig3, bands=b, rows=r), max_bucket=cfg.max_bucket,
                                                   executor=executor, parts=cfg.workers)))
        sig1 = None
        if cfg.unigrams:
            sig1, _ = _load_sigs(con, "unigram", seqs, cfg.num_perm)
            b, r = cfg.banding("unigram")
            with reporter.task("LSH unigrams", None):
                parts.append((MINHASH, candidate_pairs(band_keys(sig1, bands=b, rows=r),
                                                       max_bucket=cfg.max_bucket, executor=executor,
                                                       parts=cfg.workers)))
        lap("lsh")
        vecs = None
        if cfg.semantic and n > 1:
            vecs, sem = _semantic(con, cfg, n, reporter, executor)
            parts.append((SEMANTIC, sem))
            del sem
        lap("semantic")
        counts = candidate_counts(cfg, parts, semantic=vecs is not None)
        pairs, method = _merge(n, parts)
        counts["all"] = len(pairs)
        # signatures and vectors serve only the pairs' evidence: freed before the
        # checks, which hold batches of texts (about 2.5 GB at a million documents)
        j3, j1, cos = evidence(cfg, pairs, method, sig3, size3, sig1, vecs)
        del parts, sig3, sig1, vecs
        lengths = meta.column("length").to_numpy()
        guard = MemoCheck(lambda p: _sentence_check(con, cfg, seqs, p, Reporter()))
        verdict = decide(cfg, pairs, method, j3, j1, size3, lengths, cos,
                         lambda p: _sentence_check(con, cfg, seqs, p, reporter, executor), guard)
        verdict["labels"] = cluster_labels(cfg, n, pairs, verdict, lengths, guard)
        lap("verify")
        summary = _write(con, cfg, meta, pairs, method, verdict, counts, secs, reporter)
        lap("write")
        secs["total"] = round(time.perf_counter() - clock["start"], 3)
        summary = dataclasses.replace(summary, seconds=secs)
        # what the run found and how long each step took, for users and benchmarks
        store.set_setting(con, "last_cluster_summary", json.dumps(dataclasses.asdict(summary), sort_keys=True))
    finally:
        con.close()
    return summary


def triage(cfg: ClusterConfig, method: np.ndarray, j3: np.ndarray, j1: np.ndarray, size_a: np.ndarray,
           size_b: np.ndarray, cos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The decision rule before sentence checks: which pairs are accepted, which need a check.

    Shared by every backend so that they cluster identically. A lexical pair
    is checked only when its content-unigram Jaccard reaches
    ``check_unigram`` (with unigrams on): such pairs are almost never versions
    and were most of the checks (figures in docs/corpus.md).

    Args:
        cfg: thresholds (``accept_jaccard``, ``accept_containment``, ``prefilter_*``, ``check_unigram``).
        method: int8 method codes (exact 0, minhash 1, semantic 2) from the merge of candidate sets.
        j3, j1: estimated n-gram and content-unigram Jaccard (zeros when unigrams are off).
        size_a, size_b: distinct n-gram counts of each pair's documents.
        cos: document-vector cosine of each pair (NaN or ``None`` without the semantic step); a lexical
            pair under ``check_cosine`` is dropped unchecked.

    Returns:
        ``(accept, check)`` boolean masks; pairs in neither are dropped unchecked.
    """
    sa, sb = size_a.astype(np.float64), size_b.astype(np.float64)
    inter = j3 / (1.0 + j3) * (sa + sb)
    containment = np.where(np.minimum(sa, sb) > 0, inter / np.maximum(np.minimum(sa, sb), 1), 0.0)
    accept = (method == _METHOD_CODE[EXACT]) | (j3 >= cfg.accept_jaccard) | (
        (containment >= cfg.accept_containment) & (j3 >= cfg.prefilter_jaccard))
    semantic = method == _METHOD_CODE[SEMANTIC]
    worth = (j3 >= cfg.prefilter_jaccard) | (j1 >= cfg.prefilter_unigram) | semantic
    if cfg.unigrams:
        worth &= semantic | (j1 >= cfg.check_unigram)
    if cos is not None and cfg.check_cosine > 0:
        # documents that only share a passage are about different things: their vectors disagree
        worth &= semantic | ~(cos < cfg.check_cosine)  # NaN (no vectors) never drops a pair
    return accept, ~accept & worth


def versions(cfg: ClusterConfig, share: np.ndarray, length_a: np.ndarray, length_b: np.ndarray) -> np.ndarray:
    """Which checked pairs are versions, from their aligned share and lengths.

    The share counts the shorter document's words in aligned sentences; a
    version must also account for most of the longer one (share x length
    ratio >= ``cover_threshold``). Without that, two documents that merely
    share a passage pass, and union-find chains unrelated clusters through
    them.

    Args:
        cfg: ``verify_threshold`` and ``cover_threshold``.
        share: aligned share of each pair (NaN = not checked → False).
        length_a, length_b: character lengths of each pair's documents.

    Returns:
        Boolean mask.
    """
    la, lb = length_a.astype(np.float64), length_b.astype(np.float64)
    ratio = np.minimum(la, lb) / np.maximum(np.maximum(la, lb), 1.0)
    s = np.nan_to_num(share.astype(np.float64), nan=0.0)
    return (s >= cfg.verify_threshold) & (s * ratio >= cfg.cover_threshold)


class MemoCheck:
    """A ``check(pairs) -> shares`` that remembers its answers.

    The merge guard asks about the same few root pairs in :func:`decide` and
    again in :func:`cluster_labels`; each is checked once.
    """

    def __init__(self, check: Callable[[np.ndarray], np.ndarray]) -> None:
        self._check = check
        self._seen: dict[tuple[int, int], float] = {}

    def __call__(self, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        keys = [(int(a), int(b)) for a, b in pairs.tolist()]
        new = [k for k in dict.fromkeys(keys) if k not in self._seen]
        if new:
            self._seen.update(zip(new, self._check(np.asarray(new, dtype=np.int64)).tolist()))
        return np.asarray([self._seen[k] for k in keys], dtype=np.float32)


def decide(cfg: ClusterConfig, pairs: np.ndarray, method: np.ndarray, j3: np.ndarray, j1: np.ndarray,
           size3: np.ndarray, lengths: np.ndarray, cos: np.ndarray,
           check: Callable[[np.ndarray], np.ndarray],
           guard_check: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Evidence and decision for every candidate pair, whatever runs the sentence checks.

    Every backend calls this one function, so they cannot drift apart.

    With ``merge_guard`` and ``skip_joined``, checks run in rounds: the pairs
    are grouped by the two clusters (so far) of their documents, and each round
    checks only the strongest pair of each group (by vector cosine, then
    unigram Jaccard); pairs whose documents the pairs verified so far already
    join are not checked. After ``check_rounds`` rounds the rest are checked at
    once. Most checks were otherwise of such pairs: a re-worded copy against
    every member of the cluster its lexical copies already form.

    Args:
        cfg: the run's settings.
        pairs: ``(m, 2)`` document indices.
        method: method code per pair; j3, j1: estimated n-gram / unigram Jaccard; cos: vector cosine.
        size3: distinct n-gram count per document; lengths: character length per document.
        check: ``check(pairs) -> shares`` (float32 aligned share per row of the given pairs).
        guard_check: the check the merge guard uses for single root pairs (default ``check``);
            pass the same :class:`MemoCheck` to :func:`cluster_labels`.

    Returns:
        Dict of per-pair arrays: ``keep``, ``verified``, ``jaccard``, ``cosine``, ``share``, ``checked``,
        ``joined`` (kept but not checked because the pairs verified before already join the two documents).
    """
    accept, chk = triage(cfg, method, j3, j1, size3[pairs[:, 0]], size3[pairs[:, 1]], cos)
    share = np.full(len(pairs), np.nan, np.float32)
    joined = np.zeros(len(pairs), dtype=bool)
    todo = np.flatnonzero(chk)
    if cfg.merge_guard and cfg.skip_joined and todo.size:
        n = int(pairs.max()) + 1
        ok = accept.copy()
        strength = np.nan_to_num(cos.astype(np.float64), nan=-1.0) + 1e-3 * j1
        for round_ in range(cfg.check_rounds + 1):
            labels = cluster_labels(cfg, n, pairs, {"verified": ok, "share": share}, lengths,
                                    guard_check or check)
            la, lb = labels[pairs[todo, 0]], labels[pairs[todo, 1]]
            joined[todo[la == lb]] = True
            keep = la != lb
            todo, la, lb = todo[keep], la[keep], lb[keep]
            if not todo.size or round_ == cfg.check_rounds:
                break
            # one pair per pair of clusters, the strongest first
            group = np.minimum(la, lb) * n + np.maximum(la, lb)
            order = np.lexsort((todo, -strength[todo], group))
            first = np.concatenate([[True], group[order][1:] != group[order][:-1]])
            pick = np.sort(todo[order][first])
            share[pick] = check(pairs[pick])
            ok[pick] = versions(cfg, share[pick], lengths[pairs[pick, 0]], lengths[pairs[pick, 1]])
            todo = np.setdiff1d(todo, pick, assume_unique=True)
        chk = chk & ~joined
    if todo.size:
        share[todo] = check(pairs[todo])
    verified = accept | (chk & versions(cfg, share, lengths[pairs[:, 0]], lengths[pairs[:, 1]]))
    return {"keep": accept | chk | joined, "verified": verified, "jaccard": j3, "cosine": cos, "share": share,
            "checked": chk, "joined": joined}


def cluster_labels(cfg: ClusterConfig, n: int, pairs: np.ndarray, verdict: dict[str, np.ndarray],
                   lengths: np.ndarray, check: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Cluster label per document from the verified pairs (guarded merges unless ``merge_guard`` is off).

    Shared by every backend; ``check`` is the same ``check(pairs) -> shares`` as :func:`decide`'s.
    The guard exists because one wrong pair otherwise strings whole clusters together.
    """
    ok = verdict["verified"]
    if not cfg.merge_guard:
        return union_find(n, pairs[ok])
    # unchecked (accepted) pairs are the strongest, then by aligned share
    strength = np.nan_to_num(verdict["share"][ok].astype(np.float64), nan=2.0)

    def are_versions(p: np.ndarray) -> np.ndarray:
        return versions(cfg, check(p), lengths[p[:, 0]], lengths[p[:, 1]])

    return guarded_union(n, pairs[ok], strength, are_versions)


def evidence(cfg: ClusterConfig, pairs: np.ndarray, method: np.ndarray, sig3: np.ndarray, size3: np.ndarray,
             sig1: np.ndarray | None, vecs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated n-gram Jaccard, unigram Jaccard (zeros without unigrams) and vector cosine (NaN without).

    The cosine is computed only for pairs that :func:`triage` accepts or
    would check on the Jaccards alone (NaN for the rest, which the cosine
    cannot bring back): most candidate pairs are dropped on their Jaccards,
    and each cosine gathers 2 KB of vectors.
    """
    from storydiff.corpus.semantic import pair_cosines

    j3 = estimate_jaccard(sig3, pairs)
    j1 = estimate_jaccard(sig1, pairs) if sig1 is not None else np.zeros(len(pairs), np.float32)
    cos = np.full(len(pairs), np.nan, np.float32)
    if vecs is not None and len(pairs):
        accept, chk = triage(cfg, method, j3, j1, size3[pairs[:, 0]], size3[pairs[:, 1]])
        need = np.flatnonzero(accept | chk)
        cos[need] = pair_cosines(vecs, pairs[need])
    return j3, j1, cos


def _write(con: Any, cfg: ClusterConfig, meta: Any, pairs: np.ndarray, method: np.ndarray,
           v: dict[str, np.ndarray], counts: dict[str, int], secs: dict[str, float],
           reporter: Reporter) -> ClusterSummary:
    import pyarrow as pa

    n = len(meta)
    seqs = meta.column("seq").to_numpy()
    keep = v["keep"]
    kp = pairs[keep]
    labels = v["labels"] if "labels" in v else union_find(n, pairs[v["verified"]])
    groups = components(labels)
    lengths = meta.column("length").to_numpy()
    dates = meta.column("date").to_pylist()
    ids_needed = np.unique(np.concatenate([kp.ravel(), *groups])) if len(groups) or len(kp) else np.zeros(0, int)
    id_rows = con.execute("SELECT seq, id FROM documents WHERE seq IN (SELECT unnest(?))",
                          [seqs[ids_needed].tolist()]).fetchall()
    id_of_seq = dict(id_rows)
    ident = {int(p): id_of_seq[int(seqs[p])] for p in ids_needed}
    c_rows: list[tuple[str, str, bool]] = []
    width = max(len(str(n)), 1)
    for g in groups:
        members = [ident[int(p)] for p in g]
        origin = probable_origin(members, [dates[p] for p in g], [int(lengths[p]) for p in g])
        cid = f"c{int(g.min()):0{width}d}"
        c_rows.extend((cid, m, m == origin) for m in sorted(members))
    ptable = pa.table({
        "a": [ident[int(p)] for p in kp[:, 0]], "b": [ident[int(p)] for p in kp[:, 1]],
        "method": [_METHOD_NAME[int(m)] for m in method[keep]],
        "jaccard": pa.array(v["jaccard"][keep], pa.float32()),
        "cosine": pa.array(v["cosine"][keep], pa.float32(), from_pandas=True),
        "aligned_share": pa.array(v["share"][keep], pa.float32(), from_pandas=True),
        # pairs that accepted pairs already join are kept unchecked: aligned_share NULL, verified false
        "verified": v["verified"][keep],
    })
    ctable = pa.table({"cluster_id": pa.array([r[0] for r in c_rows], pa.string()),
                       "doc_id": pa.array([r[1] for r in c_rows], pa.string()),
                       "is_origin": pa.array([r[2] for r in c_rows], pa.bool_())})
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM pairs")
        con.execute("DELETE FROM clusters")
        con.register("_pairs", ptable)
        con.register("_clusters", ctable)
        con.execute("INSERT INTO pairs SELECT * FROM _pairs")
        con.execute("INSERT INTO clusters SELECT * FROM _clusters")
        store.set_setting(con, "last_cluster_config", json.dumps(cfg.to_dict(), sort_keys=True))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    sizes = Counter(len(g) for g in groups)
    return ClusterSummary(documents=n, candidates=counts, checked=int(v["checked"].sum()),
                          verified=int(v["verified"].sum()), joined=int(v["joined"].sum()) if "joined" in v else 0, clusters=len(groups),
                          clustered_documents=int(sum(len(g) for g in groups)),
                          sizes=dict(sorted(sizes.items())), seconds=secs)
