"""Corpus-scale clustering: find every cluster of versions of a story, and reused passages.

The API (:mod:`storydiff.corpus.api`), over a store of documents (one DuckDB file):

* :func:`add_documents` — put documents into the store (incremental, resumable);
* :func:`cluster` — find the clusters of versions (embedded engine or Spark, same clusters);
* :func:`read_clusters` — the clusters of the last run, largest first, with their evidence;
* :func:`reuse` — passages reused across documents, grouped into reuse clusters;
* :func:`stemmas` — who copied whom inside each cluster (a collation of its members), stored.

They need the ``corpus`` extra (duckdb, pyarrow, faiss-cpu): :func:`require` says so in one line.

The building blocks, pure functions (numpy arrays in, numpy arrays out) that
every backend shares:

* :func:`signatures` — vectorised MinHash over word n-grams (datasketch-compatible);
* :func:`band_keys`, :func:`candidate_pairs`, :func:`optimal_bands` — LSH banding;
* :func:`semantic_candidates` — WordLlama document embeddings, top principal
  components dropped, IVF kNN (faiss k-means, our list join);
* :func:`verify_pair`, :func:`verify_pairs` — sentence-level check of a candidate;
* :func:`union_find` — connected components of verified pairs;
* :func:`load_document` — one stored document, for ``storydiff compare --corpus``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from storydiff.errors import BackendUnavailable

if TYPE_CHECKING:
    from storydiff.model import Document

__all__ = [
    "AddSummary",
    "Cluster",
    "ClusterConfig",
    "ClusterSummary",
    "PairEvidence",
    "Reuse",
    "ReuseConfig",
    "StemmaSummary",
    "add_documents",
    "band_keys",
    "candidate_pairs",
    "cluster",
    "estimate_jaccard",
    "load_document",
    "optimal_bands",
    "read_clusters",
    "require",
    "reuse",
    "semantic_candidates",
    "signatures",
    "stemmas",
    "union_find",
    "verify_pair",
    "verify_pairs",
]

#: what the corpus engine imports beyond the core install, and the PyPI package of each:
#: the ``corpus`` extra (``pip install 'storydiff[corpus]'``)
EXTRA_MODULES = {"duckdb": "duckdb", "pyarrow": "pyarrow", "faiss": "faiss-cpu", "threadpoolctl": "threadpoolctl",
                 "dateutil": "python-dateutil"}

# Every name is imported on first use: the building blocks need pyarrow (and the store duckdb),
# which the core install (`pip install storydiff`, for comparing) does not have.
_WHERE = {
    "AddSummary": "api", "ClusterSummary": "api", "Reuse": "api", "ReuseConfig": "api", "add_documents": "api",
    "cluster": "api", "read_clusters": "api", "reuse": "api", "StemmaSummary": "api", "stemmas": "api",
    "Cluster": "grouping", "PairEvidence": "grouping", "union_find": "grouping", "ClusterConfig": "config",
    "band_keys": "lsh", "candidate_pairs": "lsh", "optimal_bands": "lsh", "estimate_jaccard": "minhash",
    "signatures": "minhash", "semantic_candidates": "semantic", "verify_pair": "verify", "verify_pairs": "verify",
}


def require() -> None:
    """Check that the corpus extra is installed.

    Raises:
        BackendUnavailable: one of :data:`EXTRA_MODULES` cannot be imported; the message names the extra.
    """
    missing = [pkg for mod, pkg in EXTRA_MODULES.items() if _absent(mod)]
    if missing:
        names = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        raise BackendUnavailable(f"the corpus engine needs {names}, which "
                                 f"{'is' if len(missing) == 1 else 'are'} not installed; install the corpus extra: "
                                 "pip install 'storydiff[corpus]'")


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a module blocked or half-imported
        return True


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'storydiff.corpus' has no attribute {name!r}")
    if _WHERE[name] == "api":
        require()
    module = importlib.import_module(f"storydiff.corpus.{_WHERE[name]}")
    return getattr(module, name)


def load_document(store_path: str, doc_id: str) -> Document:
    """The document ``doc_id`` of the corpus store at ``store_path``.

    Raises:
        CorpusError: when the store does not exist or has no such id.
        BackendUnavailable: the corpus extra is not installed.
    """
    require()
    from storydiff.corpus.store import load_document as _load

    return _load(store_path, doc_id)
