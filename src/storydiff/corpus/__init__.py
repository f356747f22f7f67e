"""Corpus-scale clustering: find every cluster of versions of a story, and reused passages.

The API (:mod:`storydiff.corpus.api`), over a store of documents (one DuckDB file):

* :func:`add_documents` — put documents into the store (incremental, resumable);
* :func:`cluster` — find the clusters of versions (embedded engine or Spark, same clusters);
* :func:`read_clusters` — the clusters of the last run, largest first, with their evidence;
* :func:`reuse` — passages reused across documents, grouped into reuse clusters.

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

from typing import TYPE_CHECKING, Any

from storydiff.corpus.grouping import Cluster, PairEvidence, union_find
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.lsh import band_keys, candidate_pairs, optimal_bands
from storydiff.corpus.minhash import estimate_jaccard, signatures

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
    "add_documents",
    "band_keys",
    "candidate_pairs",
    "cluster",
    "estimate_jaccard",
    "load_document",
    "optimal_bands",
    "read_clusters",
    "reuse",
    "semantic_candidates",
    "signatures",
    "union_find",
    "verify_pair",
    "verify_pairs",
]


_API = ("AddSummary", "ClusterSummary", "Reuse", "ReuseConfig", "add_documents", "cluster", "read_clusters", "reuse")


def __getattr__(name: str) -> Any:
    # The semantic step and verification load an embedding model and faiss;
    # import them only when used so `import storydiff.corpus` stays light.
    if name == "semantic_candidates":
        from storydiff.corpus.semantic import semantic_candidates

        return semantic_candidates
    if name in _API:
        from storydiff.corpus import api

        return getattr(api, name)
    if name in ("verify_pair", "verify_pairs"):
        from storydiff.corpus import verify

        return getattr(verify, name)
    raise AttributeError(f"module 'storydiff.corpus' has no attribute {name!r}")


def load_document(store_path: str, doc_id: str) -> Document:
    """The document ``doc_id`` of the corpus store at ``store_path``.

    Raises:
        CorpusError: when the store does not exist or has no such id.
    """
    from storydiff.corpus.store import load_document as _load

    return _load(store_path, doc_id)
