"""The corpus engine's Python API: add documents, cluster them, read the clusters, find reused passages.

Every function takes the path of a store (one DuckDB file) and returns plain
frozen dataclasses; the CLI (``storydiff corpus …``) is a thin layer over them.

Example:
    >>> from storydiff.corpus import add_documents, cluster, read_clusters
    >>> add_documents("corpus.db", ["articles/"])                # doctest: +SKIP
    >>> cluster("corpus.db")                                     # doctest: +SKIP
    >>> [c.members for c in read_clusters("corpus.db")]          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from storydiff.corpus import require

require()  # before the imports below, which need the corpus extra: one clear line instead of an ImportError

from storydiff.corpus.add import AddSummary, add_documents  # noqa: E402
from storydiff.corpus.config import ClusterConfig  # noqa: E402
from storydiff.corpus.orchestrator import ClusterSummary  # noqa: E402
from storydiff.corpus.progress import Reporter  # noqa: E402
from storydiff.corpus.results import read_clusters  # noqa: E402
from storydiff.corpus.passages import Reuse, ReuseConfig  # noqa: E402
from storydiff.corpus.stemma_run import MAX_MEMBERS, StemmaSummary, compute_stemmas  # noqa: E402
from storydiff.errors import BackendUnavailable, OptionError  # noqa: E402

#: the clustering backends, by name
ENGINES = ("embedded", "spark")

__all__ = ["ENGINES", "AddSummary", "ClusterSummary", "Reuse", "ReuseConfig", "StemmaSummary", "add_documents",
           "cluster", "read_clusters", "reuse", "stemmas"]


def _spark() -> Any:
    try:
        from storydiff.corpus import spark
    except ImportError as e:
        raise BackendUnavailable(f"the Spark engine is not available ({e}); install it with "
                                 "pip install 'storydiff[spark]'") from None
    return spark


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise OptionError(f"unknown corpus engine {engine!r}: expected one of {', '.join(ENGINES)}")


def cluster(store_path: str, *, engine: str = "embedded", config: ClusterConfig | None = None,
            master: str = "local[2]", output: str | None = None,
            reporter: Reporter | None = None) -> ClusterSummary:
    """Find every cluster of versions in the store; writes its ``pairs`` and ``clusters`` tables.

    Both engines run the same steps and the same decision
    (:mod:`storydiff.corpus.orchestrator`, :mod:`storydiff.corpus.policy`), so
    they give the same clusters.

    Args:
        store_path: the DuckDB file made by :func:`add_documents`.
        engine: ``embedded`` (this process, DuckDB and a worker pool) or ``spark``
            (PySpark; needs ``storydiff[spark]`` and Java 17).
        config: every setting of the run (defaults as measured, docs/corpus.md).
        master: Spark master URL (``engine="spark"``).
        output: Spark only: also write the clusters as Parquet here.
        reporter: progress reporting (silent by default).

    Returns:
        What the run found, with seconds per step.

    Raises:
        CorpusError: the store is missing, damaged or empty.
        BackendUnavailable: ``engine="spark"`` without pyspark.
        OptionError: an unknown engine, or ``output`` with the embedded engine.
    """
    _check_engine(engine)
    if engine == "spark":
        return _spark().run_spark_cluster(store_path, master=master, config=config, output=output, reporter=reporter)
    if output is not None:
        raise OptionError("output is for the Spark engine; the embedded engine writes the clusters to the store "
                          "(read them with read_clusters, or export them with `storydiff corpus clusters`)")
    from storydiff.corpus.engine import cluster_store

    return cluster_store(store_path, config=config, reporter=reporter)


def reuse(store_path: str, *, min_words: int = 30, engine: str = "embedded", config: ReuseConfig | None = None,
          master: str = "local[2]", workers: int = 1, reporter: Reporter | None = None) -> Reuse:
    """Passages reused across the store's documents, grouped into reuse clusters.

    Unlike :func:`cluster`, which asks whether two documents are versions of one
    text, this finds a passage shared by documents that are otherwise different
    (a quote, a reused paragraph), with character offsets in both.

    Args:
        store_path: the store.
        min_words: the shortest passage reported, in words (overrides ``config.min_words``).
        engine: ``embedded`` or ``spark`` (same passages and clusters).
        config: the other settings (n-gram size, document-frequency cap, gap, similarity floor).
        master: Spark master URL (``engine="spark"``).
        workers: worker processes of the embedded engine.
        reporter: progress reporting (silent by default).

    Returns:
        A :class:`Reuse`: passages, reuse clusters (largest first), each document's passages.

    Raises:
        CorpusError: the store is missing, damaged or empty.
        OptionError: ``min_words`` below the n-gram size, or an unknown engine.
    """
    _check_engine(engine)
    cfg = dataclasses.replace(config or ReuseConfig(), min_words=min_words)
    if cfg.min_words < cfg.ngram:
        raise OptionError(f"min_words must be at least the n-gram size {cfg.ngram} (got {cfg.min_words})")
    if engine == "spark":
        _spark()  # pyspark present, or the error that names the extra
        from storydiff.corpus.spark_reuse import run_spark_reuse

        return run_spark_reuse(store_path, master=master, config=cfg, reporter=reporter)
    from storydiff.corpus.reuse_run import find_reuse

    return find_reuse(store_path, cfg, workers=workers, reporter=reporter)


def stemmas(store_path: str, *, clusters: Sequence[str] | None = None, max_members: int = MAX_MEMBERS,
            recompute: bool = False, workers: int = 1, reporter: Reporter | None = None) -> StemmaSummary:
    """Who copied whom inside each cluster: collate its members, store the stemma, let it name the origin.

    Collating costs far more than clustering (docs/corpus.md gives the figures), so it is a step of
    its own: run it after :func:`cluster` for every cluster, or for the clusters you look at. A
    stemma is stored under the cluster's members, so it is computed once, and a later
    :func:`cluster` run that gives the same members keeps it.

    Args:
        store_path: the store, after :func:`cluster`.
        clusters: cluster ids (default: every cluster of 2 to ``max_members`` members).
        max_members: the largest cluster collated (collate takes at most 50 versions).
        recompute: collate again even when a stemma is stored for the same members.
        workers: processes collating clusters side by side.
        reporter: progress reporting (silent by default).

    Returns:
        A :class:`StemmaSummary`; :func:`read_clusters` then gives each cluster its ``stemma`` and
        the origin it names (``origin_reason`` says how it was decided).

    Raises:
        CorpusError: no clusters yet, or an unknown cluster id.
    """
    return compute_stemmas(store_path, clusters=clusters, max_members=max_members, recompute=recompute,
                           workers=workers, reporter=reporter)
