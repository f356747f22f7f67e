"""Passage reuse on Spark: the embedded search's steps as DataFrame jobs, the same passages.

* n-grams: :func:`storydiff.corpus.passages.document_ngrams` in ``mapInPandas``, rows ``(hash, idx)``;
* candidates: document frequency per n-gram (``groupBy``), the n-grams in 2..``max_df`` documents
  self-joined on the hash, pairs counted and kept at ``min_shared`` — the rule of
  :func:`storydiff.corpus.passages.candidate_pairs_from_postings`;
* alignment: each pair joined with both texts, :func:`storydiff.corpus.passages.align_pair` in ``mapInPandas``;
* reuse clusters on the driver, by the same :func:`storydiff.corpus.passages.reuse_clusters`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from storydiff.corpus.passages import Reuse, ReuseConfig

if TYPE_CHECKING:
    import pandas as pd

_PASSAGE_SCHEMA = ("i long, j long, a_start long, a_end long, b_start long, b_end long, words long, "
                   "similarity double, a_text string, b_text string")


def _ngram_batches(cfg: ReuseConfig) -> Any:
    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.passages import document_ngrams

        for pdf in batches:
            grams = document_ngrams(pdf["text"].fillna("").tolist(), cfg)
            idx = np.repeat(pdf["idx"].to_numpy(np.int64), [g.size for g in grams])
            flat = np.concatenate(grams) if grams else np.zeros(0, np.uint64)
            yield pd.DataFrame({"hash": flat.view(np.int64), "idx": idx})

    return fn


def _align_batches(cfg: ReuseConfig) -> Any:
    def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from storydiff.corpus.passages import align_pairs

        cols = ["i", "j", "a_start", "a_end", "b_start", "b_end", "words", "similarity", "a_text", "b_text"]
        for pdf in batches:
            texts = dict(zip(pdf["i"].tolist(), pdf["text_i"].tolist()))
            texts.update(zip(pdf["j"].tolist(), pdf["text_j"].tolist()))
            pairs = np.stack([pdf["i"].to_numpy(np.int64), pdf["j"].to_numpy(np.int64)], axis=1)
            yield pd.DataFrame(align_pairs(texts, pairs, cfg), columns=cols)

    return fn


def run_spark_reuse(store_path: str, *, master: str = "local[2]", config: ReuseConfig | None = None,
                    spark: Any = None, reporter: Any = None) -> Reuse:
    """:func:`storydiff.corpus.reuse_run.find_reuse` on Spark (same passages and reuse clusters).

    Raises:
        BackendUnavailable: pyspark or pandas is not installed.
        CorpusError: the store is missing, damaged or empty.
    """
    from storydiff.corpus.progress import Reporter
    from storydiff.corpus.passages import reuse_clusters
    from storydiff.corpus.spark import _docs_from_store, _require_pyspark, collect_pairs, spark_session
    from storydiff.errors import CorpusError

    _require_pyspark()
    from pyspark.sql import functions as F

    cfg = config or ReuseConfig()
    reporter = reporter or Reporter()
    tmp = tempfile.mkdtemp(prefix="storydiff_spark_")
    own = spark is None
    try:
        docs_path, meta = _docs_from_store(store_path, tmp)
        n = len(meta)
        if n == 0:
            raise CorpusError("the corpus store holds no documents; add some first with "
                              "`storydiff corpus add STORE INPUT`")
        if own:
            spark = spark_session(master, local_dir=tmp)
        docs = spark.read.parquet(docs_path).select("idx", "id", "text").persist()
        reporter.step("step 1/3: word n-grams and candidate pairs (Spark)")
        with reporter.task("word n-grams and candidate pairs (Spark)", None):
            grams = docs.select("idx", "text").mapInPandas(_ngram_batches(cfg), "hash long, idx long")
            df = grams.groupBy("hash").count().where((F.col("count") >= 2) & (F.col("count") <= cfg.max_df))
            kept = grams.join(df.select("hash"), "hash")
            a, b = kept.alias("a"), kept.alias("b")
            shared = (a.join(b, (F.col("a.hash") == F.col("b.hash")) & (F.col("a.idx") < F.col("b.idx")))
                      .select(F.col("a.idx").alias("i"), F.col("b.idx").alias("j"))
                      .groupBy("i", "j").count().where(F.col("count") >= cfg.min_shared))
            pairs = collect_pairs(shared)
        reporter.step("step 2/3: aligning candidate pairs (Spark)")
        with reporter.task("aligning candidate pairs (Spark)", len(pairs)) as advance:
            import pandas as pd

            todo = spark.createDataFrame(pd.DataFrame({"i": pairs[:, 0], "j": pairs[:, 1]}))
            ti = docs.select(F.col("idx").alias("i"), F.col("text").alias("text_i"))
            tj = docs.select(F.col("idx").alias("j"), F.col("text").alias("text_j"))
            parts = max(int(spark.sparkContext.defaultParallelism) * 2, 1)
            joined = todo.join(ti, "i").join(tj, "j").repartition(parts, "i", "j")
            found = joined.mapInPandas(_align_batches(cfg), _PASSAGE_SCHEMA).toPandas()
            advance(len(pairs))
        ids = dict(enumerate(docs.select("idx", "id").toPandas().sort_values("idx")["id"].tolist()))
        rows = [tuple(int(v) if k < 7 else (float(v) if k == 7 else v) for k, v in enumerate(r))
                for r in found.itertuples(index=False, name=None)]
        reporter.step("step 3/3: reuse clusters")
        with reporter.task("reuse clusters", None):
            return reuse_clusters(rows, ids, cfg, n, len(pairs))
    finally:
        if own and spark is not None:
            spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)
