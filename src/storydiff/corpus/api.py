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

from storydiff.corpus.add import AddSummary, add_documents
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.orchestrator import ClusterSummary
from storydiff.corpus.progress import Reporter
from storydiff.corpus.results import read_clusters
from storydiff.errors import BackendUnavailable, OptionError

#: the clustering backends, by name
ENGINES = ("embedded", "spark")

__all__ = ["ENGINES", "AddSummary", "ClusterSummary", "add_documents", "cluster", "read_clusters"]


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
    if engine not in ENGINES:
        raise OptionError(f"unknown corpus engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "spark":
        try:
            from storydiff.corpus.spark import run_spark_cluster
        except ImportError as e:
            raise BackendUnavailable(f"the Spark engine is not available ({e}); install it with "
                                     "pip install 'storydiff[spark]'") from None
        return run_spark_cluster(store_path, master=master, config=config, output=output, reporter=reporter)
    if output is not None:
        raise OptionError("output is for the Spark engine; the embedded engine writes the clusters to the store "
                          "(read them with read_clusters, or export them with `storydiff corpus clusters`)")
    from storydiff.corpus.engine import cluster_store

    return cluster_store(store_path, config=config, reporter=reporter)
