"""The embedded backend: the DuckDB store and a pool of worker processes.

Each step streams from the store in batches and keeps per document only
fixed-size arrays (signatures uint32, vectors float16, pairs int64), never
all texts. Signatures and vectors are stored per document, so a rerun after
``add`` computes them only for the new documents; ``ClusterConfig.workers``
> 1 runs signatures, vectors and sentence checks in worker processes with
identical results. The steps and the decision are
:mod:`storydiff.corpus.orchestrator`'s and :mod:`storydiff.corpus.policy`'s,
shared with Spark; the steps are described in docs/corpus.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from storydiff.corpus import store
from storydiff.corpus.add import ngram_params
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.lsh import band_keys, candidate_pairs
from storydiff.corpus.orchestrator import ClusterSummary, run
from storydiff.corpus.parallel import pool, signatures_pooled, split_map
from storydiff.corpus.progress import Reporter
from storydiff.corpus.stoplist import stoplist as _stoplist
from storydiff.corpus.stoplist import unigram_params as _unigram_params
from storydiff.errors import CorpusError

__all__ = ["ClusterSummary", "EmbeddedBackend", "cluster_store"]


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
    with reporter.task(f"{'word n-gram' if kind == 'ngram' else 'content-word'} signatures", missing) as advance:
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
                    reporter: Reporter, executor: Any = None, chunk: int = 20_000,
                    label: str = "checking candidates") -> np.ndarray:
    """Aligned share of each pair; with workers, chunk *i + 1*'s texts are read while the workers check chunk *i*."""
    out = np.zeros(len(pairs), dtype=np.float32)
    with reporter.task(label, len(pairs)) as advance:
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


class EmbeddedBackend:
    """:class:`storydiff.corpus.orchestrator.Backend` over an open store and an optional process pool."""

    def __init__(self, con: Any, cfg: ClusterConfig, executor: Any = None) -> None:
        self.con, self.cfg, self.executor = con, cfg, executor
        self.knn_threads = cfg.workers
        self._meta = store.query_arrow(con, "SELECT seq, text_key, length, date FROM documents ORDER BY seq")
        self.seqs = self._meta.column("seq").to_numpy()

    def documents(self) -> Any:
        return self._meta

    def stoplist(self, n: int) -> frozenset[str]:
        return _stoplist(self.con, self.cfg, n)

    def signatures(self, kind: str, stop: frozenset[str] | None,
                   reporter: Reporter) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.cfg
        if kind == "ngram":
            _ensure_signatures(self.con, cfg, kind, ngram_params(cfg), cfg.ngram, None, reporter, self.executor)
        else:
            _ensure_signatures(self.con, cfg, kind, _unigram_params(cfg, stop or frozenset()), 1, stop,
                               reporter, self.executor)
        return _load_sigs(self.con, kind, self.seqs, cfg.num_perm)

    def band_pairs(self, kind: str, sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
        return candidate_pairs(band_keys(sigs, bands=bands, rows=rows), max_bucket=self.cfg.max_bucket,
                               executor=self.executor, parts=self.cfg.workers)

    def document_vectors(self, reporter: Reporter) -> np.ndarray:
        _ensure_embeddings(self.con, self.cfg, reporter, self.executor)
        t = store.query_arrow(self.con, "SELECT vec FROM embeddings ORDER BY seq")
        return store.blobs_to_array(t.column("vec"), np.float16, 256)

    def check(self, pairs: np.ndarray, reporter: Reporter, label: str) -> np.ndarray:
        return _sentence_check(self.con, self.cfg, self.seqs, pairs, reporter, self.executor, label=label)

    def check_few(self, pairs: np.ndarray) -> np.ndarray:
        return _sentence_check(self.con, self.cfg, self.seqs, pairs, Reporter())

    def ids(self, positions: np.ndarray) -> dict[int, str]:
        rows = self.con.execute("SELECT seq, id FROM documents WHERE seq IN (SELECT unnest(?))",
                                [self.seqs[positions].tolist()]).fetchall()
        id_of_seq = dict(rows)
        return {int(p): id_of_seq[int(self.seqs[p])] for p in positions}

    def save(self, pairs: Any, clusters: Any, cfg: ClusterConfig, summary: ClusterSummary) -> None:
        write_results(self.con, pairs, clusters, cfg, summary)


def write_results(con: Any, pairs: Any, clusters: Any, cfg: ClusterConfig, summary: ClusterSummary) -> None:
    """Replace the store's ``pairs`` and ``clusters`` tables in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM pairs")
        con.execute("DELETE FROM clusters")
        con.register("_pairs", pairs)
        con.register("_clusters", clusters)
        con.execute("INSERT INTO pairs BY NAME SELECT * FROM _pairs")
        con.execute("INSERT INTO clusters BY NAME SELECT * FROM _clusters")
        # a stemma stored for the same members (`corpus stemma`) still decides their origin
        store.apply_stemmas(con)
        store.set_setting(con, "last_cluster_config", json.dumps(cfg.to_dict(), sort_keys=True))
        # what the run found, for users and benchmarks; the documents it saw, to tell when it is stale
        store.set_setting(con, "last_cluster_summary", json.dumps(dataclasses.asdict(summary), sort_keys=True))
        store.set_setting(con, "clustered_documents_seq", str(store.next_seq(con)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_pairs", "_clusters"):
            con.unregister(name)


def cluster_store(store_path: str, *, config: ClusterConfig | None = None,
                  reporter: Reporter | None = None) -> ClusterSummary:
    """Find every cluster of versions in the store and write ``pairs`` and ``clusters``.

    Args:
        store_path: the DuckDB file made by ``corpus add``.
        config: every setting of the run.
        reporter: progress reporting (silent by default).

    Returns:
        A :class:`ClusterSummary`.

    Raises:
        CorpusError: the store is missing, damaged or empty.
    """
    cfg = config or ClusterConfig()
    # the pool starts before the store is opened: forked workers then share no open file or thread state
    with pool(cfg.workers) as executor:
        with store.session(store_path) as con:
            summary = run(EmbeddedBackend(con, cfg, executor), cfg, reporter)
            # seconds of the whole run, written after it
            store.set_setting(con, "last_cluster_summary", json.dumps(dataclasses.asdict(summary), sort_keys=True))
    return summary
