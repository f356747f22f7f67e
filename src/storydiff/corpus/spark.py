"""Spark backend of corpus clustering: the embedded engine's steps, spread over a cluster.

The hashing code is not re-implemented: every data-parallel step calls the
embedded engine's pure numpy functions inside ``mapInPandas``, one Arrow batch
at a time, so both backends produce the same signatures, keys and pairs.

* **signatures**: :func:`storydiff.corpus.minhash.signatures` per batch, for the
  word n-gram step and (with the driver-estimated stop list) the content-word
  unigram step; rows ``(idx, sig_ngram, n_shingles, sig_unigram)`` are cached;
* **banding**: :func:`storydiff.corpus.lsh.band_keys` per batch emits rows
  ``(idx, band, key)``; buckets are a DataFrame self-join on ``(band, key)``
  with ``a.idx < b.idx``, then ``distinct``. A bucket above ``max_bucket``
  members emits a star (its smallest index paired with every other member),
  exactly as :func:`storydiff.corpus.lsh.candidate_pairs` does;
* **verification**: candidate pairs are joined with both documents and checked
  by the engine's verification function in ``mapInPandas``;
* on the **driver**: the stop list (from a seeded sample), the exact-text step,
  the semantic kNN step (embeddings of all documents are computed on the
  driver, as the embedded engine does, so the neighbour lists are identical),
  and the clusters of the verified pairs (the engine's ``cluster_labels``; the
  merge guard's few root-pair checks run on the driver, one small job each).

Document order (``idx``) is the store's order (the engine's), or the input
file's order, so star hubs and labels match the embedded engine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from storydiff.corpus.config import ClusterConfig
from storydiff.errors import BackendUnavailable, CorpusError

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession


def _require_pyspark() -> None:
    try:
        import pandas  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        raise BackendUnavailable(
            f"the Spark backend needs pyspark and pandas (import failed: {e}); "
            "install them with: pip install 'storydiff[spark]'"
        ) from e


def spark_session(master: str = "local[2]", *, local_dir: str | None = None) -> SparkSession:
    """A SparkSession set up for the corpus job (Arrow on, UI off, temp dirs private)."""
    _require_pyspark()
    from pyspark.sql import SparkSession

    local_dir = local_dir or tempfile.mkdtemp(prefix="storydiff_spark_")
    # PySpark starts workers with $PYSPARK_PYTHON (default: the first python3 on PATH,
    # which may lack storydiff); use this interpreter unless the user chose one
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName("storydiff-corpus")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1024")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", local_dir)
        .config("spark.sql.warehouse.dir", os.path.join(local_dir, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={local_dir}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


# --------------------------------------------------------------------------- signatures and banding


def _sign_batches(cfg: ClusterConfig, stopwords: frozenset[str] | None) -> Any:
    """mapInPandas function: (idx, text) batches → (idx, sig_ngram, n_shingles, sig_unigram)."""

    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.minhash import signatures, signatures_with_sizes

        for pdf in batches:
            texts = pdf["text"].fillna("").tolist()
            sn, sizes = signatures_with_sizes(texts, ngram=cfg.ngram, num_perm=cfg.num_perm, seed=cfg.seed,
                                              batch_size=cfg.batch_size)
            out = {"idx": pdf["idx"].to_numpy(np.int64), "sig_ngram": [r.astype("<u4").tobytes() for r in sn],
                   "n_shingles": np.asarray(sizes, np.int32)}
            if cfg.unigrams:
                su = signatures(
                    texts, ngram=1, num_perm=cfg.num_perm, seed=cfg.seed, stopwords=stopwords, batch_size=cfg.batch_size
                )
                out["sig_unigram"] = [r.astype("<u4").tobytes() for r in su]
            else:
                out["sig_unigram"] = [b""] * len(texts)
            yield pd.DataFrame(out)

    return fn


def _key_batches(column: str, bands: int, rows: int) -> Any:
    """mapInPandas function: signature rows → (idx, band, key) rows, empty keys dropped."""

    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.lsh import EMPTY_KEY, band_keys

        for pdf in batches:
            if pdf.empty:
                continue
            sigs = np.stack([np.frombuffer(b, dtype=np.uint32) for b in pdf[column]])
            keys = band_keys(sigs, bands=bands, rows=rows)
            n = len(pdf)
            idx = np.repeat(pdf["idx"].to_numpy(np.int64), bands)
            band = np.tile(np.arange(bands, dtype=np.int32), n)
            flat = keys.ravel()
            keep = flat != EMPTY_KEY
            # keys are compared for equality only, so the int64 view of the uint64 is fine
            yield pd.DataFrame({"idx": idx[keep], "band": band[keep], "key": flat[keep].view(np.int64)})

    return fn


def banded_pairs(keys: DataFrame, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)``, ``i < j``, from ``(idx, band, key)`` rows.

    Same semantics as :func:`storydiff.corpus.lsh.candidate_pairs`: all pairs
    in a bucket of at most ``max_bucket`` members, a star from the smallest
    member in a larger one.
    """
    from pyspark.sql import functions as F

    sizes = keys.groupBy("band", "key").agg(F.count("*").alias("size"), F.min("idx").alias("hub"))
    sized = keys.join(sizes.where(F.col("size") >= 2), ["band", "key"])
    small = sized.where(F.col("size") <= max_bucket).select("band", "key", "idx")
    a, b = small.alias("a"), small.alias("b")
    full = a.join(b, (F.col("a.band") == F.col("b.band")) & (F.col("a.key") == F.col("b.key")) & (F.col("a.idx") < F.col("b.idx")))
    full = full.select(F.col("a.idx").alias("i"), F.col("b.idx").alias("j"))
    star = sized.where((F.col("size") > max_bucket) & (F.col("idx") != F.col("hub")))
    star = star.select(F.col("hub").alias("i"), F.col("idx").alias("j"))
    return full.unionByName(star).distinct()


