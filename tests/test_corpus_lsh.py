"""LSH banding, candidate pairs, optimal bands and union-find (storydiff.corpus.lsh / cluster)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from storydiff.corpus import band_keys, candidate_pairs, optimal_bands, union_find
from storydiff.corpus.origin import cluster_origin
from storydiff.corpus.lsh import EMPTY_KEY


def _brute_force(sigs: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    out = set()
    for i, j in itertools.combinations(range(len(sigs)), 2):
        for b in range(bands):
            sl = slice(b * rows, (b + 1) * rows)
            if (sigs[i, sl] == sigs[j, sl]).all():
                out.add((i, j))
                break
    return out


@pytest.mark.parametrize("bands,rows", [(37, 3), (32, 4), (16, 8)])
def test_candidate_pairs_equal_brute_force(bands, rows):
    rng = np.random.default_rng(bands)
    # few distinct values per column so that many bands collide
    sigs = rng.integers(0, 3, size=(60, 128)).astype(np.uint32)
    got = candidate_pairs(band_keys(sigs, bands=bands, rows=rows))
    assert got.dtype == np.int64 and (got[:, 0] < got[:, 1]).all()
    assert len({tuple(p) for p in got.tolist()}) == len(got)
    assert {tuple(p) for p in got.tolist()} == _brute_force(sigs, bands, rows)


def test_candidate_pairs_merge_bands_in_any_grouping(monkeypatch):
    # at a million documents the bands' pairs are merged into the union every few
    # bands; a tiny threshold makes this corpus take that path at every band
    import storydiff.corpus.lsh as lsh

    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 4, size=(80, 128)).astype(np.uint32)
    keys = band_keys(sigs, bands=37, rows=3)
    at_once = candidate_pairs(keys)
    monkeypatch.setattr(lsh, "MERGE_MIN", 1)
    assert np.array_equal(candidate_pairs(keys), at_once)
    assert {tuple(p) for p in at_once.tolist()} == _brute_force(sigs, 37, 3)


def test_candidate_pairs_split_over_workers_are_the_same():
    from storydiff.corpus.parallel import pool

    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 6, size=(2000, 128)).astype(np.uint32)
    keys = band_keys(sigs, bands=37, rows=3)
    alone = candidate_pairs(keys, max_bucket=50)
    assert len(alone) > 1000
    with pool(2) as ex:
        assert np.array_equal(candidate_pairs(keys, max_bucket=50, executor=ex, parts=2), alone)
        assert np.array_equal(candidate_pairs(keys, max_bucket=50, executor=ex, parts=5), alone)


def test_big_bucket_emits_star_to_first_member():
    sigs = np.zeros((10, 8), dtype=np.uint32)  # all ten identical
    full = candidate_pairs(band_keys(sigs, bands=2, rows=4), max_bucket=100)
    star = candidate_pairs(band_keys(sigs, bands=2, rows=4), max_bucket=5)
    assert len(full) == 45
    assert star.tolist() == [[0, j] for j in range(1, 10)]


def test_empty_documents_never_match():
    sigs = np.full((3, 8), 0xFFFFFFFF, dtype=np.uint32)
    keys = band_keys(sigs, bands=2, rows=4)
    assert (keys == EMPTY_KEY).all()
    assert len(candidate_pairs(keys)) == 0


def test_band_keys_refuse_too_many_rows():
    with pytest.raises(ValueError, match="exceeds"):
        band_keys(np.zeros((2, 8), np.uint32), bands=3, rows=3)


@pytest.mark.parametrize("threshold", [0.3, 0.4, 0.5, 0.8])
def test_optimal_bands_match_datasketch(threshold):
    lsh = pytest.importorskip("datasketch.lsh")
    assert optimal_bands(threshold, 128) == lsh._optimal_param(threshold, 128, 0.5, 0.5)


def test_union_find_components():
    labels = union_find(7, np.array([[0, 3], [3, 5], [2, 6]]))
    assert labels.tolist() == [0, 1, 2, 0, 3, 0, 2]
    assert union_find(3, np.zeros((0, 2), np.int64)).tolist() == [0, 1, 2]


def test_union_find_matches_naive_on_random_graph():
    rng = np.random.default_rng(5)
    pairs = rng.integers(0, 200, size=(150, 2))
    labels = union_find(200, pairs)
    parent = list(range(200))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        parent[find(a)] = find(b)
    for a, b in itertools.combinations(range(0, 200, 7), 2):
        assert (labels[a] == labels[b]) == (find(a) == find(b))


def test_cluster_origin_is_the_earliest_dated_member_else_none_with_a_reason():
    assert cluster_origin(["a", "b"], ["2024-01-02", "2024-01-01T10:00:00Z"]) == ("b", "earliest date (2024-01-01T10:00:00Z)")
    origin, why = cluster_origin(["a", "b", "c"], [None, "2024-01-02", "2024-01-01T10:00:00Z"])
    assert origin is None and why == "1 of 3 members have no date (earliest dated: c, 2024-01-01T10:00:00Z)"
    assert cluster_origin(["b", "a"], [None, None]) == (None, "no member has a date")
    origin, why = cluster_origin(["a", "b"], ["2024-01-01", "2024-01-01T00:00:00+00:00"])
    assert origin is None and "share the earliest date" in why
    assert cluster_origin(["a", "b"], ["2024-01-01", None], stemma=("b", "root of the stemma")) == ("b", "root of the stemma")
