"""Spark backend of corpus clustering: the data-parallel steps, spread over a cluster.

:class:`SparkBackend` is a :class:`storydiff.corpus.orchestrator.Backend`: the
orchestrator runs the same steps and the same policy as for the embedded
engine, and only the data-parallel work runs here. The hashing code is not
re-implemented: every step calls the same pure numpy functions inside
``mapInPandas``, one Arrow batch at a time, so both backends produce the same
signatures, keys and pairs.

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
* **document vectors** by Spark tasks; the projection and the kNN search run on
  the driver (in the orchestrator), as for the embedded engine, so the
  neighbour lists are identical;
* on the **driver**: the stop list (from a seeded sample) and the merge guard's
  few root-pair checks (one small job each would cost more than the check).

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
    with store.session(store_path, read_only=True) as con:
        meta = store.query_arrow(con, "SELECT seq, text_key, length, date FROM documents ORDER BY seq")
        # idx = position in seq order: the engine's array index
        con.execute(
            "COPY (SELECT row_number() OVER (ORDER BY seq) - 1 AS idx, id, text, date, length, text_key "
            f"FROM documents ORDER BY seq) TO '{path}' (FORMAT parquet)"
        )
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


class SparkBackend:
    """:class:`storydiff.corpus.orchestrator.Backend` over a Spark DataFrame of documents ``(idx, id, text, …)``."""

    knn_threads = 1

    def __init__(self, spark: SparkSession, docs: DataFrame, cfg: ClusterConfig, meta: Any, ids: list[str],
                 stoplist: Any) -> None:
        self.spark, self.docs, self.cfg, self._meta, self._ids = spark, docs, cfg, meta, ids
        self._stoplist = stoplist
        self._stop: frozenset[str] | None = None
        self._sigs: DataFrame | None = None
        self._local: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        #: where :meth:`save` sends the tables: the store, a Parquet directory, or both
        self.writers: list[Any] = []

    def documents(self) -> Any:
        return self._meta

    def stoplist(self, n: int) -> frozenset[str]:
        self._stop = self._stoplist(n)
        return self._stop

    def signatures(self, kind: str, stop: frozenset[str] | None, reporter: Any) -> tuple[np.ndarray, np.ndarray]:
        cfg, n = self.cfg, len(self._ids)
        if self._sigs is None:  # one job signs both kinds
            self._sigs = self.docs.select("idx", "text").mapInPandas(
                _sign_batches(cfg, self._stop or None),
                "idx long, sig_ngram binary, n_shingles int, sig_unigram binary").persist()
            got = _collect_sorted(self._sigs, ["sig_ngram", "n_shingles", "sig_unigram"])
            sizes = got["n_shingles"].to_numpy(np.int64)
            for k in ("ngram", "unigram") if cfg.unigrams else ("ngram",):
                sig = np.frombuffer(b"".join(got[f"sig_{k}"].tolist()), dtype="<u4").reshape(n, cfg.num_perm)
                self._local[k] = (sig, sizes)
        return self._local.pop(kind)

    def band_pairs(self, kind: str, sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
        assert self._sigs is not None
        col = f"sig_{kind}"
        keys = self._sigs.select("idx", col).mapInPandas(_key_batches(col, bands, rows), "idx long, band int, key long")
        return collect_pairs(banded_pairs(keys, self.cfg.max_bucket))

    def document_vectors(self, reporter: Any) -> np.ndarray:
        emb = _collect_sorted(self.docs.select("idx", "text").mapInPandas(_embed_batches(self.cfg.encoder),
                                                                         "idx long, vec binary"), ["vec"])
        return np.frombuffer(b"".join(emb["vec"].tolist()), dtype="<f2").reshape(len(self._ids), -1)

    def check(self, pairs: np.ndarray, reporter: Any, label: str) -> np.ndarray:
        with reporter.task(f"{label} (Spark)", len(pairs)) as advance:
            out = _sentence_check_spark(self.spark, self.docs, self.cfg, pairs)
            advance(len(pairs))
        return out

    def check_few(self, pairs: np.ndarray) -> np.ndarray:
        return _driver_check(self.docs, self.cfg, pairs)

    def ids(self, positions: np.ndarray) -> dict[int, str]:
        return {int(p): self._ids[int(p)] for p in positions}

    def save(self, pairs: Any, clusters: Any, cfg: ClusterConfig, summary: Any) -> None:
        for write in self.writers:
            write(pairs, clusters, cfg, summary)


def run_spark_cluster(store_path: str, *, master: str = "local[2]", config: ClusterConfig | None = None,
                      output: str | None = None, input_path: str | None = None,
                      spark: SparkSession | None = None, reporter: Any = None) -> Any:
    """Cluster a corpus with Spark, giving the embedded engine's clusters.

    Args:
        store_path: the DuckDB corpus store. Documents are read from it unless
            ``input_path`` is given; when they are, the run's ``pairs`` and
            ``clusters`` tables are written back to it exactly as
            ``storydiff corpus cluster`` writes them.
        master: Spark master URL (``local[2]``, ``spark://host:7077``, ...).
        config: every setting of the run (the embedded engine's defaults).
        output: also write the clusters as Parquet (``cluster_id, doc_id, is_origin, origin_reason``) here;
            with a store, its origins as the store holds them (a stored stemma decides its cluster's).
        input_path: read documents from this Parquet or JSON Lines file
            (columns ``id``, ``text``, optional ``date``, ``source``) instead of the store.
        spark: an existing SparkSession to use (it is not stopped).
        reporter: progress reporting (silent by default).

    Returns:
        The run's :class:`storydiff.corpus.orchestrator.ClusterSummary`.

    Raises:
        BackendUnavailable: pyspark or pandas is not installed.
        CorpusError: the store or the input is unusable.
    """
    import shutil

    import pyarrow as pa

    from storydiff.corpus import orchestrator, store
    from storydiff.corpus.engine import write_results
    from storydiff.corpus.stoplist import stoplist as store_stoplist

    _require_pyspark()
    cfg = config or ClusterConfig()
    tmp = tempfile.mkdtemp(prefix="storydiff_spark_")
    own = spark is None
    try:
        from_store = input_path is None
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
        ids = info["id"].tolist()
        if not from_store:
            dates = [d if isinstance(d, str) else None for d in info["date"]]  # NaN → None
            meta = pa.table({"length": info["length"].to_numpy(np.int32), "date": pa.array(dates, pa.string()),
                             "text_key": info["text_key"].to_numpy(np.int64)})

        def stoplist(n: int) -> frozenset[str]:
            if not from_store:
                return _stoplist_from_file(str(input_path), cfg, n)
            with store.session(store_path) as con:  # the store's saved (or freshly sampled) list, as the engine's
                return store_stoplist(con, cfg, n)

        backend = SparkBackend(spark, docs, cfg, meta, ids, stoplist)
        if from_store:
            def to_store(pairs: Any, clusters: Any, cfg: ClusterConfig, summary: Any) -> None:
                with store.session(store_path) as con:
                    write_results(con, pairs, clusters, cfg, summary)

            backend.writers.append(to_store)
        if output:
            def to_parquet(pairs: Any, clusters: Any, cfg: ClusterConfig, summary: Any) -> None:
                if from_store:
                    # The origins as the store now holds them: a stemma stored by `corpus stemma` for a cluster's
                    # members decides its origin there (``to_store`` ran first), not the dates alone.
                    with store.session(store_path, read_only=True) as con:
                        clusters = store.query_arrow(con, "SELECT cluster_id, doc_id, is_origin, origin_reason"
                                                          " FROM clusters ORDER BY cluster_id, doc_id")
                spark.createDataFrame(clusters.to_pandas()).coalesce(1).write.mode("overwrite").parquet(output)

            backend.writers.append(to_parquet)
        return orchestrator.run(backend, cfg, reporter)
    finally:
        if own and spark is not None:
            spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)