def collect_pairs(df: DataFrame) -> np.ndarray:
    """``(i, j)`` rows of a pair DataFrame as a sorted ``(k, 2)`` int64 array."""
    tbl = df.select("i", "j").toArrow() if hasattr(df, "toArrow") else None
    if tbl is not None:
        i = tbl.column("i").to_numpy()
        j = tbl.column("j").to_numpy()
    else:  # pragma: no cover - pyspark < 4
        pdf = df.select("i", "j").toPandas()
        i, j = pdf["i"].to_numpy(), pdf["j"].to_numpy()
    pairs = np.stack([np.asarray(i, np.int64), np.asarray(j, np.int64)], axis=1).reshape(-1, 2)
    if pairs.size == 0:
        return pairs
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def read_documents(spark: SparkSession, path: str) -> DataFrame:
    """Parquet or JSON Lines documents (``id``, ``text``, optional ``date``, ``source``) with ``idx`` = file order."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StructField

    if path.endswith((".jsonl", ".json", ".ndjson")):
        df = spark.read.json(path)
    else:
        df = spark.read.parquet(path)
    missing = {"id", "text"} - set(df.columns)
    if missing:
        raise CorpusError(f"cannot read documents from {path!r}: expected columns id and text (missing {sorted(missing)})")
    for col in ("date", "source"):
        if col not in df.columns:
            df = df.withColumn(col, F.lit(None).cast("string"))
    df = df.select(F.col("id").cast("string"), "text", F.col("date").cast("string"), F.col("source").cast("string"))
    # zipWithIndex keeps file order (partition by partition), unlike monotonically_increasing_id
    schema = df.schema.add(StructField("idx", LongType(), False))
    return df.rdd.zipWithIndex().map(lambda t: (*t[0], t[1])).toDF(schema)


def _docs_from_store(store_path: str, tmp: str) -> tuple[str, Any]:
    """Export the store's documents (engine order) to Parquet; return its path and the engine's meta table."""
    from storydiff.corpus import store

    path = os.path.join(tmp, "documents.parquet")
    con = store.connect(store_path, read_only=True)
    try:
        meta = store.query_arrow(con, "SELECT seq, text_key, length, date FROM documents ORDER BY seq")
        # idx = position in seq order: the engine's array index
        con.execute(
            "COPY (SELECT row_number() OVER (ORDER BY seq) - 1 AS idx, id, text, date, length, text_key "
            f"FROM documents ORDER BY seq) TO '{path}' (FORMAT parquet)"
        )
    finally:
        con.close()
    return path, meta


def _key_and_length(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """mapInPandas function: add ``length`` and the exact-copy ``text_key`` as ``corpus add`` does."""
    from storydiff.corpus.shingles import text_keys

    for pdf in batches:
        texts = pdf["text"].fillna("").tolist()
        # missing dates/sources arrive as NaN; Arrow wants None in a string column
        opt = {c: [v if isinstance(v, str) else None for v in pdf[c]] for c in ("date", "source")}
        yield pdf.assign(text=texts, length=np.array([len(t) for t in texts], np.int32), text_key=text_keys(texts), **opt)


def _stoplist_from_file(path: str, cfg: ClusterConfig, n: int) -> frozenset[str]:
    """Stop list of an input file, estimated as the engine estimates a store's (DuckDB reservoir sample)."""
    import re
    from collections import Counter

    import duckdb

    reader = "read_json_auto" if path.endswith((".jsonl", ".json", ".ndjson")) else "read_parquet"
    want = min(n, cfg.stopword_sample)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT text FROM {reader}(?) USING SAMPLE reservoir({int(want)} ROWS) REPEATABLE ({int(cfg.seed)})", [path]
        ).fetchall()
    finally:
        con.close()
    df: Counter[str] = Counter()
    for (text,) in rows:
        df.update(set(re.findall(r"\w+", (text or "").lower())))
    floor = max(cfg.stopword_df * len(rows), cfg.stopword_min_docs)
    return frozenset(w for w, c in df.items() if c >= floor)


