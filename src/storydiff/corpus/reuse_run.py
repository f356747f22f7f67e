"""Running a reuse search over a store: embedded (DuckDB + worker pool) or Spark, same passages.

Both backends call the pure functions of :mod:`storydiff.corpus.reuse` on the
same inputs (documents in store order, the same n-gram hashes, the same
candidate rule), and :func:`storydiff.corpus.passages.reuse_clusters` runs on the
driver for both, so they give the same passages and clusters.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from storydiff.corpus import store
from storydiff.corpus.parallel import pool, split_map
from storydiff.corpus.progress import Reporter
from storydiff.corpus.passages import (Reuse, ReuseConfig, align_pairs, candidate_pairs_from_postings,
                                    document_ngrams, reuse_clusters)
from storydiff.errors import CorpusError

CHUNK = 4096


def _ngrams_part(texts: list[str], cfg: ReuseConfig) -> list[np.ndarray]:
    return document_ngrams(texts, cfg)


def _align_part(items: list[tuple[int, int]], texts: dict[int, str], cfg: ReuseConfig) -> list[tuple[Any, ...]]:
    return align_pairs(texts, np.asarray(items, dtype=np.int64).reshape(-1, 2), cfg)


def find_reuse(store_path: str, cfg: ReuseConfig, *, workers: int = 1, reporter: Reporter | None = None) -> Reuse:
    """Reused passages of every document in the store (the embedded backend)."""
    reporter = reporter or Reporter()
    with pool(workers) as executor, store.session(store_path, read_only=True) as con:
        n = store.count(con)
        if n == 0:
            raise CorpusError("the corpus store holds no documents; add some first with "
                              "`storydiff corpus add STORE INPUT`")
        seqs = np.zeros(n, np.int64)
        ids: list[str] = []
        hashes, docs = [], []
        reporter.step("step 1/3: word n-grams")
        with reporter.task("word n-grams", n) as advance:
            for batch in store.query_batches(con, "SELECT seq, id, text FROM documents ORDER BY seq", rows=CHUNK):
                start = len(ids)
                seqs[start : start + len(batch)] = batch.column("seq").to_numpy()
                ids.extend(batch.column("id").to_pylist())
                parts = split_map(executor, _ngrams_part, batch.column("text").to_pylist(), cfg, parts=workers)
                for k, grams in enumerate(g for part in parts for g in part):
                    hashes.append(grams)
                    docs.append(np.full(grams.size, start + k, np.int32))
                advance(len(batch))
        pairs = candidate_pairs_from_postings(np.concatenate(hashes), np.concatenate(docs), cfg)
        del hashes, docs
        rows: list[tuple[Any, ...]] = []
        reporter.step("step 2/3: aligning candidate pairs")
        with reporter.task("aligning candidate pairs", len(pairs)) as advance:
            for i in range(0, len(pairs), CHUNK):
                chunk = pairs[i : i + CHUNK]
                texts = texts_of(con, seqs, np.unique(chunk))
                parts = split_map(executor, _align_part, chunk.tolist(), texts, cfg, parts=workers, min_items=64)
                rows.extend(r for part in parts for r in part)
                advance(len(chunk))
    reporter.step("step 3/3: reuse clusters")
    with reporter.task("reuse clusters", None):
        return reuse_clusters(rows, dict(enumerate(ids)), cfg, n, len(pairs))


def texts_of(con: Any, seqs: np.ndarray, positions: np.ndarray) -> dict[int, str]:
    """Texts of the documents at ``positions`` (indices in store order)."""
    want = seqs[positions]
    rows = con.execute("SELECT seq, text FROM documents WHERE seq IN (SELECT unnest(?))", [want.tolist()]).fetchall()
    pos_of = dict(zip(want.tolist(), positions.tolist()))
    return {pos_of[s]: t for s, t in rows}
