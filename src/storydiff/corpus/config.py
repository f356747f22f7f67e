"""Every knob of a corpus clustering run, in one frozen object.

Every backend takes a :class:`ClusterConfig`, so the same settings give the
same candidate pairs whichever runs them. The defaults were tuned on the
planted corpora; how each was chosen, with its figures, is in docs/corpus.md
("How the defaults were chosen").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterConfig:
    """Settings of one clustering run.

    Attributes:
        num_perm: MinHash permutations per signature.
        seed: seed of the MinHash permutations and of every sample drawn.
        ngram: word n-gram size of the lexical step.
        ngram_threshold: LSH Jaccard threshold of the n-gram step.
        ngram_bands, ngram_rows: explicit banding; ``None`` = datasketch's optimum for the threshold.
        unigrams: run the content-word unigram step (catches moderate re-wordings).
        unigram_threshold: LSH Jaccard threshold of the unigram step.
        unigram_bands, unigram_rows: explicit banding for the unigram step.
        stopword_df: a token in at least this share of sampled documents is a stop word ...
        stopword_min_docs: ... and in at least this many of them (small corpora keep their words).
        stopword_sample: documents sampled to estimate the stop list.
        semantic: run the semantic kNN step (re-worded copies, translations).
        encoder: embedding model of the semantic step and of sentence verification.
        k: neighbours per document in the semantic step.
        min_cos: semantic candidates below this cosine (after PC removal) are dropped.
        drop_pcs: top principal components removed from document embeddings.
        pca_sample: documents sampled to fit the centring and the principal components.
        max_bucket: LSH buckets above this size emit star edges, not all pairs.
        accept_jaccard: lexical pairs with estimated n-gram Jaccard at least this are accepted unchecked.
        accept_containment: ... or whose estimated n-gram containment of the shorter is at least this.
        prefilter_jaccard: n-gram pairs below this (and below ``prefilter_unigram``) are rejected unchecked.
        prefilter_unigram: unigram Jaccard floor of the prefilter.
        verify_threshold: share of the shorter document's words (in aligned sentences) that must align.
        cover_threshold: ... and that share times the length ratio (shorter / longer, in characters),
            about the share of the longer document accounted for, must reach this: a passage shared by
            two otherwise different documents is not a version (it chained clusters together).
        contain_threshold: a checked pair is also a version when this share of the shorter document's
            words align, however short it is beside the longer one (an excerpt, a source quoted in a
            longer article); above 1 = off (versions must cover the longer document).
        contain_min_length: ... provided the shorter has at least this many characters (a line or
            two of formula would otherwise join every document that has it).
        contain_ngram: a lexical pair under ``check_unigram`` is still checked when its estimated n-gram
            containment (of the smaller set) reaches this: an excerpt has a low Jaccard but is contained.
        merge_guard: joining two clusters also needs a version pair between their roots
            (:func:`storydiff.corpus.grouping.guarded_union`); off = plain union-find.
        skip_joined: with ``merge_guard``, check pairs in rounds, one per pair of clusters so far,
            and skip pairs whose documents the pairs verified so far already join
            (:func:`storydiff.corpus.engine.decide`).
        check_rounds: rounds of that before the remaining pairs are checked at once.
        check_unigram: a lexical pair goes to the sentence check only at this estimated content-unigram
            Jaccard or more (when ``unigrams`` is on); below it, pairs are dropped unchecked.
        check_cosine: a lexical pair goes to the sentence check only at this document-vector cosine
            or more (when the semantic step runs; 0 = off).
        sentence_cos: cosine at which two sentences count as aligned in verification.
        batch_size: documents per signature batch (64-128 keeps a batch in cache).
        workers: worker processes for signatures (1 = in process).
    """

    num_perm: int = 128
    seed: int = 1
    ngram: int = 3
    ngram_threshold: float = 0.3
    ngram_bands: int | None = None
    ngram_rows: int | None = None
    unigrams: bool = True
    unigram_threshold: float = 0.45
    unigram_bands: int | None = None
    unigram_rows: int | None = None
    stopword_df: float = 0.2
    stopword_min_docs: int = 20
    stopword_sample: int = 5000
    semantic: bool = True
    encoder: str = "wordllama"
    k: int = 5
    min_cos: float = 0.55
    drop_pcs: int = 10
    pca_sample: int = 20000
    max_bucket: int = 100
    accept_jaccard: float = 0.5
    accept_containment: float = 0.8
    prefilter_jaccard: float = 0.2
    prefilter_unigram: float = 0.3
    verify_threshold: float = 0.6
    cover_threshold: float = 0.55
    contain_threshold: float = 0.9
    contain_min_length: int = 150
    contain_ngram: float = 0.7
    check_unigram: float = 0.25
    check_cosine: float = 0.4
    merge_guard: bool = True
    skip_joined: bool = True
    check_rounds: int = 3
    sentence_cos: float = 0.6
    batch_size: int = 128
    workers: int = 1

    def banding(self, step: str) -> tuple[int, int]:
        """(bands, rows) of ``step`` (``"ngram"`` or ``"unigram"``), explicit or optimal."""
        from storydiff.corpus.lsh import optimal_bands

        if step == "ngram":
            b, r, t = self.ngram_bands, self.ngram_rows, self.ngram_threshold
        elif step == "unigram":
            b, r, t = self.unigram_bands, self.unigram_rows, self.unigram_threshold
        else:
            raise ValueError(f"unknown step {step!r}: expected 'ngram' or 'unigram'")
        if b is not None and r is not None:
            return b, r
        return optimal_bands(t, self.num_perm)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for provenance and the store's settings table)."""
        return dataclasses.asdict(self)