def _embed_batches(encoder: str) -> Any:
    """mapInPandas function: (idx, text) → (idx, float16 document vector bytes), as the engine stores them."""

    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.semantic import embed_documents

        for pdf in batches:
            vecs = embed_documents(pdf["text"].fillna("").tolist(), encoder=encoder).astype(np.float16)
            yield pd.DataFrame({"idx": pdf["idx"].to_numpy(np.int64), "vec": [v.astype("<f2").tobytes() for v in vecs]})

    return fn


def _verify_batches(encoder: str, sentence_cos: float) -> Any:
    """mapInPandas function: (row, i, j, text_i, text_j) → (row, share), by the engine's verify_pairs."""

    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.verify import verify_pairs

        for pdf in batches:
            if pdf.empty:
                continue
            m = len(pdf)
            both = np.concatenate([pdf["i"].to_numpy(np.int64), pdf["j"].to_numpy(np.int64)])
            uniq, first, inv = np.unique(both, return_index=True, return_inverse=True)
            all_texts = pdf["text_i"].tolist() + pdf["text_j"].tolist()
            texts = [all_texts[f] for f in first]
            local = np.stack([inv[:m], inv[m:]], axis=1)
            share = verify_pairs(texts, local, encoder=encoder, sentence_cos=sentence_cos)
            yield pd.DataFrame({"row": pdf["row"].to_numpy(np.int64), "share": share.astype(np.float32)})

    return fn


def _collect_sorted(df: DataFrame, cols: list[str]) -> Any:
    """Rows of ``df`` ordered by ``idx`` as a pyarrow Table (driver)."""
    pdf = df.select("idx", *cols).toPandas()
    return pdf.sort_values("idx", kind="stable").reset_index(drop=True)


def _sentence_check_spark(spark: SparkSession, docs: DataFrame, cfg: ClusterConfig, pairs: np.ndarray) -> np.ndarray:
    """Aligned-sentence share of each pair, computed by Spark tasks."""
    import pandas as pd
    from pyspark.sql import functions as F

    if not len(pairs):
        return np.zeros(0, np.float32)
    chk = spark.createDataFrame(pd.DataFrame({"row": np.arange(len(pairs), dtype=np.int64),
                                              "i": pairs[:, 0], "j": pairs[:, 1]}))
    texts = docs.select("idx", "text")
    ti = texts.select(F.col("idx").alias("i"), F.col("text").alias("text_i"))
    tj = texts.select(F.col("idx").alias("j"), F.col("text").alias("text_j"))
    # spread the checks over the cores: a small pair table would otherwise sit in one partition
    parts = max(int(spark.sparkContext.defaultParallelism) * 2, 1)
    joined = chk.join(ti, "i").join(tj, "j").repartition(parts, "row")
    res = joined.mapInPandas(_verify_batches(cfg.encoder, cfg.sentence_cos), "row long, share float").toPandas()
    out = np.full(len(pairs), np.nan, np.float32)
    out[res["row"].to_numpy(np.int64)] = res["share"].to_numpy(np.float32)
    return out


def _driver_check(docs: DataFrame, cfg: ClusterConfig, pairs: np.ndarray) -> np.ndarray:
    """Aligned shares of a few pairs, checked on the driver (the merge guard asks one pair at a time)."""
    from pyspark.sql import functions as F

    from storydiff.corpus.verify import verify_pairs

    want = sorted({int(x) for x in np.asarray(pairs).ravel()})
    texts = {int(r["idx"]): r["text"] for r in docs.where(F.col("idx").isin(want)).select("idx", "text").collect()}
    return verify_pairs(texts, pairs, encoder=cfg.encoder, sentence_cos=cfg.sentence_cos)


def _decide(spark: SparkSession, docs: DataFrame, cfg: ClusterConfig, pairs: np.ndarray, method: np.ndarray,
            sig3: np.ndarray, size3: np.ndarray, sig1: np.ndarray | None, vecs: np.ndarray | None,
            lengths: np.ndarray, guard: Any = None) -> dict[str, np.ndarray]:
    """The embedded engine's decision (:func:`storydiff.corpus.engine.decide`), sentence checks run by Spark."""
    from storydiff.corpus.engine import decide, evidence

    j3, j1, cos = evidence(cfg, pairs, method, sig3, size3, sig1, vecs)
    return decide(cfg, pairs, method, j3, j1, size3, lengths, cos,
                  lambda p: _sentence_check_spark(spark, docs, cfg, p), guard)


def _semantic(docs: DataFrame, cfg: ClusterConfig, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Document vectors by Spark tasks; projection and kNN on the driver, as the engine does them."""
    from storydiff.corpus.semantic import fit_projection, knn_pairs, project

    emb = _collect_sorted(docs.select("idx", "text").mapInPandas(_embed_batches(cfg.encoder), "idx long, vec binary"), ["vec"])
    raw = np.frombuffer(b"".join(emb["vec"].tolist()), dtype="<f2").reshape(n, -1)
    mean, comps = fit_projection(raw, drop_pcs=cfg.drop_pcs, sample=cfg.pca_sample, seed=cfg.seed)
    vecs = np.empty(raw.shape, dtype=np.float32)
    for i in range(0, n, 100_000):  # the engine's chunking, so float results match bit for bit
        vecs[i : i + 100_000] = project(raw[i : i + 100_000].astype(np.float32), mean, comps)
    pairs, _ = knn_pairs(vecs, k=cfg.k, min_cos=cfg.min_cos, threads=1)
    return vecs, pairs


def _cluster_rows(meta: Any, ids: list[str], labels: np.ndarray) -> Any:
    """``(cluster_id, doc_id, is_origin)`` rows, named and ordered as the engine's ``clusters`` table."""
    import pyarrow as pa

    from storydiff.corpus.cluster import components, probable_origin

    n = len(ids)
    lengths = meta.column("length").to_numpy()
    dates = meta.column("date").to_pylist()
    width = max(len(str(n)), 1)
    rows: list[tuple[str, str, bool]] = []
    for g in components(labels):
        members = [ids[int(p)] for p in g]
        origin = probable_origin(members, [dates[p] for p in g], [int(lengths[p]) for p in g])
        cid = f"c{int(g.min()):0{width}d}"
        rows.extend((cid, m, m == origin) for m in sorted(members))
    return pa.table({"cluster_id": pa.array([r[0] for r in rows], pa.string()),
                     "doc_id": pa.array([r[1] for r in rows], pa.string()),
                     "is_origin": pa.array([r[2] for r in rows], pa.bool_())})


def run_spark_cluster(store_path: str, *, master: str = "local[2]", config: ClusterConfig | None = None,
                      output: str | None = None, input_path: str | None = None,
                      spark: SparkSession | None = None) -> Any:
    """Cluster a corpus with Spark, giving the embedded engine's clusters.

    Args:
        store_path: the DuckDB corpus store. Documents are read from it unless
            ``input_path`` is given; when they are, the run's ``pairs`` and
            ``clusters`` tables are written back to it exactly as
            ``storydiff corpus cluster`` writes them.
        master: Spark master URL (``local[2]``, ``spark://host:7077``, ...).
        config: every setting of the run (the embedded engine's defaults).
        output: also write the clusters as Parquet (``cluster_id, doc_id, is_origin``) here.
        input_path: read documents from this Parquet or JSON Lines file
            (columns ``id``, ``text``, optional ``date``, ``source``) instead of the store.
        spark: an existing SparkSession to use (it is not stopped).

    Returns:
        The engine's :class:`storydiff.corpus.engine.ClusterSummary`.

    Raises:
        BackendUnavailable: pyspark or pandas is not installed.
        CorpusError: the store or the input is unusable.
    """
    import shutil
    import time

    import pyarrow as pa

    from storydiff.corpus import store
    from storydiff.corpus.engine import (EXACT, MINHASH, SEMANTIC, ClusterSummary, MemoCheck, _merge, _stoplist,
                                         _write, candidate_counts, cluster_labels)
    from storydiff.corpus.progress import Reporter

    _require_pyspark()
    cfg = config or ClusterConfig()
    t0 = time.perf_counter()
    secs: dict[str, float] = {}
    last = [t0]

    def lap(name: str) -> None:
        now = time.perf_counter()
        secs[name] = round(now - last[0], 3)
        last[0] = now

    tmp = tempfile.mkdtemp(prefix="storydiff_spark_")
    own = spark is None
    try:
        from_store = input_path is None
        meta = None
        if from_store:
            docs_path, meta = _docs_from_store(store_path, tmp)
        if own:
            spark = spark_session(master, local_dir=tmp)
        assert spark is not None
        if from_store:
            docs = spark.read.parquet(docs_path)
        else:
            raw = read_documents(spark, str(input_path))
            from pyspark.sql.types import IntegerType, LongType, StructField, StructType

            schema = StructType([*raw.schema.fields, StructField("length", IntegerType()), StructField("text_key", LongType())])
            docs = raw.mapInPandas(_key_and_length, schema)
        docs = docs.persist()
        info = _collect_sorted(docs, ["id", "date", "length", "text_key"])
        n = len(info)
        ids = info["id"].tolist()
        if meta is None:
            dates = [d if isinstance(d, str) else None for d in info["date"]]  # NaN → None
            meta = pa.table({"length": info["length"].to_numpy(np.int32), "date": pa.array(dates, pa.string())})
        if cfg.unigrams and from_store:
            con = store.connect(store_path)
            try:  # the store's saved (or freshly sampled) stop list, the one the engine uses
                stop = _stoplist(con, cfg, n)
            finally:
                con.close()
        elif cfg.unigrams:
            stop = _stoplist_from_file(str(input_path), cfg, n)
        else:
            stop = frozenset()
        sigs = docs.select("idx", "text").mapInPandas(
            _sign_batches(cfg, stop or None), "idx long, sig_ngram binary, n_shingles int, sig_unigram binary"
        ).persist()
        sig_pd = _collect_sorted(sigs, ["sig_ngram", "n_shingles", "sig_unigram"])
        sig3 = np.frombuffer(b"".join(sig_pd["sig_ngram"].tolist()), dtype="<u4").reshape(n, cfg.num_perm)
        size3 = sig_pd["n_shingles"].to_numpy(np.int64)
        sig1 = (np.frombuffer(b"".join(sig_pd["sig_unigram"].tolist()), dtype="<u4").reshape(n, cfg.num_perm)
                if cfg.unigrams else None)
        lap("signatures")
        exact_keys = docs.where("text_key <> 0").selectExpr("idx", "0 AS band", "text_key AS key")
        parts: list[tuple[str, np.ndarray]] = [(EXACT, collect_pairs(banded_pairs(exact_keys, 1)))]
        b, r = cfg.banding("ngram")
        keys = sigs.select("idx", "sig_ngram").mapInPandas(_key_batches("sig_ngram", b, r), "idx long, band int, key long")
        parts.append((MINHASH, collect_pairs(banded_pairs(keys, cfg.max_bucket))))
        if cfg.unigrams:
            b, r = cfg.banding("unigram")
            keys = sigs.select("idx", "sig_unigram").mapInPandas(
                _key_batches("sig_unigram", b, r), "idx long, band int, key long")
            parts.append((MINHASH, collect_pairs(banded_pairs(keys, cfg.max_bucket))))
        lap("lsh")
        vecs = None
        if cfg.semantic and n > 1:
            vecs, sem = _semantic(docs, cfg, n)
            parts.append((SEMANTIC, sem))
        lap("semantic")
        counts = candidate_counts(cfg, parts, semantic=vecs is not None)
        pairs, method = _merge(n, parts)
        counts["all"] = len(pairs)
        lengths = meta.column("length").to_numpy().astype(np.int64)
        guard = MemoCheck(lambda p: _driver_check(docs, cfg, p))
        verdict = _decide(spark, docs, cfg, pairs, method, sig3, size3, sig1, vecs, lengths, guard)
        verdict["labels"] = labels = cluster_labels(cfg, n, pairs, verdict, lengths, guard)
        lap("verify")
        table = _cluster_rows(meta, ids, labels)
        if output:
            spark.createDataFrame(table.to_pandas()).coalesce(1).write.mode("overwrite").parquet(output)
        if from_store:
            con = store.connect(store_path)
            try:
                summary = _write(con, cfg, meta, pairs, method, verdict, counts, secs, Reporter())
            finally:
                con.close()
        else:
            sizes = table.group_by("cluster_id").aggregate([("doc_id", "count")]).column("doc_id_count").to_pylist()
            from collections import Counter

            summary = ClusterSummary(documents=n, candidates=counts, checked=int(verdict["checked"].sum()),
                                     verified=int(verdict["verified"].sum()), joined=int(verdict["joined"].sum()), clusters=len(sizes),
                                     clustered_documents=int(sum(sizes)),
                                     sizes=dict(sorted(Counter(sizes).items())), seconds=secs)
        lap("write")
        secs["total"] = round(time.perf_counter() - t0, 3)
        import dataclasses

        return dataclasses.replace(summary, seconds=secs)
    finally:
        if own and spark is not None:
            spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)
